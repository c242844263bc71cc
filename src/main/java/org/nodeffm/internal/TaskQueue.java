package org.nodeffm.internal;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.nodeffm.internal.bindings.NodeApi;

/**
 * A runtime's task queue: tasks from any thread wait in a lock-free Java queue, and an unbounded
 * Node-API thread-safe function is its doorbell. A task rings it only when the ring is not taken
 * (the loop thread saw the queue empty since the last ring), so calls queued faster than the loop
 * runs them cost one queue insertion each, and the loop thread takes them in batches of up to
 * {@value #BATCH}, one per turn of the event loop (one upcall, one callback scope), instead of one
 * thread-safe function call each. The doorbell is created with one reference that every thread shares: any thread queues
 * without a reference of its own and without a lock, until {@link #close()}; then that reference is
 * released once the offers in flight have returned.
 *
 * <p>No task is lost: one that {@link #offer} accepted is run by {@link #runBatch} or failed by
 * {@link #failAll}, which the runtime calls at its teardown, after {@link #close()}.
 *
 * @param <T> the tasks' type
 */
final class TaskQueue<T> {
  /**
   * The most tasks the loop thread runs in one turn of the event loop, as many as Node.js runs
   * calls of one thread-safe function per turn.
   */
  static final int BATCH = 1000;

  private static final int NONBLOCKING = NodeApi.napi_tsfn_nonblocking();
  private static final int RELEASE = NodeApi.napi_tsfn_release();
  private static final int OK = NodeApi.napi_ok();

  private final MemorySegment runtime;
  private final MemorySegment doorbell;
  private final ConcurrentLinkedQueue<T> tasks = new ConcurrentLinkedQueue<>();

  /**
   * Whether a ring is taken: pending, or held by the loop thread while it runs a batch, until it
   * sees the queue empty.
   */
  private final AtomicBoolean rung = new AtomicBoolean();

  /** Twice the offers in flight, plus one once closed. */
  private final AtomicLong state = new AtomicLong();

  /**
   * A queue of {@code runtime} whose doorbell is {@code doorbell}: a thread-safe function whose
   * {@code call_js_cb} calls {@link #runBatch} with the environment (or {@code NULL}, at teardown).
   */
  TaskQueue(MemorySegment runtime, MemorySegment doorbell) {
    this.runtime = runtime;
    this.doorbell = doorbell;
  }

  /**
   * Queues {@code task}, by any thread, without waiting: true if queued; false once {@link
   * #close()} has begun (or Node.js closed the doorbell).
   */
  boolean offer(T task) {
    if ((state.getAndAdd(2) & 1) != 0) {
      state.getAndAdd(-2);
      return false;
    }
    try {
      tasks.add(task);
      // Read first: while a ring is pending (a busy queue), no contended write.
      if (!rung.get() && rung.compareAndSet(false, true) && !ring()) {
        // Node.js closed the doorbell: the environment is torn down. Take the task back unless
        // failAll (or a batch) took it already.
        return !tasks.remove(task);
      }
      return true;
    } finally {
      state.getAndAdd(-2);
    }
  }

  private boolean ring() {
    return NodeApi.napi_call_threadsafe_function(doorbell, MemorySegment.NULL, NONBLOCKING) == OK;
  }

  /**
   * On the loop thread, for a ring: runs up to {@link #BATCH} tasks, oldest first. If more wait, it
   * rings again for the next turn of the event loop ({@code nodeffm_runtime_call_after_turn}), so
   * that a flood of tasks delays the loop's timers and I/O by at most one batch.
   *
   * @param run runs one task (and fails only with what it cannot report otherwise)
   */
  void runBatch(Consumer<? super T> run) {
    // The ring stays taken while tasks are run: producers do not ring (which would make Node.js
    // dispatch another batch in this turn) until the queue is seen empty.
    for (int i = 0; i < BATCH; i++) {
      T task = tasks.poll();
      if (task == null && !keepRingAfterEmpty()) {
        return;
      }
      if (task != null) {
        run.accept(task);
      }
    }
    if (!tasks.isEmpty() || keepRingAfterEmpty()) {
      if (NodeApi.nodeffm_runtime_call_after_turn(runtime, doorbell, MemorySegment.NULL) != OK) {
        ring(); // Not on the thread that holds the lock: cannot happen in call_js_cb.
      }
    }
  }

  /**
   * The queue looked empty: lets go of the ring, so that the next task rings, unless a task came
   * meanwhile and the ring could be taken back (true: go on taking tasks).
   */
  private boolean keepRingAfterEmpty() {
    rung.set(false);
    return !tasks.isEmpty() && rung.compareAndSet(false, true);
  }

  /**
   * Takes every queued task and hands it to {@code fail}: at teardown, after {@link #close()}, or
   * when a ring arrives without an environment.
   */
  void failAll(Consumer<? super T> fail) {
    for (T task = tasks.poll(); task != null; task = tasks.poll()) {
      fail.accept(task);
    }
  }

  /**
   * Refuses further offers, waits (spinning: offers never block) for those in flight, and releases
   * the doorbell's shared reference. On the loop thread, before the environment is torn down.
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
        Thread.yield(); // An offer was descheduled: let it finish.
      }
    }
    NodeApi.napi_release_threadsafe_function(doorbell, RELEASE);
  }
}
