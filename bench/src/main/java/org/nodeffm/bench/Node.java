package org.nodeffm.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.nodeffm.JavaFunction;
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

  /** The JavaScript name of {@link Parking}. */
  private static final String PARK = "nodeffmBenchPark";

  final NodeRuntime runtime;
  final ThreadSafeFunction function;
  private final ExecutorService owner;
  private final Parking parking;
  /** The task in which the event loop thread is parked, while it is. */
  private CompletableFuture<Object> parked;
  private int threads;
  private long accepted;
  private boolean done;
  private boolean closed;

  private Node(
      NodeRuntime runtime, ThreadSafeFunction function, ExecutorService owner, Parking parking) {
    this.runtime = runtime;
    this.function = function;
    this.owner = owner;
    this.parking = parking;
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
                Parking parking = new Parking();
                runtime.expose(PARK, parking);
                return new Node(
                    runtime,
                    runtime.createThreadSafeFunction(
                        runtime.function(jsFunction), maxQueueSize, 42),
                    owner,
                    parking);
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

  /**
   * Parks the event loop thread: it runs a JavaScript task that calls Java, which waits until
   * {@link #unparkLoop}. Meanwhile the loop drains no thread-safe function's queue, so the calls
   * made then contend with no consumer for the queue's lock. Returns once the thread is parked.
   */
  synchronized void parkLoop() {
    if (parked != null) {
      throw new IllegalStateException("the event loop is parked already");
    }
    parking.gate = new CountDownLatch(1);
    parked = runtime.evalAsync(PARK + "()");
    try {
      if (!parking.entered.tryAcquire(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the event loop did not park within 60 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Lets the event loop thread go on, if {@link #parkLoop} parked it. */
  synchronized void unparkLoop() {
    if (parked == null) {
      return;
    }
    parking.gate.countDown();
    try {
      parked.get(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the parked event loop did not go on", e);
    } finally {
      parked = null;
    }
  }

  /** The Java function in which the event loop thread waits while parked. */
  private static final class Parking implements JavaFunction {
    final Semaphore entered = new Semaphore(0);
    volatile CountDownLatch gate;

    @Override
    public Object call(Object... args) throws InterruptedException {
      entered.release();
      gate.await();
      return null;
    }
  }

  /** How many calls have run in JavaScript. */
  long callsRun() {
    return runtime.eval(Long.class, "calls");
  }

  /**
   * Waits until JavaScript has run as many calls as were accepted (after {@link #unparkLoop}), and
   * fails if more ran, or if fewer ran within 120 s: every accepted call runs exactly once.
   */
  void awaitCallsRun(long expected) {
    unparkLoop();
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
    /** napi_call_threadsafe_function's signature. */
    private static final FunctionDescriptor CALL_SIGNATURE =
        FunctionDescriptor.of(
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT);
    /** libnode's own function, found through bench_driver's dependency on libnode. */
    private static final MethodHandle CALL =
        LINKER.downcallHandle(
            LIBRARY.find("napi_call_threadsafe_function").orElseThrow(), CALL_SIGNATURE);
    private static final MethodHandle NOOP =
        LINKER.downcallHandle(LIBRARY.find("nodeffm_bench_noop").orElseThrow(), CALL_SIGNATURE);
    /**
     * The same two with {@link Linker.Option#critical}: no thread-state transition (a bound, for
     * the benchmark only; see ProducerCostBenchmark#rawCritical).
     */
    private static final MethodHandle CALL_CRITICAL =
        LINKER.downcallHandle(
            LIBRARY.find("napi_call_threadsafe_function").orElseThrow(),
            CALL_SIGNATURE,
            Linker.Option.critical(false));
    private static final MethodHandle NOOP_CRITICAL =
        LINKER.downcallHandle(
            LIBRARY.find("nodeffm_bench_noop").orElseThrow(),
            CALL_SIGNATURE,
            Linker.Option.critical(false));

    /** napi_tsfn_nonblocking (node_api_types.h). */
    static final int NONBLOCKING = 0;
    /** napi_ok. */
    static final int OK = 0;

    private Native() {}

    /** {@code n} calls of {@code function} from the calling thread, in C; returns the accepted. */
    static long calls(MemorySegment function, int n, boolean blocking) {
      try {
        return (long) CALLS.invokeExact(function, n, blocking ? 1 : 0);
      } catch (Throwable t) {
        throw t instanceof RuntimeException e ? e : new IllegalStateException(t);
      }
    }

    /**
     * One {@code napi_call_threadsafe_function} through a plain FFM downcall, as node-ffm makes it
     * but without its bookkeeping; returns the {@code napi_status}.
     */
    static int call(MemorySegment function, long payload, int mode) {
      try {
        return (int) CALL.invokeExact(function, MemorySegment.ofAddress(payload), mode);
      } catch (Throwable t) {
        throw t instanceof RuntimeException e ? e : new IllegalStateException(t);
      }
    }

    /** The empty C function {@code nodeffm_bench_noop}, with {@link #call}'s arguments. */
    static int noop(MemorySegment function, long payload, int mode) {
      try {
        return (int) NOOP.invokeExact(function, MemorySegment.ofAddress(payload), mode);
      } catch (Throwable t) {
        throw t instanceof RuntimeException e ? e : new IllegalStateException(t);
      }
    }

    /** {@link #call} through a critical downcall. */
    static int callCritical(MemorySegment function, long payload, int mode) {
      try {
        return (int) CALL_CRITICAL.invokeExact(function, MemorySegment.ofAddress(payload), mode);
      } catch (Throwable t) {
        throw t instanceof RuntimeException e ? e : new IllegalStateException(t);
      }
    }

    /** {@link #noop} through a critical downcall. */
    static int noopCritical(MemorySegment function, long payload, int mode) {
      try {
        return (int) NOOP_CRITICAL.invokeExact(function, MemorySegment.ofAddress(payload), mode);
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
