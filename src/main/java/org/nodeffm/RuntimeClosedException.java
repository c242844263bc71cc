package org.nodeffm;

/**
 * The {@link NodeRuntime} was closed or stopped ({@code close()}, {@code process.exit()}, a fatal
 * uncaught exception) before the work could run or finish. When an uncaught JavaScript exception
 * stopped it, that exception is the cause.
 */
public final class RuntimeClosedException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  RuntimeClosedException(String message, Throwable cause) {
    super(message, cause);
  }
}
