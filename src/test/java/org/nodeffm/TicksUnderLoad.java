package org.nodeffm;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Whether callers starve the event loop: a 5 ms interval on the loop thread, counted while callers
 * on 3 threads run (about 100 ticks in 500 ms if they do not).
 */
final class TicksUnderLoad {
  private TicksUnderLoad() {}

  /** The interval's ticks and the calls made in the same 500 ms. */
  record Measured(long ticks, long calls) {}

  /**
   * Runs {@code round} in a loop on 3 platform threads for 600 ms, and counts the ticks and calls
   * of the last 500 ms.
   *
   * @param node the runtime (its global {@code tick} and {@code ticker} are taken)
   * @param round makes some calls, and says how many
   */
  static Measured measure(NodeRuntime node, LongSupplier round) throws InterruptedException {
    AtomicLong ticks = new AtomicLong();
    node.expose(
        "tick",
        args -> {
          ticks.incrementAndGet();
          return null;
        });
    node.eval("globalThis.ticker = setInterval(() => tick(), 5)");
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong calls = new AtomicLong();
    List<Thread> callers = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      callers.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    while (!stop.get()) {
                      calls.addAndGet(round.getAsLong());
                    }
                  }));
    }
    Thread.sleep(100);
    long ticksBefore = ticks.get();
    long callsBefore = calls.get();
    Thread.sleep(500);
    Measured measured = new Measured(ticks.get() - ticksBefore, calls.get() - callsBefore);
    stop.set(true);
    for (Thread caller : callers) {
      caller.join();
    }
    node.eval("clearInterval(ticker)");
    return measured;
  }
}
