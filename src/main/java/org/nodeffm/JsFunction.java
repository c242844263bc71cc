package org.nodeffm;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;

/**
 * A JavaScript function, callable from any Java thread ({@code NodeRuntime.function}, or any
 * function JavaScript hands to Java).
 *
 * <p>{@link #call} runs the function on the calling thread (a direct call: it takes the runtime's
 * lock, calls, and lets go, while the event loop keeps running) and waits for a returned Promise
 * without the lock; {@link #callAsync} returns at once with a {@link CompletableFuture}, the call
 * queued to the event loop (no lock; queuing never blocks). On a thread that holds the lock (inside
 * a {@link JavaFunction}) both run at once.
 */
public final class JsFunction extends JsObject {
  JsFunction(Interop interop, MemorySegment reference) {
    super(interop, reference, true);
  }

  /**
   * Calls the function with {@code this} undefined and waits for its result: the return value, or
   * the settled value of a returned Promise, converted by the package's table (JSON-like data by
   * value: Map, List, String, numbers; other objects as {@link JsObject}).
   *
   * @param args the arguments, converted by the package's table (a Long beyond +-(2^53 - 1) as a
   *     BigInt, a Map as a plain object, ...)
   * @return the result
   * @throws JavaScriptException if the function throws, or its Promise rejects; its stack trace is
   *     this thread's, after the JavaScript frames
   * @throws RuntimeClosedException if the runtime is closed before the result is there
   * @throws IllegalStateException on a thread that holds the runtime's lock (the event loop thread,
   *     or inside a direct call), if the result is a Promise not yet settled (the thread would wait
   *     for itself); if the wait is interrupted; or if the thread has too little stack left for
   *     JavaScript
   */
  public Object call(Object... args) {
    return interop.call(applying(Object.class, args));
  }

  /**
   * {@link #call(Object...)} with its result as {@code type}: numbers in the numeric type asked for
   * if they fit exactly, {@code JsObject} or an interface for an object (see {@link JsObject#as}),
   * ...: see the package documentation.
   *
   * @param type what the caller wants
   * @param args the arguments
   * @param <T> the type
   * @return the result
   * @throws ClassCastException if the result does not fit {@code type} without loss
   */
  public <T> T call(Class<T> type, Object... args) {
    return interop.call(applying(type, args));
  }

  /**
   * {@link #call(Object...)} without waiting: the future completes with the result, or
   * exceptionally with a {@link JavaScriptException} or a {@link RuntimeClosedException}.
   *
   * @param args the arguments
   * @return a future of the result
   */
  public CompletableFuture<Object> callAsync(Object... args) {
    return interop.loop.submit(applying(Object.class, args));
  }

  /**
   * {@link #call(Class, Object...)} without waiting.
   *
   * @param type what the caller wants
   * @param args the arguments
   * @param <T> the type
   * @return a future of the result
   */
  public <T> CompletableFuture<T> callAsync(Class<T> type, Object... args) {
    return interop.loop.submit(applying(type, args));
  }
}
