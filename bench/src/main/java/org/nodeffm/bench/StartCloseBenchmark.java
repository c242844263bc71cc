package org.nodeffm.bench;

import com.caoccao.javet.exceptions.JavetException;
import com.caoccao.javet.interop.NodeRuntime;
import com.caoccao.javet.interop.V8Host;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * Measurement 4: start a runtime, run a script, close it; one per invocation (SingleShotTime). Run
 * with many forks and no warmup: a fork's first invocation is the first runtime of a process (it
 * loads and initialises the library), the later ones are the runtimes that follow. GraalJS's is
 * {@code GraalJsBenchmark.startClose} (its forks need other JVM options).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class StartCloseBenchmark {
  @State(Scope.Benchmark)
  public static class Flavour {
    @Param({"patched"})
    public String flavour;
  }

  @Benchmark
  public String nodeFfm(Flavour flavour) {
    Node.useFlavour(flavour.flavour);
    try (org.nodeffm.NodeRuntime runtime = org.nodeffm.NodeRuntime.start()) {
      String result = String.valueOf(runtime.eval("1 + 1"));
      if (!"2".equals(result)) {
        throw new Node.CorrectnessError("1 + 1 gave " + result);
      }
      return result;
    }
  }

  @Benchmark
  public int javet() throws JavetException {
    try (NodeRuntime runtime = V8Host.getNodeInstance().createV8Runtime()) {
      Integer result = runtime.getExecutor("1 + 1").executeInteger();
      if (result == null || result != 2) {
        throw new AssertionError("CORRECTNESS CHECK FAILED: 1 + 1 gave " + result);
      }
      return result;
    }
  }
}
