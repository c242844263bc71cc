package org.nodeffm.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.nodeffm.NodeRuntime;
import org.nodeffm.napi.ThreadSafeFunction;

/**
 * The embedded Node.js of one benchmark fork: the libnode flavour, the runtime, one thread-safe
 * function on a JavaScript function, and the C side of the benchmarks (bench_driver.c).
 *
 * <p>Benchmark threads {@link #join} before they acquire their own reference and {@link #leave}
 * after releasing it. The runtime closes once the benchmark is {@link #done} and every thread has
 * left, whatever the order JMH tears states down in: on a stock libnode, a thread that still used
 * the thread-safe function after the runtime closed would crash the fork. The creating reference
 * belongs to an owner thread of its own, so that a benchmark thread's references are never the
 * last ones.
 */
final class Node {
  /** Counts the calls that ran: the exactly-once check compares it with the accepted calls. */
  static final String COUNTER = "(n) => { calls++; }";

  /** JavaScript keeps the event loop busy with back-to-back tasks of this many microseconds. */
  static final int BUSY_SLICE_MICROS = 50;

  static final String BOOTSTRAP = "globalThis.calls = 0;";
  static final String BUSY =
      "const { performance } = require('perf_hooks');"
          + "(function spin() {"
          + "  const end = performance.now() + " + BUSY_SLICE_MICROS / 1000.0 + ";"
          + "  while (performance.now() < end) {}"
          + "  setImmediate(spin);"
          + "})();";

  final NodeRuntime runtime;
  final ThreadSafeFunction function;
  private final ExecutorService owner;
  private int threads;
  private long accepted;
  private boolean done;
  private boolean closed;

  private Node(NodeRuntime runtime, ThreadSafeFunction function, ExecutorService owner) {
    this.runtime = runtime;
    this.function = function;
    this.owner = owner;
  }

  /** Points node-ffm at the given flavour of libnode (set up by bench/run). */
  static String useFlavour(String flavour) {
    String libnode = System.getProperty("bench.libnode." + flavour);
    if (libnode == null) {
      throw new IllegalStateException("-Dbench.libnode." + flavour + " is not set: run bench/run");
    }
    System.setProperty("nodeffm.libnode", libnode);
    return libnode;
  }

  /**
   * Starts Node.js on the given flavour with a thread-safe function on {@code jsFunction}
   * ({@code maxQueueSize} 0: unbounded); {@code busy}: the loop runs JavaScript all the time.
   */
  static Node start(String flavour, long maxQueueSize, String jsFunction, boolean busy) {
    useFlavour(flavour);
    ExecutorService owner =
        Executors.newSingleThreadExecutor(
            task -> Thread.ofPlatform().daemon().name("node-owner").unstarted(task));
    try {
      return owner
          .submit(
              () -> {
                NodeRuntime runtime = NodeRuntime.start(BOOTSTRAP + (busy ? BUSY : ""));
                return new Node(
                    runtime, runtime.createThreadSafeFunction(runtime.function(jsFunction), maxQueueSize, 42), owner);
              })
          .get();
    } catch (InterruptedException | ExecutionException e) {
      throw new IllegalStateException("Node.js did not start", e);
    }
  }

  /** A benchmark thread is about to acquire its reference. */
  synchronized void join() {
    threads++;
  }

  /** A benchmark thread released its reference; {@code calls} it had accepted. */
  synchronized void leave(long calls) {
    threads--;
    accepted += calls;
    closeIfFinished();
  }

  /** The benchmark is over; {@code calls} accepted that no {@link #leave} counted. */
  synchronized void done(long calls) {
    done = true;
    accepted += calls;
    closeIfFinished();
  }

  private void closeIfFinished() {
    if (!done || threads > 0 || closed) {
      return;
    }
    closed = true;
    try {
      awaitCallsRun(accepted);
    } finally {
      try {
        owner
            .submit(
                () -> {
                  function.release();
                  runtime.close();
                })
            .get();
      } catch (InterruptedException | ExecutionException e) {
        throw new IllegalStateException(e);
      } finally {
        owner.shutdown();
      }
    }
  }

  /** How many calls have run in JavaScript. */
  long callsRun() {
    return runtime.eval(Long.class, "calls");
  }

  /**
   * Waits until JavaScript has run as many calls as were accepted, and fails if more ran, or if
   * fewer ran within 120 s: every accepted call runs exactly once.
   */
  void awaitCallsRun(long expected) {
    long deadline = System.nanoTime() + 120_000_000_000L;
    long run;
    while ((run = callsRun()) < expected) {
      if (System.nanoTime() > deadline) {
        throw new CorrectnessError(expected + " calls accepted, but only " + run + " ran in JavaScript");
      }
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    if (run != expected) {
      throw new CorrectnessError(expected + " calls accepted, but " + run + " ran in JavaScript");
    }
  }

  /**
   * A benchmark's correctness check failed. bench/run runs JMH with -foe true, so this ends the
   * run with a nonzero exit; bench/summarize also fails on the missing result.
   */
  static final class CorrectnessError extends AssertionError {
    private static final long serialVersionUID = 1L;

    CorrectnessError(String message) {
      super("CORRECTNESS CHECK FAILED: " + message);
    }
  }

  /** The C side of the benchmarks (bench_driver.c), built by bench/run. */
  static final class Native {
    private static final SymbolLookup LIBRARY =
        SymbolLookup.libraryLookup(Path.of(System.getProperty("bench.native")), Arena.global());
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle CALLS =
        LINKER.downcallHandle(
            LIBRARY.find("nodeffm_bench_calls").orElseThrow(),
            FunctionDescriptor.of(
                ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle PAIRS =
        LINKER.downcallHandle(
            LIBRARY.find("nodeffm_bench_pairs").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    private Native() {}

    /** {@code n} calls of {@code function} from the calling thread, in C; returns the accepted. */
    static long calls(MemorySegment function, int n, boolean blocking) {
      try {
        return (long) CALLS.invokeExact(function, n, blocking ? 1 : 0);
      } catch (Throwable t) {
        throw t instanceof RuntimeException e ? e : new IllegalStateException(t);
      }
    }

    /** {@code n} acquire/release pairs from the calling thread, in C; returns the good pairs. */
    static long pairs(MemorySegment function, int n) {
      try {
        return (long) PAIRS.invokeExact(function, n);
      } catch (Throwable t) {
        throw t instanceof RuntimeException e ? e : new IllegalStateException(t);
      }
    }
  }
}
