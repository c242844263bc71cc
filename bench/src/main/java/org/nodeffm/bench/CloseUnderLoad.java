package org.nodeffm.bench;

import com.caoccao.javet.interop.V8Host;
import com.caoccao.javet.values.reference.V8ValueFunction;
import com.caoccao.javet.values.reference.V8ValueGlobalObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import org.nodeffm.napi.CallMode;
import org.nodeffm.JsFunction;
import org.nodeffm.napi.NapiStatus;
import org.nodeffm.NodeRuntime;
import org.nodeffm.RuntimeClosedException;
import org.nodeffm.napi.ThreadSafeFunction;

/**
 * Measurement 3, close under load, one round per JVM (bench/run starts many and counts how each
 * ended): {@value #THREADS} threads call a runtime as fast as they can, alternately a JavaScript
 * function ({@code echo(n)}) and a script ({@code "n"}), the same on every runtime; after {@value
 * #LOAD_MILLIS} ms the main thread closes the runtime; every caller must then stop with the
 * runtime's "closed" signal and the JVM exit 0.
 *
 * <pre>
 * java ... org.nodeffm.bench.CloseUnderLoad node-ffm patched|stock [tsfn]
 * java ... org.nodeffm.bench.CloseUnderLoad javet
 * java ... org.nodeffm.bench.CloseUnderLoad graaljs   (with GraalJS on the module path)
 * </pre>
 *
 * Every result is checked the same way on every path: a call gives {@code n}, or throws the
 * runtime's "closed" signal once the close began (node-ffm: {@link RuntimeClosedException}; the
 * peers: any exception); any other value is a wrong value, counted ({@code wrongValues}) and the
 * end of its caller, any other exception a failure. For thread-safe function calls the status is
 * the result: {@code OK}, {@code QUEUE_FULL} or {@code CLOSING}.
 *
 * <p>Prints one line {@code RESULT {json}}. Exit 0: every caller saw the close and stopped, and
 * every value was right; 2: a wrong value, or a caller failed in another way, or before the close;
 * 3: callers still running 20 s after the close. A crash (signal) or a hang is what bench/run sees
 * from outside.
 */
public final class CloseUnderLoad {
  static final int THREADS = 4;
  static final int LOAD_MILLIS = 300;

  private final AtomicBoolean closing = new AtomicBoolean();
  private final LongAdder calls = new LongAdder();
  private final LongAdder wrongValues = new LongAdder();
  private final Map<String, Integer> endings = new ConcurrentHashMap<>();
  private final LongAdder failures = new LongAdder();

  /** One caller's loop: returns how it ended, or throws. */
  interface Caller {
    String run(int index) throws Exception;
  }

  /** One call of {@code n} on one path; returns what JavaScript gave back. */
  interface Call {
    Object call(int n) throws Exception;
  }

  public static void main(String[] args) throws Exception {
    String peer = args[0];
    CloseUnderLoad round = new CloseUnderLoad();
    int exit =
        switch (peer) {
          case "node-ffm" ->
              args.length > 2 && args[2].equals("tsfn")
                  ? round.nodeFfmTsfn(args[1])
                  : round.nodeFfm(args[1]);
          case "javet" -> round.javet();
          case "graaljs" -> GraalJs.run(round);
          default -> throw new IllegalArgumentException(peer);
        };
    System.exit(exit);
  }

  /**
   * Calls until the first that does not give {@code n}: alternately {@code function} and {@code
   * script}. Returns the ending: the simple name of the runtime's "closed" signal, once the close
   * began, or a wrong value (counted); throws any other exception.
   */
  private Caller alternating(Call function, Call script, Predicate<Throwable> closedSignal) {
    return index -> {
      for (int n = 0; ; n = (n + 1) & 0xffff) {
        boolean isScript = (n & 1) == 1;
        Object result;
        try {
          result = (isScript ? script : function).call(n);
        } catch (Exception e) {
          Throwable cause =
              e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
          if (closing.get() && closedSignal.test(cause)) {
            return cause.getClass().getSimpleName();
          }
          throw e;
        }
        if (!(result instanceof Integer value) || value != n) {
          return wrongValue(isScript ? "script" : "function", n, result);
        }
        calls.increment();
      }
    };
  }

  /** Counts a wrong value; the caller's ending. */
  private String wrongValue(String path, Object expected, Object result) {
    wrongValues.increment();
    System.out.println(
        "WRONG VALUE "
            + path
            + ": expected "
            + expected
            + ", got "
            + result
            + (closing.get() ? " (after close began)" : " (before close)"));
    System.out.flush(); // A round that crashes later prints no RESULT: bench/summarize reads this.
    return "wrong value " + (closing.get() ? "after" : "before") + " close (" + path + ")";
  }

