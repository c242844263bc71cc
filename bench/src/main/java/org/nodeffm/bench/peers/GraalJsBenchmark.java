package org.nodeffm.bench.peers;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.proxy.ProxyExecutable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Measurement 3, GraalJS (community) on this JDK, with the Graal compiler as Truffle's JIT
 * (module path + JVMCI: the options of @Fork below): synchronous calls of a JavaScript function on the
 * context's own thread ({@link #call0}, {@link #call1}, {@link #call3}), JavaScript calling Java
 * ({@link #callback}), and calls from other threads ({@link #otherThread}, -t 1, 2, 4). A GraalJS
 * context forbids concurrent access from two threads (it throws IllegalStateException), so the
 * callers take turns under a Java lock ({@code synchronized}): GraalJS has no locking of its own.
 * {@link #startClose}: create a context, run a script, close it.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(jvmArgsAppend = {
    "--module-path=bench/target/graal/modules",
    "--add-modules=org.graalvm.polyglot",
    "--upgrade-module-path=bench/target/graal/compiler",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+EnableJVMCI",
    "-Dpolyglot.engine.WarnInterpreterOnly=true"})
public class GraalJsBenchmark {

  static final class Js implements AutoCloseable {
    final Context context;
    final Value f0;
    final Value echo;
    final Value add3;
    final Value burst;
    final LongAdder callbacks = new LongAdder();

    Js() {
      context = Context.newBuilder("js").build();
      context.getBindings("js").putMember("javaCallback", (ProxyExecutable) args -> {
        callbacks.increment();
        return null;
      });
      context.eval("js", Peer.SCRIPT);
      Value bindings = context.getBindings("js");
      f0 = bindings.getMember("f0");
      echo = bindings.getMember("echo");
      add3 = bindings.getMember("add3");
      burst = bindings.getMember("burst");
    }

    /** How many times echo ran in JavaScript. */
    long echoCalls() {
      return context.getBindings("js").getMember("calls").asLong();
    }

    @Override
    public void close() {
      context.close();
    }
  }

  @State(Scope.Thread)
  public static class Own {
    Js js;
    int n;
    long echoCalls;
    long callbacksExpected;

    @Setup(Level.Trial)
    public void start() {
      js = new Js();
    }

    @TearDown(Level.Trial)
    public void stop() {
      Peer.checkCount("echo calls", echoCalls, js.echoCalls());
      Peer.checkCount("JS -> Java callbacks", callbacksExpected, js.callbacks.sum());
      js.close();
    }
  }

  /** A context created (and closed) by a thread of its own, used by the benchmark threads. */
  @State(Scope.Benchmark)
  public static class Shared {
    Js js;
    final AtomicInteger n = new AtomicInteger();
    final LongAdder echoCalls = new LongAdder();
    private ExecutorService owner;

    @Setup(Level.Trial)
    public void start() throws InterruptedException, ExecutionException {
      owner = Executors.newSingleThreadExecutor();
      js = owner.submit(Js::new).get();
    }

    @TearDown(Level.Trial)
    public void stop() throws InterruptedException, ExecutionException {
      owner.submit(() -> {
        Peer.checkCount("echo calls", echoCalls.sum(), js.echoCalls());
        js.close();
        return null;
      }).get();
      owner.shutdown();
    }
  }

  @Benchmark
  public int call0(Own own) {
    return Peer.check(1, own.js.f0.execute().asInt());
  }

  @Benchmark
  public int call1(Own own) {
    int n = ++own.n & 0xffff;
    own.echoCalls++;
    return Peer.check(n, own.js.echo.execute(n).asInt());
  }

  @Benchmark
  public int call3(Own own) {
    int n = ++own.n & 0xffff;
    return Peer.check(n + 3, own.js.add3.execute(n, 1, 2).asInt());
  }

  @Benchmark
  @OperationsPerInvocation(Peer.CALLBACKS)
  public void callback(Own own) {
    own.callbacksExpected += Peer.CALLBACKS;
    own.js.burst.executeVoid(Peer.CALLBACKS);
  }

  @Benchmark
  public int otherThread(Shared shared) {
    int n = shared.n.incrementAndGet() & 0xffff;
    shared.echoCalls.increment();
    synchronized (shared.js) {
      return Peer.check(n, shared.js.echo.execute(n).asInt());
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public int startClose() {
    try (Context context = Context.create("js")) {
      return Peer.check(2, context.eval("js", "1 + 1").asInt());
    }
  }
}
