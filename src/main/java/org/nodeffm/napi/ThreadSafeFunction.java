package org.nodeffm.napi;

import java.lang.foreign.MemorySegment;

/**
 * A Node-API thread-safe function ({@code napi_threadsafe_function}) as Java sees it, usable from
 * any thread: {@code NodeRuntime.createThreadSafeFunction} makes one on a JavaScript function.
 *
 * <p>As in Node-API, a thread uses the function while it holds a reference: the creating thread
 * holds one, other threads {@link #acquire()} one ({@code try (var ref = tsfn.acquire()) {...}}),
 * and each reference ends with {@link Reference#close()}, {@link #release()}, {@link #abort()}, or
 * a {@link #call} that returns {@link NapiStatus#CLOSING}. Unlike Node-API, misuse cannot crash the
 * JVM: {@link #call}, {@link #release()}, {@link #abort()} and {@link #context()} on a thread that
 * holds no reference, and {@link #acquire()} once every reference is gone, throw {@link
 * IllegalStateException}. The references of a thread that ends while holding some are released the
 * next time a thread takes its first reference or drops its last one.
 *
 * <p>After its runtime is closed the function is finalized, but stays usable by the threads that
 * still hold references: {@code call} and {@code acquire} return {@code CLOSING}, {@code release}
 * returns {@code OK} and {@code context} still works. Its native memory is freed when the last
 * reference is dropped (or when the handle is garbage-collected).
 *
 * <p>A {@link CallMode#BLOCKING} call waits inside Node-API while the queue is full: the thread
 * cannot be interrupted there, and a virtual thread pins its carrier thread while it waits. On a
 * thread that holds the runtime's lock (its event loop thread, or a thread inside a direct call), a
 * blocking call on a bounded queue throws instead of waiting for that very thread.
 *
 * <p>This is the raw Node-API contract, for code that needs it (native addons sharing the function,
 * payloads that are plain numbers, exact control of references); the embedding API of {@code
 * org.nodeffm} ({@code JsFunction.callAsync}) needs none of it.
 */
public interface ThreadSafeFunction {
  /**
   * A reference taken by {@link #acquire()}: closing it ends it (as {@link #release()} does), on
   * the thread that took it.
   */
  interface Reference extends AutoCloseable {
    /**
     * Whether the reference was taken.
     *
     * @return {@link NapiStatus#OK} if it was; {@link NapiStatus#CLOSING} if the function was
     *     closing, and no reference was taken
     */
    NapiStatus status();

    /**
     * Ends this reference if the calling thread still holds one and it was not ended yet (a {@link
     * ThreadSafeFunction#call} that returned {@code CLOSING} ends it too); otherwise does nothing.
     */
    @Override
    void close();
  }

  /**
   * {@link #call(long, CallMode)} with {@link CallMode#BLOCKING}.
   *
   * @param payload the number the JavaScript function receives
   * @return as {@link #call(long, CallMode)}
   */
  NapiStatus call(long payload);

  /**
   * Queues a call of the JavaScript function with {@code payload} ({@code
   * napi_call_threadsafe_function}).
   *
   * @param payload the number the JavaScript function receives
   * @param mode whether to wait for room in a full queue
   * @return {@code OK} if queued; {@code QUEUE_FULL} if non-blocking and the queue is full; {@code
   *     CLOSING} if the function is closing or finalized, which also ends this thread's reference
   * @throws IllegalStateException if this thread holds no reference, or if a blocking call on a
   *     bounded queue comes from a thread that holds the runtime's lock (it would wait for
   *     itself)
   */
  NapiStatus call(long payload, CallMode mode);

  /**
   * Takes a reference for the calling thread ({@code napi_acquire_threadsafe_function}).
   *
   * @return the reference; its {@link Reference#status()} is {@code CLOSING} (and no reference was
   *     taken) if the function is closing
   * @throws IllegalStateException if no thread holds a reference any more
   */
  Reference acquire();

  /**
   * Ends one reference of the calling thread ({@code napi_release_threadsafe_function} with {@code
   * napi_tsfn_release}). When the last reference ends, the function closes.
   *
   * @return the status Node-API returned
   * @throws IllegalStateException if this thread holds no reference
   */
  NapiStatus release();

  /**
   * Ends one reference of the calling thread and closes the function for every thread ({@code
   * napi_release_threadsafe_function} with {@code napi_tsfn_abort}).
   *
   * @return the status Node-API returned
   * @throws IllegalStateException if this thread holds no reference
   */
  NapiStatus abort();

  /**
   * The context given at creation ({@code napi_get_threadsafe_function_context}).
   *
   * @return the context
   * @throws IllegalStateException if this thread holds no reference
   */
  long context();

  /**
   * The {@code napi_threadsafe_function}, for native code that uses the function itself. That code
   * must follow Node-API's rules: acquire its own references and release them; the native function
   * stays allocated at least while {@link #references()} is above zero.
   *
   * @return the native handle
   */
  MemorySegment nativeHandle();

  /**
   * Whether Node.js has finalized the function (its finalize callback ran).
   *
   * @return true once finalized
   */
  boolean isFinalized();

  /**
   * How many references the calling thread holds.
   *
   * @return the count
   */
  long referencesOfCurrentThread();

  /**
   * How many references all threads hold together (a snapshot while other threads use the
   * function); 0 once the function is released for good.
   *
   * @return the count
   */
  long references();
}
