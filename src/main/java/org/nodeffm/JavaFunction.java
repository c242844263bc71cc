package org.nodeffm;

/**
 * A Java function that JavaScript calls ({@code NodeRuntime.expose}, or any JavaFunction passed to
 * JavaScript as a value). It runs on the thread that runs the JavaScript calling it (the thread of
 * a blocking call, or the runtime's event loop thread) with the arguments converted by the
 * package's table; its result is converted back. A {@link
 * java.util.concurrent.CompletionStage} result gives JavaScript a Promise settled when the stage
 * completes (on any thread). An exception becomes a JavaScript {@code Error} whose message is the
 * exception's {@code toString()}; if that error reaches Java again, the {@link JavaScriptException}
 * has the original exception as its cause. Blocking there stops the runtime's JavaScript (that
 * thread holds the runtime's lock): return a CompletionStage for slow work.
 */
@FunctionalInterface
public interface JavaFunction {
  /**
   * Runs the function.
   *
   * @param args the arguments JavaScript passed, converted by the package's table
   * @return the result, converted by the package's table ({@code null}: JavaScript's {@code null})
   * @throws Exception anything: thrown into JavaScript as an {@code Error}
   */
  Object call(Object... args) throws Exception;
}
