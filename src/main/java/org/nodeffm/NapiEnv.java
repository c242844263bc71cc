package org.nodeffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_CHAR;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import org.nodeffm.internal.bindings.NodeApi;
import org.nodeffm.internal.bindings.napi_extended_error_info;

/**
 * A {@code napi_env} during one piece of work on the event loop thread (a task, a call from
 * JavaScript), with the Node-API calls the Java side makes there. Values ({@code napi_value}) live
 * until the handle scope of that work ends; memory for arguments and results until {@link
 * #close()}.
 *
 * <p>A call that fails with a JavaScript exception throws {@link JavaScriptException}; one that
 * fails because the runtime is stopping throws {@link RuntimeClosedException}.
 */
final class NapiEnv implements AutoCloseable, SegmentAllocator {
  static final int OK = NodeApi.napi_ok();

  /**
   * A loop thread's scratch memory for the arguments and results of Node-API calls, so that a call
   * allocates no native memory. Work nests on the loop thread (a call from JavaScript into Java
   * inside a task), so it is a stack: each user takes what it needs on top and gives it back, in
   * reverse order, when it is done. What does not fit comes from an arena of the user's own.
   */
  static final class Scratch {
    private static final long SIZE = 64 * 1024;
    private static final ThreadLocal<Scratch> OF_THREAD = ThreadLocal.withInitial(Scratch::new);

    private final MemorySegment memory = Arena.ofAuto().allocate(SIZE, 16);
    private long top;

    static Scratch ofCurrentThread() {
      return OF_THREAD.get();
    }

    long mark() {
      return top;
    }

    void reset(long mark) {
      top = mark;
    }

    /** Memory on top of the stack, or null if it does not fit. */
    MemorySegment allocate(long byteSize, long byteAlignment) {
      long start = (top + byteAlignment - 1) & -byteAlignment;
      if (start + byteSize > SIZE) {
        return null;
      }
      top = start + byteSize;
      return memory.asSlice(start, byteSize);
    }
  }

  final NodeRuntime runtime;
  final MemorySegment env;
  private final Scratch scratch = Scratch.ofCurrentThread();
  private final long mark = scratch.mark();
  private Arena overflow;

  /** Set while a thrown value is converted, so that a second exception is not converted too. */
  boolean convertingException;

  NapiEnv(NodeRuntime runtime, MemorySegment env) {
    this.runtime = runtime;
    this.env = env;
  }

  /** Memory until {@link #close()}: on the loop thread's scratch stack if it fits. */
  @Override
  public MemorySegment allocate(long byteSize, long byteAlignment) {
    MemorySegment memory = scratch.allocate(byteSize, byteAlignment);
    if (memory != null) {
      return memory;
    }
    if (overflow == null) {
      overflow = Arena.ofConfined();
    }
    return overflow.allocate(byteSize, byteAlignment);
  }

  @Override
  public void close() {
    scratch.reset(mark);
    if (overflow != null) {
      overflow.close();
    }
  }

  // ---------------------------------------------------------------------------- creating values

  MemorySegment undefined() {
    MemorySegment out = pointer();
    check(NodeApi.napi_get_undefined(env, out), "napi_get_undefined");
    return out.get(ADDRESS, 0);
  }

  MemorySegment nullValue() {
    MemorySegment out = pointer();
    check(NodeApi.napi_get_null(env, out), "napi_get_null");
    return out.get(ADDRESS, 0);
  }

  MemorySegment global() {
    MemorySegment out = pointer();
    check(NodeApi.napi_get_global(env, out), "napi_get_global");
    return out.get(ADDRESS, 0);
  }

  MemorySegment bool(boolean value) {
    MemorySegment out = pointer();
    check(NodeApi.napi_get_boolean(env, value, out), "napi_get_boolean");
    return out.get(ADDRESS, 0);
  }

  MemorySegment int32(int value) {
    MemorySegment out = pointer();
    check(NodeApi.napi_create_int32(env, value, out), "napi_create_int32");
    return out.get(ADDRESS, 0);
  }

  /** A Number; exact only within +-(2^53 - 1). */
  MemorySegment int64(long value) {
    MemorySegment out = pointer();
    check(NodeApi.napi_create_int64(env, value, out), "napi_create_int64");
    return out.get(ADDRESS, 0);
  }

  MemorySegment number(double value) {
    MemorySegment out = pointer();
    check(NodeApi.napi_create_double(env, value, out), "napi_create_double");
    return out.get(ADDRESS, 0);
  }

