package org.nodeffm.bench;

import java.util.concurrent.TimeUnit;
import org.nodeffm.CallMode;
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
 * The native C driver: {@link DriverThreads} pthreads call the same thread-safe function, on the
 * same libnode and JavaScript callback as {@link CallBenchmark}, for 100 ms per invocation. Run
 * with -t 1: the threads are the driver's. The secondary metric {@code ran} is comparable with
 * CallBenchmark's.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class NativeCallBenchmark {
  private static final long SLICE_NANOS = 100_000_000L;

  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Ran {
    /** Calls accepted in this iteration (secondary metric, ops/s). */
    public long ran;

    @Setup(Level.Iteration)
    public void reset() {
      ran = 0;
    }
  }

  @Benchmark
  public long call(CallState state, DriverThreads driver, Ran counter) {
    long accepted =
        Node.Native.drive(
            state.node.function.nativeHandle(),
            driver.threads,
            Node.Native.CALL,
            state.mode == CallMode.BLOCKING,
            SLICE_NANOS);
    counter.ran += accepted;
    state.acceptedByDriver.addAndGet(accepted);
    return accepted;
  }
}
