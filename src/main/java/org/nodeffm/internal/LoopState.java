package org.nodeffm.internal;

import org.nodeffm.RuntimeClosedException;

/**
 * What the lower layers (the futures of a runtime's work, its Node-API calls, its thread-safe
 * functions) ask of the event loop they belong to, without depending on it.
 */
public interface LoopState {
  /**
   * Whether the calling thread is the one that runs the runtime's JavaScript now: the event loop
   * thread. A thread that is must never wait for work of this runtime. (With direct calls from any
   * thread, issue 18, this becomes "holds the runtime's lock".)
   */
  boolean isLoopThread();

  /** Whether JavaScript may run: from the start of the environment until it begins to stop. */
  boolean isRunning();

  /**
   * Whether the runtime has begun to stop ({@link #isRunning} is false), asked from any thread: work
   * may run JavaScript on the thread that completes its future, wherever that is.
   */
  boolean hasBegunToStop();

  /** The exception for work that cannot run or finish because the runtime stopped. */
  RuntimeClosedException closedException();
}
