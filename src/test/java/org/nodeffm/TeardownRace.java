package org.nodeffm;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.nodeffm.napi.ThreadSafeFunction;
import org.nodeffm.napi.NapiStatus;
import org.nodeffm.napi.CallMode;

/**
 * One round of the teardown race: Java threads use all four operations of a thread-safe function
 * while its {@link NodeRuntime} is closed. Run in-process by {@link TeardownRaceTest} (patched
 * libnode) and as the main class of the child JVMs of {@link FlavourRaceIT}.
 */
final class TeardownRace {
  static final int THREADS = 8;

  enum Operation {
    CALL(EnumSet.of(NapiStatus.OK, NapiStatus.QUEUE_FULL, NapiStatus.CLOSING)),
    ACQUIRE(EnumSet.of(NapiStatus.OK, NapiStatus.CLOSING)),
    RELEASE(EnumSet.of(NapiStatus.OK));

    final Set<NapiStatus> allowed;

    Operation(Set<NapiStatus> allowed) {
      this.allowed = allowed;
    }
  }

  /** What a round saw: status counts per operation, and what the contract forbids. */
  record Round(Map<Operation, Map<NapiStatus, Long>> counts, List<String> violations) {}

  private TeardownRace() {}

  static Round run(int round) throws InterruptedException {
    List<String> violations = Collections.synchronizedList(new ArrayList<>());
    Map<Operation, Map<NapiStatus, Long>> counts = new EnumMap<>(Operation.class);
    for (Operation op : Operation.values()) {
      counts.put(op, Collections.synchronizedMap(new EnumMap<>(NapiStatus.class)));
    }
    long context = 0x5eed0000L + round;
    NodeRuntime node = NodeRuntime.start();
    ThreadSafeFunction function =
        node.createThreadSafeFunction(node.function("(n) => {}"), round % 3 == 0 ? 0 : 1 + round % 4, context);
    CountDownLatch holding = new CountDownLatch(THREADS);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int index = t;
      threads.add(
          Thread.ofPlatform()
              .daemon()
              .name("race-" + round + "-" + t)
              .start(() -> hammer(function, index, context, holding, counts, violations)));
    }
    holding.await();
    function.release(); // The creator's reference: the threads hold the others.
    Thread.sleep(round % 7);
    node.close();
    for (Thread thread : threads) {
      thread.join(TimeUnit.SECONDS.toMillis(30));
      if (thread.isAlive()) {
        violations.add(thread.getName() + " did not return within 30 s of close()");
      }
    }
    for (Operation op : Operation.values()) {
      counts
          .get(op)
          .forEach(
              (status, count) -> {
                if (!op.allowed.contains(status)) {
                  violations.add(op + " returned " + status + " " + count + " times");
                }
              });
    }
    if (!function.isFinalized()) {
      violations.add("the thread-safe function was not finalized");
    }
    if (function.references() != 0) {
      violations.add(function.references() + " references left");
    }
    return new Round(counts, violations);
  }

  private static void hammer(
      ThreadSafeFunction function,
      int index,
      long context,
      CountDownLatch holding,
      Map<Operation, Map<NapiStatus, Long>> counts,
      List<String> violations) {
    try {
      record(counts, Operation.ACQUIRE, function.acquire().status());
      holding.countDown();
      boolean holds = true;
      for (long i = 0; holds; i++) {
        switch ((int) (i % 3)) {
          case 0 -> {
            NapiStatus status =
                function.call(i, (i / 3) % 2 == 0 ? CallMode.NONBLOCKING : CallMode.BLOCKING);
            record(counts, Operation.CALL, status);
            if (status == NapiStatus.CLOSING) {
              holds = false;
            } else if (status != NapiStatus.OK && status != NapiStatus.QUEUE_FULL) {
              function.release();
              holds = false;
            }
          }
          case 1 -> {
            NapiStatus status = function.acquire().status();
            record(counts, Operation.ACQUIRE, status);
            if (status == NapiStatus.OK) {
              record(counts, Operation.RELEASE, function.release());
            } else if (index % 2 == 1) {
              // Odd threads leave through release, even ones through a call.
              record(counts, Operation.RELEASE, function.release());
              holds = false;
            }
          }
          default -> {
            long seen = function.context();
            if (seen != context) {
              violations.add("context() returned " + seen + ", not " + context);
            }
          }
        }
      }
      if (function.referencesOfCurrentThread() != 0) {
        violations.add(Thread.currentThread().getName() + " still holds a reference");
      }
    } catch (RuntimeException | Error e) {
      violations.add(Thread.currentThread().getName() + " threw " + e);
    }
  }

  private static void record(
      Map<Operation, Map<NapiStatus, Long>> counts, Operation op, NapiStatus status) {
    counts.get(op).merge(status, 1L, Long::sum);
  }

  /**
   * Runs rounds until one shows a forbidden outcome: prints a line per round and exits 0 if all
   * pass, 3 at the first violation (a crash ends the JVM with its own code).
   */
  public static void main(String[] args) throws InterruptedException {
    int rounds = Integer.parseInt(args[0]);
    System.out.println("libnode: " + NodeEngine.get().libnode());
    for (int round = 0; round < rounds; round++) {
      Round result = run(round);
      if (!result.violations().isEmpty()) {
        System.out.println("round " + round + ": FORBIDDEN " + result.violations());
        System.out.flush();
        Runtime.getRuntime().halt(3);
      }
      System.out.println("round " + round + ": ok " + result.counts());
    }
    System.out.println("all " + rounds + " rounds passed");
  }
}
