package org.nodeffm.bench;

import java.util.concurrent.TimeUnit;
import org.nodeffm.napi.CallMode;
import org.nodeffm.napi.NapiStatus;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;

/**
 * Measurement 1 (and 5): what a call costs the calling thread. Each invocation makes {@value
 * #BATCH} non-blocking calls of a thread-safe function with an unbounded queue, so no call waits
 * for the event loop or is refused: {@link #java} through {@link
 * org.nodeffm.ThreadSafeFunction#call}, {@link #c} in a C loop entered with one FFM downcall, both
 * on JMH's own threads (run with -t 1, 2, 4, 8). The primary score is wall time per call on a
 * thread (ns); the secondary metrics give accepted calls and the threads' CPU time.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(ProducerCostBenchmark.BATCH)
public class ProducerCostBenchmark {
  static final int BATCH = 16384;

  @Benchmark
  public long java(Caller caller) {
    long cpu = Caller.cpuNow();
    long ok = 0;
    for (int i = 0; i < BATCH; i++) {
      if (caller.function.call(1, CallMode.NONBLOCKING) == NapiStatus.OK) {
        ok++;
      }
    }
    caller.count(BATCH, ok, cpu, true);
    return ok;
  }

  @Benchmark
  public long c(Caller caller) {
    long cpu = Caller.cpuNow();
    long ok = Node.Native.calls(caller.function.nativeHandle(), BATCH, false);
    caller.count(BATCH, ok, cpu, true);
    return ok;
  }
}
