package org.nodeffm.internal;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;
import org.nodeffm.internal.bindings.NodeApi;

/**
 * A runtime's task queue: an unbounded Node-API thread-safe function, created with one reference
 * that every thread shares. Any thread queues through it without a reference of its own and without
 * a lock, until {@link #close()}; then that reference is released once the calls in flight have
 * returned.
 */
final class TaskQueue {
  private static final int NONBLOCKING = NodeApi.napi_tsfn_nonblocking();
  private static final int RELEASE = NodeApi.napi_tsfn_release();
  private static final int OK = NodeApi.napi_ok();

  private final MemorySegment handle;

  /** Twice the calls in flight, plus one once closed. */
  private final AtomicLong state = new AtomicLong();

  TaskQueue(MemorySegment handle) {
    this.handle = handle;
  }

  /**
   * Queues {@code payload}, by any thread, without waiting: true if queued; false once {@link
   * #close()} has begun (or Node.js closed the function).
   */
  boolean offer(long payload) {
    if ((state.getAndAdd(2) & 1) != 0) {
      state.getAndAdd(-2);
      return false;
    }
    try {
      return NodeApi.napi_call_threadsafe_function(
              handle, MemorySegment.ofAddress(payload), NONBLOCKING)
          == OK;
    } finally {
      state.getAndAdd(-2);
    }
  }

  /**
   * Refuses further calls, waits (spinning: calls never block) for those in flight, and releases
   * the shared reference. On the loop thread, before the environment is torn down.
   */
  void close() {
    if ((state.getAndIncrement() & 1) != 0) {
      state.getAndDecrement();
      return;
    }
    for (int spins = 0; state.get() != 1; spins++) {
      if (spins < 1000) {
        Thread.onSpinWait();
      } else {
        Thread.yield(); // A caller was descheduled inside its call: let it finish.
      }
    }
    NodeApi.napi_release_threadsafe_function(handle, RELEASE);
  }
}
