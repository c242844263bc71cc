package org.nodeffm.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Node.js with a thread-safe function on {@link Node#ECHO}: JavaScript sends each call's payload
 * back to Java through {@code nodeffm.report}, whose listener (on the event loop thread) completes
 * the caller's future. {@code loop=busy} keeps the event loop running JavaScript tasks of {@value
 * Node#BUSY_SLICE_MICROS} µs back to back, so a call waits for the task in progress.
 *
 * <p>The exactly-once check, after every iteration: every future completed, no report arrived for
 * an unknown or already completed call, JavaScript ran exactly the calls sent, and every callback
 * of {@link RoundTripBenchmark#callback} arrived.
 */
@State(Scope.Benchmark)
public class EchoState {
  /** Tag of the reports of {@link RoundTripBenchmark#callback}; call ids are positive. */
  static final long CALLBACK_TAG = -1;

  @Param({"patched"})
  public String flavour;

  @Param({"idle", "busy"})
  public String loop;

  Node node;
  final AtomicLong ids = new AtomicLong();
  final ConcurrentHashMap<Long, CompletableFuture<Void>> pending = new ConcurrentHashMap<>();
  final LongAdder sent = new LongAdder();
  final LongAdder unexpected = new LongAdder();
  final LongAdder callbacks = new LongAdder();
  final LongAdder callbacksExpected = new LongAdder();

  @Setup(Level.Trial)
  public void start() {
    node = Node.start(flavour, 0, Node.ECHO, "busy".equals(loop));
    node.runtime.onReport(
        (tag, value) -> {
          if (tag == CALLBACK_TAG) {
            callbacks.increment();
            return;
          }
          CompletableFuture<Void> future = pending.remove(tag);
          if (future == null) {
            unexpected.increment();
          } else {
            future.complete(null);
          }
        });
  }

  /** A new future for a call, registered under a new id. */
  long register(CompletableFuture<Void> future) {
    long id = ids.incrementAndGet();
    pending.put(id, future);
    return id;
  }

  @TearDown(Level.Iteration)
  public void check() {
    node.awaitCallsRun(sent.sum());
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!pending.isEmpty() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    if (!pending.isEmpty()) {
      throw new Node.CorrectnessError(pending.size() + " calls ran but their result never came back");
    }
    if (unexpected.sum() != 0) {
      throw new Node.CorrectnessError(unexpected.sum() + " results arrived for no pending call");
    }
    if (callbacks.sum() != callbacksExpected.sum()) {
      throw new Node.CorrectnessError(
          callbacksExpected.sum() + " JS -> Java callbacks made, " + callbacks.sum() + " arrived");
    }
  }

  @TearDown(Level.Trial)
  public void stop() {
    node.runtime.onReport(null);
    node.done(sent.sum());
  }
}
