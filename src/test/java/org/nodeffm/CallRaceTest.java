package org.nodeffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The teardown race of the new calls: threads (platform and virtual) call JavaScript with values,
 * wait for results, for Promises that settle later and for Java callbacks, while the runtime is
 * closed under them. Every future completes, with the right value or a {@link
 * RuntimeClosedException}; no thread hangs; nothing crashes. Rounds: a third of {@code
 * -Dnodeffm.race.rounds} (300 in the test suite).
 */
class CallRaceTest {
  private static final int THREADS = 8;

  @Test
  void everyFutureCompletesWhileTheRuntimeCloses() throws Exception {
    int rounds = Math.max(1, Integer.getInteger("nodeffm.race.rounds", 300) / 3);
    AtomicLong values = new AtomicLong();
    AtomicLong closed = new AtomicLong();
    for (int round = 0; round < rounds; round++) {
      List<String> violations = round(round, values, closed);
      assertEquals(List.of(), violations, "round " + round);
    }
    System.out.printf(
        "%d rounds: %d calls completed with their value, %d with RuntimeClosedException%n",
        rounds, values.get(), closed.get());
    assertTrue(closed.get() > 0, "no call ever saw the runtime close: the race did not happen");
    assertTrue(values.get() > 0, "no call ever completed");
  }

  private static List<String> round(int round, AtomicLong values, AtomicLong closed)
      throws InterruptedException {
    List<String> violations = Collections.synchronizedList(new ArrayList<>());
    NodeRuntime node = NodeRuntime.start();
    node.expose("javaAsync", args -> CompletableFuture.supplyAsync(() -> ((Integer) args[0]) + 1));
    JsFunction sync = node.function("(x, o) => ({ x, y: o.y, s: 'v' + x })");
    JsFunction later =
        node.function(
            "async (x) => { await new Promise((r) => setTimeout(r, x % 3)); return javaAsync(x);"
                + " }");
    CountDownLatch started = new CountDownLatch(THREADS);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int index = t;
      Runnable caller =
          () -> {
            List<CompletableFuture<Object>> futures = new ArrayList<>();
            List<Object> expected = new ArrayList<>();
            started.countDown();
            boolean open = true;
            for (int i = 0; open; i++) {
              try {
                switch (i % 3) {
                  case 0 -> {
                    futures.add(sync.callAsync(i, Map.of("y", index)));
                    expected.add(Map.of("x", i, "y", index, "s", "v" + i));
                  }
                  case 1 -> {
                    futures.add(later.callAsync(i));
                    expected.add(i + 1);
                  }
                  default -> {
                    Object value = sync.call(i, Map.of("y", -1)); // blocking
                    check(value, Map.of("x", i, "y", -1, "s", "v" + i), violations, values);
                  }
                }
              } catch (RuntimeClosedException e) {
                closed.incrementAndGet();
                open = false;
              } catch (Throwable e) {
                violations.add(Thread.currentThread() + " threw " + e);
                open = false;
              }
              if (futures.size() > 50) {
                open &= drain(futures, expected, violations, values, closed);
              }
            }
            drain(futures, expected, violations, values, closed);
          };
      threads.add(
          (index % 2 == 0 ? Thread.ofPlatform() : Thread.ofVirtual())
              .name("caller-" + round + "-" + t)
              .start(caller));
    }
    started.await();
    Thread.sleep(5 + round % 20);
    node.close();
    for (Thread thread : threads) {
      thread.join(TimeUnit.SECONDS.toMillis(30));
      if (thread.isAlive()) {
        violations.add(thread.getName() + " did not return within 30 s of close()");
      }
    }
    return violations;
  }

  /** Waits for every future: true if all had values, false once one saw the runtime closed. */
  private static boolean drain(
      List<CompletableFuture<Object>> futures,
      List<Object> expected,
      List<String> violations,
      AtomicLong values,
      AtomicLong closed) {
    boolean open = true;
    for (int i = 0; i < futures.size(); i++) {
      try {
        check(futures.get(i).get(30, TimeUnit.SECONDS), expected.get(i), violations, values);
      } catch (ExecutionException | CompletionException e) {
        if (e.getCause() instanceof RuntimeClosedException) {
          closed.incrementAndGet();
          open = false;
        } else {
          violations.add("a future failed with " + e.getCause());
        }
      } catch (TimeoutException e) {
        violations.add("a future did not complete within 30 s");
      } catch (InterruptedException e) {
        violations.add("interrupted");
      }
    }
    futures.clear();
    expected.clear();
    return open;
  }

  private static void check(
      Object value, Object expected, List<String> violations, AtomicLong values) {
    if (expected.equals(value)) {
      values.incrementAndGet();
    } else {
      violations.add("expected " + expected + ", got " + value);
    }
  }
}
