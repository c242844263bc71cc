package org.nodeffm;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * JavaScript threw: the message is the thrown value as a string ({@code String(error)}, e.g. {@code
 * "TypeError: x is not a function"}). For an {@code Error}, {@link #name()} and {@link #jsStack()}
 * give its {@code name} and {@code stack}; {@link #thrown()} is the thrown value itself (a {@code
 * JsObject} for an object). When the error was raised by a Java function that threw, {@link
 * #getCause()} is that Java exception.
 *
 * <p>Thrown by a blocking method, its stack trace is the calling thread's, with the JavaScript
 * frames first (declaring class {@code <js>}); its cause is then the Java exception a Java function
 * threw, or else the exception as the event loop thread saw it.
 */
public final class JavaScriptException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** {@code at name (file:line:column)}, {@code at file:line:column}, {@code at name (native)}. */
  private static final Pattern FRAME =
      Pattern.compile(
          "^\\s*at (?:async )?(?:(.*?) \\((.*?)(?::(\\d+):\\d+)?\\)|(.*?)(?::(\\d+):\\d+)?)$");

  /** The thrown object's {@code name}, or null. */
  private final String name;

  /** The thrown object's {@code stack}, or null. */
  private final String jsStack;

  /** The thrown value (not serialized). */
  private final transient Object thrown;

  /**
   * An exception with a message only (no JavaScript value).
   *
   * @param message the message
   */
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
   *
   * @return the name, or null
   */
  public String name() {
    return name;
  }

  /**
   * The error's JavaScript {@code stack}, or null if it has none.
   *
   * @return the stack, or null
   */
  public String jsStack() {
    return jsStack;
  }

  /**
   * The thrown value, converted as a call's result would be (an Error is a {@code JsObject}).
   *
   * @return the value
   */
  public Object thrown() {
    return thrown;
  }

  /**
   * This exception again, as the thread that waited for it throws it: {@code callerFrames} after
   * the JavaScript frames, and {@code cause} as the cause.
   */
  JavaScriptException rethrown(StackTraceElement[] callerFrames, Throwable cause) {
    JavaScriptException copy = new JavaScriptException(getMessage(), name, jsStack, thrown, cause);
    List<StackTraceElement> frames = new ArrayList<>(jsFrames());
    frames.addAll(List.of(callerFrames));
    copy.setStackTrace(frames.toArray(StackTraceElement[]::new));
    return copy;
  }

  /** The frames of {@link #jsStack()}, as stack trace elements of the class {@code <js>}. */
  List<StackTraceElement> jsFrames() {
    List<StackTraceElement> frames = new ArrayList<>();
    if (jsStack == null) {
      return frames;
    }
    for (String line : jsStack.split("\n")) {
      if (!line.stripLeading().startsWith("at ")) {
        continue;
      }
      Matcher m = FRAME.matcher(line);
      if (!m.matches()) {
        continue;
      }
      String function = m.group(1) != null ? m.group(1) : "<anonymous>";
      String file = m.group(1) != null ? m.group(2) : m.group(4);
      String number = m.group(1) != null ? m.group(3) : m.group(5);
      frames.add(
          new StackTraceElement(
              "<js>", function, file, number == null ? -1 : Integer.parseInt(number)));
    }
    return frames;
  }
}
