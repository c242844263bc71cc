package org.nodeffm.bench;

import java.util.concurrent.TimeUnit;
import org.nodeffm.JsFunction;
import org.nodeffm.bench.peers.Peer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;

/**
 * The direct path (issue 18) for node-ffm: JMH's threads call a JavaScript function with the
 * blocking {@link JsFunction#call}, which runs it on the calling thread under the runtime's lock
 * while the event loop keeps running on its own thread (Node's loop live, unlike Javet's rows
 * without {@code await()}). The JavaScript is the peers' ({@link Peer#SCRIPT}).
 *
 * <ul>
 *   <li>{@link #call0}, {@link #call1}, {@link #call3}: one call and its result (latency with
 *       {@code -bm sample}; calls per second of T threads with {@code -bm thrpt -t T}: the rows
 *       "direct call from 1/2/4 threads" are {@code call1} with {@code -t 1}, {@code 2}, {@code
 *       4});
 *   <li>{@link #callback}: JavaScript calls a Java function {@value Peer#CALLBACKS} times inside
 *       one direct call: the callbacks run on the calling thread.
 * </ul>
 *
 * {@code loop=busy}: the event loop also runs JavaScript tasks of {@value Node#BUSY_SLICE_MICROS}
 * µs back to back, so a caller waits for the turn in progress (the lock's fairness hands it the
 * lock after that turn). Checks: every result is the value JavaScript must return, and at the end
 * of the trial JavaScript ran {@code echo} exactly as often as it was called and every callback
 * arrived.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DirectCallBenchmark {
  @Benchmark
  public int call0(PeerScriptRuntime js) {
    return Peer.check(1, js.f0.call());
  }

  @Benchmark
  public int call1(PeerScriptRuntime js) {
    int n = js.next();
    js.echoCalls.increment();
    return Peer.check(n, js.echo.call(n));
  }

  @Benchmark
  public int call3(PeerScriptRuntime js) {
    int n = js.next();
    return Peer.check(n + 3, js.add3.call(n, 1, 2));
  }

  @Benchmark
  @OperationsPerInvocation(Peer.CALLBACKS)
  public Object callback(PeerScriptRuntime js) {
    js.callbacksExpected.add(Peer.CALLBACKS);
    return js.burst.call(Peer.CALLBACKS);
  }
}
