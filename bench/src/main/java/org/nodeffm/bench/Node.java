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
import org.nodeffm.ThreadSafeFunction;

/**
 * The embedded Node.js of one benchmark fork: the libnode flavour, the runtime, one thread-safe
 * function on the JavaScript callback every benchmark uses, and the native C driver.
 *
 * <p>Benchmark threads {@link #join} before they acquire their own reference and {@link #leave}
 * after releasing it. The runtime closes once the benchmark is {@link #done} and every thread has
 * left, whatever the order JMH tears states down in: on a stock libnode, a thread that still used
 * the thread-safe function after the runtime closed would crash the fork. The creating reference
 * belongs to an owner thread of its own.
 */
final class Node {
  /** The JavaScript callback of every benchmark: counts the calls that ran. */
  static final String CALLBACK = "(n) => { calls++; }";

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

  /** Starts Node.js on the given flavour of libnode (set up by bench/run). */
  static Node start(String flavour, long maxQueueSize) {
    String libnode = System.getProperty("bench.libnode." + flavour);
    if (libnode == null) {
      throw new IllegalStateException("-Dbench.libnode." + flavour + " is not set: run bench/run");
    }
    System.setProperty("nodeffm.libnode", libnode);
    ExecutorService owner =
        Executors.newSingleThreadExecutor(task -> Thread.ofPlatform().daemon().name("node-owner").unstarted(task));
    try {
      return owner
          .submit(
              () -> {
                NodeRuntime runtime = NodeRuntime.start("globalThis.calls = 0;");
                return new Node(runtime, runtime.createThreadSafeFunction(CALLBACK, maxQueueSize, 42), owner);
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

  /** The benchmark is over; {@code calls} accepted outside benchmark threads (native driver). */
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
    awaitCallsRun(accepted);
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

  /** How many calls have run in JavaScript. */
  long callsRun() {
    return Long.parseLong(runtime.eval("calls"));
  }

  /**
   * Waits until JavaScript has run as many calls as were accepted, and fails if more ran: every
   * accepted call runs exactly once.
   */
  void awaitCallsRun(long expected) {
    long deadline = System.nanoTime() + 60_000_000_000L;
    long run;
    while ((run = callsRun()) < expected) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(expected + " calls accepted, but only " + run + " ran in JavaScript");
      }
      Thread.onSpinWait();
    }
    if (run != expected) {
      throw new IllegalStateException(expected + " calls accepted, but " + run + " ran in JavaScript");
    }
  }

  /** The native C library of the benchmarks (bench_driver.c), built by bench/run. */
  static final class Native {
    static final int CALL = 0;
    static final int ACQUIRE_RELEASE = 1;
    static final int CONTEXT = 2;

    private static final SymbolLookup LIBRARY =
        SymbolLookup.libraryLookup(Path.of(System.getProperty("bench.native")), Arena.global());
    private static final Linker LINKER = Linker.nativeLinker();

    static final MethodHandle NOOP =
        LINKER.downcallHandle(LIBRARY.find("nodeffm_bench_noop").orElseThrow(), FunctionDescriptor.ofVoid());
    static final MethodHandle NOOP_CRITICAL =
        LINKER.downcallHandle(
            LIBRARY.find("nodeffm_bench_noop").orElseThrow(),
            FunctionDescriptor.ofVoid(),
            Linker.Option.critical(false));
    private static final MethodHandle DRIVE =
        LINKER.downcallHandle(
            LIBRARY.find("nodeffm_bench_drive").orElseThrow(),
            FunctionDescriptor.of(
                ValueLayout.JAVA_LONG,
                ValueLayout.ADDRESS,
                ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT,
                ValueLayout.JAVA_LONG));

    private Native() {}

    /** Runs {@code threads} pthreads doing {@code op} for {@code nanos}; returns the count. */
    static long drive(MemorySegment function, int threads, int op, boolean blocking, long nanos) {
      try {
        long count = (long) DRIVE.invokeExact(function, threads, op, blocking ? 1 : 0, nanos);
        if (count < 0) {
          throw new IllegalStateException("the native driver could not start or acquire");
        }
        return count;
      } catch (Throwable t) {
        throw t instanceof RuntimeException e ? e : new IllegalStateException(t);
      }
    }
  }
}
