package org.nodeffm.internal;

import org.nodeffm.RuntimeClosedException;

/**
 * What the lower layers (the futures of a runtime's work, its Node-API calls, its thread-safe
 * functions) ask of the event loop they belong to, without depending on it.
 */
public interface LoopState {
  /**
   * Whether the calling thread holds the runtime's lock ({@code nodeffm_runtime_holds_lock}): the
   * event loop thread inside a JavaScript callback or a listener, or any thread inside a direct
   * call. Such a thread runs the runtime's JavaScript now and must never wait for work of this
   * runtime: the event loop cannot turn until it lets go of the lock.
   */
  boolean holdsLock();

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
