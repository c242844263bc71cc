package org.nodeffm.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Objects;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.nodeffm.internal.bindings.NodeApi;
import org.nodeffm.internal.bindings.nodeffm_finalize_listener;
import org.nodeffm.napi.CallMode;
import org.nodeffm.napi.NapiStatus;
import org.nodeffm.napi.ThreadSafeFunction;

/**
 * The Java handle of a Node-API thread-safe function: {@link ThreadSafeFunction}'s contract (see
 * there) over {@code napi_*_threadsafe_function}, with Java's bookkeeping of which thread holds
 * which references.
 */
public final class NativeThreadSafeFunction implements ThreadSafeFunction {
  /**
   * The finalize listener of the thread-safe functions a runtime creates ({@code
   * nodeffm_runtime_new}): marks the handle whose {@link Handles} id is its data finalized.
   */
  public static final MemorySegment FINALIZED =
      nodeffm_finalize_listener.allocate(NativeThreadSafeFunction::finalized, Arena.global());

  private static final Cleaner CLEANER = Cleaner.create();

  /**
   * {@code napi_call_threadsafe_function} with its {@code data} as a 64-bit integer: a pointer and
   * a 64-bit integer are passed alike on the 64-bit platforms node-ffm runs on, and the payload is
   * one. The binding's {@code MemorySegment} argument would need a segment per call, which escape
   * analysis removes only when the binding is inlined into {@link #call(long, CallMode)}: in a
   * JIT-compiled fork where it was not, every call allocated one (40 bytes).
   */
  private static final MethodHandle CALL =
      Linker.nativeLinker()
          .downcallHandle(
              NodeApi.napi_call_threadsafe_function$address(),
              FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

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

  private final MemorySegment handle;
  private final Holders holders;
  private final ThreadLocal<Lease> lease = ThreadLocal.withInitial(Lease::new);
  private final BooleanSupplier holdsLock;
  private final boolean bounded;
  private volatile boolean finalized;

  /**
   * A handle whose native function was created with two references: one for the thread that asked
   * for it (adopt it there with {@link #adoptCreatorReference()}) and Java's own.
   *
   * @param handle the {@code napi_threadsafe_function}
   * @param holdsLock whether the calling thread holds the runtime's lock (a blocking call on a
   *     bounded queue would wait for itself there)
   * @param bounded whether the queue has a maximum size
   */
  public NativeThreadSafeFunction(
      MemorySegment handle, BooleanSupplier holdsLock, boolean bounded) {
    Objects.requireNonNull(handle, "handle");
    if (handle.equals(MemorySegment.NULL)) {
      throw new IllegalArgumentException("a thread-safe function handle cannot be NULL");
    }
    this.handle = handle;
    this.holdsLock = Objects.requireNonNull(holdsLock, "holdsLock");
    this.bounded = bounded;
    this.holders = new Holders(handle);
    CLEANER.register(this, holders);
  }

  /** The creating thread takes the reference made for it. */
  public void adoptCreatorReference() {
    Lease mine = lease.get();
    holders.add(mine);
    mine.add(1);
  }

  private void markFinalized() {
    finalized = true;
  }

  private static void finalized(long handle) {
    try {
      if (Handles.remove(handle) instanceof NativeThreadSafeFunction function) {
        function.markFinalized();
      }
    } catch (Throwable t) {
      Upcalls.logQuietly("finalizing a thread-safe function failed", t);
    }
  }

  @Override
  public NapiStatus call(long payload) {
    return call(payload, CallMode.BLOCKING);
  }

  @Override
  public NapiStatus call(long payload, CallMode mode) {
    Lease mine = requireReference("call");
    if (mode == CallMode.BLOCKING && bounded && holdsLock.getAsBoolean()) {
      throw new IllegalStateException(
          "call(): a blocking call on the event loop thread, or inside a direct call (a thread that"
              + " holds the runtime's lock), could wait for that thread itself (use"
              + " CallMode.NONBLOCKING there)");
    }
    try {
      int status = callNative(handle, payload, mode == CallMode.BLOCKING ? BLOCKING : NONBLOCKING);
      if (status == CLOSING) {
        dropReference(mine);
      }
      return NapiStatus.of(status);
    } finally {
      java.lang.ref.Reference.reachabilityFence(this);
    }
  }

  private static int callNative(MemorySegment handle, long payload, int mode) {
    try {
      return (int) CALL.invokeExact(handle, payload, mode);
    } catch (Throwable t) {
      throw new AssertionError("should not reach here", t);
    }
  }

  @Override
  public Reference acquire() {
    Lease mine = lease.get();
    boolean first = mine.count() == 0;
    if (first) {
      holders.add(mine);
    }
    try {
      int status = NodeApi.napi_acquire_threadsafe_function(handle);
      if (status == OK) {
        mine.add(1);
        return new Acquired(NapiStatus.OK);
      }
      if (first) {
        holders.remove(mine);
      }
      return new Acquired(NapiStatus.of(status));
    } finally {
      java.lang.ref.Reference.reachabilityFence(this);
    }
  }

  @Override
  public NapiStatus release() {
    return release(RELEASE, "release");
  }

  @Override
  public NapiStatus abort() {
    return release(ABORT, "abort");
  }

  @Override
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
      java.lang.ref.Reference.reachabilityFence(this);
    }
  }

  @Override
  public MemorySegment nativeHandle() {
    return handle;
  }

  @Override
  public boolean isFinalized() {
    return finalized;
  }

  @Override
  public long referencesOfCurrentThread() {
    return lease.get().count();
  }

  @Override
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
      java.lang.ref.Reference.reachabilityFence(this);
    }
  }

  private void dropReference(Lease mine) {
    mine.add(-1);
    if (mine.count() == 0) {
      holders.remove(mine);
    }
  }

  private Lease requireReference(String operation) {
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

  /** The reference one {@link #acquire()} took (or did not take: {@code CLOSING}). */
  private final class Acquired implements Reference {
    private final NapiStatus status;
    private final Thread thread = Thread.currentThread();
    private boolean closed;

    Acquired(NapiStatus status) {
      this.status = status;
      this.closed = status != NapiStatus.OK;
    }

    @Override
    public NapiStatus status() {
      return status;
    }

    @Override
    public void close() {
      if (closed) {
        return;
      }
      if (Thread.currentThread() != thread) {
        throw new IllegalStateException(
            "close(): a reference is closed by the thread that acquired it ("
                + thread.getName()
                + "), not by "
                + Thread.currentThread().getName());
      }
      closed = true;
      if (lease.get().count() > 0) {
        release();
      }
    }

    @Override
    public String toString() {
      return "ThreadSafeFunction.Reference[" + status + (closed ? ", closed" : "") + "]";
    }
  }
}
