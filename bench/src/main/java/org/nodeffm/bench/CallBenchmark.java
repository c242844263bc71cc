package org.nodeffm.bench;

import java.util.concurrent.TimeUnit;
import org.nodeffm.NapiStatus;
import org.nodeffm.ThreadSafeFunction;
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
import org.openjdk.jmh.annotations.TearDown;

/**
 * {@code napi_call_threadsafe_function} from Java threads (run with -t 1, 2, 4, 8). The secondary
 * metric {@code ran} counts the calls that were accepted, each of which ran once in JavaScript
 * (checked when the trial ends).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class CallBenchmark {

  /** A Java thread's reference, and the calls it got accepted. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Caller {
    /** Calls accepted in this iteration (secondary metric, ops/s). */
    public long ran;

    long total;
    Node node;
    ThreadSafeFunction function;

    @Setup(Level.Trial)
    public void acquire(CallState state) {
      node = state.node;
      function = node.function;
      node.join();
      function.acquire();
    }

    @Setup(Level.Iteration)
    public void reset() {
      ran = 0;
    }

    @TearDown(Level.Trial)
    public void release() {
      function.release();
      node.leave(total);
    }
  }

  @Benchmark
  public NapiStatus call(CallState state, Caller caller) {
    NapiStatus status = caller.function.call(1, state.mode);
    if (status == NapiStatus.OK) {
      caller.ran++;
      caller.total++;
    }
    return status;
  }
}
