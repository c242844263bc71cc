package org.nodeffm.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.nodeffm.ThreadSafeFunction;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/** A benchmark thread's own reference to the thread-safe function of {@link NodeState}. */
@State(Scope.Thread)
public class Reference {
  Node node;
  ThreadSafeFunction function;
  MemorySegment handle;
  /** Where napi_get_threadsafe_function_context writes, allocated once. */
  final MemorySegment contextResult = Arena.ofAuto().allocate(ValueLayout.ADDRESS);

  @Setup(Level.Trial)
  public void acquire(NodeState state) {
    node = state.node;
    function = node.function;
    handle = function.nativeHandle();
    node.join();
    function.acquire();
  }

  @TearDown(Level.Trial)
  public void release() {
    function.release();
    node.leave(0);
  }
}
