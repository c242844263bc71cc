package org.nodeffm.bench.peers;

import com.caoccao.javet.enums.V8AwaitMode;
import com.caoccao.javet.exceptions.JavetException;
import com.caoccao.javet.interop.NodeRuntime;
import com.caoccao.javet.interop.V8Host;
import com.caoccao.javet.interop.V8Locker;
import com.caoccao.javet.interop.callback.IJavetDirectCallable;
import com.caoccao.javet.interop.callback.JavetCallbackContext;
import com.caoccao.javet.interop.callback.JavetCallbackType;
import com.caoccao.javet.values.reference.V8ValueFunction;
import com.caoccao.javet.values.reference.V8ValueGlobalObject;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Measurement 3, Javet's Node.js mode (JNI; javet-node-linux-x86_64 bundles its own Node.js):
 * synchronous calls of a JavaScript function on the runtime's own thread, with Javet's default
 * implicit locking ({@link #call0}, {@link #call1}, {@link #call3}) and with its explicit {@link
 * V8Locker} held for the whole trial ({@link #call1Locked}); JavaScript calling Java ({@link
 * #callback}); and calls from other threads than the runtime's ({@link #otherThread}, run with -t
 * 1, 2, 4: implicit mode locks the isolate for each call, which is how Javet lets threads share a
 * runtime). Javet's Node.js event loop turns only inside {@code await()}: {@link #otherThread} runs
 * without it (a timer or I/O started by JavaScript never runs), {@link #otherThreadLoopLive} beside
 * a thread that turns it ({@code await(RunNoWait)} every {@value #LOOP_PERIOD_MICROS} µs, so that a
 * due timer runs within about that), which is what node-ffm's loop thread does for its calls.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class JavetBenchmark {
  /** How often the loop-live variant turns Javet's event loop. */
  static final long LOOP_PERIOD_MICROS = 50;

  /** A runtime and its functions, created by the thread that then uses it. */
  static final class Runtime implements AutoCloseable {
    final NodeRuntime runtime;
    final V8ValueFunction f0;
    final V8ValueFunction echo;
    final V8ValueFunction add3;
    final V8ValueFunction burst;
    final LongAdder callbacks = new LongAdder();
    private final V8ValueFunction callback;
    private final JavetCallbackContext callbackContext;

    Runtime() throws JavetException {
      runtime = V8Host.getNodeInstance().createV8Runtime();
      callbackContext =
          new JavetCallbackContext(
              "javaCallback",
              JavetCallbackType.DirectCallNoThisAndNoResult,
              (IJavetDirectCallable.NoThisAndNoResult<Exception>) args -> callbacks.increment());
      callback = runtime.createV8ValueFunction(callbackContext);
      try (V8ValueGlobalObject global = runtime.getGlobalObject()) {
        global.set("javaCallback", callback);
        runtime.getExecutor(Peer.SCRIPT).executeVoid();
        f0 = global.get("f0");
        echo = global.get("echo");
        add3 = global.get("add3");
        burst = global.get("burst");
      }
    }

    /** How many times echo ran in JavaScript. */
    long echoCalls() throws JavetException {
      try (V8ValueGlobalObject global = runtime.getGlobalObject()) {
        return global.getInteger("calls");
      }
    }

    @Override
    public void close() throws JavetException {
      try (V8ValueGlobalObject global = runtime.getGlobalObject()) {
        global.delete("javaCallback");
      }
      for (V8ValueFunction function : new V8ValueFunction[] {f0, echo, add3, burst, callback}) {
        function.close();
      }
      runtime.removeCallbackContext(callbackContext.getHandle());
      runtime.close();
    }
  }

  @State(Scope.Thread)
  public static class Own {
    Runtime js;
    V8Locker locker;
    int n;
    long echoCalls;
    long callbacksExpected;

    @Setup(Level.Trial)
    public void start() throws JavetException {
      js = new Runtime();
    }

    @TearDown(Level.Trial)
    public void stop() throws JavetException {
      Peer.checkCount("echo calls", echoCalls, js.echoCalls());
      if (locker != null) {
        locker.close();
      }
      Peer.checkCount("JS -> Java callbacks", callbacksExpected, js.callbacks.sum());
      js.close();
    }
  }

  /** A runtime created (and closed) by a thread of its own, used by the benchmark threads. */
  @State(Scope.Benchmark)
  public static class Shared {
    Runtime js;
    final AtomicInteger n = new AtomicInteger();
    final LongAdder echoCalls = new LongAdder();
    private ExecutorService owner;

    @Setup(Level.Trial)
    public void start() throws InterruptedException, ExecutionException {
      owner = Executors.newSingleThreadExecutor();
      js = owner.submit(Runtime::new).get();
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

  /**
   * A runtime whose own thread, which created it, turns its event loop ({@code
   * await(RunNoWait)} every {@value #LOOP_PERIOD_MICROS} µs) while the benchmark threads call it.
   * (Javet 5.0.6 crashes, SIGSEGV in {@code NodeNative.await}, when another thread than the
   * runtime's own calls {@code await()}, even under a {@link V8Locker}.)
   */
  @State(Scope.Benchmark)
  public static class SharedLoopLive {
    Runtime js;
    final AtomicInteger n = new AtomicInteger();
    final LongAdder echoCalls = new LongAdder();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final LongAdder turns = new LongAdder();
    private final CompletableFuture<Runtime> started = new CompletableFuture<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();

    @Setup(Level.Trial)
    public void start() throws InterruptedException, ExecutionException {
      Thread.ofPlatform().name("javet-owner").daemon().start(this::own);
      js = started.get();
    }

    private void own() {
      Runtime runtime;
      try {
        runtime = new Runtime();
      } catch (Throwable t) {
        started.completeExceptionally(t);
        return;
      }
      started.complete(runtime);
      try {
        while (!stopping.get()) {
          runtime.runtime.await(V8AwaitMode.RunNoWait);
          turns.increment();
          LockSupport.parkNanos(LOOP_PERIOD_MICROS * 1_000);
        }
        Peer.checkCount("echo calls", echoCalls.sum(), runtime.echoCalls());
        runtime.close();
        stopped.complete(null);
      } catch (Throwable t) {
        stopped.completeExceptionally(t);
      }
    }

    @TearDown(Level.Trial)
    public void stop() throws InterruptedException, ExecutionException {
      stopping.set(true);
      stopped.get();
      if (turns.sum() == 0) {
        throw new IllegalStateException("Javet's event loop never turned");
      }
    }
  }

  @Benchmark
  public int call0(Own own) throws JavetException {
    return Peer.check(1, own.js.f0.callInteger(null));
  }

  @Benchmark
  public int call1(Own own) throws JavetException {
    int n = ++own.n & 0xffff;
    own.echoCalls++;
    return Peer.check(n, own.js.echo.callInteger(null, n));
  }

  @Benchmark
  public int call3(Own own) throws JavetException {
    int n = ++own.n & 0xffff;
    return Peer.check(n + 3, own.js.add3.callInteger(null, n, 1, 2));
  }

  @Benchmark
  public int call1Locked(Own own) throws JavetException {
    if (own.locker == null) {
      own.locker = own.js.runtime.getV8Locker();
    }
    int n = ++own.n & 0xffff;
    own.echoCalls++;
    return Peer.check(n, own.js.echo.callInteger(null, n));
  }

  @Benchmark
  @OperationsPerInvocation(Peer.CALLBACKS)
  public void callback(Own own) throws JavetException {
    own.callbacksExpected += Peer.CALLBACKS;
    own.js.burst.callVoid(null, Peer.CALLBACKS);
  }

  @Benchmark
  public int otherThread(Shared shared) throws JavetException {
    int n = shared.n.incrementAndGet() & 0xffff;
    shared.echoCalls.increment();
    return Peer.check(n, shared.js.echo.callInteger(null, n));
  }

  @Benchmark
  public int otherThreadLoopLive(SharedLoopLive shared) throws JavetException {
    int n = shared.n.incrementAndGet() & 0xffff;
    shared.echoCalls.increment();
    return Peer.check(n, shared.js.echo.callInteger(null, n));
  }
}
