package org.nodeffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A call that races {@link NodeRuntime#close()} ends with its value or with {@link
 * RuntimeClosedException}, at every public entry point (issue 20: {@code evaluate} completed with
 * {@code null}).
 *
 * <p>The race ({@link CloseRace}): rounds of eight threads calling every entry point while the
 * runtime is closed after a random delay of 0 to 20 ms. Rounds: {@code -Dnodeffm.race.rounds} (100
 * in Surefire's fast run, 1,000 in {@link CloseRaceIT}); the delays come from {@code
 * -Dnodeffm.race.seed} (printed).
 *
 * <p>The mechanisms, made deterministic: {@code close()} marks the environment as stopping before
 * V8 terminates JavaScript, at its next function entry or loop iteration; JavaScript that was
 * already running and then reaches vm's native {@code runInContext} gets {@code undefined}, without
 * an exception, and so does JavaScript whose Java function failed because of the close (its
 * exception is not thrown into JavaScript that is being stopped). Here JavaScript closes the
 * runtime itself ({@code closeNow()}, a Java function) and then, without entering a function, runs
 * a script through vm; no call may complete with what follows.
 */
class CloseRaceTest {
  @TempDir static Path modules;

  /** {@code closeThenRun(source)}: closes the runtime, then runs {@code source} through vm. */
  private static final String CLOSE_THEN_RUN =
      """
      const vm = require('vm');
      const runInContext =
          Object.getPrototypeOf(Object.getPrototypeOf(new vm.Script(''))).runInContext;
      globalThis.closeThenRun = (source) => {
        const script = new vm.Script(source);
        return closeNow(), Reflect.apply(runInContext, script, [null, -1, false, false, false]);
      };
      globalThis.object = new (class {
        closeThenRun(source) { return closeThenRun(source); }
        get value() { return closeThenRun('5'); }
        get method() { return closeThenRun('(x) => x'); }
      })();
      """;

  @BeforeAll
  static void writeModules() throws IOException {
    CloseRace.writeModules(modules);
    Files.writeString(modules.resolve("closeThenRun.cjs"), "exports.run = closeThenRun;\n");
    Files.writeString(
        modules.resolve("closeThenRun.mjs"), "export const value = closeThenRun('5');\n");
  }

  @Test
  void everyCallEndsWithItsValueOrRuntimeClosedWhileTheRuntimeCloses() throws Exception {
    int rounds = Integer.getInteger("nodeffm.race.rounds", 100);
    long seed = Long.getLong("nodeffm.race.seed", System.nanoTime());
    Random random = new Random(seed);
    CloseRace.Tally total = new CloseRace.Tally();
    long start = System.nanoTime();
    for (int round = 0; round < rounds; round++) {
      long delayMicros = random.nextLong(20_001);
      CloseRace.Round result = CloseRace.run("round-" + round, modules, delayMicros);
      total.add(result.tally());
      assertEquals(
          List.of(),
          result.violations(),
          "round " + round + " (close after " + delayMicros + " µs, seed " + seed + ")");
    }
    System.out.printf(
        "%d rounds in %.1f s (seed %d): %d calls ended with their value, %d with"
            + " RuntimeClosedException, none otherwise:%s%n",
        rounds, (System.nanoTime() - start) / 1e9, seed, total.values(), total.closed(), total);
    for (CloseRace.Entry entry : CloseRace.Entry.values()) {
      assertTrue(total.values.get(entry).get() > 0, entry + " never completed with a value");
    }
    assertTrue(total.closed() > 0, "no call ever saw the runtime close: the race did not happen");
  }

  @Test
  void aValueComputedAfterCloseBeganIsNotAResult() throws Exception {
    // What each call completed with before issue 20's fix, in the comments. The last four saw
    // RuntimeClosedException already: after closeThenRun they enter a function, where V8
    // terminates.
    Map<String, Function<NodeRuntime, CompletableFuture<?>>> calls = new LinkedHashMap<>();
    calls.put("evaluate", node -> node.evalAsync("closeThenRun('5')")); // null
    calls.put("JsFunction.call", node -> node.function("(x) => closeThenRun(x)").callAsync("5")); // null
    calls.put("JsObject.callMember", node -> required(node).callMemberAsync("run", "5")); // null
    calls.put("JsObject.get", node -> object(node).getAsync("value")); // null
    calls.put(
        "JsObject.callMember of a getter's value", // IllegalArgumentException: no method
        node -> object(node).callMemberAsync("method", 5));
    calls.put(
        "a Java function on the loop thread", // null
        node -> node.evalAsync("viaLoopThread()"));
    calls.put(
        "a Promise", node -> node.evalAsync("Promise.resolve().then(() => closeThenRun('5'))"));
    calls.put("an async function", node -> node.function("async (x) => closeThenRun(x)").callAsync("5"));
    calls.put("importModule", node -> node.importModuleAsync("./closeThenRun.mjs"));
    calls.put(
        "a TypeError the close caused",
        node -> node.evalAsync("closeThenRun('({ value: 5 })').value"));
    for (Map.Entry<String, Function<NodeRuntime, CompletableFuture<?>>> call : calls.entrySet()) {
      try (NodeRuntime node = closingRuntime()) {
        CompletableFuture<?> future = call.getValue().apply(node);
        try {
          Object value = future.get(30, TimeUnit.SECONDS);
          fail(call.getKey() + " completed with " + value);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof RuntimeClosedException)) {
            throw new AssertionError(call.getKey() + " failed with " + e.getCause(), e.getCause());
          }
        }
      }
    }
  }

  @Test
  void aValueComputedAfterCloseBeganIsNotReturned() throws Exception {
    try (NodeRuntime node = closingRuntime()) {
      // RuntimeClosedException already: String(value) is refused once the environment stops.
      assertThrows(RuntimeClosedException.class, () -> node.eval("closeThenRun('5')"));
    }
    try (NodeRuntime node = closingRuntime()) {
      // IllegalArgumentException: not a JavaScript function
      assertThrows(RuntimeClosedException.class, () -> node.function("closeThenRun('(x) => x')"));
    }
    try (NodeRuntime node = closingRuntime()) {
      JsFunction function = node.function("(x) => closeThenRun(x)");
      assertThrows(RuntimeClosedException.class, () -> function.call("5")); // null
    }
    try (NodeRuntime node = closingRuntime()) {
      JsObject object = object(node);
      assertThrows(
          RuntimeClosedException.class, () -> object.callMember("closeThenRun", "5")); // null
    }
    try (NodeRuntime node = closingRuntime()) {
      // IllegalArgumentException: not a JavaScript function
      assertThrows(
          RuntimeClosedException.class,
          () -> node.createThreadSafeFunction(node.function("closeThenRun('(n) => n')"), 0, 0));
    }
  }

  /** A runtime with {@code closeThenRun}, {@code object} and {@code viaLoopThread()}. */
  private static NodeRuntime closingRuntime() {
    NodeRuntime node = NodeRuntime.builder().baseDirectory(modules).start();
    node.expose(
        "closeNow",
        args -> {
          node.close(); // On the loop thread: stops the environment and returns at once.
          return null;
        });
    // An evaluate() on the loop thread runs at once; its value goes back to JavaScript.
    node.expose("viaLoopThread", args -> node.evalAsync("closeThenRun('5')").join());
    node.eval(CLOSE_THEN_RUN);
    return node;
  }

  private static JsObject object(NodeRuntime node) {
    return (JsObject) node.evalAsync("globalThis.object").join();
  }

  private static JsObject required(NodeRuntime node) {
    return node.require("./closeThenRun.cjs");
  }
}
