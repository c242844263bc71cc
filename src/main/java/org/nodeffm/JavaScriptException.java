package org.nodeffm;

/**
 * JavaScript threw: the message is the thrown value as a string ({@code String(error)}, e.g. {@code
 * "TypeError: x is not a function"}). For an {@code Error}, {@link #name()} and {@link #jsStack()}
 * give its {@code name} and {@code stack}; {@link #thrown()} is the thrown value itself (a {@link
 * JsObject} for an object). When the error was raised by a Java callback that threw, {@link
 * #getCause()} is that Java exception.
 */
public final class JavaScriptException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String name;
  private final String jsStack;
  private final transient Object thrown;

  public JavaScriptException(String message) {
    this(message, null, null, null, null);
  }

  JavaScriptException(String message, String name, String jsStack, Object thrown, Throwable cause) {
    super(message, cause);
    this.name = name;
    this.jsStack = jsStack;
    this.thrown = thrown;
  }

  /**
   * The thrown object's {@code name} (e.g. {@code "RangeError"}), or null if it has no string
   * {@code name} (or is no object).
   */
  public String name() {
    return name;
  }

  /** The error's JavaScript {@code stack}, or null if it has none. */
  public String jsStack() {
    return jsStack;
  }

  /** The thrown value, converted as a call's result would be (an Error is a {@link JsObject}). */
  public Object thrown() {
    return thrown;
  }
}
