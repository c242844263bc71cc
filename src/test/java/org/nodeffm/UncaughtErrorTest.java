package org.nodeffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nodeffm.napi.ThreadSafeFunction;
import org.nodeffm.napi.NapiStatus;

/**
 * Exceptions nobody catches reach the Java listener, and the runtime keeps running or stops as
 * Node.js would: it stops (exit code 1) unless JavaScript listens for 'uncaughtException'.
 */
class UncaughtErrorTest {
  record Seen(JavaScriptException error, boolean runtimeStops) {}

  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private NodeRuntime node;

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  private NodeRuntime start() {
    node =
        NodeRuntime.builder()
            .onUncaughtError((error, stops) -> seen.add(new Seen(error, stops)))
            .stderr(text -> {}) // Node.js prints the fatal error too; keep the log quiet.
            .start();
    return node;
  }

  private static int exitCodeOf(NodeRuntime node) throws Exception {
    return node.onExit().get(30, TimeUnit.SECONDS);
  }

  @Test
  void anExceptionInATimerStopsTheRuntime() throws Exception {
    start();
    CompletableFuture<Object> pending = node.evalAsync("new Promise(() => {})");
    node.eval("setTimeout(() => { throw new TypeError('in a timer'); }, 10)");
    assertEquals(1, exitCodeOf(node));
    assertEquals(1, seen.size());
    assertTrue(seen.get(0).runtimeStops());
    assertEquals("TypeError", seen.get(0).error().name());
    assertEquals("TypeError: in a timer", seen.get(0).error().getMessage());
    // Pending work fails, with the uncaught exception as the cause.
    RuntimeClosedException closed =
        assertInstanceOf(RuntimeClosedException.class, FunctionCallTest.failureOf(pending));
    assertSame(seen.get(0).error(), closed.getCause());
    assertTrue(closed.getMessage().contains("uncaught exception"), closed.getMessage());
    assertFalse(node.isRunning());
    assertInstanceOf(RuntimeClosedException.class, FunctionCallTest.failureOf(node.evalAsync("1")));
  }

  @Test
  void anUncaughtExceptionListenerInJavaScriptKeepsItRunning() throws Exception {
    start();
    node.eval("process.on('uncaughtException', (e) => { globalThis.handled = e.message; })");
    node.eval("setTimeout(() => { throw new Error('handled in JS'); }, 10)");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (seen.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertEquals(1, seen.size());
    assertFalse(seen.get(0).runtimeStops());
    assertEquals("handled in JS", node.eval("handled"));
    assertTrue(node.isRunning());
  }

  @Test
  void anUnhandledRejectionStopsTheRuntime() throws Exception {
    start();
    // void: eval awaits a Promise it returns; this one nobody may handle.
    node.eval("void Promise.reject(new RangeError('nobody listens'))");
    assertEquals(1, exitCodeOf(node));
    assertEquals(1, seen.size());
    assertTrue(seen.get(0).runtimeStops());
    assertEquals("RangeError: nobody listens", seen.get(0).error().getMessage());
  }

  @Test
  void aThrowingThreadSafeFunctionCallbackIsUncaught() throws Exception {
    start();
    ThreadSafeFunction function =
        node.createThreadSafeFunction(node.function("(n) => { throw new Error('callback ' + n); }"), 0, 0);
    assertEquals(NapiStatus.OK, function.call(7));
    assertEquals(1, exitCodeOf(node));
    assertEquals("Error: callback 7", seen.get(0).error().getMessage());
    assertTrue(seen.get(0).runtimeStops());
    function.release();
  }

  @Test
  void anErrorInACallFromJavaGoesToTheCallerNotTheListener() throws Exception {
    start();
    assertInstanceOf(
        JavaScriptException.class,
        FunctionCallTest.failureOf(node.evalAsync("throw new Error('x')")));
    assertEquals("2", String.valueOf(node.eval("1 + 1")));
    assertTrue(seen.isEmpty());
    assertTrue(node.isRunning());
  }

  @Test
  void aThrowingListenerDoesNotHurt() throws Exception {
    node =
        NodeRuntime.builder()
            .onUncaughtError(
                (error, stops) -> {
                  throw new IllegalStateException("listener bug");
                })
            .stderr(text -> {})
            .start();
    node.eval("setTimeout(() => { throw new Error('x'); }, 1)");
    assertEquals(1, exitCodeOf(node));
  }
}
