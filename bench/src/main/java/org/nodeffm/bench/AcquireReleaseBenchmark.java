package org.nodeffm.bench;

import java.util.concurrent.TimeUnit;
import org.nodeffm.NapiStatus;
import org.nodeffm.ThreadSafeFunction;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * An {@code napi_acquire_threadsafe_function} / {@code napi_release_threadsafe_function} pair:
 * {@link #pair} from Java threads (run with -t 1, 2, 4, 8); {@link #nativePair} from the native
 * driver's {@code threads} pthreads (run with -t 1; secondary metric {@code pairs}).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class AcquireReleaseBenchmark {
  private static final long SLICE_NANOS = 100_000_000L;

  @State(Scope.Benchmark)
  public static class Shared {
    @Param({"patched", "stock"})
    public String flavour;

    Node node;

    @Setup(Level.Trial)
    public void start() {
      node = Node.start(flavour, 0);
    }

    @TearDown(Level.Trial)
    public void stop() {
      node.done(0);
    }
  }

  @State(Scope.Thread)
  public static class Holder {
    Shared shared;
    ThreadSafeFunction function;

    @Setup(Level.Trial)
    public void acquire(Shared shared) {
      this.shared = shared;
      function = shared.node.function;
      shared.node.join();
      function.acquire();
    }

    @TearDown(Level.Trial)
    public void release() {
      function.release();
      shared.node.leave(0);
    }
  }

  @State(Scope.Benchmark)
  public static class Threads {
    @Param({"1", "2", "4", "8"})
    public int threads;
  }

  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Counter {
    /** Pairs in this iteration (secondary metric, ops/s). */
    public long pairs;

    @Setup(Level.Iteration)
    public void reset() {
      pairs = 0;
    }
  }

  @Benchmark
  public NapiStatus pair(Holder holder) {
    holder.function.acquire();
    return holder.function.release();
  }

  @Benchmark
  public long nativePair(Shared shared, Threads threads, Counter counter) {
    long pairs =
        Node.Native.drive(
            shared.node.function.nativeHandle(), threads.threads, Node.Native.ACQUIRE_RELEASE, false, SLICE_NANOS);
    counter.pairs += pairs;
    return pairs;
  }
}
