package org.nodeffm;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The futures of a runtime's work. Waiting for one that is not done on the runtime's own event loop
 * thread ({@code join}, {@code get}) would wait for that very thread forever: it throws {@link
 * IllegalStateException} instead. The futures derived from it ({@code thenApply}, ...) are guarded
 * the same way.
 *
 * <p>The future of a piece of work ({@link NodeRuntime#submit}) knows its runtime: once the runtime
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
final class LoopFuture<T> extends CompletableFuture<T> {
  private final Thread loopThread;
  private final NodeRuntime runtime; // null: no check of the outcome

  LoopFuture(Thread loopThread) {
    this(loopThread, null);
  }

  /** A future that {@code runtime}'s work completes; see the class comment. */
  LoopFuture(Thread loopThread, NodeRuntime runtime) {
    this.loopThread = loopThread;
    this.runtime = runtime;
  }

  @Override
  public <U> CompletableFuture<U> newIncompleteFuture() {
    return new LoopFuture<>(loopThread);
  }

  /**
   * Completes with {@code value}; once the runtime has begun to stop, with {@link
   * RuntimeClosedException} instead.
   */
  @Override
  public boolean complete(T value) {
    if (runtimeStopped()) {
      return super.completeExceptionally(runtime.closedException());
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
      return super.completeExceptionally(runtime.closedException());
    }
    return super.completeExceptionally(failure);
  }

  /**
   * Whether the outcome comes after the runtime began to stop: checked on any thread, for work that
   * runs JavaScript on the thread that completes its future, wherever that is.
   */
  private boolean runtimeStopped() {
    return runtime != null && runtime.hasBegunToStop();
  }

  @Override
  public T get() throws InterruptedException, ExecutionException {
    refuseOnLoopThread();
    return super.get();
  }

  @Override
  public T get(long timeout, TimeUnit unit)
      throws InterruptedException, ExecutionException, TimeoutException {
    refuseOnLoopThread();
    return super.get(timeout, unit);
  }

  @Override
  public T join() {
    refuseOnLoopThread();
    return super.join();
  }

  private void refuseOnLoopThread() {
    if (Thread.currentThread() == loopThread && !isDone()) {
      throw new IllegalStateException(
          "waiting on the Node.js event loop thread for work that this thread must do would never"
              + " end; chain the future (thenAccept, ...) instead of waiting");
    }
  }
}
