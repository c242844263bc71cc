package org.nodeffm;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.nodeffm.internal.bindings.NodeApi;

/**
 * Converts values between Java and JavaScript, on the event loop thread. The mapping (also in the
 * README):
 *
 * <pre>
 *   Java                               JavaScript
 *   null                            -> null      (null and undefined -> null)
 *   Boolean                        <-> boolean
 *   Integer, Short, Byte           <-> number    (integral, in int range -> Integer)
 *   Long within +-(2^53 - 1)       <-> number    (other integral numbers in that range -> Long)
 *   Long beyond that                -> BigInt    (never rounded)
 *   Double, Float                  <-> number    (all other numbers, -0, NaN, +-Infinity -> Double)
 *   BigInteger                      -> BigInt    (BigInt -> Long if it fits, else BigInteger)
 *   String, CharSequence, Character <-> string   (UTF-16 code units exactly: any Unicode, \0)
 *   byte[], ByteBuffer, MemorySegment -> Buffer  (a copy, or shared: see below)
 *   byte[]                         <-  ArrayBuffer, Buffer, any typed array, DataView (a copy)
 *   Instant, Date                  <-> Date      (Date -> Instant)
 *   Map (String keys)              <-> plain object (prototype Object.prototype or null)
 *   List, Object[]                 <-> Array     (Array -> ArrayList)
 *   JavaFunction                    -> function  (calls Java on the loop thread)
 *   CompletionStage                 -> Promise   (settled when the stage completes)
 *   JsObject, JsFunction           <-> the same object
 *   JsObject, JsFunction           <-  any other object, function, symbol
 * </pre>
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
  static final int MAX_DEPTH = 200;
  static final long MAX_SAFE_INTEGER = (1L << 53) - 1;
  private static final MemorySegment.Scope GLOBAL_SCOPE = java.lang.foreign.Arena.global().scope();

  private static final int UNDEFINED = NodeApi.napi_undefined();
  private static final int NULL = NodeApi.napi_null();
  private static final int BOOLEAN = NodeApi.napi_boolean();
  private static final int NUMBER = NodeApi.napi_number();
  private static final int STRING = NodeApi.napi_string();
  private static final int OBJECT = NodeApi.napi_object();
  private static final int FUNCTION = NodeApi.napi_function();
  private static final int BIGINT = NodeApi.napi_bigint();

  private Values() {}

  // ---------------------------------------------------------------------------- Java -> JS

  static MemorySegment toJs(NapiEnv env, Object value) {
    return toJs(env, value, 0);
  }

  private static MemorySegment toJs(NapiEnv env, Object value, int depth) {
    if (depth > MAX_DEPTH) {
      throw new IllegalArgumentException(
          "a value nested deeper than "
              + MAX_DEPTH
              + " levels (or a cycle) cannot be passed to JavaScript");
    }
    return switch (value) {
      case null -> env.nullValue();
      case JsObject object -> object.valueIn(env);
      case Boolean b -> env.bool(b);
      case Integer i -> env.int32(i);
      case Short s -> env.int32(s);
      case Byte b -> env.int32(b);
      case Long l -> l >= -MAX_SAFE_INTEGER && l <= MAX_SAFE_INTEGER ? env.int64(l) : env.bigInt(l);
      case Double d -> env.number(d);
      case Float f -> env.number(f);
      case BigInteger b -> bigInt(env, b);
      case Character c -> env.string(String.valueOf(c));
      case CharSequence s -> env.string(s.toString());
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
          env.setProperty(object, key.toString(), toJs(env, entry.getValue(), depth + 1));
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
      case JavaFunction function -> env.runtime.functionValue(env, "", function);
      case CompletionStage<?> stage -> env.runtime.promiseFor(env, stage);
      default ->
          throw new IllegalArgumentException(
              "cannot pass "
                  + describe(value)
                  + " to JavaScript (supported: null, Boolean, numbers, BigInteger, String, byte[],"
                  + " ByteBuffer, MemorySegment, Instant, Date, Map, List, Object[], JavaFunction,"
                  + " CompletionStage, JsObject)");
    };
  }

  private static MemorySegment bigInt(NapiEnv env, BigInteger value) {
    BigInteger magnitude = value.abs();
    int count = Math.max(1, (magnitude.bitLength() + 63) / 64);
    long[] words = new long[count];
    for (int i = 0; i < count; i++) {
      words[i] = magnitude.shiftRight(64 * i).longValue();
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
          "cannot pass a MemorySegment of a confined arena to JavaScript: the event loop thread"
              + " converts it, and may not read it (use a shared or automatic arena, or byte[])");
    }
    if (segment.isNative()) {
      return segment;
    }
    return env
        .allocate(Math.max(1, segment.byteSize()))
        .copyFrom(segment)
        .asSlice(0, segment.byteSize());
  }

  private static String describe(Object value) {
    return value == null ? "null" : "a " + value.getClass().getName();
  }

  // ---------------------------------------------------------------------------- JS -> Java

  /** Converts a JavaScript value by the mapping above (data by value, objects by reference). */
  static Object toJava(NapiEnv env, MemorySegment value) {
    return toJava(env, value, 0);
  }

  /** Objects, functions and symbols as references; other values as {@link #toJava}. */
  static Object toJavaReference(NapiEnv env, MemorySegment value) {
    int type = env.typeOf(value);
    if (type == OBJECT
        || type == FUNCTION
        || type == NodeApi.napi_symbol()
        || type == NodeApi.napi_external()) {
      return env.runtime.reference(env, value, type == FUNCTION);
    }
    return toJava(env, value, 0);
  }

  private static Object toJava(NapiEnv env, MemorySegment value, int depth) {
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
      return env.runtime.reference(env, value, true);
    } else if (type != OBJECT) {
      return env.runtime.reference(env, value, false); // symbol, external
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
    } else if (env.runtime.isPlainObject(env, value)) {
      MemorySegment keys = env.ownKeys(value);
      long length = env.arrayLength(keys);
      Map<String, Object> map = new LinkedHashMap<>();
      for (long i = 0; i < length; i++) {
        MemorySegment key = env.element(keys, i);
        map.put(env.stringValue(key), toJava(env, env.property(value, key), depth + 1));
      }
      return map;
    }
    return env.runtime.reference(env, value, false);
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
  static JavaScriptException exception(NapiEnv env, MemorySegment thrown) {
    if (env.convertingException) {
      return new JavaScriptException(
          "(a JavaScript exception thrown while converting another one)", null, null, null, null);
    }
    env.convertingException = true;
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
          cause = env.runtime.javaCauseOf(env, thrown);
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
      env.convertingException = false;
    }
  }

  private static String stringProperty(NapiEnv env, MemorySegment object, String name) {
    MemorySegment value = env.namedProperty(object, name);
    return env.typeOf(value) == STRING ? env.stringValue(value) : null;
  }
}
