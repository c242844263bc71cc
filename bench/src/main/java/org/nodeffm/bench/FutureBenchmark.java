package org.nodeffm.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.nodeffm.JsFunction;
import org.nodeffm.NodeRuntime;
import org.nodeffm.bench.peers.Peer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;

/**
 * Measurements 2 and 3 for node-ffm, through its future API: a Java thread (JMH's, never the event
 * loop's) calls a JavaScript function ({@link JsFunction#call}) and waits for the result, which
 * crosses back from the event loop thread. The JavaScript is the peers' ({@link Peer#SCRIPT}).
 *
 * <ul>
 *   <li>{@link #call0}, {@link #call1}, {@link #call3}: one call, then its result (latency with
 *       {@code -bm sample}; results per second of T threads with {@code -bm thrpt -t T});
 *   <li>{@link #pipelined}: {@value #WINDOW} calls from one thread, then all their results;
 *   <li>{@link #callback}: JavaScript calls a Java function ({@link NodeRuntime#expose}) {@value
 *       Peer#CALLBACKS} times, started by one call from the benchmark thread.
 * </ul>
 *
 * {@code loop=busy}: the event loop also runs JavaScript tasks of {@value Node#BUSY_SLICE_MICROS}
 * µs back to back, so a call waits for the task in progress. Checks: every result is the value
 * JavaScript must return, and at the end of the trial JavaScript ran {@code echo} exactly as often
 * as it was called and every callback arrived.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class FutureBenchmark {
  static final int WINDOW = 64;

  @Benchmark
  public int call0(PeerScriptRuntime js) {
    return Peer.check(1, js.f0.callAsync().join());
  }

  @Benchmark
  public int call1(PeerScriptRuntime js) {
    int n = js.next();
    js.echoCalls.increment();
    return Peer.check(n, js.echo.callAsync(n).join());
  }

  @Benchmark
  public int call3(PeerScriptRuntime js) {
    int n = js.next();
    return Peer.check(n + 3, js.add3.callAsync(n, 1, 2).join());
  }

  @Benchmark
  @OperationsPerInvocation(WINDOW)
  public int pipelined(PeerScriptRuntime js) {
    @SuppressWarnings("unchecked")
    CompletableFuture<Object>[] results = new CompletableFuture[WINDOW];
    int first = js.next();
    for (int i = 0; i < WINDOW; i++) {
      results[i] = js.echo.callAsync(first + i);
    }
    js.echoCalls.add(WINDOW);
    for (int i = 0; i < WINDOW; i++) {
      Peer.check(first + i, results[i].join());
    }
    return first;
  }

  @Benchmark
  @OperationsPerInvocation(Peer.CALLBACKS)
  public Object callback(PeerScriptRuntime js) {
    js.callbacksExpected.add(Peer.CALLBACKS);
    return js.burst.call(Peer.CALLBACKS);
  }
}