  MemorySegment bigInt(long value) {
    MemorySegment out = pointer();
    check(NodeApi.napi_create_bigint_int64(env, value, out), "napi_create_bigint_int64");
    return out.get(ADDRESS, 0);
  }

  /** A BigInt from its sign and magnitude as 64-bit words, least significant first. */
  MemorySegment bigInt(boolean negative, long[] words) {
    MemorySegment out = pointer();
    MemorySegment data = allocateFrom(JAVA_LONG, words.length == 0 ? new long[] {0} : words);
    check(
        NodeApi.napi_create_bigint_words(
            env, negative ? 1 : 0, Math.max(1, words.length), data, out),
        "napi_create_bigint_words");
    return out.get(ADDRESS, 0);
  }

  /** A string with exactly these UTF-16 code units (any Unicode, lone surrogates, {@code \0}). */
  MemorySegment string(String value) {
    MemorySegment out = pointer();
    MemorySegment chars =
        value.isEmpty()
            ? allocate(JAVA_CHAR)
            : allocateFrom(JAVA_CHAR, value.toCharArray());
    check(
        NodeApi.napi_create_string_utf16(env, chars, value.length(), out),
        "napi_create_string_utf16");
    return out.get(ADDRESS, 0);
  }

  MemorySegment object() {
    MemorySegment out = pointer();
    check(NodeApi.napi_create_object(env, out), "napi_create_object");
    return out.get(ADDRESS, 0);
  }

  MemorySegment array(long length) {
    MemorySegment out = pointer();
    check(NodeApi.napi_create_array_with_length(env, length, out), "napi_create_array_with_length");
    return out.get(ADDRESS, 0);
  }

  /** A Buffer with a copy of {@code bytes} (native memory). */
  MemorySegment bufferCopy(MemorySegment bytes) {
    MemorySegment out = pointer();
    check(
        NodeApi.napi_create_buffer_copy(env, bytes.byteSize(), bytes, MemorySegment.NULL, out),
        "napi_create_buffer_copy");
    return out.get(ADDRESS, 0);
  }

  /**
   * A Buffer over {@code memory} itself (no copy), or null if Node.js refuses external buffers.
   * The memory must outlive every JavaScript reference to the Buffer.
   */
  MemorySegment externalBuffer(MemorySegment memory) {
    MemorySegment out = pointer();
    int status =
        NodeApi.napi_create_external_buffer(
            env, memory.byteSize(), memory, MemorySegment.NULL, MemorySegment.NULL, out);
    return status == OK ? out.get(ADDRESS, 0) : null;
  }

  MemorySegment date(double epochMillis) {
    MemorySegment out = pointer();
    checkJs(NodeApi.napi_create_date(env, epochMillis, out), "napi_create_date");
    return out.get(ADDRESS, 0);
  }

  MemorySegment error(String message) {
    MemorySegment out = pointer();
    check(
        NodeApi.napi_create_error(env, MemorySegment.NULL, string(message), out),
        "napi_create_error");
    return out.get(ADDRESS, 0);
  }

  /** A function that calls {@link Upcalls#CALL} with {@code data}. */
  MemorySegment function(String name, long data) {
    MemorySegment out = pointer();
    check(
        NodeApi.napi_create_function(
            env, allocateFrom(name), -1L, Upcalls.CALL, MemorySegment.ofAddress(data), out),
        "napi_create_function");
    return out.get(ADDRESS, 0);
  }

  /** An external whose finalizer releases {@link Handles} entry {@code handle}. */
  MemorySegment external(long handle) {
    MemorySegment out = pointer();
    check(
        NodeApi.napi_create_external(
            env, MemorySegment.ofAddress(handle), Upcalls.RELEASE_HANDLE, MemorySegment.NULL, out),
        "napi_create_external");
    return out.get(ADDRESS, 0);
  }

  /** Releases {@link Handles} entry {@code handle} once {@code value} is garbage-collected. */
  void releaseWhenCollected(MemorySegment value, long handle) {
    check(
        NodeApi.napi_add_finalizer(
            env,
            value,
            MemorySegment.ofAddress(handle),
            Upcalls.RELEASE_HANDLE,
            MemorySegment.NULL,
            MemorySegment.NULL),
        "napi_add_finalizer");
  }

  /** A promise; {@code deferred[0]} receives its {@code napi_deferred}. */
  MemorySegment promise(MemorySegment[] deferred) {
    MemorySegment out = pointer();
    MemorySegment deferredOut = pointer();
    check(NodeApi.napi_create_promise(env, deferredOut, out), "napi_create_promise");
    deferred[0] = deferredOut.get(ADDRESS, 0);
    return out.get(ADDRESS, 0);
  }

