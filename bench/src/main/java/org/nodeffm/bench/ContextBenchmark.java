package org.nodeffm.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.TimeUnit;
import org.nodeffm.ThreadSafeFunction;
import org.nodeffm.internal.bindings.NodeApi;
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
 * {@code napi_get_threadsafe_function_context} against the floor of an FFM downcall, an empty
 * native function; both with and without {@code Linker.Option.critical(false)}, which is legal for
 * these two short functions that never block. Average time per operation, in ns.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ContextBenchmark {
  /** Initialised on first use, once the benchmark state has loaded libnode. */
  private static final class Critical {
    static final MethodHandle CONTEXT =
        Linker.nativeLinker()
            .downcallHandle(
                NodeApi.napi_get_threadsafe_function_context$address(),
                NodeApi.napi_get_threadsafe_function_context$descriptor(),
                Linker.Option.critical(false));
  }

  @State(Scope.Benchmark)
  public static class Shared {
    @Param({"patched", "stock"})
    public String flavour;

    Node node;

    @Setup(Level.Trial)
    public void start() {
      node = Node.start(flavour, 0);
    }

    @TearDown(Level.Trial)
    public void stop() {
      node.done(0);
    }
  }

  @State(Scope.Thread)
  public static class Holder {
    Shared shared;
    ThreadSafeFunction function;
    MemorySegment handle;
    final MemorySegment result = Arena.ofAuto().allocate(ValueLayout.ADDRESS);

    @Setup(Level.Trial)
    public void acquire(Shared shared) {
      this.shared = shared;
      function = shared.node.function;
      shared.node.join();
      function.acquire();
      handle = function.nativeHandle();
    }

    @TearDown(Level.Trial)
    public void release() {
      function.release();
      shared.node.leave(0);
    }
  }

  /** Through the library's API: reference check, jextract binding, result. */
  @Benchmark
  public long context(Holder holder) {
    return holder.function.context();
  }

  /** The jextract binding alone. */
  @Benchmark
  public int contextBinding(Holder holder) {
    return NodeApi.napi_get_threadsafe_function_context(holder.handle, holder.result);
  }

  @Benchmark
  public int contextBindingCritical(Holder holder) throws Throwable {
    return (int) Critical.CONTEXT.invokeExact(holder.handle, holder.result);
  }

  /** The floor: a downcall of an empty native function. */
  @Benchmark
  public void emptyDowncall(Shared shared) throws Throwable {
    Node.Native.NOOP.invokeExact();
  }

  @Benchmark
  public void emptyDowncallCritical(Shared shared) throws Throwable {
    Node.Native.NOOP_CRITICAL.invokeExact();
  }
}
