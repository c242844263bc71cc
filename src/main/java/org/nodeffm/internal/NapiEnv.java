package org.nodeffm.internal;

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
import org.nodeffm.internal.bindings.napi_callback;
import org.nodeffm.internal.bindings.napi_extended_error_info;
import org.nodeffm.internal.bindings.napi_finalize;
import org.nodeffm.napi.NapiStatus;

/**
 * A {@code napi_env} during one piece of work on the event loop thread (a task, a call from
 * JavaScript), with the Node-API calls the Java side makes there. Values ({@code napi_value}) live
 * until the handle scope of that work ends; memory for arguments and results until {@link
 * #close()}.
 *
 * <p>A call that fails with a JavaScript exception throws what the runtime's {@link Thrown}
 * converter makes of it (a {@code JavaScriptException}); one that fails because the runtime is
 * stopping throws its {@link LoopState#closedException()}.
 */
public final class NapiEnv implements AutoCloseable, SegmentAllocator {
  /** {@code napi_ok}. */
  public static final int OK = NodeApi.napi_ok();

  /** Converts a thrown JavaScript value (no longer pending) into the Java exception to throw. */
  @FunctionalInterface
  public interface Thrown {
    /**
     * The exception for {@code value}.
     *
     * @param env the environment of the failed call
     * @param value the thrown value ({@code napi_value})
     * @return the exception to throw
     */
    RuntimeException convert(NapiEnv env, MemorySegment value);
  }

  /** Arguments read without a second napi_get_cb_info call. */
  private static final int USUAL_ARGUMENTS = 8;

  /**
   * {@code napi_callback} of every function {@link #function} makes; data: a {@link Handles} id.
   */
  private static final MemorySegment CALL = napi_callback.allocate(NapiEnv::call, Arena.global());

  /** {@code napi_finalize} that removes the {@link Handles} entry whose id is its data. */
  private static final MemorySegment RELEASE_HANDLE =
      napi_finalize.allocate(NapiEnv::releaseHandle, Arena.global());

  /**
   * A loop thread's scratch memory for the arguments and results of Node-API calls, so that a call
   * allocates no native memory. Work nests on the loop thread (a call from JavaScript into Java
   * inside a task), so it is a stack: each user takes what it needs on top and gives it back, in
   * reverse order, when it is done. What does not fit comes from an arena of the user's own.
   */
  private static final class Scratch {
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

  private final LoopState loop;
  private final Thrown thrown;
  private final MemorySegment env;
  private final Scratch scratch = Scratch.ofCurrentThread();
  private final long mark = scratch.mark();
  private Arena overflow;

  /** Set while a thrown value is converted, so that a second exception is not converted too. */
  private boolean convertingException;

  /**
   * An environment for one piece of work on the thread that runs {@code loop}'s JavaScript.
   *
   * @param loop the runtime's loop, or null for scratch memory only (no Node-API call may fail)
   * @param thrown converts JavaScript exceptions, or null with {@code loop} null
   * @param env the {@code napi_env}
   */
  public NapiEnv(LoopState loop, Thrown thrown, MemorySegment env) {
    this.loop = loop;
    this.thrown = thrown;
    this.env = env;
  }

  /**
   * The loop this environment's work runs for.
   *
   * @return the loop
   */
  public LoopState loop() {
    return loop;
  }

  /**
   * The {@code napi_env}.
   *
   * @return the handle
   */
  public MemorySegment napiEnv() {
    return env;
  }

  /**
   * Marks the start of the conversion of a thrown value.
   *
   * @return false if one is being converted already (a second exception while converting the first
   *     is not converted: that could go on forever)
   */
  public boolean beginConvertingException() {
    if (convertingException) {
      return false;
    }
    convertingException = true;
    return true;
  }

