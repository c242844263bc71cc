package org.nodeffm.bench;

import java.util.concurrent.TimeUnit;
import org.nodeffm.CallMode;
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
 * {@code napi_call_threadsafe_function} from Java threads (run with -t 1, 2, 4, 8). The secondary
 * metric {@code ran} counts the calls that were accepted, each of which ran once in JavaScript
 * (checked at the end of the trial).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class CallBenchmark {

  @State(Scope.Benchmark)
  public static class Shared {
    @Param({"patched", "stock"})
    public String flavour;

    @Param({"NONBLOCKING", "BLOCKING"})
    public CallMode mode;

    @Param({"16", "4096"})
    public long maxQueueSize;

    Node node;

    @Setup(Level.Trial)
    public void start() {
      node = Node.start(flavour, maxQueueSize);
    }

    @TearDown(Level.Trial)
    public void stop() {
      node.done(0);
    }
  }

  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Caller {
    /** Calls accepted in this iteration (secondary metric, ops/s). */
    public long ran;

    long total;
    Shared shared;
    ThreadSafeFunction function;

    @Setup(Level.Trial)
    public void acquire(Shared shared) {
      this.shared = shared;
      function = shared.node.function;
      shared.node.join();
      function.acquire();
    }

    @Setup(Level.Iteration)
    public void reset() {
      ran = 0;
    }

    @TearDown(Level.Trial)
    public void release() {
      function.release();
      shared.node.leave(total);
    }
  }

  @Benchmark
  public NapiStatus call(Shared shared, Caller caller) {
    NapiStatus status = caller.function.call(1, shared.mode);
    if (status == NapiStatus.OK) {
      caller.ran++;
      caller.total++;
    }
    return status;
  }
}
