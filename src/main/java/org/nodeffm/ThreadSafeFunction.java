package org.nodeffm;

import static java.lang.foreign.ValueLayout.ADDRESS;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.nodeffm.internal.bindings.NodeApi;

/**
 * The Java handle of a Node-API thread-safe function ({@code napi_threadsafe_function}), usable
 * from any thread.
 *
 * <p>As in Node-API, a thread uses the function while it holds a reference: the creating thread
 * holds one, other threads {@link #acquire()} one, and each reference ends with {@link
 * #release()}, {@link #abort()}, or a {@link #call} that returns {@link NapiStatus#CLOSING}. Unlike
 * Node-API, misuse cannot crash the JVM: {@link #call}, {@link #release()}, {@link #abort()} and
 * {@link #context()} on a thread that holds no reference, and {@link #acquire()} once every
 * reference is gone, throw {@link IllegalStateException}.
 *
 * <p>After the {@link NodeRuntime} is closed the function is finalized, but stays usable by the
 * threads that still hold references: {@code call} and {@code acquire} return {@code CLOSING},
 * {@code release} returns {@code OK} and {@code context} still works. Its native memory is freed
 * when the last reference is dropped (or when this handle is garbage-collected).
 */
public final class ThreadSafeFunction {
  private static final Cleaner CLEANER = Cleaner.create();
  private static final int BLOCKING = NodeApi.napi_tsfn_blocking();
  private static final int NONBLOCKING = NodeApi.napi_tsfn_nonblocking();
  private static final int RELEASE = NodeApi.napi_tsfn_release();
  private static final int ABORT = NodeApi.napi_tsfn_abort();
  private static final int OK = NodeApi.napi_ok();
  private static final int CLOSING = NodeApi.napi_closing();

  /** What one thread holds of this function. */
  private static final class PerThread {
    long references;
    final MemorySegment contextResult = Arena.ofAuto().allocate(ADDRESS);
  }

  private final MemorySegment handle;
  private final NativeReferences references;
  private final ThreadLocal<PerThread> perThread = ThreadLocal.withInitial(PerThread::new);
  private volatile boolean finalized;

  /** A handle whose native function was created with two references; see NativeReferences. */
  ThreadSafeFunction(MemorySegment handle) {
    Objects.requireNonNull(handle, "handle");
    if (handle.equals(MemorySegment.NULL)) {
      throw new IllegalArgumentException("a thread-safe function handle cannot be NULL");
    }
    this.handle = handle;
    this.references = new NativeReferences(handle);
    CLEANER.register(this, references);
  }

  void adoptCreatorReference() {
    perThread.get().references++;
  }

  void markFinalized() {
    finalized = true;
  }

  /** {@link #call(long, CallMode)} with {@link CallMode#BLOCKING}. */
  public NapiStatus call(long payload) {
    return call(payload, CallMode.BLOCKING);
  }

  /**
   * Queues a call of the JavaScript function with {@code payload}
   * ({@code napi_call_threadsafe_function}).
   *
   * @return {@code OK} if queued; {@code QUEUE_FULL} if non-blocking and the queue is full; {@code
   *     CLOSING} if the function is closing or finalized, which also ends this thread's reference
   * @throws IllegalStateException if this thread holds no reference
   */
  public NapiStatus call(long payload, CallMode mode) {
    PerThread thread = requireReference("call");
    int status =
        NodeApi.napi_call_threadsafe_function(
            handle, MemorySegment.ofAddress(payload), mode == CallMode.BLOCKING ? BLOCKING : NONBLOCKING);
    if (status == CLOSING) {
      thread.references--;
      references.drop();
    }
    return NapiStatus.of(status);
  }

  /**
   * Takes a reference for the calling thread ({@code napi_acquire_threadsafe_function}).
   *
   * @return {@code OK}, or {@code CLOSING} (no reference taken) if the function is closing
   * @throws IllegalStateException if no thread holds a reference any more
   */
  public NapiStatus acquire() {
    references.take();
    int status = NodeApi.napi_acquire_threadsafe_function(handle);
    if (status == OK) {
      perThread.get().references++;
    } else {
      references.drop();
    }
    return NapiStatus.of(status);
  }

