package org.nodeffm.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.nodeffm.RuntimeClosedException;

/**
 * The futures of a runtime's work. Waiting for one that is not done on a thread that holds the
 * runtime's lock ({@code join}, {@code get}: the event loop thread inside a callback, or any thread
 * inside a direct call) would wait forever: the event loop cannot turn, and no other thread can run
 * the runtime's JavaScript, until that thread lets go of the lock. It throws {@link
 * IllegalStateException} instead. The futures derived from it ({@code thenApply}, ...) are guarded
 * the same way.
 *
 * <p>The future of a piece of work ({@link EventLoop#submit}) knows its runtime: once the runtime
 * has begun to stop, the work cannot complete it with anything but {@link RuntimeClosedException},
 * because what JavaScript returned may not be its value. {@code node::Stop}, from the thread that
 * closes the runtime, marks the environment as stopping and asks V8 to terminate JavaScript, which
 * V8 does at the next function entry or loop iteration; Node.js code that sees the mark first
 * returns with neither a value nor an exception (vm's {@code runInContext}, through {@code
 * ContextifyScript::EvalMachine}, returns {@code undefined}), and the JavaScript that called it
 * goes on with {@code undefined}, or throws because of it. A Java function that fails because of
 * the close returns {@code undefined} too: its exception is not thrown into JavaScript that is
 * being stopped. The runtime clears its running flags before it calls {@code node::Stop} (as {@code
 * process.exit()} does before it stops the environment), and stopping is one way, so a work that
 * saw the mark sees the runtime stopped when it completes its future, after the JavaScript it ran.
 *
 * <p>A thread that waits ({@code join}, {@code get}) for a future that is not done spins first, for
 * up to {@value #DEFAULT_SPIN_NANOS} ns (the system property {@code nodeffm.spinNanos}; 0: never),
 * and parks only if the future is still not done then: a round trip through the event loop often
 * takes less than parking and waking the waiter would. At most {@link #MAX_SPINNERS} threads of the
 * process spin at a time, one less than the processors (none on one); the others park at once. A
 * loop thread with nothing to do spins as long, for events, before it blocks, and at most one loop
 * thread of the process does: with the waiters, spinners never outnumber the cores.
 */
public final class LoopFuture<T> extends CompletableFuture<T> {
  /** How long a waiter spins before it parks, by default. */
  static final long DEFAULT_SPIN_NANOS = 20_000;

  /**
   * How long a waiter spins before it parks; the loop threads spin as long for events before they
   * block ({@code nodeffm_set_loop_spin}, set by {@link EventLoop}).
   */
  static final long SPIN_NANOS = Math.max(0, Long.getLong("nodeffm.spinNanos", DEFAULT_SPIN_NANOS));

  /** The threads that may spin at a time: one less than the processors. */
  static final int MAX_SPINNERS = Math.max(0, Runtime.getRuntime().availableProcessors() - 1);

  /** The threads that spin now. */
  private static final AtomicInteger SPINNERS = new AtomicInteger();

  /** The threads that spin now, for tests. */
  static int spinners() {
    return SPINNERS.get();
  }

  private final LoopState loop;
  private final boolean work; // whether the outcome is checked

  /**
   * A future that the loop's work completes (see the class comment), or, if {@code work} is false,
   * any future of the loop that only refuses to be waited for on the loop thread.
   */
  LoopFuture(LoopState loop, boolean work) {
    this.loop = loop;
    this.work = work;
  }

  @Override
  public <U> CompletableFuture<U> newIncompleteFuture() {
    return new LoopFuture<>(loop, false);
  }

  /**
   * Completes with {@code value}; once the runtime has begun to stop, with {@link
   * RuntimeClosedException} instead.
   */
  @Override
  public boolean complete(T value) {
    if (runtimeStopped()) {
      return super.completeExceptionally(loop.closedException());
    }
    return super.complete(value);
  }

  /**
   * Completes with {@code failure}; once the runtime has begun to stop, with {@link
   * RuntimeClosedException} instead.
   */
  @Override
  public boolean completeExceptionally(Throwable failure) {
    if (!(failure instanceof RuntimeClosedException) && runtimeStopped()) {
      return super.completeExceptionally(loop.closedException());
    }
    return super.completeExceptionally(failure);
  }

  /**
   * Whether the outcome comes after the runtime began to stop: checked on any thread, for work that
   * runs JavaScript on the thread that completes its future, wherever that is.
   */
  private boolean runtimeStopped() {
    return work && loop.hasBegunToStop();
  }

  @Override
  public T get() throws InterruptedException, ExecutionException {
    refuseWhileHoldingTheLock();
    spinUntilDone(SPIN_NANOS);
    return super.get();
  }

  @Override
  public T get(long timeout, TimeUnit unit)
      throws InterruptedException, ExecutionException, TimeoutException {
    refuseWhileHoldingTheLock();
    spinUntilDone(Math.min(SPIN_NANOS, unit.toNanos(timeout)));
    return super.get(timeout, unit);
  }

  @Override
  public T join() {
    refuseWhileHoldingTheLock();
    spinUntilDone(SPIN_NANOS);
    return super.join();
  }

  /**
   * Spins for up to {@code nanos} until the future is done, if a spinner's slot is free (see the
   * class comment); the wait that follows parks if it is still not done. Not on a virtual thread,
   * whose carrier serves other virtual threads, nor on one that holds the lock (its wait fails or
   * the future is done).
   */
  private void spinUntilDone(long nanos) {
    if (nanos <= 0 || isDone() || Thread.currentThread().isVirtual()) {
      return;
    }
    for (int spinning = SPINNERS.get(); ; spinning = SPINNERS.get()) {
      if (spinning >= MAX_SPINNERS) {
        return;
      }
      if (SPINNERS.compareAndSet(spinning, spinning + 1)) {
        break;
      }
    }
    try {
      long start = System.nanoTime();
      while (!isDone() && System.nanoTime() - start < nanos) {
        Thread.onSpinWait();
      }
    } finally {
      SPINNERS.decrementAndGet();
    }
  }

  private void refuseWhileHoldingTheLock() {
    if (!isDone() && loop.holdsLock()) {
      throw new IllegalStateException(
          "waiting on the Node.js event loop thread, or on a thread inside a direct call (one that"
              + " holds the runtime's lock), for work that needs that lock would never end; chain"
              + " the future (thenAccept, ...) instead of waiting");
    }
  }
}