  void resolve(MemorySegment deferred, MemorySegment value) {
    checkJs(NodeApi.napi_resolve_deferred(env, deferred, value), "napi_resolve_deferred");
  }

  void reject(MemorySegment deferred, MemorySegment value) {
    checkJs(NodeApi.napi_reject_deferred(env, deferred, value), "napi_reject_deferred");
  }

  // ---------------------------------------------------------------------------- references

  /** A strong reference ({@code napi_ref}) that keeps {@code value} alive until deleted. */
  MemorySegment reference(MemorySegment value) {
    MemorySegment out = pointer();
    check(NodeApi.napi_create_reference(env, value, 1, out), "napi_create_reference");
    return out.get(ADDRESS, 0);
  }

  MemorySegment referenceValue(MemorySegment reference) {
    MemorySegment out = pointer();
    check(NodeApi.napi_get_reference_value(env, reference, out), "napi_get_reference_value");
    return out.get(ADDRESS, 0);
  }

  void deleteReference(MemorySegment reference) {
    NodeApi.napi_delete_reference(env, reference);
  }

  // ---------------------------------------------------------------------------- reading values

  /** The {@code napi_valuetype} of a value. */
  int typeOf(MemorySegment value) {
    MemorySegment type = allocate(JAVA_INT);
    check(NodeApi.napi_typeof(env, value, type), "napi_typeof");
    return type.get(JAVA_INT, 0);
  }

  boolean boolValue(MemorySegment value) {
    MemorySegment out = allocate(JAVA_BOOLEAN);
    check(NodeApi.napi_get_value_bool(env, value, out), "napi_get_value_bool");
    return out.get(JAVA_BOOLEAN, 0);
  }

  double numberValue(MemorySegment value) {
    MemorySegment out = allocate(JAVA_DOUBLE);
    check(NodeApi.napi_get_value_double(env, value, out), "napi_get_value_double");
    return out.get(JAVA_DOUBLE, 0);
  }

  /** The BigInt's value if it fits in a long, else null. */
  Long bigIntAsLong(MemorySegment value) {
    MemorySegment out = allocate(JAVA_LONG);
    MemorySegment lossless = allocate(JAVA_BOOLEAN);
    check(
        NodeApi.napi_get_value_bigint_int64(env, value, out, lossless),
        "napi_get_value_bigint_int64");
    return lossless.get(JAVA_BOOLEAN, 0) ? out.get(JAVA_LONG, 0) : null;
  }

  /** The BigInt's sign (element 0: 1 if negative) and magnitude words, least significant first. */
  long[] bigIntWords(MemorySegment value) {
    MemorySegment sign = allocate(JAVA_INT);
    MemorySegment count = allocate(JAVA_LONG);
    // With sign and words NULL, Node-API only counts the words.
    check(
        NodeApi.napi_get_value_bigint_words(
            env, value, MemorySegment.NULL, count, MemorySegment.NULL),
        "napi_get_value_bigint_words");
    long n = count.get(JAVA_LONG, 0);
    count.set(JAVA_LONG, 0, Math.max(1, n));
    MemorySegment words = allocate(JAVA_LONG, Math.max(1, n));
    check(
        NodeApi.napi_get_value_bigint_words(env, value, sign, count, words),
        "napi_get_value_bigint_words");
    long[] result = new long[(int) n + 1];
    result[0] = sign.get(JAVA_INT, 0);
    for (int i = 0; i < n; i++) {
      result[i + 1] = words.getAtIndex(JAVA_LONG, i);
    }
    return result;
  }

  /** A string value's UTF-16 code units, exactly. */
  String stringValue(MemorySegment value) {
    MemorySegment length = allocate(JAVA_LONG);
    check(
        NodeApi.napi_get_value_string_utf16(env, value, MemorySegment.NULL, 0, length),
        "napi_get_value_string_utf16");
    long n = length.get(JAVA_LONG, 0);
    if (n == 0) {
      return "";
    }
    MemorySegment chars = allocate(JAVA_CHAR, n + 1);
    check(
        NodeApi.napi_get_value_string_utf16(env, value, chars, n + 1, length),
        "napi_get_value_string_utf16");
    return new String(chars.asSlice(0, n * 2).toArray(JAVA_CHAR));
  }

  /** {@code String(value)} in JavaScript (which may run JavaScript, and throw). */
  String toJavaString(MemorySegment value) {
    MemorySegment out = pointer();
    checkJs(NodeApi.napi_coerce_to_string(env, value, out), "napi_coerce_to_string");
    return stringValue(out.get(ADDRESS, 0));
  }

