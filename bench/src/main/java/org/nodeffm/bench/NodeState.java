package org.nodeffm.bench;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/** Node.js on one libnode flavour and a thread-safe function with an unbounded queue. */
@State(Scope.Benchmark)
public class NodeState {
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
