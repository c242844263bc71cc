package org.nodeffm;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;
import java.lang.reflect.Method;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.nodeffm.internal.EventLoop;
import org.nodeffm.internal.Handles;
import org.nodeffm.internal.NapiEnv;
import org.nodeffm.internal.NativeCallback;
import org.nodeffm.internal.Upcalls;
import org.nodeffm.internal.bindings.NodeApi;

/**
 * Converts values between Java and JavaScript, on the thread that runs the runtime's JavaScript:
 * the table of the package documentation ({@code package-info.java}), Java functions and Promises
 * on either side, and exceptions both ways. One per runtime.
 *
 * <p>Bytes are copied (one {@code memcpy}), except a writable {@link MemorySegment} of the global
 * scope ({@code Arena.global()}, or native memory wrapped from its address with {@code
 * MemorySegment.ofAddress(...).reinterpret(...)}), which JavaScript gets without a copy: its memory
 * is never freed by Java, and the owner of a wrapped address keeps it alive, as the FFM API asks of
 * it. Any other memory can move (the Java heap) or be freed by {@code Arena.close()} while
 * JavaScript still holds the Buffer, and the FFM API cannot tell a direct ByteBuffer or an
 * automatic arena's segment apart from one an arena may free: sharing it would let Java crash the
 * JVM. JavaScript bytes come to Java as a copy. Nesting deeper than {@value #MAX_DEPTH} levels (or
 * a cycle) is an {@link IllegalArgumentException}.
 */
final class Values {
  /** Makes the Java objects that stand for JavaScript objects: the API layer's {@link JsObject}. */
  interface Wrapper {
    /** A {@link JsObject} (a {@link JsFunction} if {@code function}) for the reference. */
    JsReference wrap(MemorySegment ref, boolean function);

    /** {@code object} seen as the interface {@code type} (see {@link JsObject#as}). */
    Object proxy(JsReference object, Class<?> type);
  }

  /**
   * Java code behind a JavaScript function; returns a {@code napi_value}, or null for undefined.
   */
  @FunctionalInterface
  interface Handler {
    MemorySegment call(NapiEnv env, MemorySegment thisArg, MemorySegment[] args) throws Exception;
  }

  static final int MAX_DEPTH = 200;
  static final long MAX_SAFE_INTEGER = (1L << 53) - 1;

  /** V8's longest string on 64-bit platforms ({@code v8::String::kMaxLength}). */
  static final int MAX_STRING_LENGTH = (1 << 29) - 24;

  /** V8's widest BigInt ({@code BigInt::kMaxLengthBits}). */
  static final int MAX_BIGINT_BITS = 1 << 30;

  private static final MemorySegment.Scope GLOBAL_SCOPE = java.lang.foreign.Arena.global().scope();

  /** The classes of the values {@link #toJava} converts by value. */
  private static final List<Class<?>> DATA_TYPES =
      List.of(
          LinkedHashMap.class,
          ArrayList.class,
          String.class,
          Integer.class,
          Long.class,
          Double.class,
          BigInteger.class,
          Boolean.class,
          Instant.class,
          byte[].class);

  private static final int UNDEFINED = NodeApi.napi_undefined();
  private static final int NULL = NodeApi.napi_null();
  private static final int BOOLEAN = NodeApi.napi_boolean();
  private static final int NUMBER = NodeApi.napi_number();
  private static final int STRING = NodeApi.napi_string();
  private static final int OBJECT = NodeApi.napi_object();
  private static final int FUNCTION = NodeApi.napi_function();
  private static final int BIGINT = NodeApi.napi_bigint();

  private final EventLoop loop;
  private final Helpers helpers;
  private final Wrapper wrapper;

  Values(EventLoop loop, Helpers helpers, Wrapper wrapper) {
    this.loop = loop;
    this.helpers = helpers;
    this.wrapper = wrapper;
  }

  // ---------------------------------------------------------------------------- Java -> JS

