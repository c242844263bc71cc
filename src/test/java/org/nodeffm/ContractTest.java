package org.nodeffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.nodeffm.internal.bindings.NodeApi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nodeffm.napi.ThreadSafeFunction;
import org.nodeffm.napi.NapiStatus;
import org.nodeffm.napi.CallMode;

/**
 * The contract of the patch series, on the patched libnode: each of the four operations, called by
 * a thread that holds a reference, in each state of a thread-safe function.
 *
 * <pre>
 *              open      closing   finalized (env stopped / aborted)   after the last release
 *   call       OK        CLOSING*  CLOSING*                            IllegalStateException
 *   acquire    OK        CLOSING   CLOSING                             IllegalStateException
 *   release    OK        OK*       OK*                                 IllegalStateException
 *   context    context   context   context                             IllegalStateException
 *   (* drops the calling thread's reference)
 * </pre>
 */
class ContractTest {
  private static final long CONTEXT = 0x1234_5678_9abcL;

  enum State {
    OPEN,
    /** Aborted while the event loop is busy, so finalization has not run yet. */
    CLOSING,
    /** The runtime was closed while a thread holds a reference. */
    FINALIZED_BY_SHUTDOWN,
    /** Aborted and finalized while the runtime keeps running. */
    FINALIZED_BY_ABORT
  }

  private NodeRuntime node;
  private Holder holder;
  private final CountDownLatch loopBlocked = new CountDownLatch(1);
  private final CountDownLatch unblockLoop = new CountDownLatch(1);

  @AfterEach
  void tearDown() {
    unblockLoop.countDown();
    if (holder != null) {
      holder.close();
    }
    if (node != null) {
      node.close();
    }
  }

  /**
   * Starts the runtime and a thread-safe function whose call with payload -1 blocks the event
   * loop (JavaScript reports to Java, whose listener waits for {@link #unblockLoop}).
   */
  private ThreadSafeFunction startWithBlockableLoop(long maxQueueSize) {
    node = NodeRuntime.start();
    Reports.onReport(
        node,
        (tag, value) -> {
          loopBlocked.countDown();
          awaitQuietly(unblockLoop);
        });
    return node.createThreadSafeFunction(node.function("(n) => { if (n === -1) nodeffm.report(0, n); }"), maxQueueSize, CONTEXT);
  }

  /** A thread-safe function in {@code state} and a holder thread that holds one reference to it. */
  private ThreadSafeFunction inState(State state) throws InterruptedException {
    ThreadSafeFunction function = startWithBlockableLoop(4);
    holder = new Holder();
    assertEquals(NapiStatus.OK, holder.run(() -> function.acquire().status()));
    long finalizedBefore = finalizerRuns();
    switch (state) {
      case OPEN -> {}
      case CLOSING -> {
        assertEquals(NapiStatus.OK, function.call(-1));
        assertTrue(loopBlocked.await(10, TimeUnit.SECONDS), "the event loop did not run the call");
        assertEquals(NapiStatus.OK, function.abort());
        assertFalse(function.isFinalized());
      }
      case FINALIZED_BY_SHUTDOWN -> {
        assertEquals(NapiStatus.OK, function.release());
        node.close();
        assertTrue(function.isFinalized());
        assertEquals(finalizedBefore + 1, finalizerRuns());
      }
      case FINALIZED_BY_ABORT -> {
        assertEquals(NapiStatus.OK, function.abort());
        awaitFinalized(function);
        assertTrue(node.isRunning());
        assertEquals(finalizedBefore + 1, finalizerRuns());
      }
    }
    assertEquals(1, (long) holder.run(function::referencesOfCurrentThread));
    return function;
  }

