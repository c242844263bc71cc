package org.nodeffm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Values both ways: what Java gets back for what it passes, and what JavaScript sees. */
class ValuesTest {
  private static NodeRuntime node;
  private static JsFunction identity;
  private static JsFunction describe;

  @BeforeAll
  static void start() {
    node = NodeRuntime.start();
    identity = node.function("(x) => x");
    // typeof, and for objects the constructor's name.
    describe =
        node.function(
            "(x) => x === null ? 'null' : typeof x !== 'object' ? typeof x : Buffer.isBuffer(x) ?"
                + " 'Buffer' : x.constructor ? x.constructor.name : 'null-prototype'");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static Object roundTrip(Object value) {
    return identity.call(value);
  }

  private static String jsType(Object value) {
    return (String) describe.call(value);
  }

  @Test
  void nullAndUndefinedAreNull() {
    assertNull(roundTrip(null));
    assertEquals("null", jsType(null));
    assertNull(node.evalAsync("undefined").join());
    assertNull(node.evalAsync("null").join());
  }

  @Test
  void booleans() {
    assertEquals(true, roundTrip(true));
    assertEquals(false, roundTrip(false));
    assertEquals("boolean", jsType(true));
  }

  @Test
  void integralNumbersComeBackAsIntegerOrLong() {
    assertEquals(42, roundTrip(42));
    assertEquals(-7, roundTrip((short) -7));
    assertEquals(5, roundTrip((byte) 5));
    assertEquals(Integer.MAX_VALUE, roundTrip(Integer.MAX_VALUE));
    assertEquals(1L << 40, roundTrip(1L << 40));
    assertEquals("number", jsType(1L << 40));
    long maxSafe = (1L << 53) - 1;
    assertEquals(maxSafe, roundTrip(maxSafe));
    assertEquals(-maxSafe, roundTrip(-maxSafe));
    assertEquals("number", jsType(maxSafe));
  }

  @Test
  void longsBeyondTwoToThe53AreBigIntsNeverRounded() {
    for (long value :
        new long[] {1L << 53, -(1L << 53), (1L << 53) + 1, Long.MAX_VALUE, Long.MIN_VALUE}) {
      assertEquals("bigint", jsType(value), "typeof for " + value);
      assertEquals(value, roundTrip(value), "round trip of " + value);
    }
    assertEquals("9007199254740993", node.function("(x) => String(x)").call((1L << 53) + 1));
  }

  @Test
  void numbersBeyondTheSafeRangeComeBackAsDoubles() {
    assertEquals(9.007199254740992E15, node.evalAsync("2 ** 53").join());
    assertEquals(1e300, node.evalAsync("1e300").join());
  }

  @Test
  void doubles() {
    assertEquals(2.5, roundTrip(2.5));
    assertEquals(2.5, roundTrip(2.5f));
    assertEquals(Double.NaN, roundTrip(Double.NaN));
    assertEquals(Double.POSITIVE_INFINITY, roundTrip(Double.POSITIVE_INFINITY));
    Object negativeZero = roundTrip(-0.0);
    assertInstanceOf(Double.class, negativeZero);
    assertEquals(
        Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits((Double) negativeZero));
    assertEquals(3, roundTrip(3.0)); // An integral number is an Integer, whatever Java sent.
  }

  @Test
  void bigIntegersAndBigInts() {
    BigInteger huge = BigInteger.TWO.pow(200).add(BigInteger.valueOf(12345));
    assertEquals(huge, roundTrip(huge));
    assertEquals(huge.negate(), roundTrip(huge.negate()));
    assertEquals("bigint", jsType(BigInteger.ONE));
    assertEquals(1L, roundTrip(BigInteger.ONE)); // A BigInt that fits is a Long.
    assertEquals(new BigInteger("1180591620717411303424"), node.evalAsync("2n ** 70n").join());
    assertEquals(huge.toString(), node.function("(x) => x.toString()").call(huge));
  }

  @Test
  void stringsKeepEveryCodeUnit() {
    List<String> strings =
        List.of(
            "",
            "plain",
            "embedded\0nul\0",
            "\0",
            "Grüße, 日本語, emoji 😀",
            "lone surrogates \uD800 and \uDC00",
            "x".repeat(100_000));
    for (String s : strings) {
      assertEquals(s, roundTrip(s));
    }
    assertEquals(13, node.function("(s) => s.length").call("embedded\0nul\0"));
    assertEquals(2, node.function("(s) => s.length").call("😀")); // UTF-16 code units
    assertEquals("a", roundTrip('a'));
    assertEquals("builder", roundTrip(new StringBuilder("builder")));
  }

  @Test
  void bytesBecomeBuffersAndComeBackAsByteArrays() {
    byte[] bytes = {0, 1, 2, (byte) 255, 127, -128};
    assertEquals("Buffer", jsType(bytes));
    assertArrayEquals(bytes, (byte[]) roundTrip(bytes));
    assertArrayEquals(new byte[0], (byte[]) roundTrip(new byte[0]));
    assertEquals(6, node.function("(b) => b.length").call(bytes));

    ByteBuffer heap =
        ByteBuffer.wrap("abcdef".getBytes(StandardCharsets.US_ASCII)).position(2).limit(5);
    assertArrayEquals("cde".getBytes(StandardCharsets.US_ASCII), (byte[]) roundTrip(heap));
    assertEquals(2, heap.position(), "the buffer's position is left alone");
    ByteBuffer direct = ByteBuffer.allocateDirect(4).put(new byte[] {9, 8, 7, 6}).flip();
    assertArrayEquals(new byte[] {9, 8, 7, 6}, (byte[]) roundTrip(direct));

    try (Arena arena = Arena.ofShared()) {
      MemorySegment segment =
          arena.allocateFrom(ValueLayout.JAVA_BYTE, (byte) 1, (byte) 2, (byte) 3);
      assertArrayEquals(new byte[] {1, 2, 3}, (byte[]) roundTrip(segment));
      // A copy: JavaScript may keep it after the arena is gone.
      node.function("(b) => { globalThis.kept = b; }").call(segment);
    }
    assertEquals("1,2,3", node.eval("Array.from(kept).join()"));
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment confined = arena.allocateFrom(ValueLayout.JAVA_BYTE, (byte) 4, (byte) 5);
      // A blocking call converts on this thread (a direct call), which may read it: a copy.
      assertArrayEquals(new byte[] {4, 5}, (byte[]) roundTrip(confined));
      // A queued call converts on the event loop thread, which may not.
      ExecutionException queued =
          assertThrows(ExecutionException.class, () -> identity.callAsync(confined).get());
      IllegalArgumentException refused =
          assertInstanceOf(IllegalArgumentException.class, queued.getCause());
      assertTrue(refused.getMessage().contains("confined arena"), refused.getMessage());
    }
    MemorySegment closed;
    try (Arena arena = Arena.ofShared()) {
      closed = arena.allocate(3);
    }
    MemorySegment gone = closed;
    IllegalArgumentException refused =
        assertThrows(IllegalArgumentException.class, () -> roundTrip(gone));
    assertTrue(refused.getMessage().contains("arena is closed"), refused.getMessage());
    assertArrayEquals(
        new byte[] {1, 2, 3}, (byte[]) roundTrip(MemorySegment.ofArray(new byte[] {1, 2, 3})));
  }

