package org.nodeffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nodeffm.napi.ThreadSafeFunction;
import org.nodeffm.napi.NapiStatus;

/** Bad input gets a clear Java exception, loses nothing, and never crashes the JVM. */
class BadInputTest {
  private NodeRuntime node;

  @BeforeEach
  void setUp() {
    node = NodeRuntime.start();
  }

  @AfterEach
  void tearDown() {
    node.close();
  }

  @Test
  void nullAndZeroHandlesAreRejected() {
    assertThrows(NullPointerException.class, () -> node.createThreadSafeFunction(null, 0, 0));
    assertThrows(NullPointerException.class, () -> node.eval(null));
    assertThrows(NullPointerException.class, () -> NodeRuntime.start(null));
    assertThrows(IllegalArgumentException.class, () -> NapiStatus.of(999));
  }

  @Test
  void nullsToTheValueApiAreRejected() {
    assertThrows(NullPointerException.class, () -> node.evalAsync(null));
    assertThrows(NullPointerException.class, () -> node.function(null));
    assertThrows(NullPointerException.class, () -> node.require(null));
    assertThrows(NullPointerException.class, () -> node.importModuleAsync(null));
    assertThrows(NullPointerException.class, () -> node.expose(null, args -> 1));
    assertThrows(NullPointerException.class, () -> node.expose("f", (JavaFunction) null));
    assertThrows(NullPointerException.class, () -> NodeRuntime.builder().stdout(null));
    assertThrows(NullPointerException.class, () -> NodeRuntime.builder().baseDirectory(null));
    assertThrows(NullPointerException.class, () -> NodeEngine.withOptions((String) null));
    assertThrows(IllegalArgumentException.class, () -> NodeEngine.withOptions(""));
    JsFunction identity = node.function("(x) => x");
    assertThrows(NullPointerException.class, () -> identity.get(null));
    assertThrows(NullPointerException.class, () -> identity.callMemberAsync(null));
    // A null argument array is one null argument, as with any varargs method.
    assertEquals(null, identity.call((Object[]) null));
    assertEquals("3", String.valueOf(node.eval("1 + 2"))); // Nothing was lost.
  }

  @Test
  void badJavaScriptIsAJavaException() {
    JavaScriptException thrown =
        assertThrows(JavaScriptException.class, () -> node.eval("throw new Error('boom')"));
    assertEquals("Error: boom", thrown.getMessage());
    assertThrows(JavaScriptException.class, () -> node.eval("syntax error here"));
    IllegalArgumentException notFunction =
        assertThrows(IllegalArgumentException.class, () -> node.createThreadSafeFunction(node.function("42"), 0, 0));
    assertTrue(notFunction.getMessage().contains("not a JavaScript function"), notFunction.getMessage());
    assertThrows(JavaScriptException.class, () -> node.createThreadSafeFunction(node.function("("), 0, 0));
    assertThrows(IllegalArgumentException.class, () -> node.createThreadSafeFunction(node.function("() => 1"), -1, 0));
    // Nothing was lost: the runtime still works.
    assertEquals("3", String.valueOf(node.eval("1 + 2")));
  }

  @Test
  void releasedHandlesThrow() {
    ThreadSafeFunction function = node.createThreadSafeFunction(node.function("() => {}"), 0, 5);
    assertEquals(NapiStatus.OK, function.release());
    IllegalStateException released = assertThrows(IllegalStateException.class, () -> function.call(1));
    assertTrue(released.getMessage().contains("released by every thread"), released.getMessage());
    assertThrows(IllegalStateException.class, function::release);
    assertThrows(IllegalStateException.class, function::abort);
    assertThrows(IllegalStateException.class, function::context);
    assertThrows(IllegalStateException.class, function::acquire);
  }

  @Test
  void threadsWithoutAReferenceThrow() {
    ThreadSafeFunction function = node.createThreadSafeFunction(node.function("() => {}"), 0, 5);
    try (Holder other = new Holder()) {
      IllegalStateException noReference =
          assertThrows(IllegalStateException.class, () -> other.run(() -> function.call(1)));
      assertTrue(noReference.getMessage().contains("holds no reference"), noReference.getMessage());
      assertThrows(IllegalStateException.class, () -> other.run(function::release));
      assertThrows(IllegalStateException.class, () -> other.run(function::context));
      assertEquals(NapiStatus.OK, other.run(() -> function.acquire().status()));
      assertEquals(NapiStatus.OK, other.run(function::release));
      assertThrows(IllegalStateException.class, () -> other.run(function::release));
    }
    assertEquals(5, function.context());
    assertEquals(NapiStatus.OK, function.release());
  }

  @Test
  void aClosedRuntimeThrows() {
    ThreadSafeFunction function = node.createThreadSafeFunction(node.function("() => {}"), 0, 5);
    node.close();
    node.close(); // Twice is fine.
    IllegalStateException closed = assertThrows(IllegalStateException.class, () -> node.eval("1"));
    assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
    assertThrows(IllegalStateException.class, () -> node.createThreadSafeFunction(node.function("() => {}"), 0, 0));
    // The handle outlives its runtime: calls say CLOSING, and release frees it.
    assertEquals(NapiStatus.CLOSING, function.call(1));
    assertThrows(IllegalStateException.class, function::release);
    assertEquals(0, function.references());
  }

