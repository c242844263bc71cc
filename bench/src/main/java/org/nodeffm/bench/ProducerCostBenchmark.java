package org.nodeffm.bench;

import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;
import org.nodeffm.napi.CallMode;
import org.nodeffm.napi.NapiStatus;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Measurement 1 (and 5): what a call costs the calling thread. Each invocation makes {@value
 * #BATCH} non-blocking calls of a thread-safe function with an unbounded queue, so no call waits
 * for the event loop or is refused: {@link #java} through {@link
 * org.nodeffm.napi.ThreadSafeFunction#call}, {@link #c} in a C loop entered with one FFM downcall,
 * both on JMH's own threads (run with -t 1, 2, 4, 8). The primary score is wall time per call on a
 * thread (ns); the secondary metrics give accepted calls and the threads' CPU time.
 *
 * <p>Where Java's cost over C goes: {@link #raw} is the Java loop with a plain FFM downcall of
 * {@code napi_call_threadsafe_function} and none of node-ffm's bookkeeping, and {@link #noop} the
 * same loop calling an empty C function: the cost of the downcall alone. With {@link
 * Consumer#consumer} {@code parked}, the event loop does not drain the queue while the calls are
 * made, so they do not contend with it for the queue's lock. {@link #rawCritical} and {@link
 * #noopCritical} are the same two with {@code Linker.Option.critical}, which skips the thread-state
 * transition: what a downcall would cost without it. node-ffm does not link that way ({@code
 * napi_call_threadsafe_function} takes a lock the event loop also takes, may write to an eventfd,
 * and in blocking mode waits for room in the queue: not the "extremely short" function {@code
 * critical} is for); they bound what the transition costs.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(ProducerCostBenchmark.BATCH)
public class ProducerCostBenchmark {
  static final int BATCH = 16384;

  /**
   * The event loop, the queue's consumer: {@code running} drains the queue while the calls are
   * made (and takes its lock for every call it takes off); {@code parked} waits in a task of its
   * own for the whole iteration (warmup too), and drains the queue after it, outside the
   * measurement.
   */
  @State(Scope.Benchmark)
  public static class Consumer {
    @Param({"running"})
    public String consumer;

    private Node node;

    @Setup(Level.Trial)
    public void start(NodeState state) {
      node = state.node;
      if (!consumer.equals("running") && !consumer.equals("parked")) {
        throw new IllegalArgumentException("consumer: running or parked, not " + consumer);
      }
    }

    @Setup(Level.Iteration)
    public void park() {
      if (consumer.equals("parked")) {
        node.parkLoop();
      }
    }

    /** Also done by NodeState's drain, whichever of the two JMH runs first. */
    @TearDown(Level.Iteration)
    public void unpark() {
      node.unparkLoop();
    }
  }

  /**
   * The bytes the benchmark thread allocated in its measured invocations, a secondary metric:
   * exact, where JMH's {@code -prof gc} counts every thread of the JVM, the harness's own work in
   * the iteration included (the drain after it, above all).
   */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Allocation {
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    public long allocatedBytes;

    @Setup(Level.Iteration)
    public void reset() {
      allocatedBytes = 0;
    }

    static long now() {
      return THREADS.getCurrentThreadAllocatedBytes();
    }

    void count(long start) {
      allocatedBytes += now() - start;
    }
  }

  @Benchmark
  public long java(Caller caller, Consumer consumer, Allocation allocation) {
    long bytes = Allocation.now();
    long cpu = Caller.cpuNow();
    long ok = 0;
    for (int i = 0; i < BATCH; i++) {
      if (caller.function.call(1, CallMode.NONBLOCKING) == NapiStatus.OK) {
        ok++;
      }
    }
    caller.count(BATCH, ok, cpu, true);
    allocation.count(bytes);
    return ok;
  }

  @Benchmark
  public long c(Caller caller, Consumer consumer, Allocation allocation) {
    long bytes = Allocation.now();
    long cpu = Caller.cpuNow();
    long ok = Node.Native.calls(caller.function.nativeHandle(), BATCH, false);
    caller.count(BATCH, ok, cpu, true);
    allocation.count(bytes);
    return ok;
  }

  /** {@link #java}'s loop with a plain downcall: node-ffm's bookkeeping left out. */
  @Benchmark
  public long raw(Caller caller, Consumer consumer, Allocation allocation) {
    long bytes = Allocation.now();
    long cpu = Caller.cpuNow();
    MemorySegment handle = caller.function.nativeHandle();
    long ok = 0;
    for (int i = 0; i < BATCH; i++) {
      if (Node.Native.call(handle, 1, Node.Native.NONBLOCKING) == Node.Native.OK) {
        ok++;
      }
    }
    caller.count(BATCH, ok, cpu, true);
    allocation.count(bytes);
    return ok;
  }

  /** {@link #raw} through a critical downcall: no thread-state transition. */
  @Benchmark
  public long rawCritical(Caller caller, Consumer consumer, Allocation allocation) {
    long bytes = Allocation.now();
    long cpu = Caller.cpuNow();
    MemorySegment handle = caller.function.nativeHandle();
    long ok = 0;
    for (int i = 0; i < BATCH; i++) {
      if (Node.Native.callCritical(handle, 1, Node.Native.NONBLOCKING) == Node.Native.OK) {
        ok++;
      }
    }
    caller.count(BATCH, ok, cpu, true);
    allocation.count(bytes);
    return ok;
  }

  /** {@link #raw}'s loop calling an empty C function: the FFM downcall alone. */
  @Benchmark
  public long noop(Caller caller, Allocation allocation) {
    long bytes = Allocation.now();
    long cpu = Caller.cpuNow();
    MemorySegment handle = caller.function.nativeHandle();
    long ok = 0;
    for (int i = 0; i < BATCH; i++) {
      if (Node.Native.noop(handle, 1, Node.Native.NONBLOCKING) == Node.Native.OK) {
        ok++;
      }
    }
    caller.count(BATCH, ok, cpu, false);
    allocation.count(bytes);
    return ok;
  }

  /** {@link #noop} through a critical downcall: the loop and the call, no transition. */
  @Benchmark
  public long noopCritical(Caller caller, Allocation allocation) {
    long bytes = Allocation.now();
    long cpu = Caller.cpuNow();
    MemorySegment handle = caller.function.nativeHandle();
    long ok = 0;
    for (int i = 0; i < BATCH; i++) {
      if (Node.Native.noopCritical(handle, 1, Node.Native.NONBLOCKING) == Node.Native.OK) {
        ok++;
      }
    }
    caller.count(BATCH, ok, cpu, false);
    allocation.count(bytes);
    return ok;
  }
}