  @ParameterizedTest
  @EnumSource(State.class)
  void call(State state) throws InterruptedException {
    ThreadSafeFunction function = inState(state);
    NapiStatus expected = state == State.OPEN ? NapiStatus.OK : NapiStatus.CLOSING;
    assertEquals(expected, holder.run(() -> function.call(7, CallMode.BLOCKING)));
    assertEquals(expected == NapiStatus.OK ? 1 : 0, (long) holder.run(function::referencesOfCurrentThread));
    if (state != State.OPEN) {
      // CLOSING ended the holder's reference: the holder may not use the function any more.
      assertThrows(IllegalStateException.class, () -> holder.run(function::context));
    }
    finishAndCheckFinalizedOnce(function, state);
  }

  @ParameterizedTest
  @EnumSource(State.class)
  void acquire(State state) throws InterruptedException {
    ThreadSafeFunction function = inState(state);
    NapiStatus expected = state == State.OPEN ? NapiStatus.OK : NapiStatus.CLOSING;
    assertEquals(expected, holder.run(() -> function.acquire().status()));
    assertEquals(expected == NapiStatus.OK ? 2 : 1, (long) holder.run(function::referencesOfCurrentThread));
    if (expected == NapiStatus.OK) {
      assertEquals(NapiStatus.OK, holder.run(function::release));
    }
    finishAndCheckFinalizedOnce(function, state);
  }

  @ParameterizedTest
  @EnumSource(State.class)
  void release(State state) throws InterruptedException {
    ThreadSafeFunction function = inState(state);
    if (state == State.OPEN) {
      assertEquals(NapiStatus.OK, holder.run(() -> function.acquire().status())); // Keep it open.
    }
    assertEquals(NapiStatus.OK, holder.run(function::release));
    finishAndCheckFinalizedOnce(function, state);
  }

  @ParameterizedTest
  @EnumSource(State.class)
  void context(State state) throws InterruptedException {
    ThreadSafeFunction function = inState(state);
    assertEquals(CONTEXT, (long) holder.run(function::context));
    finishAndCheckFinalizedOnce(function, state);
  }

  @Test
  void everyOperationThrowsAfterTheLastRelease() throws InterruptedException {
    ThreadSafeFunction function = inState(State.OPEN);
    assertEquals(NapiStatus.OK, function.release()); // This thread's reference.
    long finalizedBefore = finalizerRuns();
    assertEquals(NapiStatus.OK, holder.run(function::release)); // The last one: it closes.
    assertEquals(0, function.references());
    awaitFinalized(function);
    assertEquals(finalizedBefore + 1, finalizerRuns());
    for (Holder thread : new Holder[] {holder, null}) {
      Function<Callable<?>, Object> on =
          operation -> thread == null ? callUnchecked(operation) : thread.run(operation);
      assertThrows(IllegalStateException.class, () -> on.apply(() -> function.call(1)));
      assertThrows(IllegalStateException.class, () -> on.apply(function::acquire));
      assertThrows(IllegalStateException.class, () -> on.apply(function::release));
      assertThrows(IllegalStateException.class, () -> on.apply(function::abort));
      assertThrows(IllegalStateException.class, () -> on.apply(function::context));
    }
  }

  /**
   * A call needs a reference of the calling thread, whichever thread took its first reference last
   * (the one whose references a call finds without the thread-local lookup).
   */
  @Test
  void aCallNeedsAReferenceOfTheCallingThread() throws InterruptedException {
    ThreadSafeFunction function = inState(State.OPEN); // This thread's, then the holder's.
    assertEquals(NapiStatus.OK, function.release()); // This thread's only reference.
    assertThrows(IllegalStateException.class, () -> function.call(1, CallMode.NONBLOCKING));
    assertEquals(NapiStatus.OK, holder.run(() -> function.call(1, CallMode.NONBLOCKING)));
    assertEquals(NapiStatus.OK, function.acquire().status()); // Now this thread's is the last.
    assertEquals(NapiStatus.OK, holder.run(function::release)); // The holder's only reference.
    assertThrows(
        IllegalStateException.class,
        () -> holder.run(() -> function.call(1, CallMode.NONBLOCKING)));
    assertEquals(NapiStatus.OK, function.call(1, CallMode.NONBLOCKING));
    assertEquals(1, function.references());
    finishAndCheckFinalizedOnce(function, State.OPEN);
  }