  MemorySegment toJs(NapiEnv env, Object value) {
    return toJs(env, value, 0);
  }

  private MemorySegment toJs(NapiEnv env, Object value, int depth) {
    if (depth > MAX_DEPTH) {
      throw new IllegalArgumentException(
          "a value nested deeper than "
              + MAX_DEPTH
              + " levels (or a cycle) cannot be passed to JavaScript");
    }
    return switch (value) {
      case null -> env.nullValue();
      case JsReference object -> object.valueIn(env);
      case HostObject host -> hostObject(env, host);
      case Boolean b -> env.bool(b);
      case Integer i -> env.int32(i);
      case Short s -> env.int32(s);
      case Byte b -> env.int32(b);
      case Long l -> l >= -MAX_SAFE_INTEGER && l <= MAX_SAFE_INTEGER ? env.int64(l) : env.bigInt(l);
      case Double d -> env.number(d);
      case Float f -> env.number(f);
      case BigInteger b -> bigInt(env, b);
      case Character c -> env.string(String.valueOf(c));
      case CharSequence s -> string(env, s.toString());
      case byte[] bytes -> env.bufferCopy(env.allocateFrom(JAVA_BYTE, bytes));
      case ByteBuffer buffer -> env.bufferCopy(nativeCopy(env, MemorySegment.ofBuffer(buffer)));
      case MemorySegment segment -> buffer(env, segment);
      case Instant instant -> env.date(instant.getEpochSecond() * 1000.0 + instant.getNano() / 1e6);
      case Date date -> env.date(date.getTime());
      case Map<?, ?> map -> {
        MemorySegment object = env.object();
        for (Map.Entry<?, ?> entry : map.entrySet()) {
          if (!(entry.getKey() instanceof CharSequence key)) {
            throw new IllegalArgumentException(
                "a Map passed to JavaScript must have String keys, not "
                    + describe(entry.getKey()));
          }
          MemorySegment converted = toJs(env, entry.getValue(), depth + 1);
          if (key.toString().equals("__proto__")) {
            // An own property, as every other key: [[Set]] would change the prototype instead.
            helpers.call(
                env, Helpers.Helper.DEFINE_OWN, object, env.string("__proto__"), converted);
          } else {
            env.setProperty(object, key.toString(), converted);
          }
        }
        yield object;
      }
      case List<?> list -> {
        MemorySegment array = env.array(list.size());
        int i = 0;
        for (Object element : list) {
          env.setElement(array, i++, toJs(env, element, depth + 1));
        }
        yield array;
      }
      case Object[] elements -> toJs(env, java.util.Arrays.asList(elements), depth);
      case JavaFunction function -> functionValue(env, "", function);
      case CompletionStage<?> stage -> promiseFor(env, stage);
      default ->
          throw new IllegalArgumentException(
              "cannot pass "
                  + describe(value)
                  + " to JavaScript (supported: null, Boolean, numbers, BigInteger, String, byte[],"
                  + " ByteBuffer, MemorySegment, Instant, Date, Map, List, Object[], JavaFunction,"
                  + " JavaObject, CompletionStage, JsObject)");
    };
  }

  private static MemorySegment string(NapiEnv env, String value) {
    if (value.length() > MAX_STRING_LENGTH) {
      throw new IllegalArgumentException(
          "a String of "
              + value.length()
              + " chars cannot be passed to JavaScript, whose strings hold at most "
              + MAX_STRING_LENGTH);
    }
    return env.string(value);
  }

