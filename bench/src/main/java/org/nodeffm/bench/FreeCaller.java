package org.nodeffm.bench;

import org.nodeffm.napi.ThreadSafeFunction;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * A benchmark thread that holds no reference of its own between operations: each acquire is its
 * first reference. The function stays open because the {@link Node}'s owner thread holds the
 * creating reference. Same counters as {@link Caller}.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class FreeCaller {
  /** Operations attempted in this iteration. */
  public long attempted;
  /** Operations that succeeded in this iteration. */
  public long accepted;
  /** CPU time of this thread in the measured invocations of this iteration, in ns. */
  public long cpuNanos;

  NodeState state;
  ThreadSafeFunction function;

  @Setup(Level.Trial)
  public void attach(NodeState nodeState) {
    state = nodeState;
    function = nodeState.node.function;
  }

  @Setup(Level.Iteration)
  public void reset() {
    attempted = 0;
    accepted = 0;
    cpuNanos = 0;
  }

  void count(long tried, long ok, long cpuStart, boolean calls) {
    cpuNanos += Caller.cpuNow() - cpuStart;
    attempted += tried;
    accepted += ok;
    if (calls) {
      state.accepted.addAndGet(ok);
    }
  }
}
