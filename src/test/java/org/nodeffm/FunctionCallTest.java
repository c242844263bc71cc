package org.nodeffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Calling JavaScript from Java threads: results as futures, Promises, errors, blocking calls. */
class FunctionCallTest {
  private NodeRuntime node;

  @BeforeEach
  void start() {
    node = NodeRuntime.start();
  }

  @AfterEach
  void stop() {
    node.close();
  }

  /** The exception a future completed with. */
  static Throwable failureOf(CompletableFuture<?> future) {
    CompletionException e = assertThrows(CompletionException.class, future::join);
    return e.getCause();
  }

  @Test
  void callAJavaScriptFunctionWithAStringAndAMap() {
    JsFunction greet = node.function("(name, options) => `Hello ${name}, you are ${options.age}`");
    CompletableFuture<Object> result = greet.callAsync("Ada", Map.of("age", 36));
    assertEquals("Hello Ada, you are 36", result.join());
  }

  @Test
  void aReturnedPromiseIsAwaited() {
    JsFunction later =
        node.function("(x) => new Promise((resolve) => setTimeout(() => resolve(x * 2), 20))");
    assertEquals(42, later.callAsync(21).join());
    JsFunction async = node.function("async (x) => { await null; return { doubled: x * 2 }; }");
    assertEquals(Map.of("doubled", 8), async.call(4));
    assertEquals("done", node.evalAsync("Promise.resolve('done')").join());
  }

  @Test
  void aThrownErrorHasItsNameMessageAndStack() {
    JsFunction thrower = node.function("function thrower(x) { return x.missing.field; }");
    JavaScriptException e =
        assertInstanceOf(JavaScriptException.class, failureOf(thrower.callAsync((Object) null)));
    assertEquals("TypeError", e.name());
    assertTrue(
        e.getMessage().startsWith("TypeError: Cannot read properties of null"), e.getMessage());
    assertTrue(e.jsStack().contains("at thrower ("), e.jsStack());
    JsObject error = assertInstanceOf(JsObject.class, e.thrown());
    assertEquals("TypeError", error.getAsync("name").join());
    // The blocking variant throws it directly.
    assertThrows(JavaScriptException.class, () -> thrower.call((Object) null));
  }

  @Test
  void aRejectedPromiseIsAJavaScriptException() {
    JsFunction rejects = node.function("async () => { throw new RangeError('too far'); }");
    JavaScriptException e = assertInstanceOf(JavaScriptException.class, failureOf(rejects.callAsync()));
    assertEquals("RangeError", e.name());
    assertEquals("RangeError: too far", e.getMessage());
  }

  @Test
  void aThrownNonErrorIsItsValue() {
    JavaScriptException e =
        assertInstanceOf(JavaScriptException.class, failureOf(node.evalAsync("throw 42")));
    assertEquals("42", e.getMessage());
    assertEquals(42, e.thrown());
    assertEquals(null, e.name());
    JavaScriptException rejected =
        assertInstanceOf(
            JavaScriptException.class, failureOf(node.evalAsync("Promise.reject({ code: 7 })")));
    assertEquals(
        Map.of("code", 7),
        ((JsObject) rejected.thrown()).getAsync("code").thenApply(c -> Map.of("code", c)).join());
  }

  @Test
  void methodsAndPropertiesOfObjects() {
    JsObject counter =
        (JsObject)
            node.evalAsync(
                    "new (class { constructor() { this.n = 0; } add(k) { return this.n += k; }"
                        + " })()")
                .join();
    assertEquals(5, counter.callMemberAsync("add", 5).join());
    assertEquals(7, counter.callMember("add", 2));
    assertEquals(7, counter.getAsync("n").join());
    IllegalArgumentException noMethod =
        assertInstanceOf(IllegalArgumentException.class, failureOf(counter.callMemberAsync("nope")));
    assertTrue(noMethod.getMessage().contains("no method nope"), noMethod.getMessage());
  }

  @Test
  void functionRejectsWhatIsNotAFunction() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> node.function("42"));
    assertTrue(e.getMessage().contains("not a JavaScript function"), e.getMessage());
    assertThrows(JavaScriptException.class, () -> node.function("("));
  }

  @Test
  void callsFromOneThreadRunInOrder() {
    node.eval("globalThis.seen = []");
    JsFunction record = node.function("(i) => { seen.push(i); return seen.length; }");
    List<CompletableFuture<Object>> results = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      results.add(record.callAsync(i));
    }
    for (int i = 0; i < 1000; i++) {
      assertEquals(i + 1, results.get(i).join());
    }
    assertEquals("true", String.valueOf(node.eval("seen.every((v, i) => v === i)")));
  }

  @Test
  void manyPlatformAndVirtualThreadsCallAtOnce() throws Exception {
    JsFunction square = node.function("(x) => ({ x, square: x * x })");
    for (ExecutorService threads :
        List.of(Executors.newFixedThreadPool(8), Executors.newVirtualThreadPerTaskExecutor())) {
      try (threads) {
        List<Future<Object>> results = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
          int x = i;
          results.add(threads.submit(() -> square.call(x)));
        }
        for (int i = 0; i < results.size(); i++) {
          assertEquals(Map.of("x", i, "square", i * i), results.get(i).get(60, TimeUnit.SECONDS));
        }
      }
    }
  }

  @Test
  void aBlockedVirtualThreadDoesNotHoldItsCarrier() throws Exception {
    // Each virtual thread waits for a promise that only the next one's call settles: with 2000 of
    // them on a few carriers, a wait that pinned its carrier would stall them all.
    node.eval("globalThis.gates = new Map();");
    JsFunction waitFor = node.function("(i) => new Promise((resolve) => gates.set(i, resolve))");
    JsFunction open = node.function("(i) => { const g = gates.get(i); if (g) g(i); return !!g; }");
    int count = 2000;
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<Object>> waiting = new ArrayList<>();
      CountDownLatch registered = new CountDownLatch(count);
      for (int i = 0; i < count; i++) {
        int gate = i;
        waiting.add(
            threads.submit(
                () -> {
                  CompletableFuture<Object> result = waitFor.callAsync(gate);
                  registered.countDown();
                  return result.get();
                }));
      }
      assertTrue(registered.await(60, TimeUnit.SECONDS));
      for (int i = 0; i < count; i++) {
        int gate = i;
        threads.submit(() -> open.call(gate));
      }
      for (int i = 0; i < count; i++) {
        assertEquals(i, waiting.get(i).get(60, TimeUnit.SECONDS));
      }
    }
  }

  @Test
  void anInterruptedWaitThrowsAndKeepsTheFlag() throws Exception {
    JsFunction never = node.function("() => new Promise(() => {})");
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicReference<Boolean> flag = new AtomicReference<>();
    Thread waiter =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    never.call();
                  } catch (Throwable t) {
                    thrown.set(t);
                    flag.set(Thread.currentThread().isInterrupted());
                  }
                });
    Thread.sleep(100);
    waiter.interrupt();
    waiter.join(10_000);
    assertFalse(waiter.isAlive());
    assertInstanceOf(IllegalStateException.class, thrown.get());
    assertInstanceOf(InterruptedException.class, thrown.get().getCause());
    assertTrue(flag.get(), "the interrupt flag is set again");
    assertEquals("2", String.valueOf(node.eval("1 + 1"))); // The runtime goes on.
  }

  @Test
  void evaluateGivesTheCompletionValue() {
    assertEquals(3, node.evalAsync("1 + 2").join());
    assertEquals(List.of(1, 2), node.evalAsync("[1, 2]").join());
    assertEquals("object", node.eval("typeof require('fs')"));
  }
}
