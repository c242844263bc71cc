package org.nodeffm;

import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.nodeffm.internal.NapiEnv;
import org.nodeffm.internal.bindings.NodeApi;

/**
 * A JavaScript object that stays in its {@link NodeRuntime}, usable from any Java thread: what
 * {@link NodeRuntime#require} returns, and how objects that are not plain data (class instances,
 * module namespaces, errors, symbols) reach Java. Passing it back to JavaScript passes the same
 * object. The object stays alive while this handle is reachable and the runtime runs.
 *
 * <p>Arguments are converted on the event loop thread, when the call runs: do not change them until
 * its future completes.
 */
public class JsObject extends JsReference {
  final Interop interop;

  JsObject(Interop interop, MemorySegment reference) {
    super(interop.loop, reference);
    this.interop = interop;
  }

  /**
   * The value of property {@code name} (a Promise is awaited), converted as by {@link
   * JsFunction#call}.
   *
   * @param name the property's name
   * @return a future of its value
   */
  public CompletableFuture<Object> get(String name) {
    Objects.requireNonNull(name, "name");
    return interop.loop.submit(
        (env, result) -> {
          MemorySegment value = env.property(valueIn(env), name);
          interop.settle(env, value, result, false);
          Reference.reachabilityFence(this);
        });
  }

  /**
   * Calls method {@code name} with {@code this} bound to this object; the future completes as
   * {@link JsFunction#call}'s does.
   *
   * @param name the method's name
   * @param args the arguments
   * @return a future of its result
   */
  public CompletableFuture<Object> callMember(String name, Object... args) {
    Objects.requireNonNull(name, "name");
    Object[] arguments = args == null ? new Object[] {null} : args;
    return interop.loop.submit(
        (env, result) -> {
          MemorySegment self = valueIn(env);
          MemorySegment method = env.property(self, name);
          if (env.typeOf(method) != NodeApi.napi_function()) {
            throw new IllegalArgumentException("the JavaScript object has no method " + name);
          }
          interop.settle(env, env.call(self, method, convert(env, arguments)), result, false);
          Reference.reachabilityFence(this);
        });
  }

  /**
   * {@link #callMember} that waits for the result (see {@link JsFunction#invoke}).
   *
   * @param name the method's name
   * @param args the arguments
   * @return its result
   */
  public Object invokeMember(String name, Object... args) {
    return interop.await(callMember(name, args));
  }

  MemorySegment[] convert(NapiEnv env, Object[] args) {
    MemorySegment[] converted = new MemorySegment[args.length];
    for (int i = 0; i < args.length; i++) {
      converted[i] = interop.values.toJs(env, args[i]);
    }
    return converted;
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + interop.loop + "]";
  }
}