  @Test
  void aMissingLibnodeIsAClearErrorThatNamesTheBuild() throws IOException, InterruptedException {
    Scripts.Result result =
        Scripts.run(
            Scripts.javaCommand(
                List.of("-Dnodeffm.libnode=/nonexistent/libnode.so"), MissingLibnodeMain.class),
            120);
    assertNotEquals(0, result.exitCode());
    assertTrue(result.output().contains("libnode not found at /nonexistent/libnode.so"), result.output());
    assertTrue(result.output().contains("libnode-build/build"), result.output());
  }

  /** Starts a runtime in a child JVM whose libnode does not exist. */
  static final class MissingLibnodeMain {
    public static void main(String[] args) {
      NodeRuntime.start();
    }
  }

  @Test
  void nullsToTheTypedApiAreRejected() {
    JsFunction identity = node.function("(x) => x");
    JsObject object = node.eval(JsObject.class, "({ a: 1 })");
    assertThrows(NullPointerException.class, () -> identity.call((Class<?>) null, 1));
    assertThrows(NullPointerException.class, () -> node.eval((Class<?>) null, "1"));
    assertThrows(NullPointerException.class, () -> node.eval(int.class, null));
    assertThrows(NullPointerException.class, () -> object.get(int.class, null));
    assertThrows(NullPointerException.class, () -> object.set(null, 1));
    assertThrows(NullPointerException.class, () -> object.has(null));
    assertThrows(NullPointerException.class, () -> object.delete(null));
    assertThrows(NullPointerException.class, () -> object.as(null));
    assertThrows(NullPointerException.class, () -> node.requireAsync(null));
    assertThrows(NullPointerException.class, () -> node.importModuleAsync(null));
    assertThrows(NullPointerException.class, () -> node.expose("o", (JavaObject) null));
    assertThrows(NullPointerException.class, () -> JavaObject.of(null, Runnable.class));
    assertThrows(NullPointerException.class, () -> NodeRuntime.builder().engine(null));
    object.set("b", null); // A null value is JavaScript's null.
    assertEquals(true, object.callMember("hasOwnProperty", "b"));
    assertEquals("3", String.valueOf(node.eval("1 + 2"))); // Nothing was lost.
  }

  @Test
  void theProtoKeyOfAMapIsAnOwnProperty() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("__proto__", Map.of("polluted", true));
    map.put("a", 1);
    JsFunction inspect =
        node.function(
            "(o) => [Object.keys(o).join(), Object.getPrototypeOf(o) === Object.prototype,"
                + " o.polluted === undefined, JSON.stringify(o.__proto__)]");
    assertEquals(List.of("__proto__,a", true, true, "{\"polluted\":true}"), inspect.call(map));
    assertEquals(map, node.function("(x) => x").call(map), "and it comes back as a key");
    assertEquals(false, node.eval("({}).polluted === true"), "Object.prototype is untouched");
  }

  @Test
  void oversizeValuesAreClearErrorsAndTheRuntimeGoesOn() {
    JsFunction length = node.function("(x) => typeof x === 'string' ? x.length : x.toString(2).length");
    String huge = "x".repeat((1 << 29) - 23); // One code unit beyond V8's longest string.
    IllegalArgumentException string =
        assertThrows(IllegalArgumentException.class, () -> length.call(huge));
    assertTrue(string.getMessage().contains("at most 536870888"), string.getMessage());
    BigInteger wide = BigInteger.ONE.shiftLeft(1 << 30); // 2^30 + 1 bits.
    IllegalArgumentException bigInt =
        assertThrows(IllegalArgumentException.class, () -> length.call(wide));
    assertTrue(bigInt.getMessage().contains("at most 1073741824"), bigInt.getMessage());
    BigInteger widest = BigInteger.ONE.shiftLeft((1 << 20) - 1); // Well within: 2^20 bits.
    assertEquals(1 << 20, length.call(widest));
    assertEquals(3, length.call("abc"), "the runtime goes on");
  }

  @Test
  void aClosedRuntimeThrowsFromEveryEntryPoint() {
    JsFunction identity = node.function("(x) => x");
    JsObject object = node.eval(JsObject.class, "({ a: 1 })");
    node.close();
    assertThrows(RuntimeClosedException.class, () -> identity.call(int.class, 1));
    assertThrows(RuntimeClosedException.class, () -> object.get("a"));
    assertThrows(RuntimeClosedException.class, () -> object.set("a", 2));
    assertThrows(RuntimeClosedException.class, () -> object.keys());
    assertThrows(RuntimeClosedException.class, () -> object.newInstance());
    assertThrows(RuntimeClosedException.class, () -> node.require("path"));
    assertThrows(RuntimeClosedException.class, () -> node.importModule("node:path"));
    assertThrows(RuntimeClosedException.class, () -> node.global());
    assertThrows(RuntimeClosedException.class, () -> node.expose("f", args -> 1));
    assertThrows(RuntimeClosedException.class, () -> object.as(Map.class));
  }
}
