package org.nodeffm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.nodeffm.napi.ThreadSafeFunction;
import org.nodeffm.napi.NapiStatus;
import org.nodeffm.napi.CallMode;

/**
 * One round of the close race of the public API: {@value #THREADS} Java threads (platform and
 * virtual) call every public entry point of a runtime with arguments of their own, while another
 * thread closes the runtime after a delay. Every call must end with exactly the value its
 * JavaScript computes, or with {@link RuntimeClosedException}: no other value (no {@code null}), no
 * other exception, and nothing may wait longer than {@value #WAIT_SECONDS} s. Run by {@link
 * CloseRaceTest} and {@link CloseRaceIT}.
 */
final class CloseRace {
  static final int THREADS = 8;
  static final int WAIT_SECONDS = 30;

  /**
   * Calls of each of evaluate, call, callMember and get before the race (and half the modules
   * loaded), so that the race meets the code V8 optimizes in a runtime that has run for a while.
   */
  static final int WARM_UP = Integer.getInteger("nodeffm.race.warmup", 2_000);

  /** Modules {@code mod<i>.cjs} and {@code mod<i>.mjs} in the base directory export {@code i}. */
  static final int MODULES = 32;

  /** Every public way to run JavaScript or get a value from it, and the thread-safe functions. */
  enum Entry {
    EVALUATE,
    EVALUATE_PROMISE,
    EVAL,
    FUNCTION,
    REQUIRE,
    IMPORT_MODULE,
    CALL,
    CALL_PROMISE,
    INVOKE,
    CALL_MEMBER,
    INVOKE_MEMBER,
    GET,
    EXPOSE,
    /** A call on the event loop thread, inside a Java function that JavaScript called. */
    CALL_ON_LOOP_THREAD,
    CREATE_THREAD_SAFE_FUNCTION,
    THREAD_SAFE_FUNCTION_CALL
  }

  /** What the calls of a round ended with, by entry point. */
  static final class Tally {
    final Map<Entry, AtomicLong> values = new EnumMap<>(Entry.class);
    final Map<Entry, AtomicLong> closed = new EnumMap<>(Entry.class);

    Tally() {
      for (Entry entry : Entry.values()) {
        values.put(entry, new AtomicLong());
        closed.put(entry, new AtomicLong());
      }
    }

    void add(Tally other) {
      for (Entry entry : Entry.values()) {
        values.get(entry).addAndGet(other.values.get(entry).get());
        closed.get(entry).addAndGet(other.closed.get(entry).get());
      }
    }

    long values() {
      return values.values().stream().mapToLong(AtomicLong::get).sum();
    }

    long closed() {
      return closed.values().stream().mapToLong(AtomicLong::get).sum();
    }

    @Override
    public String toString() {
      StringBuilder text = new StringBuilder();
      for (Entry entry : Entry.values()) {
        text.append(
            String.format(
                "%n  %-28s %9d values %9d closed",
                entry, values.get(entry).get(), closed.get(entry).get()));
      }
      return text.toString();
    }
  }

  /** A round's outcome. */
  record Round(Tally tally, List<String> violations) {}

  private CloseRace() {}

  /** Writes the modules the rounds require and import into {@code folder}. */
  static void writeModules(Path folder) throws IOException {
    for (int i = 0; i < MODULES; i++) {
      Files.writeString(folder.resolve("mod" + i + ".cjs"), "exports.value = " + i + ";\n");
      Files.writeString(folder.resolve("mod" + i + ".mjs"), "export const value = " + i + ";\n");
    }
  }

