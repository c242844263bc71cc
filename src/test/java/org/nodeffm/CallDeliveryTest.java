package org.nodeffm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Every call of a {@link JsFunction} from any thread runs exactly once in JavaScript and its future
 * gets that run's result: 8 threads x 5,000 calls, JavaScript counts each argument.
 */
class CallDeliveryTest {
  private static final int THREADS = 8;
  private static final int CALLS = 5_000;

  @Test
  void everyCallRunsOnceAndGetsItsOwnResult() throws Exception {
    try (NodeRuntime node =
        NodeRuntime.start("globalThis.runs = new Uint8Array(" + THREADS * CALLS + ");")) {
      JsFunction record = node.function("(i, tag) => { runs[i]++; return `${tag}:${i * 2}`; }");
      List<Thread> threads = new ArrayList<>();
      List<AssertionError> errors = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int first = t * CALLS;
        String tag = "thread" + t;
        threads.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      List<CompletableFuture<Object>> results = new ArrayList<>();
                      for (int i = 0; i < CALLS; i++) {
                        results.add(record.callAsync(first + i, tag));
                      }
                      for (int i = 0; i < CALLS; i++) {
                        Object result = results.get(i).join();
                        String expected = tag + ":" + (first + i) * 2;
                        if (!expected.equals(result)) {
                          synchronized (errors) {
                            errors.add(
                                new AssertionError("expected " + expected + ", got " + result));
                          }
                          return;
                        }
                      }
                    }));
      }
      for (Thread thread : threads) {
        thread.join(TimeUnit.SECONDS.toMillis(120));
      }
      assertEquals(List.of(), errors);
      assertEquals("true", String.valueOf(node.eval("runs.every((n) => n === 1)")));
      assertEquals(String.valueOf(THREADS * CALLS), String.valueOf(node.eval("runs.reduce((a, b) => a + b, 0)")));
    }
  }
}
