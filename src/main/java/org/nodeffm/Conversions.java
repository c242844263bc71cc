package org.nodeffm;

import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * A converted JavaScript value (the package's table: {@code Integer}, {@code Long}, {@code Double},
 * {@code BigInteger}, {@code String}, {@code Boolean}, {@code List}, {@code Map}, ...) as the Java
 * type a caller asks for: numbers in any numeric type that holds them exactly, a one-unit string as
 * a {@code char}, an array as a Java array. What would lose information, or does not fit, is a
 * {@link ClassCastException} that says which value and which type. Pure Java: no JavaScript runs.
 */
final class Conversions {
  private static final double TWO_TO_63 = 0x1p63;

  private Conversions() {}

  /** {@code value} as {@code type} (a primitive type gives its box). */
  static <T> T convert(Object value, Class<T> type) {
    @SuppressWarnings("unchecked")
    T result = (T) convertUnchecked(value, type);
    return result;
  }

  private static Object convertUnchecked(Object value, Class<?> type) {
    if (type == void.class || type == Void.class) {
      return null;
    }
    if (value == null) {
      if (type.isPrimitive()) {
        throw new ClassCastException("JavaScript null or undefined cannot be a Java " + type);
      }
      return null;
    }
    Class<?> boxed = box(type);
    if (boxed.isInstance(value)) {
      return value;
    }
    if (value instanceof Number number && Number.class.isAssignableFrom(boxed)) {
      return number(number, boxed, type);
    }
    if (boxed == Character.class && value instanceof String s && s.length() == 1) {
      return s.charAt(0);
    }
    if (boxed == Date.class && value instanceof Instant instant) {
      return Date.from(instant);
    }
    if (type.isArray() && value instanceof List<?> list) {
      Object array = Array.newInstance(type.getComponentType(), list.size());
      for (int i = 0; i < list.size(); i++) {
        Array.set(array, i, convertUnchecked(list.get(i), type.getComponentType()));
      }
      return array;
    }
    if (type.isArray() && value instanceof byte[] bytes && type.getComponentType() != byte.class) {
      List<Byte> list = new java.util.ArrayList<>(bytes.length);
      for (byte b : bytes) {
        list.add(b);
      }
      return convertUnchecked(list, type);
    }
    throw mismatch(value, type);
  }

  /**
   * A number as {@code type} (a box), exactly, or a ClassCastException that names {@code asked},
   * the type the caller asked for.
   */
  private static Object number(Number value, Class<?> type, Class<?> asked) {
    if (type == Double.class) {
      double d = value.doubleValue();
      if (exact(value, d)) {
        return d;
      }
    } else if (type == Float.class) {
      float f = value.floatValue();
      if (exact(value, f) || (value instanceof Double d && d.isNaN())) {
        return f;
      }
    } else if (type == BigDecimal.class) {
      if (value instanceof BigInteger b) {
        return new BigDecimal(b);
      }
      if (value instanceof Double d && !d.isNaN() && !d.isInfinite()) {
        return new BigDecimal(d);
      }
      return BigDecimal.valueOf(value.longValue());
    } else if (type == Number.class) {
      return value;
    } else {
      BigInteger integral = integral(value);
      if (integral != null) {
        if (type == BigInteger.class) {
          return integral;
        }
        if (integral.bitLength() < 64) {
          long l = integral.longValue();
          if (type == Long.class) {
            return l;
          }
          if (type == Integer.class && l == (int) l) {
            return (int) l;
          }
          if (type == Short.class && l == (short) l) {
            return (short) l;
          }
          if (type == Byte.class && l == (byte) l) {
            return (byte) l;
          }
        }
      }
    }
    throw new ClassCastException(
        "the JavaScript "
            + jsType(value)
            + " "
            + value
            + " does not fit a Java "
            + asked.getSimpleName()
            + " without loss");
  }

  /** The number's integral value, or null if it has a fraction, is -0, NaN or infinite. */
  private static BigInteger integral(Number value) {
    if (value instanceof BigInteger b) {
      return b;
    }
    if (value instanceof Double d) {
      double v = d;
      if (v != Math.rint(v)
          || Double.isInfinite(v)
          || (v == 0 && Double.doubleToRawLongBits(v) != 0)) {
        return null;
      }
      if (Math.abs(v) < TWO_TO_63) {
        return BigInteger.valueOf((long) v);
      }
      return new BigDecimal(v).toBigIntegerExact();
    }
    if (value instanceof Float f) {
      return integral(f.doubleValue());
    }
    return BigInteger.valueOf(value.longValue());
  }

  private static boolean exact(Number value, double d) {
    if (value instanceof Double || value instanceof Float) {
      return true;
    }
    if (Double.isInfinite(d)) {
      return false;
    }
    BigInteger integral = integral(value);
    return integral != null && new BigDecimal(d).toBigIntegerExact().equals(integral);
  }

  private static boolean exact(Number value, float f) {
    if (value instanceof Double d) {
      return d.isInfinite() || (double) f == d;
    }
    return exact(value, (double) f) && (double) f == value.doubleValue();
  }

  private static Class<?> box(Class<?> type) {
    if (!type.isPrimitive()) {
      return type;
    }
    return switch (type.getName()) {
      case "boolean" -> Boolean.class;
      case "byte" -> Byte.class;
      case "short" -> Short.class;
      case "char" -> Character.class;
      case "int" -> Integer.class;
      case "long" -> Long.class;
      case "float" -> Float.class;
      case "double" -> Double.class;
      default -> Void.class;
    };
  }

  private static ClassCastException mismatch(Object value, Class<?> type) {
    return new ClassCastException(
        "a JavaScript " + jsType(value) + " cannot be a Java " + type.getTypeName());
  }

  /** The JavaScript type a converted value came from, for messages. */
  static String jsType(Object value) {
    return switch (value) {
      case null -> "null";
      case Boolean b -> "boolean";
      case BigInteger b -> "bigint";
      case Number n -> "number";
      case String s -> "string";
      case byte[] b -> "ArrayBuffer or typed array";
      case Instant i -> "Date";
      case List<?> l -> "Array";
      case Map<?, ?> m -> "object";
      case Collection<?> c -> "Array";
      case JsReference r -> "object or function";
      default -> value.getClass().getSimpleName();
    };
  }
}
