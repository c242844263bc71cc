package org.nodeffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The queued path ({@code callAsync}): calls from any thread wait in the runtime's task queue and
 * the event loop thread runs them in batches (see {@code TaskQueue}).
 */
class QueuedCallTest {
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
  void callsFromManyThreadsRunOnceEachInTheOrderEachThreadQueuedThem() throws Exception {
    node.eval("globalThis.last = [-1, -1, -1, -1]; globalThis.outOfOrder = 0; globalThis.runs = 0");
    JsFunction record =
        node.function(
            "(t, i) => { runs++; if (i !== last[t] + 1) outOfOrder++; last[t] = i; return t * 1e6"
                + " + i; }");
    int perThread = 20_000;
    List<Thread> threads = new ArrayList<>();
    AtomicLong wrong = new AtomicLong();
    for (int t = 0; t < 4; t++) {
      int thread = t;
      threads.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    List<CompletableFuture<Integer>> window = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                      window.add(record.callAsync(Integer.class, thread, i));
                      if (window.size() == 256 || i == perThread - 1) {
                        int first = i - window.size() + 1;
                        for (int k = 0; k < window.size(); k++) {
                          if (window.get(k).join() != thread * 1_000_000 + first + k) {
                            wrong.incrementAndGet();
                          }
                        }
                        window.clear();
                      }
                    }
                  }));
    }
    for (Thread thread : threads) {
      thread.join();
    }
    assertEquals(0, wrong.get(), "results that are not what JavaScript returned");
    assertEquals(4 * perThread, node.eval(Integer.class, "runs"));
    assertEquals(0, node.eval(Integer.class, "outOfOrder"));
    assertEquals("[19999,19999,19999,19999]", node.eval("JSON.stringify(last)"));
  }

  @Test
  void callsQueuedWhileTheLoopIsBusyRunInBatches() {
    // A task's microtasks run after its batch: every call of one batch sees the same count of
    // microtasks run so far. Queued one by one (a callback scope each), 10,000 calls would see
    // 10,000 different counts.
    node.eval("globalThis.microtasks = 0; globalThis.seen = new Set()");
    JsFunction call =
        node.function("(i) => { queueMicrotask(() => microtasks++); seen.add(microtasks); return i; }");
    CompletableFuture<Object> busy =
        node.evalAsync("const end = Date.now() + 200; while (Date.now() < end) {} 'busy'");
    int calls = 10_000;
    List<CompletableFuture<Integer>> results = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      results.add(call.callAsync(Integer.class, i));
    }
    assertEquals("busy", busy.join());
    for (int i = 0; i < calls; i++) {
      assertEquals(i, results.get(i).join());
    }
    assertEquals(calls, node.eval(Integer.class, "microtasks"));
    int batches = node.eval(Integer.class, "seen.size");
    System.out.printf("queued: %d calls ran in %d batches%n", calls, batches);
    assertTrue(batches <= calls / 16, calls + " calls ran in " + batches + " batches");
  }

  @Test
  void aFloodOfQueuedCallsDoesNotStarveTheLoopsTimers() throws Exception {
    JsFunction echo = node.function("(x) => x");
    TicksUnderLoad.Measured measured =
        TicksUnderLoad.measure(
            node,
            () -> {
              List<CompletableFuture<Object>> window = new ArrayList<>();
              for (int i = 0; i < 1_000; i++) {
                window.add(echo.callAsync(i));
              }
              window.forEach(CompletableFuture::join);
              return window.size();
            });
    long ticked = measured.ticks();
    long called = measured.calls();
    System.out.printf("queued flood: %d ticks of 5 ms and %d calls in 500 ms%n", ticked, called);
    assertTrue(ticked >= 40, "the loop ticked " + ticked + " times in 500 ms, not about 100");
    assertTrue(called > 10_000, "only " + called + " calls in 500 ms");
  }

  @Test
  void callsQueuedAsTheRuntimeClosesGetTheirValueOrRuntimeClosedException() throws Exception {
    JsFunction echo = node.function("(x) => x");
    List<List<CompletableFuture<Integer>>> callersResults = new ArrayList<>();
    List<Thread> callers = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      List<CompletableFuture<Integer>> mine = new ArrayList<>(); // read after join()
      callers.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    for (int i = 0; i < 200_000; i++) {
                      mine.add(echo.callAsync(Integer.class, i));
                    }
                  }));
      callersResults.add(mine);
    }
    Thread.sleep(50);
    node.close();
    for (Thread caller : callers) {
      caller.join();
    }
    long values = 0;
    long closed = 0;
    for (List<CompletableFuture<Integer>> mine : callersResults) {
      for (int i = 0; i < mine.size(); i++) {
        CompletableFuture<Integer> result = mine.get(i);
        try {
          assertEquals(i, result.get(10, TimeUnit.SECONDS));
          values++;
        } catch (ExecutionException e) {
          assertInstanceOf(RuntimeClosedException.class, e.getCause());
          closed++;
        }
      }
    }
    System.out.printf("queued close: %d values, %d RuntimeClosedException%n", values, closed);
    assertTrue(closed > 0, "the close came after every call");
  }
}