  @Test
  void blockedCallersAreWokenWhenTheRuntimeCloses() throws InterruptedException {
    ThreadSafeFunction function = startWithBlockableLoop(1);
    assertEquals(NapiStatus.OK, function.call(-1));
    assertTrue(loopBlocked.await(10, TimeUnit.SECONDS));
    assertEquals(NapiStatus.OK, function.call(1)); // The queue (size 1) is now full.
    int blockedCallers = 4;
    List<Future<NapiStatus>> results = new ArrayList<>();
    ExecutorService callers = Executors.newFixedThreadPool(blockedCallers);
    CountDownLatch acquired = new CountDownLatch(blockedCallers);
    for (int i = 0; i < blockedCallers; i++) {
      results.add(
          callers.submit(
              () -> {
                function.acquire();
                acquired.countDown();
                // Blocks on the full queue; teardown may still take an item
                // and let one more call in, so call until CLOSING.
                NapiStatus status;
                do {
                  status = function.call(2, CallMode.BLOCKING);
                } while (status == NapiStatus.OK);
                return status;
              }));
    }
    assertTrue(acquired.await(10, TimeUnit.SECONDS));
    Thread.sleep(100); // Let them block on the full queue.
    Thread closer = Thread.ofPlatform().start(node::close);
    Thread.sleep(50);
    unblockLoop.countDown(); // The loop returns from JavaScript and sees the stop.
    closer.join(30_000);
    for (var result : results) {
      try {
        assertEquals(NapiStatus.CLOSING, result.get(30, TimeUnit.SECONDS));
      } catch (ExecutionException | TimeoutException e) {
        throw new AssertionError("a blocked caller was not woken", e);
      }
    }
    callers.shutdown();
    assertEquals(NapiStatus.OK, function.release());
    assertEquals(0, function.references());
  }

  @Test
  void theReferencesOfAThreadThatEndedAreReleased() throws InterruptedException {
    node = NodeRuntime.start();
    ThreadSafeFunction function = node.createThreadSafeFunction(node.function("() => {}"), 0, CONTEXT);
    Thread quitter = Thread.ofPlatform().start(() -> {
      function.acquire();
      function.acquire(); // Two references, never released: the thread just ends.
    });
    quitter.join();
    assertEquals(3, function.references());
    // This thread's release is the last one of a live thread: the ended thread's references go
    // too, so the function closes and is finalized instead of leaking until the runtime closes.
    assertEquals(NapiStatus.OK, function.release());
    awaitFinalized(function);
    assertEquals(0, function.references());
    assertTrue(node.isRunning());
  }

  /** Ends every reference left, then checks that finalization happened exactly once. */
  private void finishAndCheckFinalizedOnce(ThreadSafeFunction function, State state)
      throws InterruptedException {
    long finalizedBefore = finalizerRuns();
    boolean wasFinalized = function.isFinalized();
    unblockLoop.countDown();
    while (holder.run(function::referencesOfCurrentThread) > 0) {
      holder.run(function::release);
    }
    if (function.referencesOfCurrentThread() > 0) {
      function.release();
    }
    assertEquals(0, function.references());
    if (state == State.FINALIZED_BY_SHUTDOWN) {
      assertEquals(finalizedBefore, finalizerRuns(), "finalized twice");
    } else {
      awaitFinalized(function);
      assertEquals(finalizedBefore + (wasFinalized ? 0 : 1), finalizerRuns(), "finalized twice");
      node.close();
      assertEquals(finalizedBefore + (wasFinalized ? 0 : 1), finalizerRuns(), "finalized twice");
    }
  }

  static long finalizerRuns() {
    return NodeApi.nodeffm_tsfn_finalize_count();
  }

  static void awaitFinalized(ThreadSafeFunction function) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!function.isFinalized()) {
      assertTrue(System.nanoTime() < deadline, "not finalized within 10 s");
      Thread.sleep(1);
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Object callUnchecked(Callable<?> operation) {
    try {
      return operation.call();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
