package org.nodeffm.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.nodeffm.napi.ThreadSafeFunction;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A benchmark thread's own reference to the thread-safe function of {@link NodeState}, and its
 * counters: secondary metrics that JMH sums over the threads of an iteration. bench/summarize
 * divides them: {@code cpuNanos / accepted} is the thread CPU time per accepted call (or pair),
 * a count that does not depend on how the scheduler shares the cores.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class Caller {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** Operations attempted in this iteration. */
  public long attempted;
  /** Operations that succeeded (calls accepted, pairs done) in this iteration. */
  public long accepted;
  /** CPU time of this thread in the measured invocations of this iteration, in ns. */
  public long cpuNanos;

  Node node;
  NodeState state;
  ThreadSafeFunction function;

  @Setup(Level.Trial)
  public void acquire(NodeState nodeState) {
    state = nodeState;
    node = nodeState.node;
    function = node.function;
    node.join();
    function.acquire();
  }

  @Setup(Level.Iteration)
  public void reset() {
    attempted = 0;
    accepted = 0;
    cpuNanos = 0;
  }

  @TearDown(Level.Trial)
  public void release() {
    function.release();
    node.leave(0);
  }

  static long cpuNow() {
    return THREADS.getCurrentThreadCpuTime();
  }

  /** Counts one invocation: {@code ok} calls accepted, CPU time since {@code cpuStart}. */
  void count(long tried, long ok, long cpuStart, boolean calls) {
    cpuNanos += cpuNow() - cpuStart;
    attempted += tried;
    accepted += ok;
    if (calls) {
      state.accepted.addAndGet(ok);
    }
  }
}