  /** Runs one round; {@code closeAfterMicros} is the delay between the callers' start and close. */
  static Round run(String name, Path modules, long closeAfterMicros) throws InterruptedException {
    List<String> violations = Collections.synchronizedList(new ArrayList<>());
    Tally tally = new Tally();
    NodeRuntime node = NodeRuntime.builder().baseDirectory(modules).start();
    Set<Long> sent = ConcurrentHashMap.newKeySet();
    Set<Long> delivered = ConcurrentHashMap.newKeySet();
    node.expose(
        "delivered",
        args -> {
          long payload = ((Number) args[0]).longValue();
          if (!delivered.add(payload)) {
            violations.add("thread-safe function payload " + payload + " came twice");
          }
          return null;
        });
    JsFunction echo = node.function("(x) => x");
    Fixture fixture =
        new Fixture(
            node,
            echo,
            node.function("async (x) => { await null; return x; }"),
            (JsObject)
                node.evalAsync(
                        "new (class { constructor() { for (let i = 0; i < 64; i++) this['p' + i] ="
                            + " 7 * i; } echo(x) { return x; } })()")
                    .join(),
            node.createThreadSafeFunction(node.function("(n) => delivered(n)"), 0, 0),
            sent);
    // Calls on the loop thread run at once (inline), through the same entry points.
    node.expose(
        "viaLoopThread",
        args -> {
          Object value = fixture.object().callMember("echo", echo.call(args[0]));
          return node.evalAsync("[" + value + "]").thenApply(list -> ((List<?>) list).get(0));
        });
    warmUp(fixture, WARM_UP);
    CountDownLatch started = new CountDownLatch(THREADS);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int index = t;
      threads.add(
          (index % 2 == 0 ? Thread.ofPlatform() : Thread.ofVirtual())
              .name(name + "-caller-" + t)
              .start(() -> call(fixture, index, started, tally, violations)));
    }
    started.await();
    fixture.function.release(); // The creator's reference: the callers hold their own.
    TimeUnit.MICROSECONDS.sleep(closeAfterMicros);
    try {
      CompletableFuture.runAsync(node::close).get(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      violations.add("close() did not return within " + WAIT_SECONDS + " s: " + e);
    }
    for (Thread thread : threads) {
      thread.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
      if (thread.isAlive()) {
        violations.add(
            thread.getName() + " did not return within " + WAIT_SECONDS + " s of close()");
      }
    }
    for (Long payload : delivered) {
      if (!sent.contains(payload)) {
        violations.add("thread-safe function payload " + payload + " was never sent");
      }
    }
    return new Round(tally, violations);
  }

