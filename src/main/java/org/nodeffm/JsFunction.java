package org.nodeffm;

import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;
import java.util.concurrent.CompletableFuture;

/** A JavaScript function, callable from any Java thread ({@link NodeRuntime#function}). */
public final class JsFunction extends JsObject {
  JsFunction(NodeRuntime runtime, MemorySegment reference) {
    super(runtime, reference);
  }

  /**
   * Calls the function with {@code this} undefined. Arguments and result are converted as the
   * README's table says (JSON-like data by value: Map, List, String, numbers; a Long beyond +-(2^53
   * - 1) as a BigInt; other objects as {@link JsObject}). The future completes with the return
   * value, or with the settled value of a returned Promise, or exceptionally with a {@link
   * JavaScriptException} (the JavaScript error) or a {@link RuntimeClosedException}. From another
   * thread the call is queued to the event loop (no lock; never blocks); on the event loop thread
   * it runs at once.
   */
  public CompletableFuture<Object> call(Object... args) {
    Object[] arguments = args == null ? new Object[] {null} : args;
    return runtime()
        .submit(
            (env, result) -> {
              MemorySegment function = valueIn(env);
              runtime()
                  .settleValue(
                      env, env.call(env.undefined(), function, convert(env, arguments)), result);
              Reference.reachabilityFence(this);
            });
  }

  /**
   * {@link #call} that waits for the result and throws {@link JavaScriptException} or {@link
   * RuntimeClosedException} itself. On the event loop thread it throws {@link
   * IllegalStateException} if the result is a Promise not yet settled.
   */
  public Object invoke(Object... args) {
    return runtime().await(call(args));
  }

  static MemorySegment[] convert(NapiEnv env, Object[] args) {
    MemorySegment[] values = new MemorySegment[args.length];
    for (int i = 0; i < args.length; i++) {
      values[i] = Values.toJs(env, args[i]);
    }
    return values;
  }
}
