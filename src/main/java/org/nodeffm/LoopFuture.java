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
 */
final class LoopFuture<T> extends CompletableFuture<T> {
  private final Thread loopThread;

  LoopFuture(Thread loopThread) {
    this.loopThread = loopThread;
  }

  @Override
  public <U> CompletableFuture<U> newIncompleteFuture() {
    return new LoopFuture<>(loopThread);
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
