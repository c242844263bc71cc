package org.nodeffm.bench;

import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** How many pthreads the native driver runs (the JMH thread count stays 1). */
@State(Scope.Benchmark)
public class DriverThreads {
  @Param({"1", "2", "4", "8"})
  public int threads;
}