  private static MemorySegment bigInt(NapiEnv env, BigInteger value) {
    BigInteger magnitude = value.abs();
    if (magnitude.bitLength() > MAX_BIGINT_BITS) {
      throw new IllegalArgumentException(
          "a BigInteger of "
              + magnitude.bitLength()
              + " bits cannot be passed to JavaScript, whose BigInts hold at most "
              + MAX_BIGINT_BITS);
    }
    // Big-endian bytes, least significant last: 64-bit words, least significant first.
    byte[] bytes = magnitude.toByteArray();
    int count = Math.max(1, (bytes.length + 7) / 8);
    long[] words = new long[count];
    for (int i = 0; i < bytes.length; i++) {
      int fromEnd = bytes.length - 1 - i;
      words[fromEnd / 8] |= (bytes[i] & 0xffL) << (8 * (fromEnd % 8));
    }
    return env.bigInt(value.signum() < 0, words);
  }

  /**
   * A Buffer for a segment: over the segment's own memory if it has the global scope ({@code
   * Arena.global()}, or native memory wrapped from its address: its owner keeps it alive, as the
   * FFM API requires) and is writable; a copy of it for any other segment, whose memory the GC or
   * an {@code Arena.close()} may move or free while JavaScript holds the Buffer.
   */
  private static MemorySegment buffer(NapiEnv env, MemorySegment segment) {
    if (segment.isNative()
        && !segment.isReadOnly()
        && segment.byteSize() > 0
        && segment.scope().equals(GLOBAL_SCOPE)) {
      MemorySegment shared = env.externalBuffer(segment);
      if (shared != null) {
        return shared;
      }
    }
    return env.bufferCopy(nativeCopy(env, segment));
  }

  /** Native memory with the segment's bytes: the segment itself if native, else a copy. */
  private static MemorySegment nativeCopy(NapiEnv env, MemorySegment segment) {
    if (!segment.scope().isAlive()) {
      throw new IllegalArgumentException(
          "cannot pass a MemorySegment whose arena is closed to JavaScript");
    }
    if (!segment.isAccessibleBy(Thread.currentThread())) {
      throw new IllegalArgumentException(
          "cannot pass a MemorySegment of a confined arena to JavaScript: the thread that"
              + " converts it ("
              + Thread.currentThread().getName()
              + ") may not read it (use a shared or automatic arena, or byte[])");
    }
    if (segment.isNative()) {
      return segment;
    }
    return env.allocate(Math.max(1, segment.byteSize()))
        .copyFrom(segment)
        .asSlice(0, segment.byteSize());
  }

  private static String describe(Object value) {
    return value == null ? "null" : "a " + value.getClass().getName();
  }

  // ---------------------------------------------------------------------------- JS -> Java

  /** Converts a JavaScript value by the mapping above (data by value, objects by reference). */
  Object toJava(NapiEnv env, MemorySegment value) {
    return toJava(env, value, 0);
  }

  /** Objects, functions and symbols as references; other values as {@link #toJava}. */
  Object toJavaReference(NapiEnv env, MemorySegment value) {
    int type = env.typeOf(value);
    if (type == OBJECT
        || type == FUNCTION
        || type == NodeApi.napi_symbol()
        || type == NodeApi.napi_external()) {
      return reference(env, value, type == FUNCTION);
    }
    return toJava(env, value, 0);
  }

  /**
   * Converts a JavaScript value to {@code type}: {@code Object} as {@link #toJava}; {@code
   * JsObject} and {@code JsFunction} by reference; an interface that no converted value implements
   * (not {@code Map}, {@code List}, {@code CharSequence}, ...) as a proxy of the object; anything
   * else by value, then as {@link Conversions#convert}.
   *
   * @throws ClassCastException if the value does not fit {@code type}, or would lose information
   */
  <T> T toJava(NapiEnv env, MemorySegment value, Class<T> type) {
    if (type == Object.class) {
      return type.cast(toJava(env, value));
    }
    if (JsReference.class.isAssignableFrom(type) || isProxied(type)) {
      int jsType = env.typeOf(value);
      if (jsType == UNDEFINED || jsType == NULL) {
        return null;
      }
      if (jsType != OBJECT && jsType != FUNCTION) {
        throw new ClassCastException(
            "a JavaScript "
                + Conversions.jsType(toJava(env, value))
                + " cannot be a Java "
                + type.getName());
      }
      JsReference object = reference(env, value, jsType == FUNCTION);
      if (type.isInstance(object)) {
        return type.cast(object);
      }
      if (!type.isInterface()) {
        throw new ClassCastException(
            "a JavaScript object that is no function cannot be a JsFunction");
      }
      return type.cast(wrapper.proxy(object, type));
    }
    return Conversions.convert(toJava(env, value), type);
  }

