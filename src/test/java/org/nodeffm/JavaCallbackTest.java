package org.nodeffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nodeffm.napi.ThreadSafeFunction;
import org.nodeffm.napi.NapiStatus;
import org.nodeffm.napi.CallMode;
import org.nodeffm.internal.Handles;

/** JavaScript calls Java: synchronous and asynchronous Java functions, errors both ways. */
class JavaCallbackTest {
  private NodeRuntime node;

  @BeforeEach
  void start() {
    node = NodeRuntime.start();
  }

  @AfterEach
  void stop() {
    node.close();
  }

  @Test
  void aJavaLambdaIsAJavaScriptFunction() {
    List<Thread> threads = new ArrayList<>();
    node.expose(
        "describe",
        args -> {
          threads.add(Thread.currentThread());
          return Map.of(
              "count", args.length, "first", args[0], "sum", (Integer) args[1] + (Integer) args[2]);
        });
    assertEquals(
        Map.of("count", 3, "first", "x", "sum", 5), node.evalAsync("describe('x', 2, 3)").join());
    assertEquals("function", node.eval("typeof describe"));
    assertTrue(
        threads.get(0).getName().startsWith("node-ffm-"), "runs on the loop thread: " + threads);
  }

  @Test
  void anAsyncJavaFunctionGivesAPromiseSettledByItsFuture() throws Exception {
    CompletableFuture<String> pending = new CompletableFuture<>();
    node.expose(
        "fetchUser", args -> pending.thenApply(name -> Map.of("id", args[0], "name", name)));
    CompletableFuture<Object> result =
        node.evalAsync("fetchUser(7).then((user) => `${user.id}:${user.name}`)");
    Thread.sleep(50);
    assertTrue(!result.isDone(), "the promise waits for the Java future");
    Thread.ofPlatform().start(() -> pending.complete("Ada")).join(); // Completed on another thread.
    assertEquals("7:Ada", result.join());
    assertEquals("object", node.eval("typeof fetchUser(1)"));
    assertEquals("true", String.valueOf(node.eval("fetchUser(1) instanceof Promise")));
  }

  @Test
  void aFailedJavaFutureRejectsThePromise() {
    node.expose(
        "failing",
        args -> CompletableFuture.failedFuture(new IllegalStateException("no such user")));
    assertEquals(
        "java.lang.IllegalStateException: no such user",
        node.evalAsync("failing().catch((e) => e.message)").join());
  }

  @Test
  void aJavaExceptionIsAJavaScriptErrorThatJavaScriptCanCatch() {
    node.expose(
        "boom",
        args -> {
          throw new IllegalArgumentException("bad " + args[0]);
        });
    assertEquals(
        "Error|java.lang.IllegalArgumentException: bad 1",
        node.eval("try { boom(1); } catch (e) { `${e.name}|${e.message}` }"));
  }

  @Test
  void aJavaExceptionThatReachesJavaAgainIsTheCause() {
    IllegalStateException original = new IllegalStateException("from Java");
    node.expose(
        "fail",
        args -> {
          throw original;
        });
    JsFunction callsFail = node.function("function callsFail() { return fail(); }");
    JavaScriptException e = assertThrows(JavaScriptException.class, callsFail::call);
    assertSame(original, e.getCause());
    assertEquals("Error", e.name());
    assertTrue(e.jsStack().contains("at callsFail"), e.jsStack());
  }

  @Test
  void javaCanCallJavaScriptFromInsideACallback() {
    JsFunction triple = node.function("(x) => x * 3");
    // On the loop thread, calls run at once: the blocking variant too.
    node.expose("tripleTwice", args -> triple.call(triple.call(args[0])));
    assertEquals(18, node.evalAsync("tripleTwice(2)").join());
    node.expose("evalInside", args -> String.valueOf(node.eval((String) args[0])));
    assertEquals("4", node.evalAsync("evalInside('2 + 2')").join());
  }

  @Test
  void aJavaScriptErrorThroughJavaKeepsItsType() {
    JsFunction range = node.function("() => { throw new RangeError('deep'); }");
    node.expose("viaJava", args -> range.call());
    assertEquals(
        "RangeError|deep",
        node.eval("try { viaJava(); } catch (e) { `${e.constructor.name}|${e.message}` }"));
  }

  @Test
  void waitingOnTheLoopThreadThrowsInsteadOfDeadlocking() {
    JsFunction never = node.function("() => new Promise(() => {})");
    AtomicReference<Throwable> blocking = new AtomicReference<>();
    AtomicReference<Throwable> join = new AtomicReference<>();
    AtomicReference<Throwable> tsfnCall = new AtomicReference<>();
    ThreadSafeFunction bounded = node.createThreadSafeFunction(node.function("() => {}"), 1, 0);
    node.expose(
        "tryToWait",
        args -> {
          blocking.set(catching(never::call));
          join.set(catching(() -> never.callAsync().join()));
          bounded.acquire();
          tsfnCall.set(catching(() -> bounded.call(1, CallMode.BLOCKING)));
          bounded.release();
          return "returned";
        });
    assertEquals("returned", node.evalAsync("tryToWait()").join());
    assertInstanceOf(IllegalStateException.class, blocking.get());
    assertTrue(
        blocking.get().getMessage().contains("wait for itself"), blocking.get().getMessage());
    assertInstanceOf(IllegalStateException.class, join.get());
    assertInstanceOf(IllegalStateException.class, tsfnCall.get());
    assertTrue(
        tsfnCall.get().getMessage().contains("event loop thread"), tsfnCall.get().getMessage());
    assertEquals(NapiStatus.OK, bounded.release());
  }

  @Test
  void aJavaFunctionPassedAsAnArgumentIsCallable() {
    JsFunction mapWith = node.function("(xs, f) => xs.map((x) => f(x))");
    assertEquals(
        List.of("<1>", "<2>"),
        mapWith.call(List.of(1, 2), (JavaFunction) args -> "<" + args[0] + ">"));
  }

  @Test
  void javaFunctionsAreReleasedWhenJavaScriptDropsThem() throws InterruptedException {
    int before = Handles.size();
    JsFunction use = node.function("(f) => f()");
    for (int i = 0; i < 2000; i++) {
      use.call((JavaFunction) args -> "x");
    }
    assertTrue(
        Handles.size() >= before + 1000, "the functions are held while JavaScript may call them");
    // V8 collects the functions and their finalizers release the handles, at the latest when the
    // environment is torn down.
    node.close();
    node = NodeRuntime.start();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (Handles.size() > before + 10 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertTrue(Handles.size() <= before + 10, "handles left: " + (Handles.size() - before));
  }

  private static Throwable catching(ThrowingRunnable runnable) {
    try {
      runnable.run();
      return null;
    } catch (Throwable t) {
      return t;
    }
  }

  @FunctionalInterface
  private interface ThrowingRunnable {
    void run() throws Exception;
  }
}
