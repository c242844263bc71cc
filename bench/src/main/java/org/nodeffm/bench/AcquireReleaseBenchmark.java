package org.nodeffm.bench;

import java.util.concurrent.TimeUnit;
import org.nodeffm.NapiStatus;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * An {@code napi_acquire_threadsafe_function} / {@code napi_release_threadsafe_function} pair:
 * {@link #pair} from Java threads (run with -t 1, 2, 4, 8); {@link #nativePair} from the native
 * driver's {@link DriverThreads} pthreads (run with -t 1; secondary metric {@code pairs}).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class AcquireReleaseBenchmark {
  private static final long SLICE_NANOS = 100_000_000L;

  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Pairs {
    /** Pairs in this iteration (secondary metric, ops/s). */
    public long pairs;

    @Setup(Level.Iteration)
    public void reset() {
      pairs = 0;
    }
  }

  @Benchmark
  public NapiStatus pair(Reference reference) {
    reference.function.acquire();
    return reference.function.release();
  }

  @Benchmark
  public long nativePair(NodeState state, DriverThreads driver, Pairs counter) {
    long pairs =
        Node.Native.drive(
            state.node.function.nativeHandle(), driver.threads, Node.Native.ACQUIRE_RELEASE, false, SLICE_NANOS);
    counter.pairs += pairs;
    return pairs;
  }
}