  long externalValue(MemorySegment value) {
    MemorySegment out = pointer();
    check(NodeApi.napi_get_value_external(env, value, out), "napi_get_value_external");
    return out.get(ADDRESS, 0).address();
  }

  double dateValue(MemorySegment value) {
    MemorySegment out = allocate(JAVA_DOUBLE);
    check(NodeApi.napi_get_date_value(env, value, out), "napi_get_date_value");
    return out.get(JAVA_DOUBLE, 0);
  }

  boolean isArray(MemorySegment value) {
    MemorySegment out = allocate(JAVA_BOOLEAN);
    check(NodeApi.napi_is_array(env, value, out), "napi_is_array");
    return out.get(JAVA_BOOLEAN, 0);
  }

  boolean isError(MemorySegment value) {
    MemorySegment out = allocate(JAVA_BOOLEAN);
    check(NodeApi.napi_is_error(env, value, out), "napi_is_error");
    return out.get(JAVA_BOOLEAN, 0);
  }

  boolean isPromise(MemorySegment value) {
    MemorySegment out = allocate(JAVA_BOOLEAN);
    check(NodeApi.napi_is_promise(env, value, out), "napi_is_promise");
    return out.get(JAVA_BOOLEAN, 0);
  }

  boolean isDate(MemorySegment value) {
    MemorySegment out = allocate(JAVA_BOOLEAN);
    check(NodeApi.napi_is_date(env, value, out), "napi_is_date");
    return out.get(JAVA_BOOLEAN, 0);
  }

  /**
   * The bytes an ArrayBuffer, a typed array (Buffer included) or a DataView shows, as a native
   * segment valid while the value is; null for other values.
   */
  MemorySegment bytesOf(MemorySegment value) {
    MemorySegment is = allocate(JAVA_BOOLEAN);
    MemorySegment data = pointer();
    MemorySegment length = allocate(JAVA_LONG);
    check(NodeApi.napi_is_arraybuffer(env, value, is), "napi_is_arraybuffer");
    if (is.get(JAVA_BOOLEAN, 0)) {
      check(
          NodeApi.napi_get_arraybuffer_info(env, value, data, length), "napi_get_arraybuffer_info");
      return data.get(ADDRESS, 0).reinterpret(length.get(JAVA_LONG, 0));
    }
    check(NodeApi.napi_is_typedarray(env, value, is), "napi_is_typedarray");
    if (is.get(JAVA_BOOLEAN, 0)) {
      check(
          NodeApi.napi_get_typedarray_info(
              env,
              value,
              MemorySegment.NULL,
              MemorySegment.NULL,
              data,
              MemorySegment.NULL,
              MemorySegment.NULL),
          "napi_get_typedarray_info");
      long byteLength = (long) numberValue(namedProperty(value, "byteLength"));
      return data.get(ADDRESS, 0).reinterpret(byteLength);
    }
    check(NodeApi.napi_is_dataview(env, value, is), "napi_is_dataview");
    if (is.get(JAVA_BOOLEAN, 0)) {
      check(
          NodeApi.napi_get_dataview_info(
              env, value, length, data, MemorySegment.NULL, MemorySegment.NULL),
          "napi_get_dataview_info");
      return data.get(ADDRESS, 0).reinterpret(length.get(JAVA_LONG, 0));
    }
    return null;
  }

  long arrayLength(MemorySegment array) {
    MemorySegment out = allocate(JAVA_INT);
    check(NodeApi.napi_get_array_length(env, array, out), "napi_get_array_length");
    return Integer.toUnsignedLong(out.get(JAVA_INT, 0));
  }

  MemorySegment element(MemorySegment array, long index) {
    MemorySegment out = pointer();
    checkJs(NodeApi.napi_get_element(env, array, (int) index, out), "napi_get_element");
    return out.get(ADDRESS, 0);
  }

  void setElement(MemorySegment array, long index, MemorySegment value) {
    checkJs(NodeApi.napi_set_element(env, array, (int) index, value), "napi_set_element");
  }

  /** The own enumerable string keys, as an array of strings. */
  MemorySegment ownKeys(MemorySegment object) {
    MemorySegment out = pointer();
    checkJs(
        NodeApi.napi_get_all_property_names(
            env,
            object,
            NodeApi.napi_key_own_only(),
            NodeApi.napi_key_enumerable() | NodeApi.napi_key_skip_symbols(),
            NodeApi.napi_key_numbers_to_strings(),
            out),
        "napi_get_all_property_names");
    return out.get(ADDRESS, 0);
  }

