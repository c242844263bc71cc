package org.nodeffm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Results in the type the caller asks for: numbers exactly or a clear error, strings, arrays,
 * objects by reference; the properties of a JsObject; require() as a JsObject.
 */
class TypedResultsTest {
  private static NodeRuntime node;
  private static JsFunction identity;

  @BeforeAll
  static void start() {
    node = NodeRuntime.start();
    identity = node.function("(x) => x");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static <T> T js(Class<T> type, String expression) {
    return node.eval(type, "(" + expression + ")");
  }

  @Test
  void numbersInTheTypeAskedForWhenTheyFit() {
    assertEquals(3, js(int.class, "3"));
    assertEquals(3, js(Integer.class, "3.0"));
    assertEquals(3L, js(long.class, "3"));
    assertEquals(9007199254740992L, js(long.class, "2 ** 53"));
    assertEquals(1L << 62, js(long.class, "2 ** 62")); // A double that is exactly this integer.
    assertEquals(3.0, js(double.class, "3"));
    assertEquals(0.5f, js(float.class, "0.5"));
    assertEquals((short) -7, js(short.class, "-7"));
    assertEquals((byte) 127, js(byte.class, "127"));
    assertEquals(BigInteger.TWO.pow(70), js(BigInteger.class, "2n ** 70n"));
    assertEquals(BigInteger.valueOf(5), js(BigInteger.class, "5"));
    assertEquals(12345678901234567L, js(long.class, "12345678901234567n"));
    assertEquals(new BigDecimal("0.5"), js(BigDecimal.class, "0.5"));
    assertEquals(2.5, js(Number.class, "2.5"));
    assertTrue(Double.isNaN(js(double.class, "NaN")));
    assertEquals(Double.NEGATIVE_INFINITY, js(double.class, "-Infinity"));
  }

  @Test
  void aNumberThatWouldLoseInformationIsAClearError() {
    ClassCastException fraction =
        assertThrows(ClassCastException.class, () -> js(int.class, "3.5"));
    assertTrue(fraction.getMessage().contains("3.5"), fraction.getMessage());
    assertTrue(fraction.getMessage().contains("int"), fraction.getMessage());
    assertTrue(fraction.getMessage().contains("without loss"), fraction.getMessage());
    assertThrows(ClassCastException.class, () -> js(int.class, "2 ** 31"));
    assertThrows(ClassCastException.class, () -> js(byte.class, "128"));
    assertThrows(ClassCastException.class, () -> js(long.class, "2 ** 63"));
    assertThrows(ClassCastException.class, () -> js(long.class, "2n ** 64n"));
    assertThrows(ClassCastException.class, () -> js(int.class, "-0"));
    assertThrows(ClassCastException.class, () -> js(int.class, "NaN"));
    assertThrows(ClassCastException.class, () -> js(double.class, "2n ** 53n + 1n"));
    assertThrows(ClassCastException.class, () -> js(float.class, "0.1"));
    assertThrows(ClassCastException.class, () -> js(BigInteger.class, "1.5"));
    ClassCastException string = assertThrows(ClassCastException.class, () -> js(int.class, "'3'"));
    assertTrue(string.getMessage().contains("JavaScript string"), string.getMessage());
    ClassCastException nothing =
        assertThrows(ClassCastException.class, () -> js(int.class, "null"));
    assertTrue(nothing.getMessage().contains("null"), nothing.getMessage());
    assertNull(js(Integer.class, "undefined"), "a box may be null");
    assertEquals(2, js(int.class, "1 + 1"), "the runtime goes on");
  }

  @Test
  void otherTypes() {
    assertEquals("text", js(String.class, "'text'"));
    assertThrows(ClassCastException.class, () -> js(String.class, "42"));
    assertEquals('x', js(char.class, "'x'"));
    assertThrows(ClassCastException.class, () -> js(char.class, "'xy'"));
    assertEquals(true, js(boolean.class, "true"));
    assertEquals(List.of(1, 2), js(List.class, "[1, 2]"));
    assertArrayEquals(new int[] {1, 2, 3}, js(int[].class, "[1, 2, 3]"));
    assertArrayEquals(new String[] {"a", "b"}, js(String[].class, "['a', 'b']"));
    assertThrows(ClassCastException.class, () -> js(int[].class, "[1, 2.5]"));
    assertArrayEquals(new byte[] {1, 2}, js(byte[].class, "Buffer.from([1, 2])"));
    assertEquals(Map.of("a", 1), js(Map.class, "{ a: 1 }"));
    Instant epoch = Instant.ofEpochMilli(86_400_000);
    assertEquals(epoch, js(Instant.class, "new Date(86400000)"));
    assertEquals(Date.from(epoch), js(Date.class, "new Date(86400000)"));
    assertNull(js(Void.class, "42"), "Void ignores the value");
  }

  @Test
  void objectsByReferenceWhenAskedFor() {
    JsObject plain = js(JsObject.class, "{ a: 1 }");
    assertEquals(1, plain.get("a"));
    JsFunction add = js(JsFunction.class, "(a, b) => a + b");
    assertEquals(5, add.call(int.class, 2, 3));
    ClassCastException notFunction =
        assertThrows(ClassCastException.class, () -> js(JsFunction.class, "{}"));
    assertTrue(notFunction.getMessage().contains("JsFunction"), notFunction.getMessage());
    assertThrows(ClassCastException.class, () -> js(JsObject.class, "42"));
  }

  @Test
  void typedCallsAndPromises() throws Exception {
    assertEquals(42L, identity.call(long.class, 42));
    assertEquals(42.0, identity.callAsync(double.class, 42).get());
    JsFunction later = node.function("async (x) => x * 2");
    assertEquals(8L, later.call(Long.class, 4));
    JsObject object = node.eval(JsObject.class, "({ n: 7, twice(x) { return 2 * x; } })");
    assertEquals(7L, object.get(long.class, "n"));
    assertEquals(7.0, object.getAsync(Double.class, "n").get());
    assertEquals(6, object.callMember(int.class, "twice", 3));
    assertEquals(6.0, object.callMemberAsync(double.class, "twice", 3).get());
  }

  @Test
  void propertiesOfAnObject() {
    JsObject object = node.eval(JsObject.class, "({ a: 1, b: 'two' })");
    assertEquals(List.of("a", "b"), object.keys());
    assertTrue(object.has("a"));
    assertTrue(object.has("toString"), "inherited properties count, as with 'in'");
    assertFalse(object.has("c"));
    object.set("c", Map.of("nested", List.of(1, 2)));
    assertEquals(Map.of("nested", List.of(1, 2)), object.get("c"));
    assertEquals(List.of("a", "b", "c"), object.keys());
    assertTrue(object.delete("a"));
    assertFalse(object.has("a"));
    assertTrue(object.delete("nothing"), "deleting what is not there succeeds, as in JavaScript");
    JsObject frozen = node.eval(JsObject.class, "Object.freeze({ x: 1 })");
    assertFalse(frozen.delete("x"), "a non-configurable property stays");
    assertEquals(1, frozen.get("x"));
    assertEquals(Map.of("b", "two", "c", Map.of("nested", List.of(1, 2))), object.as(Map.class));
  }

  @Test
  void newInstanceOfAClass() {
    JsObject point =
        node.eval(
            JsObject.class,
            "class Point { constructor(x, y) { this.x = x; this.y = y; }"
                + " norm() { return Math.hypot(this.x, this.y); } }; Point");
    JsObject p = point.newInstance(3, 4);
    assertEquals(5, p.callMember(int.class, "norm"));
    assertEquals("Point", node.function("(o) => o.constructor.name").call(p));
    assertEquals(3, p.get("x"));
    JsObject emitter = node.require("events").newInstance();
    assertTrue(emitter.has("on"));
    JavaScriptException notConstructor =
        assertThrows(
            JavaScriptException.class, () -> node.eval(JsObject.class, "({})").newInstance());
    assertEquals("TypeError", notConstructor.name());
  }

  @Test
  void requireGivesAJsObject() {
    JsObject path = node.require("path");
    assertEquals("a/b", path.callMember("join", "a", "b"));
    JsFunction format = node.require("util").get(JsFunction.class, "format");
    assertEquals("1 + 1 = 2", format.call("%d + %d = %d", 1, 1, 2));
  }
}
