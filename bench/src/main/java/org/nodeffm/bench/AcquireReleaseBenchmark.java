package org.nodeffm.bench;

import java.util.concurrent.TimeUnit;
import org.nodeffm.napi.CallMode;
import org.nodeffm.napi.NapiStatus;
import org.nodeffm.napi.ThreadSafeFunction;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;

/**
 * Measurement 6: {@code napi_acquire_threadsafe_function} + {@code
 * napi_release_threadsafe_function} pairs, {@value #BATCH} per invocation (run with -t 1, 2, 4, 8).
 *
 * <ul>
 *   <li>{@link #pair}: the thread already holds a reference (its second and later ones);
 *   <li>{@link #firstPair}: the thread holds none, so each acquire is its first reference and each
 *       release its last (the Java handle's per-thread bookkeeping takes its slow path);
 *   <li>{@link #task}: the per-task pattern of a thread pool: first reference, one call, release;
 *   <li>{@link #c}: the same pair in C, from the same JMH thread, through one downcall per batch.
 * </ul>
 *
 * {@link #pair} and {@link #c} run on a {@link Caller}, which holds a reference for the whole trial;
 * {@link #firstPair} and {@link #task} on a {@link FreeCaller}, which holds none between pairs.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(AcquireReleaseBenchmark.BATCH)
public class AcquireReleaseBenchmark {
  static final int BATCH = 16384;

  @Benchmark
  public long pair(Caller caller) {
    long cpu = Caller.cpuNow();
    ThreadSafeFunction function = caller.function;
    long ok = 0;
    for (int i = 0; i < BATCH; i++) {
      if (function.acquire().status() == NapiStatus.OK && function.release() == NapiStatus.OK) {
        ok++;
      }
    }
    caller.count(BATCH, ok, cpu, false);
    return ok;
  }

  @Benchmark
  public long firstPair(FreeCaller caller) {
    long cpu = Caller.cpuNow();
    ThreadSafeFunction function = caller.function;
    long ok = 0;
    for (int i = 0; i < BATCH; i++) {
      if (function.acquire().status() == NapiStatus.OK && function.release() == NapiStatus.OK) {
        ok++;
      }
    }
    caller.count(BATCH, ok, cpu, false);
    return ok;
  }

  @Benchmark
  public long task(FreeCaller caller) {
    long cpu = Caller.cpuNow();
    ThreadSafeFunction function = caller.function;
    long ok = 0;
    for (int i = 0; i < BATCH; i++) {
      if (function.acquire().status() == NapiStatus.OK) {
        if (function.call(1, CallMode.NONBLOCKING) == NapiStatus.OK) {
          ok++;
        }
        function.release();
      }
    }
    caller.count(BATCH, ok, cpu, true);
    return ok;
  }

  @Benchmark
  public long c(Caller caller) {
    long cpu = Caller.cpuNow();
    long ok = Node.Native.pairs(caller.function.nativeHandle(), BATCH);
    caller.count(BATCH, ok, cpu, false);
    return ok;
  }
}
