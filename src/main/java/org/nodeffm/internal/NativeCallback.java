package org.nodeffm.internal;

import java.lang.foreign.MemorySegment;

/**
 * Java code behind a JavaScript function ({@link NapiEnv#function}), called by that function's
 * {@code napi_callback} on the thread that runs the runtime's JavaScript. It must not throw: what
 * it cannot handle it throws into JavaScript itself.
 */
@FunctionalInterface
public interface NativeCallback {
  /**
   * Runs the function.
   *
   * @param env the {@code napi_env}
   * @param thisArg JavaScript's {@code this}
   * @param args the arguments ({@code napi_value}s)
   * @return the result ({@code napi_value}), or {@code MemorySegment.NULL} for undefined
   */
  MemorySegment call(MemorySegment env, MemorySegment thisArg, MemorySegment[] args);
}
