package org.nodeffm;

import static java.lang.foreign.ValueLayout.ADDRESS;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.nodeffm.internal.bindings.NodeApi;

/**
 * The Java handle of a Node-API thread-safe function ({@code napi_threadsafe_function}), usable
 * from any thread.
 *
 * <p>As in Node-API, a thread uses the function while it holds a reference: the creating thread
 * holds one, other threads {@link #acquire()} one, and each reference ends with {@link #release()},
 * {@link #abort()}, or a {@link #call} that returns {@link NapiStatus#CLOSING}. Unlike Node-API,
 * misuse cannot crash the JVM: {@link #call}, {@link #release()}, {@link #abort()} and {@link
 * #context()} on a thread that holds no reference, and {@link #acquire()} once every reference is
 * gone, throw {@link IllegalStateException}. The references of a thread that ends while holding
 * some are released the next time a thread takes its first reference or drops its last one.
 *
 * <p>After the {@link NodeRuntime} is closed the function is finalized, but stays usable by the
 * threads that still hold references: {@code call} and {@code acquire} return {@code CLOSING},
 * {@code release} returns {@code OK} and {@code context} still works. Its native memory is freed
 * when the last reference is dropped (or when this handle is garbage-collected).
 *
 * <p>A {@link CallMode#BLOCKING} call waits inside Node-API while the queue is full: the thread
 * cannot be interrupted there, and a virtual thread pins its carrier thread while it waits. On the
 * runtime's own event loop thread, a blocking call on a bounded queue throws instead of waiting for
 * that very thread.
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
   * The references one thread holds. Only that thread changes its count, so its own operations need
   * no atomic instruction; other threads read the count only to sum up (see {@link #references()})
   * or once the thread has ended.
   */
  private static final class Lease {
    private static final VarHandle COUNT;

    static {
      try {
        COUNT = MethodHandles.lookup().findVarHandle(Lease.class, "count", long.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    final Thread thread = Thread.currentThread();
    private MemorySegment contextResult;
    private long count;

    /** Where {@code napi_get_threadsafe_function_context} writes; made on first use. */
    MemorySegment contextResult() {
      if (contextResult == null) {
        contextResult = Arena.ofAuto().allocate(ADDRESS);
      }
      return contextResult;
    }

    /** By the owning thread. */
    long count() {
      return count;
    }

    /** By the owning thread. */
    void add(long delta) {
      COUNT.setRelease(this, count + delta);
    }

    /** By any thread. */
    long countSeenByOthers() {
      return (long) COUNT.getAcquire(this);
    }
  }

  /**
   * The leases that hold references, and the one native reference Java keeps while there is any, so
   * that the native function stays allocated while a Java thread may use it. That reference is
   * released when the last lease ends; after that no thread can take one again. Changes only when a
   * thread takes its first reference or drops its last one. Also the cleaning action: if the handle
   * becomes unreachable with references left, they are released so that the native function is
   * freed.
   */
  private static final class Holders implements Runnable {
    private final MemorySegment handle;
    private final Set<Lease> leases = new HashSet<>(); // guarded by this
    private volatile boolean released; // written under this

    Holders(MemorySegment handle) {
      this.handle = handle;
    }

    synchronized void add(Lease lease) {
      releaseEndedThreads();
      if (released) {
        throw new IllegalStateException(
            "acquire(): the thread-safe function was released by every thread");
      }
      leases.add(lease);
    }

    synchronized void remove(Lease lease) {
      leases.remove(lease);
      releaseEndedThreads();
      if (leases.isEmpty() && !released) {
        released = true;
        NodeApi.napi_release_threadsafe_function(handle, RELEASE);
      }
    }

    boolean released() {
      return released;
    }

    synchronized long sum() {
      long sum = 0;
      for (Lease lease : leases) {
        sum += lease.countSeenByOthers();
      }
      return sum;
    }

    /** The references of threads that ended without releasing them. */
    private void releaseEndedThreads() {
      for (Iterator<Lease> i = leases.iterator(); i.hasNext(); ) {
        Lease lease = i.next();
        if (!lease.thread.isAlive()) {
          i.remove();
          for (long n = lease.countSeenByOthers(); n > 0; n--) {
            NodeApi.napi_release_threadsafe_function(handle, RELEASE);
          }
        }
      }
    }

    @Override
    public synchronized void run() {
      if (released) {
        return;
      }
      released = true;
      long left = 1; // Java's own reference
      for (Lease lease : leases) {
        left += lease.countSeenByOthers();
      }
      leases.clear();
      for (long i = 0; i < left; i++) {
        NodeApi.napi_release_threadsafe_function(handle, RELEASE);
      }
    }
  }

  /**
   * The reference a {@link NodeRuntime} holds on its task queue for every thread: any thread may
   * call through it without a reference of its own, and without a lock, until it is closed; then it
   * is released once the calls in flight have returned. State: twice the calls in flight, plus one
   * once closed.
   */
  private static final class SharedReference {
    private final AtomicLong state = new AtomicLong();

    boolean enter() {
      if ((state.getAndAdd(2) & 1) != 0) {
        state.getAndAdd(-2);
        return false;
      }
      return true;
    }

    void exit() {
      state.getAndAdd(-2);
    }

    /** Refuses new calls, then waits (spinning: calls never block) for those in flight. */
    boolean closeAndAwait() {
      if ((state.getAndIncrement() & 1) != 0) {
        state.getAndDecrement();
        return false;
      }
      for (int spins = 0; state.get() != 1; spins++) {
        if (spins < 1000) {
          Thread.onSpinWait();
        } else {
          Thread.yield(); // A caller was descheduled inside its call: let it finish.
        }
      }
      return true;
    }
  }

  private final MemorySegment handle;
  private final Holders holders;
  private final ThreadLocal<Lease> lease = ThreadLocal.withInitial(Lease::new);
  private final Thread loopThread;
  private final boolean bounded;
  private final SharedReference shared;
  private volatile boolean finalized;

  /** A handle whose native function was created with two references; see {@link Holders}. */
  ThreadSafeFunction(MemorySegment handle) {
    this(handle, null, true, false);
  }

  private ThreadSafeFunction(
      MemorySegment handle, Thread loopThread, boolean bounded, boolean sharedOnly) {
    Objects.requireNonNull(handle, "handle");
    if (handle.equals(MemorySegment.NULL)) {
      throw new IllegalArgumentException("a thread-safe function handle cannot be NULL");
    }
    this.handle = handle;
    this.loopThread = loopThread;
    this.bounded = bounded;
    this.holders = new Holders(handle);
    this.shared = sharedOnly ? new SharedReference() : null;
    if (!sharedOnly) {
      CLEANER.register(this, holders);
    }
  }

  /**
   * A function created with two references on {@code loopThread}'s environment: one for the thread
   * that asked for it (adopt it there with {@link #adoptCreatorReference()}) and Java's own.
   */
  static ThreadSafeFunction created(MemorySegment handle, Thread loopThread, long maxQueueSize) {
    return new ThreadSafeFunction(handle, loopThread, maxQueueSize != 0, false);
  }

  /**
   * The task queue of a runtime, created with one reference: the {@link SharedReference} through
   * which any thread calls ({@link #callShared}) until {@link #closeShared()}.
   */
  static ThreadSafeFunction sharedQueue(MemorySegment handle, Thread loopThread) {
    return new ThreadSafeFunction(handle, loopThread, false, true);
  }

  void adoptCreatorReference() {
    Lease mine = lease.get();
    holders.add(mine);
    mine.add(1);
  }

  void markFinalized() {
    finalized = true;
  }

  /**
   * A non-blocking call by any thread through the shared reference: {@code OK}, or {@code CLOSING}
   * once {@link #closeShared()} has begun (or Node.js closed the function).
   */
  NapiStatus callShared(long payload) {
    if (!shared.enter()) {
      return NapiStatus.CLOSING;
    }
    try {
      return NapiStatus.of(
          NodeApi.napi_call_threadsafe_function(
              handle, MemorySegment.ofAddress(payload), NONBLOCKING));
    } finally {
      shared.exit();
    }
  }

  /**
   * Refuses further shared calls, waits for those in flight, and releases the shared reference. On
   * the loop thread, before the environment is torn down.
   */
  void closeShared() {
    if (shared.closeAndAwait()) {
      NodeApi.napi_release_threadsafe_function(handle, RELEASE);
    }
  }

  /** {@link #call(long, CallMode)} with {@link CallMode#BLOCKING}. */
  public NapiStatus call(long payload) {
    return call(payload, CallMode.BLOCKING);
  }

  /**
   * Queues a call of the JavaScript function with {@code payload} ({@code
   * napi_call_threadsafe_function}).
   *
   * @return {@code OK} if queued; {@code QUEUE_FULL} if non-blocking and the queue is full; {@code
   *     CLOSING} if the function is closing or finalized, which also ends this thread's reference
   * @throws IllegalStateException if this thread holds no reference, or if a blocking call on a
   *     bounded queue comes from the runtime's event loop thread (it would wait for itself)
   */
  public NapiStatus call(long payload, CallMode mode) {
    Lease mine = requireReference("call");
    if (mode == CallMode.BLOCKING && bounded && Thread.currentThread() == loopThread) {
      throw new IllegalStateException(
          "call(): a blocking call on the event loop thread could wait for that thread itself"
              + " (use CallMode.NONBLOCKING there)");
    }
    try {
      int status =
          NodeApi.napi_call_threadsafe_function(
              handle,
              MemorySegment.ofAddress(payload),
              mode == CallMode.BLOCKING ? BLOCKING : NONBLOCKING);
      if (status == CLOSING) {
        dropReference(mine);
      }
      return NapiStatus.of(status);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /**
   * Takes a reference for the calling thread ({@code napi_acquire_threadsafe_function}).
   *
   * @return {@code OK}, or {@code CLOSING} (no reference taken) if the function is closing
   * @throws IllegalStateException if no thread holds a reference any more
   */
  public NapiStatus acquire() {
    Lease mine = lease.get();
    boolean first = mine.count() == 0;
    if (first) {
      holders.add(mine);
    }
    try {
      int status = NodeApi.napi_acquire_threadsafe_function(handle);
      if (status == OK) {
        mine.add(1);
      } else if (first) {
        holders.remove(mine);
      }
      return NapiStatus.of(status);
    } finally {
      Reference.reachabilityFence(this);
    }
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
    Lease mine = requireReference("context");
    try {
      MemorySegment result = mine.contextResult();
      int status = NodeApi.napi_get_threadsafe_function_context(handle, result);
      if (status != OK) {
        throw new IllegalStateException(
            "napi_get_threadsafe_function_context returned " + NapiStatus.of(status));
      }
      return result.get(ADDRESS, 0).address();
    } finally {
      Reference.reachabilityFence(this);
    }
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
    return lease.get().count();
  }

  /**
   * How many references all threads hold together (a snapshot while other threads use the
   * function); 0 once the function is released for good.
   */
  public long references() {
    return holders.sum();
  }

  @Override
  public String toString() {
    return "ThreadSafeFunction["
        + handle
        + ", references="
        + references()
        + ", finalized="
        + finalized
        + "]";
  }

  private NapiStatus release(int mode, String operation) {
    Lease mine = requireReference(operation);
    try {
      int status = NodeApi.napi_release_threadsafe_function(handle, mode);
      dropReference(mine);
      return NapiStatus.of(status);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  private void dropReference(Lease mine) {
    mine.add(-1);
    if (mine.count() == 0) {
      holders.remove(mine);
    }
  }

  private Lease requireReference(String operation) {
    if (shared != null) {
      throw new IllegalStateException(operation + "(): this is a runtime's internal task queue");
    }
    Lease mine = lease.get();
    if (mine.count() > 0) {
      return mine;
    }
    if (holders.released()) {
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
}
