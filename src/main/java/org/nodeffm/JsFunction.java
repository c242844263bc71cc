package org.nodeffm;

import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;
import java.util.concurrent.CompletableFuture;

/** A JavaScript function, callable from any Java thread ({@link NodeRuntime#function}). */
public final class JsFunction extends JsObject {
  JsFunction(Interop interop, MemorySegment reference) {
    super(interop, reference);
  }

  /**
   * Calls the function with {@code this} undefined. Arguments and result are converted as the
   * README's table says (JSON-like data by value: Map, List, String, numbers; a Long beyond +-(2^53
   * - 1) as a BigInt; other objects as {@link JsObject}). The future completes with the return
   * value, or with the settled value of a returned Promise, or exceptionally with a {@link
   * JavaScriptException} (the JavaScript error) or a {@link RuntimeClosedException}. From another
   * thread the call is queued to the event loop (no lock; never blocks); on the event loop thread
   * it runs at once.
   *
   * @param args the arguments
   * @return a future of the result
   */
  public CompletableFuture<Object> call(Object... args) {
    Object[] arguments = args == null ? new Object[] {null} : args;
    return interop.loop.submit(
        (env, result) -> {
          MemorySegment function = valueIn(env);
          interop.settle(
              env, env.call(env.undefined(), function, convert(env, arguments)), result, false);
          Reference.reachabilityFence(this);
        });
  }

  /**
   * {@link #call} that waits for the result and throws {@link JavaScriptException} or {@link
   * RuntimeClosedException} itself. On the event loop thread it throws {@link
   * IllegalStateException} if the result is a Promise not yet settled.
   *
   * @param args the arguments
   * @return the result
   */
  public Object invoke(Object... args) {
    return interop.await(call(args));
  }
}
