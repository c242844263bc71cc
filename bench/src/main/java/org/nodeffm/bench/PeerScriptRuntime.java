package org.nodeffm.bench;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.nodeffm.JsFunction;
import org.nodeffm.NodeRuntime;
import org.nodeffm.bench.peers.Peer;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The JMH state of node-ffm's call benchmarks ({@link FutureBenchmark}, {@link
 * DirectCallBenchmark}): a runtime on the given flavour running the peers' JavaScript ({@link
 * Peer#SCRIPT}), its functions, and the counts checked at the end of the trial: JavaScript ran
 * {@code echo} exactly as often as it was called, and every callback arrived.
 */
@State(Scope.Benchmark)
public class PeerScriptRuntime {
  @Param({"patched"})
  public String flavour;

  /** {@code busy}: the event loop also runs JavaScript tasks back to back ({@link Node#BUSY}). */
  @Param({"idle"})
  public String loop;

  NodeRuntime runtime;
  JsFunction f0;
  JsFunction echo;
  JsFunction add3;
  JsFunction burst;
  final AtomicInteger n = new AtomicInteger();
  final LongAdder echoCalls = new LongAdder();
  final LongAdder callbacks = new LongAdder();
  final LongAdder callbacksExpected = new LongAdder();

  @Setup(Level.Trial)
  public void start() {
    Node.useFlavour(flavour);
    runtime = NodeRuntime.start("busy".equals(loop) ? Node.BUSY : "");
    runtime.expose(
        "javaCallback",
        args -> {
          callbacks.increment();
          return null;
        });
    runtime.eval(Peer.SCRIPT);
    f0 = runtime.function("f0");
    echo = runtime.function("echo");
    add3 = runtime.function("add3");
    burst = runtime.function("burst");
  }

  int next() {
    return n.incrementAndGet() & 0xffff;
  }

  @TearDown(Level.Trial)
  public void stop() {
    try {
      Peer.checkCount("echo calls", echoCalls.sum(), runtime.eval(Long.class, "calls"));
      Peer.checkCount("JS -> Java callbacks", callbacksExpected.sum(), callbacks.sum());
    } finally {
      runtime.close();
    }
  }
}