  /** Whether values of {@code type} are proxies of JavaScript objects, not converted data. */
  static boolean isProxied(Class<?> type) {
    if (!type.isInterface()) {
      return false;
    }
    for (Class<?> data : DATA_TYPES) {
      if (type.isAssignableFrom(data)) {
        return false;
      }
    }
    return true;
  }

  private Object toJava(NapiEnv env, MemorySegment value, int depth) {
    int type = env.typeOf(value);
    if (type == UNDEFINED || type == NULL) {
      return null;
    } else if (type == BOOLEAN) {
      return env.boolValue(value);
    } else if (type == NUMBER) {
      return number(env.numberValue(value));
    } else if (type == STRING) {
      return env.stringValue(value);
    } else if (type == BIGINT) {
      Long exact = env.bigIntAsLong(value);
      return exact != null ? exact : bigInteger(env.bigIntWords(value));
    } else if (type == FUNCTION) {
      return reference(env, value, true);
    } else if (type != OBJECT) {
      return reference(env, value, false); // symbol, external
    }
    if (depth > MAX_DEPTH) {
      throw new IllegalArgumentException(
          "a JavaScript value nested deeper than "
              + MAX_DEPTH
              + " levels (or a cycle) cannot be"
              + " converted to Java");
    }
    if (env.isArray(value)) {
      long length = env.arrayLength(value);
      List<Object> list = new ArrayList<>((int) Math.min(length, 1 << 16));
      for (long i = 0; i < length; i++) {
        list.add(toJava(env, env.element(value, i), depth + 1));
      }
      return list;
    }
    MemorySegment bytes = env.bytesOf(value);
    if (bytes != null) {
      return bytes.byteSize() == 0 ? new byte[0] : bytes.toArray(JAVA_BYTE);
    }
    if (env.isDate(value)) {
      double millis = env.dateValue(value);
      if (!Double.isNaN(millis)) {
        long whole = (long) Math.floor(millis);
        return Instant.ofEpochMilli(whole).plusNanos(Math.round((millis - whole) * 1e6));
      }
    } else if (isPlainObject(env, value)) {
      MemorySegment keys = env.ownKeys(value);
      long length = env.arrayLength(keys);
      Map<String, Object> map = new LinkedHashMap<>();
      for (long i = 0; i < length; i++) {
        MemorySegment key = env.element(keys, i);
        map.put(env.stringValue(key), toJava(env, env.property(value, key), depth + 1));
      }
      return map;
    }
    return reference(env, value, false);
  }

  /** Integer or Long for integral numbers within range, Double for the rest (-0 included). */
  static Object number(double d) {
    if (d == Math.rint(d)
        && !Double.isInfinite(d)
        && !(d == 0 && Double.doubleToRawLongBits(d) != 0)) {
      if (d >= Integer.MIN_VALUE && d <= Integer.MAX_VALUE) {
        return (int) d;
      }
      if (Math.abs(d) <= MAX_SAFE_INTEGER) {
        return (long) d;
      }
    }
    return d;
  }

  private static BigInteger bigInteger(long[] signAndWords) {
    BigInteger result = BigInteger.ZERO;
    for (int i = signAndWords.length - 1; i >= 1; i--) {
      result = result.shiftLeft(64).or(new BigInteger(Long.toUnsignedString(signAndWords[i])));
    }
    return signAndWords[0] != 0 ? result.negate() : result;
  }

  // ---------------------------------------------------------------------------- exceptions

