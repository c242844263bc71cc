package org.nodeffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.nodeffm.internal.Handles;

/** Several runtimes at once, closing under load and from inside, and many start/close cycles. */
class LifecycleIT {
  @Test
  void fourRuntimesAtOnceEachWithItsOwnLoopThread() throws Exception {
    List<NodeRuntime> runtimes = new ArrayList<>();
    try {
      // Started at once, from four threads.
      try (ExecutorService starters = Executors.newFixedThreadPool(4)) {
        List<Future<NodeRuntime>> started = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          String bootstrap = "globalThis.id = " + i + ";";
          started.add(starters.submit(() -> NodeRuntime.start(bootstrap)));
        }
        for (Future<NodeRuntime> runtime : started) {
          runtimes.add(runtime.get(60, TimeUnit.SECONDS));
        }
      }
      Set<String> loopThreads = new HashSet<>();
      for (NodeRuntime node : runtimes) {
        node.expose("threadName", args -> Thread.currentThread().getName());
        loopThreads.add((String) node.evalAsync("threadName()").join());
      }
      assertEquals(4, loopThreads.size(), "loop threads: " + loopThreads);
      // Four threads call the four runtimes at once; each keeps its own globals.
      try (ExecutorService threads = Executors.newFixedThreadPool(4)) {
        List<Future<Integer>> sums = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          JsFunction addId = runtimes.get(i).function("(x) => x + id");
          sums.add(
              threads.submit(
                  () -> {
                    int sum = 0;
                    for (int k = 0; k < 500; k++) {
                      sum += (Integer) addId.call(k);
                    }
                    return sum;
                  }));
        }
        for (int i = 0; i < 4; i++) {
          assertEquals(124_750 + 500 * i, sums.get(i).get(60, TimeUnit.SECONDS));
        }
      }
    } finally {
      runtimes.forEach(NodeRuntime::close);
    }
  }

  @Test
  void closeEndsAnEndlessLoopAndFailsWhatIsPending() throws Exception {
    NodeRuntime node = NodeRuntime.start();
    CompletableFuture<Object> endless = node.evalAsync("while (true) {}");
    CompletableFuture<Object> queued = node.evalAsync("'never runs'");
    CompletableFuture<Object> promise = CompletableFuture.completedFuture(null);
    Thread.sleep(100);
    assertFalse(endless.isDone());
    Thread closer = Thread.ofPlatform().start(node::close);
    closer.join(30_000);
    assertFalse(closer.isAlive(), "close() did not end while (true) {} within 30 s");
    for (CompletableFuture<Object> future : List.of(endless, queued)) {
      RuntimeClosedException closed =
          assertInstanceOf(RuntimeClosedException.class, FunctionCallTest.failureOf(future));
      assertTrue(closed.getMessage().contains("is closed"), closed.getMessage());
    }
    assertEquals(0, node.onExit().get(1, TimeUnit.SECONDS));
    assertInstanceOf(RuntimeClosedException.class, FunctionCallTest.failureOf(node.evalAsync("1")));
    assertTrue(promise.isDone());
  }

  @Test
  void closeFromInsideAJavaCallback() throws Exception {
    NodeRuntime node = NodeRuntime.start();
    node.expose(
        "quit",
        args -> {
          node.close(); // On the loop thread: stops without waiting for itself.
          return "after close";
        });
    // V8 terminates the script at its next check (a call, a loop): the loop does not run forever.
    CompletableFuture<Object> result = node.evalAsync("quit(); while (true) {}");
    assertEquals(0, node.onExit().get(30, TimeUnit.SECONDS));
    assertInstanceOf(RuntimeClosedException.class, FunctionCallTest.failureOf(result));
  }

  /**
   * Starts and closes runtimes {@code nodeffm.cycles} times (1,000 by default), each doing a little
   * work, and measures the process's resident memory: it must stay bounded (a leaked environment
   * costs megabytes, so 1,000 of them would be gigabytes) and the Java side must drop every handle.
   * Writes the numbers to target/lifecycle-rss.txt.
   */
  @Test
  void thousandStartCloseCyclesKeepMemoryBounded() throws Exception {
    int cycles = Integer.getInteger("nodeffm.cycles", 1000);
    int warmUp = 50;
    for (int i = 0; i < warmUp; i++) {
      cycle(i);
    }
    long rssAfterWarmUp = settledRss();
    int handlesAfterWarmUp = Handles.size();
    long threadsAfterWarmUp = Thread.getAllStackTraces().size();
    long start = System.nanoTime();
    long[] samples = new long[10];
    for (int i = 0; i < cycles; i++) {
      cycle(i);
      if ((i + 1) % (cycles / samples.length) == 0) {
        samples[(i + 1) / (cycles / samples.length) - 1] = rssKb();
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    long rssAfter = settledRss();
    long growthKb = rssAfter - rssAfterWarmUp;
    String report =
        String.format(
            "%d start/close cycles in %.1f s (%.1f ms each); RSS after %d warm-up cycles %d MB,"
                + " after the %d cycles %d MB: growth %d MB (%.1f KB per cycle); samples (MB): %s;"
                + " handles %d -> %d; threads %d -> %d%n",
            cycles,
            seconds,
            seconds * 1000 / cycles,
            warmUp,
            rssAfterWarmUp / 1024,
            cycles,
            rssAfter / 1024,
            growthKb / 1024,
            (double) growthKb / cycles,
            java.util.Arrays.stream(samples).mapToObj(kb -> String.valueOf(kb / 1024)).toList(),
            handlesAfterWarmUp,
            Handles.size(),
            threadsAfterWarmUp,
            Thread.getAllStackTraces().size());
    System.out.print(report);
    Path target = Scripts.repo().resolve("target");
    Files.createDirectories(target);
    Files.writeString(target.resolve("lifecycle-rss.txt"), report);
    assertTrue(growthKb < 256 * 1024, "RSS grew by " + growthKb / 1024 + " MB: " + report);
    assertTrue(Handles.size() <= handlesAfterWarmUp, report);
    assertTrue(Thread.getAllStackTraces().size() <= threadsAfterWarmUp + 2, report);
  }

  private static void cycle(int i) {
    try (NodeRuntime node = NodeRuntime.start()) {
      JsFunction f = node.function("(x, o) => ({ x, n: o.list.length, s: JSON.stringify(o) })");
      node.expose("twice", args -> ((Integer) args[0]) * 2);
      Object result = f.call(i, java.util.Map.of("list", List.of(1, 2, 3)));
      if (!(result instanceof java.util.Map<?, ?> map)
          || !Integer.valueOf(3).equals(map.get("n"))) {
        throw new AssertionError("cycle " + i + ": " + result);
      }
      if (!Integer.valueOf(2 * i).equals(node.evalAsync("twice(" + i + ")").join())) {
        throw new AssertionError("cycle " + i);
      }
    }
  }

  private static long settledRss() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return rssKb();
  }

  /** VmRSS of /proc/self/status, in KB. */
  static long rssKb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }
}
