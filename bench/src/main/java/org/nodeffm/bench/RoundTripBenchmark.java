package org.nodeffm.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.nodeffm.CallMode;
import org.nodeffm.NapiStatus;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;

/**
 * Measurements 2 and 3 for node-ffm: a Java thread calls a JavaScript function and gets its result
 * back in Java. The call is a thread-safe function call; JavaScript returns the result with {@code
 * nodeffm.report}, whose listener completes the caller's {@link CompletableFuture} on the event
 * loop thread (the report path, until the library's own future API lands).
 *
 * <ul>
 *   <li>{@link #roundTrip}: one call, then wait for its result (latency with {@code -bm sample};
 *       results per second of T threads with {@code -bm thrpt -t T});
 *   <li>{@link #pipelined}: {@value #WINDOW} calls from one thread, then wait for all results
 *       (results per second from one thread);
 *   <li>{@link #callback}: JavaScript calls Java {@value #CALLBACKS} times ({@code
 *       nodeffm.report}), started by one {@code eval} from the benchmark thread.
 * </ul>
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RoundTripBenchmark {
  static final int WINDOW = 64;
  static final int CALLBACKS = 1000;
  private static final String BURST =
      "for (let i = 0; i < " + CALLBACKS + "; i++) nodeffm.report(" + EchoState.CALLBACK_TAG + ", i);";

  @Benchmark
  public void roundTrip(EchoState state, EchoCaller caller) {
    CompletableFuture<Void> result = new CompletableFuture<>();
    send(state, caller, result);
    result.join();
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @OperationsPerInvocation(WINDOW)
  public void pipelined(EchoState state, EchoCaller caller) {
    @SuppressWarnings("unchecked")
    CompletableFuture<Void>[] results = new CompletableFuture[WINDOW];
    for (int i = 0; i < WINDOW; i++) {
      results[i] = new CompletableFuture<>();
      send(state, caller, results[i]);
    }
    for (CompletableFuture<Void> result : results) {
      result.join();
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @OperationsPerInvocation(CALLBACKS)
  public String callback(EchoState state) {
    state.callbacksExpected.add(CALLBACKS);
    return state.node.runtime.eval(BURST);
  }

  private static void send(EchoState state, EchoCaller caller, CompletableFuture<Void> result) {
    long id = state.register(result);
    NapiStatus status = caller.function.call(id, CallMode.BLOCKING);
    if (status != NapiStatus.OK) {
      state.pending.remove(id);
      throw new IllegalStateException("call returned " + status);
    }
    state.sent.increment();
  }
}
