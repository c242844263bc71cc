package org.nodeffm.bench;

import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Node.js on one libnode flavour and a thread-safe function with an unbounded queue on {@link
 * Node#COUNTER}, for benchmarks whose calls never wait for the event loop. After each iteration
 * (outside the measurement) it waits until JavaScript has run every accepted call, and fails the
 * benchmark if any ran more or less than once; so the queue never carries one iteration's calls
 * into the next.
 */
@State(Scope.Benchmark)
public class NodeState {
  @Param({"patched"})
  public String flavour;

  Node node;
  /** Calls accepted by all benchmark threads so far. */
  final AtomicLong accepted = new AtomicLong();

  @Setup(Level.Trial)
  public void start() {
    node = Node.start(flavour, 0, Node.COUNTER, false);
  }

  @TearDown(Level.Iteration)
  public void drain() {
    node.awaitCallsRun(accepted.get());
  }

  @TearDown(Level.Trial)
  public void stop() {
    node.done(accepted.get());
  }
}
