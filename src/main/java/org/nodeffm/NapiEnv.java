package org.nodeffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.nodeffm.internal.bindings.NodeApi;
import org.nodeffm.internal.bindings.napi_extended_error_info;

/**
 * A {@code napi_env} during one task on the event loop thread, with the Node-API calls the Java
 * side makes there. Values and strings live until {@link #close()}.
 */
final class NapiEnv implements AutoCloseable {
  /** {@code NAPI_AUTO_LENGTH}: the string is NUL-terminated. */
  private static final long AUTO_LENGTH = -1;

  private final MemorySegment env;
  private final Arena arena = Arena.ofConfined();

  NapiEnv(MemorySegment env) {
    this.env = env;
  }

  /** Runs a script in the global scope; a JavaScript exception becomes a {@link JavaScriptException}. */
  MemorySegment runScript(String source) {
    MemorySegment result = arena.allocate(ADDRESS);
    int status = NodeApi.napi_run_script(env, string(source), result);
    throwIfException(status);
    check(status, "napi_run_script");
    return result.get(ADDRESS, 0);
  }

  /** A JavaScript string. */
  MemorySegment string(String value) {
    MemorySegment result = arena.allocate(ADDRESS);
    check(
        NodeApi.napi_create_string_utf8(env, arena.allocateFrom(value), AUTO_LENGTH, result),
        "napi_create_string_utf8");
    return result.get(ADDRESS, 0);
  }

  /** {@code String(value)} in JavaScript. */
  String toJavaString(MemorySegment value) {
    MemorySegment string = arena.allocate(ADDRESS);
    int status = NodeApi.napi_coerce_to_string(env, value, string);
    throwIfException(status);
    check(status, "napi_coerce_to_string");
    MemorySegment length = arena.allocate(JAVA_LONG);
    MemorySegment str = string.get(ADDRESS, 0);
    check(
        NodeApi.napi_get_value_string_utf8(env, str, MemorySegment.NULL, 0, length),
        "napi_get_value_string_utf8");
    MemorySegment buffer = arena.allocate(length.get(JAVA_LONG, 0) + 1);
    check(
        NodeApi.napi_get_value_string_utf8(env, str, buffer, buffer.byteSize(), length),
        "napi_get_value_string_utf8");
    return buffer.getString(0);
  }

  /** The {@code napi_valuetype} of a value. */
  int typeOf(MemorySegment value) {
    MemorySegment type = arena.allocate(JAVA_INT);
    check(NodeApi.napi_typeof(env, value, type), "napi_typeof");
    return type.get(JAVA_INT, 0);
  }

  /** Creates a thread-safe function whose callbacks are the shim's. */
  MemorySegment createThreadSafeFunction(
      MemorySegment function, long maxQueueSize, long threadCount, long finalizeData, long context) {
    MemorySegment result = arena.allocate(ADDRESS);
    check(
        NodeApi.napi_create_threadsafe_function(
            env,
            function,
            MemorySegment.NULL,
            string("node-ffm"),
            maxQueueSize,
            threadCount,
            MemorySegment.ofAddress(finalizeData),
            NodeApi.nodeffm_tsfn_finalize$address(),
            MemorySegment.ofAddress(context),
            NodeApi.nodeffm_tsfn_call_js$address(),
            result),
        "napi_create_threadsafe_function");
    return result.get(ADDRESS, 0);
  }

  @Override
  public void close() {
    arena.close();
  }

  /** Turns a pending JavaScript exception (after a call that failed) into a Java exception. */
  private void throwIfException(int status) {
    if (status == NodeApi.napi_ok()) {
      return;
    }
    // napi_run_script reports a SyntaxError as napi_generic_failure, with the exception pending.
    MemorySegment pending = arena.allocate(JAVA_BYTE);
    if (NodeApi.napi_is_exception_pending(env, pending) != NodeApi.napi_ok()
        || pending.get(JAVA_BYTE, 0) == 0) {
      return;
    }
    MemorySegment exception = arena.allocate(ADDRESS);
    check(
        NodeApi.napi_get_and_clear_last_exception(env, exception),
        "napi_get_and_clear_last_exception");
    String message;
    try {
      message = toJavaString(exception.get(ADDRESS, 0));
    } catch (RuntimeException e) {
      message = "(an exception that cannot be converted to a string)";
    }
    throw new JavaScriptException(message);
  }

  private void check(int status, String function) {
    if (status == NodeApi.napi_ok()) {
      return;
    }
    String detail = "";
    MemorySegment info = arena.allocate(ADDRESS);
    if (NodeApi.napi_get_last_error_info(env, info) == NodeApi.napi_ok()) {
      MemorySegment message =
          napi_extended_error_info.error_message(
              info.get(ADDRESS, 0).reinterpret(napi_extended_error_info.sizeof()));
      if (!message.equals(MemorySegment.NULL)) {
        detail = ": " + message.reinterpret(Long.MAX_VALUE).getString(0);
      }
    }
    throw new IllegalStateException(function + " returned " + NapiStatus.of(status) + detail);
  }
}
