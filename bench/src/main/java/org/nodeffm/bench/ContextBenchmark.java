package org.nodeffm.bench;

import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.TimeUnit;
import org.nodeffm.internal.bindings.NodeApi;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
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

  /** Through the library's API: reference check, jextract binding, result. */
  @Benchmark
  public long context(Reference reference) {
    return reference.function.context();
  }

  /** The jextract binding alone. */
  @Benchmark
  public int contextBinding(Reference reference) {
    return NodeApi.napi_get_threadsafe_function_context(reference.handle, reference.contextResult);
  }

  @Benchmark
  public int contextBindingCritical(Reference reference) throws Throwable {
    return (int) Critical.CONTEXT.invokeExact(reference.handle, reference.contextResult);
  }

  /** The floor: a downcall of an empty native function. */
  @Benchmark
  public void emptyDowncall(NodeState state) throws Throwable {
    Node.Native.NOOP.invokeExact();
  }

  @Benchmark
  public void emptyDowncallCritical(NodeState state) throws Throwable {
    Node.Native.NOOP_CRITICAL.invokeExact();
  }
}
