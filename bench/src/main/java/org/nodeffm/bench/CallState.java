package org.nodeffm.bench;

import java.util.concurrent.atomic.AtomicLong;
import org.nodeffm.CallMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Node.js on one libnode flavour and a thread-safe function with a bounded queue, for the call
 * benchmarks of Java threads and of the native driver.
 */
@State(Scope.Benchmark)
public class CallState {
  @Param({"patched", "stock"})
  public String flavour;

  @Param({"NONBLOCKING", "BLOCKING"})
  public CallMode mode;

  @Param({"16", "4096"})
  public long maxQueueSize;

  Node node;
  /** Calls the native driver got accepted; Java threads report theirs when they leave. */
  final AtomicLong acceptedByDriver = new AtomicLong();

  @Setup(Level.Trial)
  public void start() {
    node = Node.start(flavour, maxQueueSize);
  }

  @TearDown(Level.Trial)
  public void stop() {
    node.done(acceptedByDriver.get());
  }
}
