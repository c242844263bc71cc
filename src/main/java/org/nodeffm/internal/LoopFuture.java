package org.nodeffm.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 */
public final class LoopFuture<T> extends CompletableFuture<T> {
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
    return super.get();
  }

  @Override
  public T get(long timeout, TimeUnit unit)
      throws InterruptedException, ExecutionException, TimeoutException {
    refuseWhileHoldingTheLock();
    return super.get(timeout, unit);
  }

  @Override
  public T join() {
    refuseWhileHoldingTheLock();
    return super.join();
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