  @Test
  void globalMemoryIsSharedOtherMemoryCopied() {
    JsFunction write = node.function("(b) => { b[0] = 42; b[b.length - 1] = 7; return b.length; }");
    MemorySegment global = Arena.global().allocate(4); // Never freed: 4 bytes for the test run.
    assertEquals(4, write.call(global));
    assertEquals(42, global.get(ValueLayout.JAVA_BYTE, 0), "JavaScript wrote into Java's memory");
    assertEquals(7, global.get(ValueLayout.JAVA_BYTE, 3));
    try (Arena arena = Arena.ofShared()) {
      MemorySegment own = arena.allocate(4);
      assertEquals(4, write.call(own));
      assertEquals(0, own.get(ValueLayout.JAVA_BYTE, 0), "a copy: Java's memory is unchanged");
    }
    global.set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
    assertEquals(4, write.call(global.asReadOnly()));
    assertEquals(1, global.get(ValueLayout.JAVA_BYTE, 0), "a read-only segment is copied");
    byte[] array = new byte[4];
    write.call(array);
    assertEquals(0, array[0]);
  }

  @Test
  void arrayBuffersTypedArraysAndDataViewsAreByteArrays() {
    assertArrayEquals(
        new byte[] {1, 2}, (byte[]) node.evalAsync("new Uint8Array([1, 2]).buffer").join());
    assertArrayEquals(
        new byte[] {3, 4},
        (byte[]) node.evalAsync("new Uint8Array([1, 2, 3, 4, 5]).subarray(2, 4)").join());
    assertArrayEquals(
        new byte[] {1, 0, 2, 0}, (byte[]) node.evalAsync("new Uint16Array([1, 2])").join());
    assertArrayEquals(
        new byte[] {2, 3},
        (byte[]) node.evalAsync("new DataView(new Uint8Array([1, 2, 3, 4]).buffer, 1, 2)").join());
    assertArrayEquals(new byte[] {104, 105}, (byte[]) node.evalAsync("Buffer.from('hi')").join());
  }

