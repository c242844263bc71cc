package org.nodeffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nodeffm.napi.ThreadSafeFunction;
import org.nodeffm.napi.NapiStatus;
import org.nodeffm.napi.CallMode;

/**
 * Every call a Java thread gets {@code OK} for runs in JavaScript exactly once: JavaScript reports
 * each payload back to Java, which counts it.
 */
class DeliveryTest {
  private static final int THREADS = 8;

  private NodeRuntime node;

  @AfterEach
  void tearDown() {
    if (node != null) {
      node.close();
    }
  }

  @ParameterizedTest(name = "{0} calls per thread, {1}, max queue size {2}")
  @CsvSource({
    "20000, NONBLOCKING, 0",
    "20000, NONBLOCKING, 16",
    "5000, BLOCKING, 2",
    "5000, BLOCKING, 1",
  })
  void everyAcceptedCallRunsExactlyOnce(int callsPerThread, CallMode mode, long maxQueueSize)
      throws InterruptedException {
    int total = THREADS * callsPerThread;
    AtomicIntegerArray runs = new AtomicIntegerArray(total);
    AtomicLong reports = new AtomicLong();
    node = NodeRuntime.start("globalThis.calls = 0;");
    Reports.onReport(
        node,
        (tag, payload) -> {
          runs.incrementAndGet((int) payload);
          reports.incrementAndGet();
        });
    ThreadSafeFunction function =
        node.createThreadSafeFunction(node.function("(n) => { calls++; nodeffm.report(1, n); }"), maxQueueSize, 0);

    AtomicLong queueFull = new AtomicLong();
    CountDownLatch done = new CountDownLatch(THREADS);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int first = t * callsPerThread;
      threads.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    function.acquire();
                    for (int i = 0; i < callsPerThread; i++) {
                      NapiStatus status;
                      while ((status = function.call(first + i, mode)) == NapiStatus.QUEUE_FULL) {
                        queueFull.incrementAndGet();
                        Thread.onSpinWait();
                      }
                      if (status != NapiStatus.OK) {
                        throw new AssertionError("call returned " + status);
                      }
                    }
                    function.release();
                    done.countDown();
                  }));
    }
    assertTrue(done.await(120, TimeUnit.SECONDS), "the callers made no progress");
    for (Thread thread : threads) {
      thread.join();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (reports.get() < total && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertEquals(String.valueOf(total), String.valueOf(node.eval("calls")));
    assertEquals(total, reports.get());
    for (int i = 0; i < total; i++) {
      assertEquals(1, runs.get(i), "payload " + i + " ran " + runs.get(i) + " times");
    }
    System.out.printf(
        "%d calls delivered exactly once (%s, max queue %d; %d QUEUE_FULL retries)%n",
        total, mode, maxQueueSize, queueFull.get());
    assertEquals(NapiStatus.OK, function.release());
    ContractTest.awaitFinalized(function);
  }
}
