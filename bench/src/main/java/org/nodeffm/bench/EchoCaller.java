package org.nodeffm.bench;

import org.nodeffm.ThreadSafeFunction;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/** A benchmark thread's own reference to the thread-safe function of {@link EchoState}. */
@State(Scope.Thread)
public class EchoCaller {
  ThreadSafeFunction function;
  private Node node;

  @Setup(Level.Trial)
  public void acquire(EchoState state) {
    node = state.node;
    function = node.function;
    node.join();
    function.acquire();
  }

  @TearDown(Level.Trial)
  public void release() {
    function.release();
    node.leave(0);
  }
}