  /**
   * The Java exception for a thrown JavaScript value (the pending exception already cleared). The
   * value itself is kept first, and the message is read from {@code name} and {@code message}
   * without running JavaScript where possible: this also works at the end of the stack, where the
   * exception may be a RangeError for the stack itself.
   */
  JavaScriptException exception(NapiEnv env, MemorySegment thrown) {
    if (!env.beginConvertingException()) {
      return new JavaScriptException(
          "(a JavaScript exception thrown while converting another one)", null, null, null, null);
    }
    try {
      Object value = null;
      String name = null;
      String message = null;
      String stack = null;
      Throwable cause = null;
      boolean object = false;
      try {
        int type = env.typeOf(thrown);
        object = type == OBJECT || type == FUNCTION;
        value = toJavaReference(env, thrown);
      } catch (RuntimeException e) {
        // Keep what can be known.
      }
      if (object) { // Errors, and objects that act as ones
        try {
          name = stringProperty(env, thrown, "name");
          String text = stringProperty(env, thrown, "message");
          if (name != null && text != null) {
            message = text.isEmpty() ? name : name + ": " + text;
          }
        } catch (RuntimeException e) {
          // Keep what can be known.
        }
        try {
          stack = stringProperty(env, thrown, "stack");
        } catch (RuntimeException e) {
          // Keep what can be known.
        }
        try {
          cause = javaCauseOf(env, thrown);
        } catch (RuntimeException e) {
          // Keep what can be known.
        }
      }
      if (message == null) {
        try {
          message = env.toJavaString(thrown);
        } catch (RuntimeException e) {
          message = "(a thrown value that cannot be converted to a string)";
        }
      }
      return new JavaScriptException(message, name, stack, value, cause);
    } finally {
      env.endConvertingException();
    }
  }

  private static String stringProperty(NapiEnv env, MemorySegment object, String name) {
    MemorySegment value = env.namedProperty(object, name);
    return env.typeOf(value) == STRING ? env.stringValue(value) : null;
  }

  // ---------------------------------------------------------------------------- objects

  /** A {@link JsObject} (or {@link JsFunction}) that keeps {@code value} alive. */
  JsReference reference(NapiEnv env, MemorySegment value, boolean function) {
    return wrapper.wrap(env.reference(value), function);
  }

  /** Whether the object's prototype is {@code Object.prototype} or null. */
  private boolean isPlainObject(NapiEnv env, MemorySegment object) {
    MemorySegment prototype = env.prototypeOf(object);
    return env.typeOf(prototype) == NULL
        || env.strictEquals(prototype, helpers.get(env, Helpers.Helper.OBJECT_PROTOTYPE));
  }

  // ---------------------------------------------------------------------------- Java functions

  /** A JavaScript function that runs {@code handler}; what it throws is thrown into JavaScript. */
  MemorySegment function(NapiEnv env, String name, Handler handler) {
    return env.function(name, callback(handler));
  }

  /** A JavaScript function that calls {@code function} with converted arguments. */
  MemorySegment functionValue(NapiEnv env, String name, JavaFunction function) {
    return function(
        env,
        name,
        (e, self, args) -> {
          Object[] javaArgs = new Object[args.length];
          for (int i = 0; i < args.length; i++) {
            javaArgs[i] = toJava(e, args[i]);
          }
          return toJs(e, function.call(javaArgs));
        });
  }

  private NativeCallback callback(Handler handler) {
    return (napiEnv, thisArg, args) -> {
      try (NapiEnv env = loop.env(napiEnv)) {
        try {
          MemorySegment result = handler.call(env, thisArg, args);
          return result == null ? MemorySegment.NULL : result;
        } catch (Throwable t) {
          throwToJs(env, t);
          return MemorySegment.NULL;
        }
      }
    };
  }