  MemorySegment property(MemorySegment object, MemorySegment key) {
    MemorySegment out = pointer();
    checkJs(NodeApi.napi_get_property(env, object, key, out), "napi_get_property");
    return out.get(ADDRESS, 0);
  }

  MemorySegment property(MemorySegment object, String key) {
    return property(object, string(key));
  }

  /** A property whose name is plain ASCII without NUL. */
  MemorySegment namedProperty(MemorySegment object, String key) {
    MemorySegment out = pointer();
    checkJs(
        NodeApi.napi_get_named_property(env, object, allocateFrom(key), out),
        "napi_get_named_property");
    return out.get(ADDRESS, 0);
  }

  void setProperty(MemorySegment object, MemorySegment key, MemorySegment value) {
    checkJs(NodeApi.napi_set_property(env, object, key, value), "napi_set_property");
  }

  void setProperty(MemorySegment object, String key, MemorySegment value) {
    setProperty(object, string(key), value);
  }

  MemorySegment prototypeOf(MemorySegment object) {
    MemorySegment out = pointer();
    checkJs(NodeApi.napi_get_prototype(env, object, out), "napi_get_prototype");
    return out.get(ADDRESS, 0);
  }

  boolean strictEquals(MemorySegment a, MemorySegment b) {
    MemorySegment out = allocate(JAVA_BOOLEAN);
    check(NodeApi.napi_strict_equals(env, a, b, out), "napi_strict_equals");
    return out.get(JAVA_BOOLEAN, 0);
  }

  // ---------------------------------------------------------------------------- calls

  /** Calls {@code function} with {@code receiver} as {@code this}. */
  MemorySegment call(MemorySegment receiver, MemorySegment function, MemorySegment... args) {
    MemorySegment argv = allocate(ADDRESS, Math.max(1, args.length));
    for (int i = 0; i < args.length; i++) {
      argv.setAtIndex(ADDRESS, i, args[i]);
    }
    MemorySegment out = pointer();
    checkJs(
        NodeApi.napi_call_function(env, receiver, function, args.length, argv, out),
        "napi_call_function");
    return out.get(ADDRESS, 0);
  }

  /** Throws {@code value} in JavaScript when the current call from JavaScript returns. */
  void throwValue(MemorySegment value) {
    NodeApi.napi_throw(env, value);
  }

  /** Raises {@code error} as an uncaught exception (process 'uncaughtException'). */
  void fatalException(MemorySegment error) {
    NodeApi.napi_fatal_exception(env, error);
  }

  /**
   * The outcome of a failed call: {@link RuntimeClosedException} once the runtime stops, else the
   * pending JavaScript exception (cleared), else an {@link IllegalStateException}.
   */
  RuntimeException failure(int status, String function) {
    if (!runtime.isLoopRunning()) {
      return runtime.closedException();
    }
    MemorySegment pending = allocate(JAVA_BOOLEAN);
    if (NodeApi.napi_is_exception_pending(env, pending) == OK && pending.get(JAVA_BOOLEAN, 0)) {
      MemorySegment exception = pointer();
      if (NodeApi.napi_get_and_clear_last_exception(env, exception) == OK) {
        return Values.exception(this, exception.get(ADDRESS, 0));
      }
    }
    return new IllegalStateException(
        function + " returned " + NapiStatus.of(status) + lastErrorMessage());
  }

  /** For calls that may run JavaScript: a JavaScript exception becomes a Java exception. */
  void checkJs(int status, String function) {
    if (status != OK) {
      throw failure(status, function);
    }
  }

  /** For calls that do not run JavaScript. */
  void check(int status, String function) {
    if (status == OK) {
      return;
    }
    if (!runtime.isLoopRunning()) {
      throw runtime.closedException();
    }
    throw new IllegalStateException(
        function + " returned " + NapiStatus.of(status) + lastErrorMessage());
  }

  private String lastErrorMessage() {
    MemorySegment info = pointer();
    if (NodeApi.napi_get_last_error_info(env, info) == OK) {
      MemorySegment message =
          napi_extended_error_info.error_message(
              info.get(ADDRESS, 0).reinterpret(napi_extended_error_info.sizeof()));
      if (!message.equals(MemorySegment.NULL)) {
        return ": " + message.reinterpret(Long.MAX_VALUE).getString(0);
      }
    }
    return "";
  }

  private MemorySegment pointer() {
    return allocate(ADDRESS);
  }
}
