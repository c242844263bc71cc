package org.nodeffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nodeffm.internal.EventLoop;
import org.nodeffm.napi.CallMode;
import org.nodeffm.napi.ThreadSafeFunction;

/**
 * The direct path (issue 18): a blocking call runs its JavaScript on the calling thread, under the
 * runtime's lock, while the event loop keeps running on its own thread. Each test states what must
 * hold and can fail: on the queued path (or with a loop that is not woken) the threads, the timings
 * or the refusals would differ.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DirectCallTest {
  private NodeRuntime node;

  @BeforeEach
  void start() {
    node = NodeRuntime.start();
  }

  @AfterEach
  void stop() {
    node.close();
  }

  // ------------------------------------------------------------------------ which thread

  @Test
  void javaCallbacksDuringADirectCallRunOnTheCallingThread() throws Exception {
    List<Thread> threads = Collections.synchronizedList(new ArrayList<>());
    node.expose(
        "where",
        args -> {
          threads.add(Thread.currentThread());
          return args[0];
        });
    JsFunction viaJava = node.function("(x) => where(x) + where(1)");
    for (Supplier<Thread.Builder> builder :
        List.<Supplier<Thread.Builder>>of(Thread::ofPlatform, Thread::ofVirtual)) {
      threads.clear();
      AtomicReference<Object> result = new AtomicReference<>();
      Thread caller = builder.get().name("direct-caller").start(() -> result.set(viaJava.call(41)));
      caller.join(10_000);
      assertEquals(42, result.get());
      assertEquals(List.of(caller, caller), threads, "the callbacks ran on the caller");
    }
    // The queued variant runs on the event loop thread.
    threads.clear();
    assertEquals(42, viaJava.callAsync(41).get(10, TimeUnit.SECONDS));
    assertTrue(threads.get(0).getName().startsWith("node-ffm-"), threads.toString());
  }

  @Test
  void everyBlockingEntryPointRunsOnTheCallingThread() {
    List<Thread> threads = Collections.synchronizedList(new ArrayList<>());
    node.expose(
        "where",
        args -> {
          threads.add(Thread.currentThread());
          return 1;
        });
    JsObject object =
        node.eval(
            JsObject.class,
            "({ get value() { return where(); }, method() { return where(); },"
                + " set value(v) { where(); } })");
    node.eval("where()");
    node.function("() => where()").call();
    object.get("value");
    object.callMember("method");
    object.set("value", 2);
    node.eval(JsObject.class, "(class { constructor() { where(); } })").newInstance();
    Runnable proxy = node.function("() => { where(); }").as(Runnable.class);
    proxy.run();
    assertEquals(7, threads.size(), threads.toString());
    for (Thread thread : threads) {
      assertSame(Thread.currentThread(), thread);
    }
  }

  // ------------------------------------------------------------------------ the event loop

  @Test
  void aTimerStartedByADirectCallFiresOnTime() throws Exception {
    CompletableFuture<Long> fired = new CompletableFuture<>();
    node.expose(
        "fired",
        args -> {
          fired.complete(System.nanoTime());
          return null;
        });
    // The loop waits for a timer due in 10 s: a timer due sooner must wake it.
    node.eval("setTimeout(() => {}, 10_000)");
    Thread.sleep(50); // The loop thread is now waiting in epoll, with that timeout.
    long start = System.nanoTime();
    node.eval("setTimeout(() => fired(), 50)");
    long elapsedMillis =
        TimeUnit.NANOSECONDS.toMillis(fired.get(5, TimeUnit.SECONDS) - start);
    assertTrue(elapsedMillis >= 45, "fired after " + elapsedMillis + " ms");
    assertTrue(elapsedMillis < 1_000, "fired after " + elapsedMillis + " ms, not about 50");
  }

  @Test
  void immediatesIoAndWorkersStartedByADirectCallRun(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("data.txt");
    Files.writeString(file, "from disk");
    CompletableFuture<Object> immediate = new CompletableFuture<>();
    CompletableFuture<Object> read = new CompletableFuture<>();
    CompletableFuture<Object> worker = new CompletableFuture<>();
    node.expose("immediate", args -> immediate.complete(args[0]));
    node.expose("read", args -> read.complete(args[0]));
    node.expose("worker", args -> worker.complete(args[0]));
    node.function("(v) => { setImmediate(() => immediate(v)); }").call("now");
    node.function("(f) => require('fs').readFile(f, 'utf8', (e, text) => read(e ? e.message : text))")
        .call(file.toString());
    node.eval(
        """
        const { Worker } = require('worker_threads');
        const w = new Worker(
            "require('worker_threads').parentPort.postMessage(6 * 7)", { eval: true });
        w.once('message', (n) => { worker(n); w.terminate(); });
        """);
    assertEquals("now", immediate.get(5, TimeUnit.SECONDS));
    assertEquals("from disk", read.get(5, TimeUnit.SECONDS));
    assertEquals(42, worker.get(20, TimeUnit.SECONDS));
  }

  @Test
  void aReturnedPromiseSettlesAndAsyncContinuationsRun() {
    List<Thread> threads = Collections.synchronizedList(new ArrayList<>());
    node.expose(
        "where",
        args -> {
          threads.add(Thread.currentThread());
          return null;
        });
    // Settled before the call returns: the continuation runs in the call's microtask checkpoint.
    JsFunction quick = node.function("async (x) => { await null; where(); return x + 1; }");
    assertEquals(2, quick.call(1));
    assertEquals(List.of(Thread.currentThread()), threads);
    // Settled later, by a timer on the loop thread: the caller waits without the lock.
    JsFunction later =
        node.function("(x) => new Promise((resolve) => setTimeout(() => resolve(x * 2), 30))");
    assertEquals(14, later.call(7));
    assertEquals(
        "done 3",
        node.eval(
            "(async () => { await new Promise((r) => setTimeout(r, 20)); return 'done ' + 3; })()"));
    JavaScriptException rejected =
        assertThrows(
            JavaScriptException.class,
            () -> node.eval("new Promise((_, reject) => setTimeout(() => reject(new Error('no')), 5))"));
    assertEquals("Error: no", rejected.getMessage());
  }

  @Test
  void processNextTickRunsBeforeTheCallReturns() {
    node.eval("globalThis.ticks = []");
    assertEquals(
        "[]", node.eval("process.nextTick(() => ticks.push('tick')); JSON.stringify(ticks)"));
    assertEquals("[\"tick\"]", node.eval("JSON.stringify(ticks)"));
  }

  // ------------------------------------------------------------------------ nesting and waiting

  @Test
  void aNestedDirectCallFromAJavaCallbackWorks() throws Exception {
    JsFunction triple = node.function("(x) => x * 3");
    AtomicReference<Thread> inner = new AtomicReference<>();
    node.expose(
        "nested",
        args -> {
          inner.set(Thread.currentThread());
          // Both run at once on this thread, which holds the lock.
          return triple.call(Integer.class, triple.call(args[0])) + node.eval(Integer.class, "1");
        });
    assertEquals(19, node.function("(x) => nested(x)").call(2));
    assertSame(Thread.currentThread(), inner.get());
    // Three levels: JavaScript -> Java -> JavaScript -> Java.
    node.expose("level", args -> node.function("(n) => nested(n)").call(args[0]));
    assertEquals(28, node.eval("level(3)"));
  }

  @Test
  void aCallIntoAnotherRuntimeFromInsideADirectCallIsQueued() throws Exception {
    try (NodeRuntime other = NodeRuntime.start()) {
      AtomicReference<Thread> otherThread = new AtomicReference<>();
      other.expose(
          "where",
          args -> {
            otherThread.set(Thread.currentThread());
            return args[0];
          });
      JsFunction otherEcho = other.function("(x) => where(x)");
      // This thread holds node's lock: a direct call into other would hold two locks
      // (NODEFFM_CALL_REENTRANT). The call is queued to other's event loop instead.
      node.expose("intoOther", args -> otherEcho.call(args[0]));
      assertEquals("across", node.eval("intoOther('across')"));
      assertTrue(otherThread.get().getName().startsWith("node-ffm-"), otherThread.toString());
    }
  }

  @Test
  void waitingWhileHoldingTheLockThrowsInsteadOfDeadlocking() throws Exception {
    EventLoop loop = loopOf(node);
    JsFunction never = node.function("() => new Promise(() => {})");
    ThreadSafeFunction bounded = node.createThreadSafeFunction(node.function("() => {}"), 1, 0);
    Map<String, Throwable> failures = new java.util.LinkedHashMap<>();
    AtomicReference<boolean[]> locks = new AtomicReference<>();
    node.expose(
        "tryToWait",
        args -> {
          locks.set(new boolean[] {loop.holdsLock(), loop.nativeHoldsLock()});
          failures.put("call", catching(never::call));
          failures.put("join", catching(() -> never.callAsync().join()));
          failures.put(
              "get",
              catching(() -> node.evalAsync("new Promise((r) => setTimeout(r, 10))").get()));
          failures.put("eval", catching(() -> node.eval("new Promise((r) => setTimeout(r, 10))")));
          bounded.acquire();
          failures.put("tsfn", catching(() -> bounded.call(1, CallMode.BLOCKING)));
          bounded.release();
          return "returned";
        });
    long start = System.nanoTime();
    assertEquals("returned", node.eval("tryToWait()"));
    assertTrue(
        System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "refused at once, no timeout");
    assertTrue(locks.get()[0], "holdsLock() inside a direct call");
    assertTrue(locks.get()[1], "nodeffm_runtime_holds_lock() inside a direct call");
    assertFalse(loop.holdsLock(), "not after it");
    assertFalse(loop.nativeHoldsLock(), "not after it, natively");
    for (Map.Entry<String, Throwable> failure : failures.entrySet()) {
      IllegalStateException e =
          assertInstanceOf(IllegalStateException.class, failure.getValue(), failure.getKey());
      assertTrue(
          e.getMessage().contains("holds the runtime's lock"),
          failure.getKey() + ": " + e.getMessage());
    }
    assertTrue(failures.get("call").getMessage().contains("wait for itself"));
    assertEquals(3, node.eval("1 + 2"), "the runtime goes on");
  }

  @Test
  void theJavaRecordOfTheLockMatchesTheNativeOne() throws Exception {
    EventLoop loop = loopOf(node);
    List<String> mismatches = Collections.synchronizedList(new ArrayList<>());
    node.expose(
        "check",
        args -> {
          if (loop.holdsLock() != loop.nativeHoldsLock() || !loop.holdsLock()) {
            mismatches.add(args[0] + " on " + Thread.currentThread());
          }
          return null;
        });
    node.eval("check('direct')");
    node.evalAsync("check('queued')").get(5, TimeUnit.SECONDS);
    node.eval("Promise.resolve().then(() => check('microtask of a direct call'))");
    node.eval("process.nextTick(() => check('nextTick of a direct call'))");
    CompletableFuture<Object> timer = new CompletableFuture<>();
    node.expose("done", args -> timer.complete(null));
    node.eval("setTimeout(() => { check('timer'); done(); }, 1)");
    timer.get(5, TimeUnit.SECONDS);
    assertEquals(List.of(), mismatches);
    assertFalse(loop.holdsLock());
    assertFalse(loop.nativeHoldsLock());
  }

  // ------------------------------------------------------------------------ stack and stop

  @Test
  void aThreadWithTooLittleStackGetsAClearError() throws Exception {
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    // 160 KiB: less than the reserve (256 KiB) + 64 KiB. Not much more: glibc may give a new thread
    // a cached stack up to 4 times the size asked for.
    Thread small =
        Thread.ofPlatform()
            .stackSize(160 << 10)
            .start(() -> thrown.set(catching(() -> node.eval("1 + 1"))));
    small.join(10_000);
    IllegalStateException e = assertInstanceOf(IllegalStateException.class, thrown.get());
    assertTrue(e.getMessage().contains("too little stack"), e.getMessage());
    assertEquals(2, node.eval("1 + 1"));
  }

  @Test
  @Timeout(value = 200, unit = TimeUnit.SECONDS)
  void deepRecursionInADirectCallIsARangeErrorOnEveryKindOfThread() throws Exception {
    Scripts.Result result =
        Scripts.run(
            Scripts.javaCommand(
                List.of("-XX:-CreateCoredumpOnCrash", "-XX:ErrorFile=/dev/null"),
                DirectCallMain.class,
                "recursion"),
            180);
    String output = result.output();
    assertFalse(output.contains("A fatal error has been detected"), output);
    assertEquals(0, result.exitCode(), output);
    for (String kind : List.of("main", "platform", "virtual")) {
      for (String line :
          List.of(
              " caught in JS: RangeError: Maximum call stack size exceeded",
              " uncaught reaches Java: RangeError",
              " through Java, caught in JS: RangeError: Maximum call stack size exceeded",
              " java frames: more than 100",
              " through Java, uncaught reaches Java: RangeError",
              " still running: 2")) {
        assertTrue(output.lines().anyMatch((kind + line)::equals), kind + line + " in:\n" + output);
      }
    }
    assertTrue(output.lines().anyMatch("still running: 2"::equals), output);
  }

  @Test
  void closingEndsARunningDirectCallWithRuntimeClosedException() throws Exception {
    CountDownLatch inside = new CountDownLatch(1);
    node.expose(
        "inside",
        args -> {
          inside.countDown();
          return null;
        });
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread caller =
        Thread.ofPlatform().start(() -> thrown.set(catching(() -> node.eval("inside(); for (;;) {}"))));
    assertTrue(inside.await(10, TimeUnit.SECONDS));
    node.close();
    caller.join(10_000);
    assertFalse(caller.isAlive());
    assertInstanceOf(RuntimeClosedException.class, thrown.get());
    assertThrows(RuntimeClosedException.class, () -> node.eval("1"));
  }

  @Test
  void closeAndProcessExitInsideADirectCall() throws Exception {
    node.expose(
        "closeNow",
        args -> {
          node.close(); // This thread holds the lock: close() must not wait for the teardown.
          return "after close";
        });
    assertThrows(RuntimeClosedException.class, () -> node.eval("closeNow()"));
    assertEquals(0, node.onExit().get(10, TimeUnit.SECONDS));
    try (NodeRuntime exiting = NodeRuntime.start()) {
      assertThrows(RuntimeClosedException.class, () -> exiting.eval("process.exit(3); 5"));
      assertEquals(3, exiting.onExit().get(10, TimeUnit.SECONDS));
    }
  }

  @Test
  void directCallersOnFourThreadsWhileTheRuntimeCloses() throws Exception {
    int rounds = Integer.getInteger("nodeffm.direct.rounds", 30);
    long values = 0;
    long closed = 0;
    for (int round = 0; round < rounds; round++) {
      long[] counts = DirectCallRace.round(4, round % 10 * 1_000L);
      values += counts[0];
      closed += counts[1];
    }
    System.out.printf(
        "direct close race: %d rounds, %d values, %d RuntimeClosedException%n",
        rounds, values, closed);
    assertTrue(values > 0, "no call got its value");
    assertEquals(4L * rounds, closed, "each caller ends with RuntimeClosedException once");
  }

  // ------------------------------------------------------------------------ fairness

  @Test
  void callersAndTheLoopDoNotStarveEachOther() throws Exception {
    // Callers in tight loops on 3 threads: a 5 ms interval on the loop thread keeps ticking.
    JsFunction echo = node.function("(x) => x");
    TicksUnderLoad.Measured measured =
        TicksUnderLoad.measure(
            node,
            () -> {
              echo.call(1);
              return 1;
            });
    long ticked = measured.ticks();
    long called = measured.calls();
    System.out.printf("fairness: %d ticks of 5 ms and %d calls in 500 ms%n", ticked, called);
    assertTrue(ticked >= 40, "the loop ticked " + ticked + " times in 500 ms, not about 100");
    assertTrue(called > 1_000, "only " + called + " calls in 500 ms");

    // A busy loop (an immediate that queues itself): a caller still gets through, promptly.
    node.eval(
        "globalThis.busy = true; globalThis.spins = 0; (function spin() { const end = Date.now() + 2;"
            + " while (Date.now() < end) {} spins++; if (busy) setImmediate(spin); })()");
    long worst = 0;
    long total = 0;
    for (int i = 0; i < 50; i++) {
      long start = System.nanoTime();
      echo.call(i);
      long took = System.nanoTime() - start;
      worst = Math.max(worst, took);
      total += took;
      Thread.sleep(1);
    }
    int spins = node.eval(Integer.class, "busy = false; spins");
    System.out.printf(
        "fairness: behind a busy loop (%d turns of 2 ms), calls took %.2f ms on average, %.2f ms"
            + " at worst%n",
        spins, total / 50 / 1e6, worst / 1e6);
    assertTrue(spins >= 25, "the loop was not busy: " + spins + " turns");
    assertTrue(worst < TimeUnit.MILLISECONDS.toNanos(50), "a call waited " + worst / 1e6 + " ms");
  }

  // ------------------------------------------------------------------------ helpers

  static EventLoop loopOf(NodeRuntime node) throws ReflectiveOperationException {
    Field field = NodeRuntime.class.getDeclaredField("loop");
    field.setAccessible(true);
    return (EventLoop) field.get(node);
  }

  private static Throwable catching(ThrowingRunnable action) {
    try {
      action.run();
      return null;
    } catch (Throwable t) {
      return t;
    }
  }

  @FunctionalInterface
  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  /** Rounds of direct callers racing a close; also run one per child JVM by DirectCallIT. */
  static final class DirectCallRace {
    private DirectCallRace() {}

    /**
     * Starts a runtime, {@code threads} callers (platform and virtual, alternately) that call
     * directly (and every fifth call queued, waiting for its future) until the runtime is closed,
     * closes it after {@code closeAfterMicros}, and checks that each call ended with its exact
     * value or {@link RuntimeClosedException}.
     *
     * @return the calls that ended with their value, and those with RuntimeClosedException
     */
    static long[] round(int threads, long closeAfterMicros) throws Exception {
      NodeRuntime node = NodeRuntime.start();
      JsFunction echo = node.function("(x) => x");
      JsFunction later = node.function("async (x) => { await null; return [x]; }");
      JsObject object = node.eval(JsObject.class, "({ plus(a, b) { return a + b; } })");
      for (int i = 0; i < 500; i++) { // So that the race meets compiled code, not the first calls.
        echo.call(i);
        later.call(i);
        object.callMember("plus", i, 1);
        node.eval("'" + i + "'");
      }
      List<String> violations = Collections.synchronizedList(new ArrayList<>());
      AtomicLong values = new AtomicLong();
      AtomicLong closed = new AtomicLong();
      CountDownLatch started = new CountDownLatch(threads);
      List<Thread> callers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int index = t;
        callers.add(
            (t % 2 == 0 ? Thread.ofPlatform() : Thread.ofVirtual())
                .start(
                    () -> {
                      started.countDown();
                      for (long i = 0; ; i++) {
                        long n = index * 1_000_000_000L + i;
                        try {
                          Object expected;
                          Object got;
                          switch ((int) (i % 5)) {
                            case 0 -> {
                              expected = n;
                              got = echo.call(Long.class, n);
                            }
                            case 1 -> {
                              expected = List.of(n);
                              got = later.call(n);
                              got =
                                  got instanceof List<?> list && !list.isEmpty()
                                      ? List.of(((Number) list.get(0)).longValue())
                                      : got;
                            }
                            case 2 -> {
                              expected = n + 1;
                              got = object.callMember(Long.class, "plus", n, 1);
                            }
                            case 3 -> {
                              expected = Long.toString(n);
                              got = node.eval(String.class, "'" + n + "'");
                            }
                            default -> {
                              expected = n;
                              got = queued(echo.callAsync(Long.class, n));
                            }
                          }
                          if (!expected.equals(got)) {
                            violations.add("call " + i % 5 + " gave " + got + ", not " + expected);
                            return;
                          }
                          values.incrementAndGet();
                        } catch (RuntimeClosedException e) {
                          closed.incrementAndGet();
                          return;
                        } catch (Throwable e) {
                          violations.add("call " + i % 5 + " threw " + e);
                          return;
                        }
                      }
                    }));
      }
      started.await();
      TimeUnit.MICROSECONDS.sleep(closeAfterMicros);
      node.close();
      for (Thread caller : callers) {
        caller.join(30_000);
        if (caller.isAlive()) {
          violations.add(caller + " did not return within 30 s of close()");
        }
      }
      if (!violations.isEmpty()) {
        fail(String.join("\n", violations));
      }
      assertNotNull(node.onExit().getNow(null), "closed");
      return new long[] {values.get(), closed.get()};
    }

    /** The value of a queued call, or the exception it failed with, as a direct call's. */
    private static <T> T queued(CompletableFuture<T> result) throws Throwable {
      try {
        return result.join();
      } catch (CompletionException e) {
        throw e.getCause();
      }
    }
  }
}