  @Test
  void datesAndInstants() {
    Instant instant = Instant.parse("2024-02-29T12:34:56.789Z");
    assertEquals(instant, roundTrip(instant));
    assertEquals("Date", jsType(instant));
    assertEquals(Instant.EPOCH, roundTrip(new Date(0)));
    assertEquals(
        "2024-02-29T12:34:56.789Z", node.function("(d) => d.toISOString()").call(instant));
  }

  @Test
  void mapsAndListsAreJsonLike() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("name", "Ada");
    map.put("age", 36);
    map.put("tags", List.of("math", "engines"));
    map.put("nested", Map.of("deep", List.of(Map.of("x", 1.5))));
    map.put("nothing", null);
    assertEquals(map, roundTrip(map));
    assertEquals("Object", jsType(map));
    assertEquals("Array", jsType(List.of()));
    assertEquals(List.of(1, "two", 3.5), roundTrip(new Object[] {1, "two", 3.5}));
    assertEquals(
        "{\"name\":\"Ada\",\"age\":36,\"tags\":[\"math\",\"engines\"],"
            + "\"nested\":{\"deep\":[{\"x\":1.5}]},\"nothing\":null}",
        node.function("(m) => JSON.stringify(m)").call(map));
    assertEquals(
        Map.of("a", 1), node.evalAsync("Object.assign(Object.create(null), { a: 1 })").join());
    Object keys = node.evalAsync("({ 1: 'one', b: 'bee', [Symbol('s')]: 'skipped' })").join();
    assertEquals(Map.of("1", "one", "b", "bee"), keys);
    assertEquals(List.of(List.of()), roundTrip(List.of(List.of())));
  }

  @Test
  void otherObjectsAreReferencesThatRoundTripToTheSameObject() {
    Object instance = node.evalAsync("new (class Point { constructor() { this.x = 1; } })()").join();
    JsObject point = assertInstanceOf(JsObject.class, instance);
    assertEquals(1, point.getAsync("x").join());
    assertEquals(true, node.function("(a, b) => a === b").call(point, point));
    assertEquals("Point", jsType(point));
    for (String expression :
        new String[] {"new Map()", "new Set()", "/re/", "new Error('e')", "Symbol('s')"}) {
      assertInstanceOf(JsObject.class, node.evalAsync(expression).join(), expression);
    }
    JsFunction function = assertInstanceOf(JsFunction.class, node.evalAsync("(a) => a * 2").join());
    assertEquals(42, function.call(21));
    assertEquals(84, node.function("(f, x) => f(x) * 2").call(function, 21));
  }

  @Test
  void javaFunctionsAreJavaScriptFunctions() {
    JavaFunction twice = args -> ((Integer) args[0]) * 2;
    assertEquals("function", jsType(twice));
    assertEquals(
        List.of(2, 4, 6),
        node.function("(xs, f) => xs.map((x) => f(x))").call(List.of(1, 2, 3), twice));
  }

  @Test
  void unsupportedValuesAreClearErrors() {
    IllegalArgumentException thread =
        assertThrows(IllegalArgumentException.class, () -> roundTrip(Thread.currentThread()));
    assertTrue(thread.getMessage().contains("cannot pass a java.lang.Thread"), thread.getMessage());
    IllegalArgumentException keys =
        assertThrows(IllegalArgumentException.class, () -> roundTrip(Map.of(1, "one")));
    assertTrue(keys.getMessage().contains("String keys"), keys.getMessage());
    List<Object> cycle = new ArrayList<>();
    cycle.add(cycle);
    IllegalArgumentException cyclic =
        assertThrows(IllegalArgumentException.class, () -> roundTrip(cycle));
    assertTrue(cyclic.getMessage().contains("nested deeper"), cyclic.getMessage());
    IllegalArgumentException jsCycle =
        assertThrows(
            IllegalArgumentException.class,
            () -> node.function("() => { const o = {}; o.self = o; return o; }").call());
    assertTrue(jsCycle.getMessage().contains("nested deeper"), jsCycle.getMessage());
    // Nothing was lost.
    assertEquals(3, roundTrip(3));
  }

  @Test
  void aJsObjectOfAnotherRuntimeIsRefused() {
    try (NodeRuntime other = NodeRuntime.start()) {
      Object foreign = other.evalAsync("({ a: new Map() }).a").join();
      IllegalArgumentException refused =
          assertThrows(IllegalArgumentException.class, () -> roundTrip(foreign));
      assertTrue(refused.getMessage().contains("another NodeRuntime"), refused.getMessage());
    }
  }

  @Test
  void argumentsAreConvertedWhenTheCallRunsNotShared() {
    List<Integer> list = new ArrayList<>(Arrays.asList(1, 2));
    Object copy = roundTrip(list);
    assertEquals(list, copy);
    assertNotSame(list, copy);
  }
}