  /** JsFunction.call and NodeRuntime.evalAsync, waiting for each result. */
  private int nodeFfm(String flavour) throws Exception {
    Node.useFlavour(flavour);
    NodeRuntime runtime = NodeRuntime.start();
    JsFunction echo = runtime.function("(n) => n");
    return load(
        "node-ffm-" + flavour,
        alternating(
            echo::call,
            n -> runtime.evalAsync(Integer.toString(n)).get(),
            RuntimeClosedException.class::isInstance),
        runtime::close);
  }

  /** Thread-safe function calls (2 blocking, 2 not, queue of 64): each caller stops at CLOSING. */
  private int nodeFfmTsfn(String flavour) throws Exception {
    Node.useFlavour(flavour);
    NodeRuntime runtime = NodeRuntime.start("globalThis.calls = 0;");
    ThreadSafeFunction function = runtime.createThreadSafeFunction(runtime.function("(n) => { calls++; }"), 64, 0);
    int result =
        load(
            "node-ffm-" + flavour + "-tsfn",
            index -> {
              function.acquire();
              CallMode mode = index % 2 == 0 ? CallMode.BLOCKING : CallMode.NONBLOCKING;
              while (true) {
                NapiStatus status = function.call(1, mode);
                if (status == NapiStatus.OK) {
                  calls.increment();
                } else if (status == NapiStatus.CLOSING) {
                  return "CLOSING";
                } else if (status != NapiStatus.QUEUE_FULL) {
                  function.release();
                  return wrongValue(
                      "thread-safe function call", "OK, QUEUE_FULL or CLOSING", status);
                }
              }
            },
            runtime::close);
    function.release();
    return result;
  }

  private int javet() throws Exception {
    com.caoccao.javet.interop.NodeRuntime runtime = V8Host.getNodeInstance().createV8Runtime();
    runtime.getExecutor("function echo(n) { return n; }").executeVoid();
    V8ValueFunction echo;
    try (V8ValueGlobalObject global = runtime.getGlobalObject()) {
      echo = global.get("echo");
    }
    return load(
        "javet",
        alternating(
            n -> echo.callInteger(null, n),
            n -> runtime.getExecutor(Integer.toString(n)).executeInteger(),
            anyException -> true),
        runtime::close);
  }

  /** Kept apart so that the other peers' JVMs never load GraalJS. */
  private static final class GraalJs {
    static int run(CloseUnderLoad round) throws Exception {
      org.graalvm.polyglot.Context context = org.graalvm.polyglot.Context.create("js");
      org.graalvm.polyglot.Value echo = context.eval("js", "(n) => n");
      // A context allows one thread at a time: the callers take turns.
      return round.load(
          "graaljs",
          round.alternating(
              n -> {
                synchronized (context) {
                  return echo.execute(n).asInt();
                }
              },
              n -> {
                synchronized (context) {
                  return context.eval("js", Integer.toString(n)).asInt();
                }
              },
              anyException -> true),
          () -> context.close(true));
    }
  }

  interface Close {
    void close() throws Exception;
  }

  int load(String peer, Caller caller, Close close) throws Exception {
    CountDownLatch started = new CountDownLatch(THREADS);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < THREADS; i++) {
      int index = i;
      Thread thread =
          Thread.ofPlatform()
              .name("caller-" + i)
              .daemon()
              .start(
                  () -> {
                    started.countDown();
                    String ending;
                    try {
                      ending = caller.run(index);
                    } catch (Throwable t) {
                      failures.increment();
                      ending = (closing.get() ? "after close: " : "before close: ") + t;
                    }
                    endings.merge(ending, 1, Integer::sum);
                  });
      threads.add(thread);
    }
    started.await();
    Thread.sleep(LOAD_MILLIS);
    long callsBeforeClose = calls.sum();
    closing.set(true);
    long start = System.nanoTime();
    close.close();
    double closeMillis = (System.nanoTime() - start) / 1e6;
    long deadline = System.nanoTime() + 20_000_000_000L;
    int stillRunning = 0;
    for (Thread thread : threads) {
      thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      if (thread.isAlive()) {
        stillRunning++;
      }
    }
    StringBuilder json = new StringBuilder();
    json.append("{\"peer\": \"").append(peer).append("\", \"threads\": ").append(THREADS);
    json.append(", \"callsBeforeClose\": ").append(callsBeforeClose);
    json.append(", \"closeMillis\": ").append(String.format("%.3f", closeMillis));
    json.append(", \"stillRunning\": ").append(stillRunning);
    json.append(", \"failures\": ").append(failures.sum());
    json.append(", \"wrongValues\": ").append(wrongValues.sum());
    json.append(", \"endings\": {");
    String separator = "";
    for (Map.Entry<String, Integer> e : new TreeMap<>(endings).entrySet()) {
      json.append(separator)
          .append('"')
          .append(e.getKey().replace("\\", "\\\\").replace("\"", "'"));
      json.append("\": ").append(e.getValue());
      separator = ", ";
    }
    json.append("}}");
    System.out.println("RESULT " + json);
    System.out.flush();
    if (stillRunning > 0) {
      return 3;
    }
    return failures.sum() > 0 || wrongValues.sum() > 0 ? 2 : 0;
  }
}