  /** Throws {@code t} into JavaScript as the current call returns. */
  private void throwToJs(NapiEnv env, Throwable t) {
    if (!loop.isRunning()) {
      return; // JavaScript is being terminated: nothing can catch it.
    }
    try {
      env.throwValue(errorValue(env, t));
    } catch (Throwable again) {
      Upcalls.logQuietly("could not throw a Java exception into JavaScript", again);
    }
  }

  // ---------------------------------------------------------------------------- Java objects

  /** A plain object with one function per allowed method of {@code host}. */
  private MemorySegment hostObject(NapiEnv env, HostObject host) {
    MemorySegment object = env.object();
    for (String name : host.names()) {
      env.setProperty(
          object, name, function(env, name, (e, self, args) -> callHost(e, host, name, args)));
    }
    return object;
  }

  /** JavaScript called {@code host.name(args)}: the first overload whose parameters fit. */
  private MemorySegment callHost(NapiEnv env, HostObject host, String name, MemorySegment[] args)
      throws Exception {
    ClassCastException mismatch = null;
    for (Method method : host.overloads(name, args.length)) {
      Object[] javaArgs = new Object[args.length];
      try {
        Class<?>[] types = method.getParameterTypes();
        for (int i = 0; i < args.length; i++) {
          javaArgs[i] = toJava(env, args[i], types[i]);
        }
      } catch (ClassCastException e) {
        mismatch = mismatch == null ? e : mismatch;
        continue;
      }
      Object result = host.invoke(method, javaArgs);
      return method.getReturnType() == void.class ? null : toJs(env, result);
    }
    throw mismatch;
  }

  // ---------------------------------------------------------------------------- Promises

  /** A Promise settled when {@code stage} completes. */
  MemorySegment promiseFor(NapiEnv env, CompletionStage<?> stage) {
    MemorySegment[] deferred = new MemorySegment[1];
    MemorySegment promise = env.promise(deferred);
    MemorySegment settle = deferred[0];
    stage.whenComplete(
        (value, error) ->
            loop.submit(
                (e, result) -> {
                  if (error == null) {
                    MemorySegment converted;
                    try {
                      converted = toJs(e, value);
                    } catch (RuntimeException conversion) {
                      e.reject(settle, errorValue(e, conversion));
                      result.complete(null);
                      return;
                    }
                    e.resolve(settle, converted);
                  } else {
                    Throwable cause =
                        error instanceof CompletionException && error.getCause() != null
                            ? error.getCause()
                            : error;
                    e.reject(settle, errorValue(e, cause));
                  }
                  result.complete(null);
                }));
    return promise;
  }

  // ---------------------------------------------------------------------------- errors

  /**
   * The JavaScript value for a Java exception: the original value if it is a JavaScript exception
   * of this runtime, else an Error whose message is {@code t.toString()}, with {@code t} attached
   * as its Java cause.
   */
  MemorySegment errorValue(NapiEnv env, Throwable t) {
    if (t instanceof JavaScriptException js) {
      if (js.thrown() instanceof JsReference object && object.loop() == loop) {
        return object.valueIn(env);
      }
      if (js.thrown() != null && !(js.thrown() instanceof JsReference)) {
        return toJs(env, js.thrown());
      }
    }
    MemorySegment error = env.error(String.valueOf(t));
    try {
      long handle = Handles.add(t);
      helpers.call(env, Helpers.Helper.ATTACH_CAUSE, error, env.external(handle));
    } catch (RuntimeException e) {
      // The error without its Java cause.
    }
    return error;
  }

  /** The Java exception attached to a JavaScript error by {@link #errorValue}, or null. */
  private Throwable javaCauseOf(NapiEnv env, MemorySegment error) {
    MemorySegment cause = helpers.call(env, Helpers.Helper.CAUSE_OF, error);
    if (env.typeOf(cause) != NodeApi.napi_external()) {
      return null;
    }
    return Handles.get(env.externalValue(cause)) instanceof Throwable t ? t : null;
  }
}