  private static void warmUp(Fixture fixture, int calls) {
    List<CompletableFuture<?>> futures = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      futures.add(fixture.node.evalAsync(Integer.toString(i)));
      futures.add(fixture.echo.callAsync(i));
      futures.add(fixture.object.callMemberAsync("echo", i));
      futures.add(fixture.object.getAsync("p" + i % 64));
    }
    for (int i = 0; i < MODULES / 2; i++) { // The others load during the race.
      fixture.node.require("./mod" + i + ".cjs");
      futures.add(fixture.node.importModuleAsync("./mod" + i + ".mjs"));
    }
    CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();
  }

  private record Fixture(
      NodeRuntime node,
      JsFunction echo,
      JsFunction later,
      JsObject object,
      ThreadSafeFunction function,
      Set<Long> sent) {}

  /** A pending call: its future and what it must complete with. */
  private record Pending(Entry entry, long key, CompletableFuture<?> future, Object expected) {}

  /** A caller: every entry point in turn, until a call sees the runtime closed. */
  private static void call(
      Fixture fixture, int index, CountDownLatch started, Tally tally, List<String> violations) {
    Entry[] entries = Entry.values();
    List<Pending> pending = new ArrayList<>();
    boolean holds = fixture.function.acquire().status() == NapiStatus.OK;
    started.countDown();
    boolean open = true;
    for (int i = 0; open; i++) {
      Entry entry = entries[(i + index) % entries.length];
      int key = index * 10_000_000 + i; // Unique in the round: a stale result cannot pass.
      try {
        open = call(fixture, entry, key, holds, pending, tally, violations);
        if (entry == Entry.THREAD_SAFE_FUNCTION_CALL && !open) {
          holds = false;
        }
      } catch (RuntimeClosedException e) {
        tally.closed.get(entry).incrementAndGet();
        open = false;
      } catch (Throwable e) {
        violations.add(entry + "(" + key + ") threw " + e);
        open = false;
      }
      if (pending.size() >= 64 || !open) {
        open &= drain(pending, tally, violations);
      }
    }
    // The runtime is closing: thread-safe function calls go on until they see it (CLOSING).
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    for (int i = 0; holds; i++) {
      if (System.nanoTime() > deadline) {
        violations.add(
            "thread-safe function calls did not return CLOSING within "
                + WAIT_SECONDS
                + " s of close()");
        fixture.function.release();
        break;
      }
      LockSupport.parkNanos(20_000); // Leaves the cores to the teardown.
      holds =
          call(
              fixture,
              Entry.THREAD_SAFE_FUNCTION_CALL,
              index * 10_000_000 + 5_000_000 + i,
              true,
              pending,
              tally,
              violations);
    }
  }

  /**
   * One call: blocking ones are checked at once, the futures of the others go to {@code pending}.
   * Returns false once the call showed the runtime closed.
   */
  private static boolean call(
      Fixture fixture,
      Entry entry,
      int key,
      boolean holds,
      List<Pending> pending,
      Tally tally,
      List<String> violations) {
    NodeRuntime node = fixture.node;
    switch (entry) {
      case EVALUATE ->
          pending.add(new Pending(entry, key, node.evalAsync(Integer.toString(key)), key));
      case EVALUATE_PROMISE ->
          pending.add(new Pending(entry, key, node.evalAsync("Promise.resolve(" + key + ")"), key));
      case EVAL -> expect(entry, key, node.eval("'e' + " + key), "e" + key, tally, violations);
      case FUNCTION -> {
        JsFunction function = node.function("(x) => x + " + key);
        expect(entry, key, function.call(1), key + 1, tally, violations);
      }
      case REQUIRE -> {
        Object exports = node.require("./mod" + key % MODULES + ".cjs");
        if (!(exports instanceof JsObject object)) {
          violations.add(entry + "(" + key + ") gave " + describe(exports));
          return true;
        }
        pending.add(new Pending(entry, key, object.getAsync("value"), key % MODULES));
      }
      case IMPORT_MODULE -> {
        JsObject namespace = await(node.importModuleAsync("./mod" + key % MODULES + ".mjs"));
        if (namespace == null) {
          violations.add(entry + "(" + key + ") gave null");
          return true;
        }
        pending.add(new Pending(entry, key, namespace.getAsync("value"), key % MODULES));
      }
      case CALL -> pending.add(new Pending(entry, key, fixture.echo.callAsync(key), key));
      case CALL_PROMISE -> pending.add(new Pending(entry, key, fixture.later.callAsync(key), key));
      case INVOKE -> expect(entry, key, fixture.echo.call(key), key, tally, violations);
      case CALL_MEMBER ->
          pending.add(new Pending(entry, key, fixture.object.callMemberAsync("echo", key), key));
      case INVOKE_MEMBER ->
          expect(entry, key, fixture.object.callMember("echo", key), key, tally, violations);
      case GET ->
          pending.add(new Pending(entry, key, fixture.object.getAsync("p" + key % 64), 7 * (key % 64)));
      case EXPOSE -> {
        node.expose("f" + key, args -> key);
        pending.add(new Pending(entry, key, node.evalAsync("f" + key + "()"), key));
      }
      case CALL_ON_LOOP_THREAD ->
          pending.add(new Pending(entry, key, node.evalAsync("viaLoopThread(" + key + ")"), key));
      case CREATE_THREAD_SAFE_FUNCTION -> {
        ThreadSafeFunction created = node.createThreadSafeFunction(node.function("(n) => {}"), 0, key);
        long context = created.context();
        created.release();
        expect(entry, key, context, (long) key, tally, violations);
      }
      case THREAD_SAFE_FUNCTION_CALL -> {
        if (!holds) {
          return true;
        }
        long payload = 1L << 40 | key;
        fixture.sent.add(payload); // Before the call: the loop thread may deliver it at once.
        NapiStatus status = fixture.function.call(payload, CallMode.NONBLOCKING);
        if (status == NapiStatus.OK) {
          tally.values.get(entry).incrementAndGet();
        } else if (status == NapiStatus.CLOSING) {
          fixture.sent.remove(payload);
          tally.closed.get(entry).incrementAndGet();
          return false;
        } else {
          violations.add(entry + "(" + key + ") returned " + status);
          fixture.sent.remove(payload);
        }
      }
    }
    return true;
  }

  private static <T> T await(CompletableFuture<T> future) {
    try {
      return future.get(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtimeException) {
        throw runtimeException;
      }
      throw new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("no result within " + WAIT_SECONDS + " s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Waits for every pending call: false once one saw the runtime closed. */
  private static boolean drain(List<Pending> pending, Tally tally, List<String> violations) {
    boolean open = true;
    for (Pending call : pending) {
      try {
        Object value = call.future().get(WAIT_SECONDS, TimeUnit.SECONDS);
        expect(call.entry(), call.key(), value, call.expected(), tally, violations);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof RuntimeClosedException) {
          tally.closed.get(call.entry()).incrementAndGet();
          open = false;
        } else {
          violations.add(call.entry() + "(" + call.key() + ") failed with " + e.getCause());
        }
      } catch (TimeoutException e) {
        violations.add(
            call.entry() + "(" + call.key() + ") did not complete within " + WAIT_SECONDS + " s");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        violations.add("interrupted");
      }
    }
    pending.clear();
    return open;
  }

  private static void expect(
      Entry entry, long key, Object value, Object expected, Tally tally, List<String> violations) {
    if (Objects.equals(value, expected)) {
      tally.values.get(entry).incrementAndGet();
    } else {
      violations.add(entry + "(" + key + ") gave " + describe(value) + ", not " + expected);
    }
  }

  private static String describe(Object value) {
    return value == null ? "null" : value + " (" + value.getClass().getSimpleName() + ")";
  }
}
