package org.nodeffm;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A thread of its own that runs operations on request, so that a test can act as several threads
 * that each hold references to a thread-safe function.
 */
final class Holder implements AutoCloseable {
  private static final AtomicInteger COUNT = new AtomicInteger();
  private final ExecutorService executor =
      Executors.newSingleThreadExecutor(
          task -> Thread.ofPlatform().daemon().name("holder-" + COUNT.incrementAndGet()).unstarted(task));

  /** Runs {@code operation} on this holder's thread and returns its result or rethrows. */
  <T> T run(Callable<T> operation) {
    try {
      return executor.submit(operation).get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new AssertionError(e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError("the holder thread did not finish in 30 s", e);
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