  /**
   * Ends one reference of the calling thread ({@code napi_release_threadsafe_function} with {@code
   * napi_tsfn_release}). When the last reference ends, the function closes.
   *
   * @throws IllegalStateException if this thread holds no reference
   */
  public NapiStatus release() {
    return release(RELEASE, "release");
  }

  /**
   * Ends one reference of the calling thread and closes the function for every thread ({@code
   * napi_release_threadsafe_function} with {@code napi_tsfn_abort}).
   *
   * @throws IllegalStateException if this thread holds no reference
   */
  public NapiStatus abort() {
    return release(ABORT, "abort");
  }

  /**
   * The context given at creation ({@code napi_get_threadsafe_function_context}).
   *
   * @throws IllegalStateException if this thread holds no reference
   */
  public long context() {
    PerThread thread = requireReference("context");
    int status = NodeApi.napi_get_threadsafe_function_context(handle, thread.contextResult);
    if (status != OK) {
      throw new IllegalStateException(
          "napi_get_threadsafe_function_context returned " + NapiStatus.of(status));
    }
    return thread.contextResult.get(ADDRESS, 0).address();
  }

  /**
   * The {@code napi_threadsafe_function}, for native code that uses the function itself. That code
   * must follow Node-API's rules: acquire its own references and release them; the native function
   * stays allocated at least while this handle has {@link #references()} above zero.
   */
  public MemorySegment nativeHandle() {
    return handle;
  }

  /** Whether Node.js has finalized the function (its finalize callback ran). */
  public boolean isFinalized() {
    return finalized;
  }

  /** How many references the calling thread holds. */
  public long referencesOfCurrentThread() {
    return perThread.get().references;
  }

  /** How many references all threads hold together; 0 once the function is released for good. */
  public long references() {
    return references.count.get();
  }

  @Override
  public String toString() {
    return "ThreadSafeFunction[" + handle + ", references=" + references() + ", finalized=" + finalized + "]";
  }

  private NapiStatus release(int mode, String operation) {
    PerThread thread = requireReference(operation);
    thread.references--;
    int status = NodeApi.napi_release_threadsafe_function(handle, mode);
    references.drop();
    return NapiStatus.of(status);
  }

  private PerThread requireReference(String operation) {
    PerThread thread = perThread.get();
    if (thread.references > 0) {
      return thread;
    }
    if (references.count.get() == 0) {
      throw new IllegalStateException(
          operation + "(): the thread-safe function was released by every thread");
    }
    throw new IllegalStateException(
        operation
            + "(): thread "
            + Thread.currentThread().getName()
            + " holds no reference to this thread-safe function (acquire() one first;"
            + " release(), abort() and a call that returned CLOSING end it)");
  }

  /**
   * Counts the references Java threads hold. The native function holds one more while the count
   * is above zero, so that it stays allocated while any Java thread may still use it: that extra
   * reference is released when the count drops to zero, and a count of zero never rises again.
   * Also the cleaning action: if the handle becomes unreachable with references left, they are
   * released so that the native function is freed.
   */
  private static final class NativeReferences implements Runnable {
    private final MemorySegment handle;
    final AtomicLong count = new AtomicLong(1);

    NativeReferences(MemorySegment handle) {
      this.handle = handle;
    }

    void take() {
      long current;
      do {
        current = count.get();
        if (current == 0) {
          throw new IllegalStateException(
              "acquire(): the thread-safe function was released by every thread");
        }
      } while (!count.compareAndSet(current, current + 1));
    }

    void drop() {
      if (count.decrementAndGet() == 0) {
        NodeApi.napi_release_threadsafe_function(handle, RELEASE);
      }
    }

    @Override
    public void run() {
      long left = count.getAndSet(0);
      for (long i = 0; left > 0 && i <= left; i++) {
        NodeApi.napi_release_threadsafe_function(handle, RELEASE);
      }
    }
  }
}
