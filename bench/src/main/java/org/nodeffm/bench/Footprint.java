package org.nodeffm.bench;

import com.caoccao.javet.interop.V8Host;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Measurement 4, memory: resident set size (VmRSS) of a JVM before any runtime, with one runtime
 * open, and with {@code k} runtimes open at once. Run by bench/run in child JVMs with a fixed,
 * pre-touched heap (-Xms = -Xmx, -XX:+AlwaysPreTouch), so that the differences are the runtimes'
 * native memory.
 *
 * <pre>java ... org.nodeffm.bench.Footprint node-ffm|javet|graaljs K [flavour]</pre>
 *
 * Prints {@code RESULT {json}} with rss0, rss1, rssK in KiB.
 */
public final class Footprint {
  interface Runtime extends AutoCloseable {
    @Override
    void close() throws Exception;
  }

  interface Starter {
    Runtime start() throws Exception;
  }

  public static void main(String[] args) throws Exception {
    String peer = args[0];
    int k = Integer.parseInt(args[1]);
    Starter starter =
        switch (peer) {
          case "node-ffm" -> {
            Node.useFlavour(args.length > 2 ? args[2] : "patched");
            yield () -> {
              org.nodeffm.NodeRuntime runtime = org.nodeffm.NodeRuntime.start();
              check(String.valueOf(runtime.eval("1 + 1")));
              return runtime::close;
            };
          }
          case "javet" -> () -> {
            com.caoccao.javet.interop.NodeRuntime runtime = V8Host.getNodeInstance().createV8Runtime();
            check(String.valueOf(runtime.getExecutor("1 + 1").executeInteger()));
            return runtime::close;
          };
          case "graaljs" -> GraalJs::start;
          default -> throw new IllegalArgumentException(peer);
        };
    long rss0 = rssKiB();
    List<Runtime> open = new ArrayList<>();
    open.add(starter.start());
    long rss1 = rssKiB();
    while (open.size() < k) {
      open.add(starter.start());
    }
    long rssK = rssKiB();
    for (Runtime runtime : open) {
      runtime.close();
    }
    System.out.println(
        "RESULT {\"peer\": \"" + peer + "\", \"k\": " + k + ", \"rss0KiB\": " + rss0
            + ", \"rss1KiB\": " + rss1 + ", \"rssKKiB\": " + rssK + "}");
    System.exit(0);
  }

  private static final class GraalJs {
    static Runtime start() {
      org.graalvm.polyglot.Context context = org.graalvm.polyglot.Context.create("js");
      check(String.valueOf(context.eval("js", "1 + 1").asInt()));
      return context::close;
    }
  }

  private static void check(String result) {
    if (!"2".equals(result)) {
      throw new AssertionError("CORRECTNESS CHECK FAILED: 1 + 1 gave " + result);
    }
  }

  static long rssKiB() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }
}
