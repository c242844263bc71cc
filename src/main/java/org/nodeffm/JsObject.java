package org.nodeffm;

import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A JavaScript object that stays in its {@link NodeRuntime}, usable from any Java thread: what
 * {@link NodeRuntime#require} returns, and how objects that are not plain data (class instances,
 * module namespaces, errors, symbols) reach Java. Passing it back to JavaScript passes the same
 * object. The object stays alive while this handle is reachable and the runtime runs.
 *
 * <p>Arguments are converted on the event loop thread, when the call runs: do not change them until
 * its future completes.
 */
public sealed class JsObject permits JsFunction {
  private final NodeRuntime runtime;
  private final MemorySegment reference;

  JsObject(NodeRuntime runtime, MemorySegment reference) {
    this.runtime = runtime;
    this.reference = reference;
  }

  /** The runtime this object lives in. */
  public NodeRuntime runtime() {
    return runtime;
  }

  /**
   * The value of property {@code name} (a Promise is awaited), converted as by {@link
   * JsFunction#call}.
   */
  public CompletableFuture<Object> get(String name) {
    Objects.requireNonNull(name, "name");
    return runtime.submit(
        (env, result) -> {
          MemorySegment value = env.property(valueIn(env), name);
          runtime.settleValue(env, value, result);
          Reference.reachabilityFence(this);
        });
  }

  /**
   * Calls method {@code name} with {@code this} bound to this object; the future completes as
   * {@link JsFunction#call}'s does.
   */
  public CompletableFuture<Object> callMember(String name, Object... args) {
    Objects.requireNonNull(name, "name");
    Object[] arguments = args == null ? new Object[] {null} : args;
    return runtime.submit(
        (env, result) -> {
          MemorySegment self = valueIn(env);
          MemorySegment method = env.property(self, name);
          if (env.typeOf(method) != org.nodeffm.internal.bindings.NodeApi.napi_function()) {
            throw new IllegalArgumentException("the JavaScript object has no method " + name);
          }
          runtime.settleValue(
              env, env.call(self, method, JsFunction.convert(env, arguments)), result);
          Reference.reachabilityFence(this);
        });
  }

  /** {@link #callMember} that waits for the result (see {@link JsFunction#invoke}). */
  public Object invokeMember(String name, Object... args) {
    return runtime.await(callMember(name, args));
  }

  /** The object, on the loop thread of its runtime. */
  MemorySegment valueIn(NapiEnv env) {
    if (env.runtime != runtime) {
      throw new IllegalArgumentException("this JavaScript object belongs to another NodeRuntime");
    }
    return env.referenceValue(reference);
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + runtime + "]";
  }
}
