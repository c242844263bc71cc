package org.nodeffm;

import static java.lang.foreign.ValueLayout.ADDRESS;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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

  /**
   * What one thread holds of this function. Only that thread changes it, so its own operations
   * need no atomic instruction; other threads read it only to sum up (see {@link #references()}).
   */
  private static final class PerThread {
    private static final VarHandle REFERENCES;

    static {
      try {
        REFERENCES = MethodHandles.lookup().findVarHandle(PerThread.class, "references", long.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private long references;
    final MemorySegment contextResult = Arena.ofAuto().allocate(ADDRESS);

    /** By the owning thread. */
    long references() {
      return references;
    }

    /** By the owning thread. */
    void add(long delta) {
      REFERENCES.setRelease(this, references + delta);
    }

    /** By any thread. */
    long referencesSeenByOthers() {
      return (long) REFERENCES.getAcquire(this);
    }
  }

  private final MemorySegment handle;
  private final NativeReferences references;
  private final ThreadLocal<PerThread> perThread;
  private volatile boolean finalized;

  /** A handle whose native function was created with two references; see NativeReferences. */
  ThreadSafeFunction(MemorySegment handle) {
    Objects.requireNonNull(handle, "handle");
    if (handle.equals(MemorySegment.NULL)) {
      throw new IllegalArgumentException("a thread-safe function handle cannot be NULL");
    }
    this.handle = handle;
    this.references = new NativeReferences(handle);
    this.perThread = ThreadLocal.withInitial(PerThread::new);
    CLEANER.register(this, references);
  }

  void adoptCreatorReference() {
    PerThread thread = perThread.get();
    thread.add(1);
    references.adoptCreator(thread);
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
      dropReference(thread);
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
    PerThread thread = perThread.get();
    boolean first = thread.references() == 0;
    if (first) {
      references.takeHolder(thread);
    }
    int status = NodeApi.napi_acquire_threadsafe_function(handle);
    if (status == OK) {
      thread.add(1);
    } else if (first) {
      references.dropHolder(thread);
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
    return perThread.get().references();
  }

  /**
   * How many references all threads hold together (a snapshot while other threads use the
   * function); 0 once the function is released for good.
   */
  public long references() {
    return references.sum();
  }

  @Override
  public String toString() {
    return "ThreadSafeFunction[" + handle + ", references=" + references() + ", finalized=" + finalized + "]";
  }

  private NapiStatus release(int mode, String operation) {
    PerThread thread = requireReference(operation);
    int status = NodeApi.napi_release_threadsafe_function(handle, mode);
    dropReference(thread);
    return NapiStatus.of(status);
  }

  private void dropReference(PerThread thread) {
    thread.add(-1);
    if (thread.references() == 0) {
      references.dropHolder(thread);
    }
  }

  private PerThread requireReference(String operation) {
    PerThread thread = perThread.get();
    if (thread.references() > 0) {
      return thread;
    }
    if (references.holders.get() == 0) {
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
   * The references of the Java threads. The native function holds one more while any Java thread
   * holds one, so that it stays allocated while any Java thread may still use it: that extra
   * reference is released when the last thread drops its last reference, and then no thread can
   * take one again. Counting threads, not references, keeps atomic instructions off a thread's
   * second and later references. Also the cleaning action: if the handle becomes unreachable with
   * references left, they are released so that the native function is freed.
   */
  private static final class NativeReferences implements Runnable {
    private final MemorySegment handle;
    /** Threads that hold at least one reference; starts with the creating thread. */
    final AtomicLong holders = new AtomicLong(1);
    /** What those threads hold, for {@link #sum()}. */
    private final Set<PerThread> holding = ConcurrentHashMap.newKeySet();

    NativeReferences(MemorySegment handle) {
      this.handle = handle;
    }

    void adoptCreator(PerThread thread) {
      holding.add(thread);
    }

    void takeHolder(PerThread thread) {
      long current;
      do {
        current = holders.get();
        if (current == 0) {
          throw new IllegalStateException(
              "acquire(): the thread-safe function was released by every thread");
        }
      } while (!holders.compareAndSet(current, current + 1));
      holding.add(thread);
    }

    void dropHolder(PerThread thread) {
      holding.remove(thread);
      if (holders.decrementAndGet() == 0) {
        NodeApi.napi_release_threadsafe_function(handle, RELEASE);
      }
    }

    long sum() {
      long sum = 0;
      for (PerThread thread : holding) {
        sum += thread.referencesSeenByOthers();
      }
      return sum;
    }

    @Override
    public void run() {
      if (holders.getAndSet(0) == 0) {
        return;
      }
      long left = sum() + 1; // and the extra reference
      for (long i = 0; i < left; i++) {
        NodeApi.napi_release_threadsafe_function(handle, RELEASE);
      }
    }
  }
}
