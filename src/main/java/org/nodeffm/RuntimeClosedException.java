package org.nodeffm;

/**
 * The Node.js runtime was closed or stopped ({@code close()}, {@code process.exit()}, a fatal
 * uncaught exception) before the work could run or finish. When an uncaught JavaScript exception
 * stopped it, that exception is the cause.
 */
public final class RuntimeClosedException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  /**
   * An exception with a message and a cause.
   *
   * @param message what was closed, and why
   * @param cause the uncaught exception that stopped the runtime, or null
   */
  public RuntimeClosedException(String message, Throwable cause) {
    super(message, cause);
  }
}
