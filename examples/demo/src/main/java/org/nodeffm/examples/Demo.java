package org.nodeffm.examples;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.nodeffm.CallMode;
import org.nodeffm.NapiStatus;
import org.nodeffm.NodeRuntime;
import org.nodeffm.ThreadSafeFunction;

/**
 * Starts an embedded Node.js, creates a thread-safe function on a JavaScript function, calls it
 * from several Java threads, stops Node.js while they still call, and prints what happened.
 */
public final class Demo {
  private static final int THREADS = 4;

  private Demo() {}

  public static void main(String[] args) throws Exception {
    NodeRuntime node = NodeRuntime.start("globalThis.received = 0; globalThis.sum = 0;");
    System.out.println("Node.js " + node.eval("process.version") + " from " + node.libnode());

    // Every call adds its payload in JavaScript; every 10,000th reports back to Java.
    AtomicLong reported = new AtomicLong();
    node.onReport((tag, value) -> reported.incrementAndGet());
    ThreadSafeFunction function =
        node.createThreadSafeFunction(
            "(n) => { received++; sum += n; if (received % 10000 === 0) nodeffm.report(1, received); }",
            64,
            42);

    CountDownLatch running = new CountDownLatch(THREADS);
    List<Thread> threads = new ArrayList<>();
    List<Map<NapiStatus, Long>> results = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      Map<NapiStatus, Long> counts = new EnumMap<>(NapiStatus.class);
      results.add(counts);
      int index = t;
      Thread thread =
          Thread.ofPlatform()
              .name("caller-" + t)
              .start(
                  () -> {
                    function.acquire();
                    if (function.context() != 42) {
                      throw new AssertionError("context lost");
                    }
                    running.countDown();
                    // Call until Node.js closes the function: CLOSING ends this thread's reference.
                    NapiStatus status;
                    long payload = 0;
                    do {
                      status =
                          function.call(++payload, index % 2 == 0 ? CallMode.BLOCKING : CallMode.NONBLOCKING);
                      counts.merge(status, 1L, Long::sum);
                    } while (status != NapiStatus.CLOSING);
                  });
      threads.add(thread);
    }
    running.await();
    function.release(); // main's reference; the callers keep theirs.
    Thread.sleep(500);
    String received = node.eval("received");
    System.out.println("After 500 ms, JavaScript has received " + received + " calls.");

    long start = System.nanoTime();
    node.close(); // While the callers still call.
    System.out.printf(
        "Node.js stopped in %.1f ms while %d threads were calling.%n",
        (System.nanoTime() - start) / 1e6, THREADS);
    for (Thread thread : threads) {
      thread.join();
    }

    long accepted = 0;
    for (int t = 0; t < THREADS; t++) {
      Map<NapiStatus, Long> counts = results.get(t);
      accepted += counts.getOrDefault(NapiStatus.OK, 0L);
      System.out.printf(
          "  caller-%d (%s): %s%n", t, t % 2 == 0 ? "blocking" : "non-blocking", counts);
    }
    System.out.println(
        "Calls accepted: "
            + accepted
            + ", reports received by Java: "
            + reported.get()
            + ", function finalized: "
            + function.isFinalized()
            + ", references left: "
            + function.references());
    if (!function.isFinalized() || function.references() != 0) {
      System.out.println("FAILED: the thread-safe function was not finalized and released");
      System.exit(1);
    }
    System.out.println("OK: every thread saw CLOSING once Node.js stopped, and nothing crashed.");
  }
}