  /** Marks the end of the conversion {@link #beginConvertingException()} began. */
  public void endConvertingException() {
    convertingException = false;
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

  /** JavaScript's {@code undefined}. */
  public MemorySegment undefined() {
    MemorySegment out = pointer();
    check(NodeApi.napi_get_undefined(env, out), "napi_get_undefined");
    return out.get(ADDRESS, 0);
  }

  /** JavaScript's {@code null}. */
  public MemorySegment nullValue() {
    MemorySegment out = pointer();
    check(NodeApi.napi_get_null(env, out), "napi_get_null");
    return out.get(ADDRESS, 0);
  }

  /** The global object. */
  public MemorySegment global() {
    MemorySegment out = pointer();
    check(NodeApi.napi_get_global(env, out), "napi_get_global");
    return out.get(ADDRESS, 0);
  }

  /** A boolean. */
  public MemorySegment bool(boolean value) {
    MemorySegment out = pointer();
    check(NodeApi.napi_get_boolean(env, value, out), "napi_get_boolean");
    return out.get(ADDRESS, 0);
  }

  /** A Number from an int. */
  public MemorySegment int32(int value) {
    MemorySegment out = pointer();
    check(NodeApi.napi_create_int32(env, value, out), "napi_create_int32");
    return out.get(ADDRESS, 0);
  }

  /** A Number; exact only within +-(2^53 - 1). */
  public MemorySegment int64(long value) {
    MemorySegment out = pointer();
    check(NodeApi.napi_create_int64(env, value, out), "napi_create_int64");
    return out.get(ADDRESS, 0);
  }

  /** A Number from a double. */
  public MemorySegment number(double value) {
    MemorySegment out = pointer();
    check(NodeApi.napi_create_double(env, value, out), "napi_create_double");
    return out.get(ADDRESS, 0);
  }

  /** A BigInt from a long. */
  public MemorySegment bigInt(long value) {
    MemorySegment out = pointer();
    check(NodeApi.napi_create_bigint_int64(env, value, out), "napi_create_bigint_int64");
    return out.get(ADDRESS, 0);
  }

  /** A BigInt from its sign and magnitude as 64-bit words, least significant first. */
  public MemorySegment bigInt(boolean negative, long[] words) {
    MemorySegment out = pointer();
    MemorySegment data = allocateFrom(JAVA_LONG, words.length == 0 ? new long[] {0} : words);
    checkJs( // V8 throws a RangeError for a BigInt too wide.
        NodeApi.napi_create_bigint_words(
            env, negative ? 1 : 0, Math.max(1, words.length), data, out),
        "napi_create_bigint_words");
    return out.get(ADDRESS, 0);
  }

  /** A string with exactly these UTF-16 code units (any Unicode, lone surrogates, {@code \0}). */
  public MemorySegment string(String value) {
    MemorySegment out = pointer();
    MemorySegment chars =
        value.isEmpty() ? allocate(JAVA_CHAR) : allocateFrom(JAVA_CHAR, value.toCharArray());
    check(
        NodeApi.napi_create_string_utf16(env, chars, value.length(), out),
        "napi_create_string_utf16");
    return out.get(ADDRESS, 0);
  }

  /** A new plain object. */
  public MemorySegment object() {
    MemorySegment out = pointer();
    check(NodeApi.napi_create_object(env, out), "napi_create_object");
    return out.get(ADDRESS, 0);
  }

  /** A new Array of {@code length} holes. */
  public MemorySegment array(long length) {
    MemorySegment out = pointer();
    check(NodeApi.napi_create_array_with_length(env, length, out), "napi_create_array_with_length");
    return out.get(ADDRESS, 0);
  }

  /** A Buffer with a copy of {@code bytes} (native memory). */
  public MemorySegment bufferCopy(MemorySegment bytes) {
    MemorySegment out = pointer();
    check(
        NodeApi.napi_create_buffer_copy(env, bytes.byteSize(), bytes, MemorySegment.NULL, out),
        "napi_create_buffer_copy");
    return out.get(ADDRESS, 0);
  }

  /**
   * A Buffer over {@code memory} itself (no copy), or null if Node.js refuses external buffers. The
   * memory must outlive every JavaScript reference to the Buffer.
   */
  public MemorySegment externalBuffer(MemorySegment memory) {
    MemorySegment out = pointer();
    int status =
        NodeApi.napi_create_external_buffer(
            env, memory.byteSize(), memory, MemorySegment.NULL, MemorySegment.NULL, out);
    return status == OK ? out.get(ADDRESS, 0) : null;
  }

  /** A Date at {@code epochMillis}. */
  public MemorySegment date(double epochMillis) {
    MemorySegment out = pointer();
    checkJs(NodeApi.napi_create_date(env, epochMillis, out), "napi_create_date");
    return out.get(ADDRESS, 0);
  }

  /** A new Error with {@code message}. */
  public MemorySegment error(String message) {
    MemorySegment out = pointer();
    check(
        NodeApi.napi_create_error(env, MemorySegment.NULL, string(message), out),
        "napi_create_error");
    return out.get(ADDRESS, 0);
  }

  /**
   * A JavaScript function that runs {@code callback}, which stays reachable while the function is.
   *
   * @param name the function's {@code name}
   * @param callback what it runs
   * @return the function
   */
  public MemorySegment function(String name, NativeCallback callback) {
    long handle = Handles.add(callback);
    MemorySegment out = pointer();
    int status =
        NodeApi.napi_create_function(
            env, allocateFrom(name), -1L, CALL, MemorySegment.ofAddress(handle), out);
    if (status != OK) {
      Handles.remove(handle);
      check(status, "napi_create_function");
    }
    MemorySegment function = out.get(ADDRESS, 0);
    releaseWhenCollected(function, handle);
    return function;
  }

  /** An external whose finalizer releases {@link Handles} entry {@code handle}. */
  public MemorySegment external(long handle) {
    MemorySegment out = pointer();
    check(
        NodeApi.napi_create_external(
            env, MemorySegment.ofAddress(handle), RELEASE_HANDLE, MemorySegment.NULL, out),
        "napi_create_external");
    return out.get(ADDRESS, 0);
  }

  /** Releases {@link Handles} entry {@code handle} once {@code value} is garbage-collected. */
  public void releaseWhenCollected(MemorySegment value, long handle) {
    check(
        NodeApi.napi_add_finalizer(
            env,
            value,
            MemorySegment.ofAddress(handle),
            RELEASE_HANDLE,
            MemorySegment.NULL,
            MemorySegment.NULL),
        "napi_add_finalizer");
  }

  /** A promise; {@code deferred[0]} receives its {@code napi_deferred}. */
  public MemorySegment promise(MemorySegment[] deferred) {
    MemorySegment out = pointer();
    MemorySegment deferredOut = pointer();
    check(NodeApi.napi_create_promise(env, deferredOut, out), "napi_create_promise");
    deferred[0] = deferredOut.get(ADDRESS, 0);
    return out.get(ADDRESS, 0);
  }

  /** Resolves the promise of {@code deferred} with {@code value}. */
  public void resolve(MemorySegment deferred, MemorySegment value) {
    checkJs(NodeApi.napi_resolve_deferred(env, deferred, value), "napi_resolve_deferred");
  }

  /** Rejects the promise of {@code deferred} with {@code value}. */
  public void reject(MemorySegment deferred, MemorySegment value) {
    checkJs(NodeApi.napi_reject_deferred(env, deferred, value), "napi_reject_deferred");
  }

  // ---------------------------------------------------------------------------- references

  /** A strong reference ({@code napi_ref}) that keeps {@code value} alive until deleted. */
  public MemorySegment reference(MemorySegment value) {
    MemorySegment out = pointer();
    check(NodeApi.napi_create_reference(env, value, 1, out), "napi_create_reference");
    return out.get(ADDRESS, 0);
  }

  /** The value a reference keeps. */
  public MemorySegment referenceValue(MemorySegment reference) {
    MemorySegment out = pointer();
    check(NodeApi.napi_get_reference_value(env, reference, out), "napi_get_reference_value");
    return out.get(ADDRESS, 0);
  }

  /** Deletes a reference. */
  public void deleteReference(MemorySegment reference) {
    NodeApi.napi_delete_reference(env, reference);
  }

  // ---------------------------------------------------------------------------- reading values

  /** The {@code napi_valuetype} of a value. */
  public int typeOf(MemorySegment value) {
    MemorySegment type = allocate(JAVA_INT);
    check(NodeApi.napi_typeof(env, value, type), "napi_typeof");
    return type.get(JAVA_INT, 0);
  }

  /** A boolean's value. */
  public boolean boolValue(MemorySegment value) {
    MemorySegment out = allocate(JAVA_BOOLEAN);
    check(NodeApi.napi_get_value_bool(env, value, out), "napi_get_value_bool");
    return out.get(JAVA_BOOLEAN, 0);
  }

  /** A Number's value. */
  public double numberValue(MemorySegment value) {
    MemorySegment out = allocate(JAVA_DOUBLE);
    check(NodeApi.napi_get_value_double(env, value, out), "napi_get_value_double");
    return out.get(JAVA_DOUBLE, 0);
  }

  /** The BigInt's value if it fits in a long, else null. */
  public Long bigIntAsLong(MemorySegment value) {
    MemorySegment out = allocate(JAVA_LONG);
    MemorySegment lossless = allocate(JAVA_BOOLEAN);
    check(
        NodeApi.napi_get_value_bigint_int64(env, value, out, lossless),
        "napi_get_value_bigint_int64");
    return lossless.get(JAVA_BOOLEAN, 0) ? out.get(JAVA_LONG, 0) : null;
  }

  /** The BigInt's sign (element 0: 1 if negative) and magnitude words, least significant first. */
  public long[] bigIntWords(MemorySegment value) {
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
  public String stringValue(MemorySegment value) {
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
  public String toJavaString(MemorySegment value) {
    MemorySegment out = pointer();
    checkJs(NodeApi.napi_coerce_to_string(env, value, out), "napi_coerce_to_string");
    return stringValue(out.get(ADDRESS, 0));
  }

  /** The data of an external, as an integer. */
  public long externalValue(MemorySegment value) {
    MemorySegment out = pointer();
    check(NodeApi.napi_get_value_external(env, value, out), "napi_get_value_external");
    return out.get(ADDRESS, 0).address();
  }

  /** A Date's time in epoch milliseconds. */
  public double dateValue(MemorySegment value) {
    MemorySegment out = allocate(JAVA_DOUBLE);
    check(NodeApi.napi_get_date_value(env, value, out), "napi_get_date_value");
    return out.get(JAVA_DOUBLE, 0);
  }

  /** Whether the value is an Array. */
  public boolean isArray(MemorySegment value) {
    MemorySegment out = allocate(JAVA_BOOLEAN);
    check(NodeApi.napi_is_array(env, value, out), "napi_is_array");
    return out.get(JAVA_BOOLEAN, 0);
  }

  /** Whether the value is a Promise. */
  public boolean isPromise(MemorySegment value) {
    MemorySegment out = allocate(JAVA_BOOLEAN);
    check(NodeApi.napi_is_promise(env, value, out), "napi_is_promise");
    return out.get(JAVA_BOOLEAN, 0);
  }

  /** Whether the value is a Date. */
  public boolean isDate(MemorySegment value) {
    MemorySegment out = allocate(JAVA_BOOLEAN);
    check(NodeApi.napi_is_date(env, value, out), "napi_is_date");
    return out.get(JAVA_BOOLEAN, 0);
  }

  /**
   * The bytes an ArrayBuffer, a typed array (Buffer included) or a DataView shows, as a native
   * segment valid while the value is; null for other values.
   */
  public MemorySegment bytesOf(MemorySegment value) {
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

  /** An Array's length. */
  public long arrayLength(MemorySegment array) {
    MemorySegment out = allocate(JAVA_INT);
    check(NodeApi.napi_get_array_length(env, array, out), "napi_get_array_length");
    return Integer.toUnsignedLong(out.get(JAVA_INT, 0));
  }

  /** {@code array[index]}. */
  public MemorySegment element(MemorySegment array, long index) {
    MemorySegment out = pointer();
    checkJs(NodeApi.napi_get_element(env, array, (int) index, out), "napi_get_element");
    return out.get(ADDRESS, 0);
  }

  /** {@code array[index] = value}. */
  public void setElement(MemorySegment array, long index, MemorySegment value) {
    checkJs(NodeApi.napi_set_element(env, array, (int) index, value), "napi_set_element");
  }

  /** The own enumerable string keys, as an array of strings. */
  public MemorySegment ownKeys(MemorySegment object) {
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

  /** {@code object[key]}. */
  public MemorySegment property(MemorySegment object, MemorySegment key) {
    MemorySegment out = pointer();
    checkJs(NodeApi.napi_get_property(env, object, key, out), "napi_get_property");
    return out.get(ADDRESS, 0);
  }

  /** {@code object[key]}. */
  public MemorySegment property(MemorySegment object, String key) {
    return property(object, string(key));
  }

  /** A property whose name is plain ASCII without NUL. */
  public MemorySegment namedProperty(MemorySegment object, String key) {
    MemorySegment out = pointer();
    checkJs(
        NodeApi.napi_get_named_property(env, object, allocateFrom(key), out),
        "napi_get_named_property");
    return out.get(ADDRESS, 0);
  }

  /** {@code object[key] = value}. */
  public void setProperty(MemorySegment object, MemorySegment key, MemorySegment value) {
    checkJs(NodeApi.napi_set_property(env, object, key, value), "napi_set_property");
  }

  /** {@code object[key] = value}. */
  public void setProperty(MemorySegment object, String key, MemorySegment value) {
    setProperty(object, string(key), value);
  }

  /** {@code Object.getPrototypeOf(object)}. */
  public MemorySegment prototypeOf(MemorySegment object) {
    MemorySegment out = pointer();
    checkJs(NodeApi.napi_get_prototype(env, object, out), "napi_get_prototype");
    return out.get(ADDRESS, 0);
  }

  /** {@code a === b}. */
  public boolean strictEquals(MemorySegment a, MemorySegment b) {
    MemorySegment out = allocate(JAVA_BOOLEAN);
    check(NodeApi.napi_strict_equals(env, a, b, out), "napi_strict_equals");
    return out.get(JAVA_BOOLEAN, 0);
  }

  // ---------------------------------------------------------------------------- calls

  /** Calls {@code function} with {@code receiver} as {@code this}. */
  public MemorySegment call(MemorySegment receiver, MemorySegment function, MemorySegment... args) {
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
  public void throwValue(MemorySegment value) {
    NodeApi.napi_throw(env, value);
  }

  /**
   * The outcome of a failed call: {@code RuntimeClosedException} once the runtime stops, else the
   * pending JavaScript exception (cleared), else an {@link IllegalStateException}.
   */
  public RuntimeException failure(int status, String function) {
    if (!loop.isRunning()) {
      return loop.closedException();
    }
    MemorySegment pending = allocate(JAVA_BOOLEAN);
    if (NodeApi.napi_is_exception_pending(env, pending) == OK && pending.get(JAVA_BOOLEAN, 0)) {
      MemorySegment exception = pointer();
      if (NodeApi.napi_get_and_clear_last_exception(env, exception) == OK) {
        return thrown.convert(this, exception.get(ADDRESS, 0));
      }
    }
    return new IllegalStateException(
        function + " returned " + NapiStatus.of(status) + lastErrorMessage());
  }

  /** For calls that may run JavaScript: a JavaScript exception becomes a Java exception. */
  public void checkJs(int status, String function) {
    if (status != OK) {
      throw failure(status, function);
    }
  }

  /** For calls that do not run JavaScript. */
  public void check(int status, String function) {
    if (status == OK) {
      return;
    }
    if (!loop.isRunning()) {
      throw loop.closedException();
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

  // ---------------------------------------------------------------------------- from native code

  /** JavaScript called a function of {@link #function}: runs its {@link NativeCallback}. */
  private static MemorySegment call(MemorySegment env, MemorySegment info) {
    // Only the scratch memory of this thread: the callback makes its own NapiEnv.
    try (NapiEnv frame = new NapiEnv(null, null, env)) {
      MemorySegment argc = frame.allocate(JAVA_LONG);
      argc.set(JAVA_LONG, 0, USUAL_ARGUMENTS);
      MemorySegment argv = frame.allocate(ADDRESS, USUAL_ARGUMENTS);
      MemorySegment thisArg = frame.allocate(ADDRESS);
      MemorySegment data = frame.allocate(ADDRESS);
      if (NodeApi.napi_get_cb_info(env, info, argc, argv, thisArg, data) != OK) {
        return MemorySegment.NULL;
      }
      long count = argc.get(JAVA_LONG, 0);
      if (count > USUAL_ARGUMENTS) {
        argv = frame.allocate(ADDRESS, count);
        if (NodeApi.napi_get_cb_info(env, info, argc, argv, thisArg, data) != OK) {
          return MemorySegment.NULL;
        }
      }
      MemorySegment[] args = new MemorySegment[(int) count];
      for (int i = 0; i < count; i++) {
        args[i] = argv.getAtIndex(ADDRESS, i);
      }
      if (!(Handles.get(data.get(ADDRESS, 0).address()) instanceof NativeCallback callback)) {
        return MemorySegment.NULL;
      }
      MemorySegment result = callback.call(env, thisArg.get(ADDRESS, 0), args);
      return result == null ? MemorySegment.NULL : result;
    } catch (Throwable t) {
      Upcalls.logQuietly("a call from JavaScript into Java failed", t);
      return MemorySegment.NULL;
    }
  }

  private static void releaseHandle(MemorySegment env, MemorySegment data, MemorySegment hint) {
    try {
      Handles.remove(data.address());
    } catch (Throwable t) {
      Upcalls.logQuietly("releasing a handle failed", t);
    }
  }

  private MemorySegment pointer() {
    return allocate(ADDRESS);
  }
}
