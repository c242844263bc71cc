package org.nodeffm;

/** JavaScript run by a {@link NodeRuntime} threw; the message is the thrown value as a string. */
public final class JavaScriptException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public JavaScriptException(String message) {
    super(message);
  }
}
