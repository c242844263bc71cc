package org.nodeffm.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.nodeffm.RuntimeClosedException;
import org.nodeffm.internal.bindings.NodeApi;
import org.nodeffm.internal.bindings.napi_threadsafe_function_call_js;
import org.nodeffm.internal.bindings.nodeffm_direct_fn;
import org.nodeffm.internal.bindings.nodeffm_start_listener;
import org.nodeffm.internal.bindings.nodeffm_stop_listener;

/**
 * One Node.js environment's event loop: the thread that runs it, the lifecycle (start, stop,
 * teardown, exit code), and the two ways work from any thread runs there ({@link #submit}, {@link
 * #call}). It knows nothing of values: what runs there is {@link Work} on a {@link NapiEnv}, and
 * what the environment's binding holds is its {@link Listener}'s business.
 *
 * <p>The runtime's JavaScript runs on the thread that holds the runtime's lock (see THE LOCK in
 * {@code nodeffm.h}): the loop thread during a turn of the event loop, or any thread inside a
 * direct call. A thread that holds it ({@link #holdsLock()}) runs work at once. Other threads have
 * two paths: {@link #submit} queues the work in the runtime's {@link TaskQueue} (a lock-free queue
 * with a Node-API thread-safe function as its doorbell: the caller takes no lock and never waits
 * to queue), and the loop thread runs it, in batches; {@link #call} runs it on the calling thread, which takes the lock ({@code
 * nodeffm_runtime_call}) while the event loop keeps running between the calls.
 *
 * <p>The thread has a stack of {@value #LOOP_STACK_SIZE} bytes; V8 may use all but the last {@value
 * #STACK_RESERVE} bytes of it, so deep JavaScript recursion (also through Java callbacks) ends in a
 * {@code RangeError}, whatever the JVM's {@code -Xss}.
 */
public final class EventLoop implements LoopState {
  /** What the layer above does at the loop's moments, on the loop thread. */
  public interface Listener {
    /**
     * JavaScript asked for the binding ({@code process._linkedBinding('nodeffm')}, the bootstrap
     * script's first line): fill it.
     *
     * @param env the environment
     * @param exports the binding object
     */
    void started(NapiEnv env, MemorySegment exports);

    /**
     * The Java exception for a thrown JavaScript value.
     *
     * @param env the environment of the failed call
     * @param thrown the thrown value, no longer pending
     * @return the exception
     */
    RuntimeException exception(NapiEnv env, MemorySegment thrown);

    /**
     * The environment is torn down: what still waits for JavaScript fails with {@code closed}.
     *
     * @param closed the exception for such work
     */
    void stopped(RuntimeClosedException closed);
  }

  /**
   * Work for the thread that runs the runtime's JavaScript; it completes its future itself (at once
   * or later).
   *
   * @param <T> the result's type
   */
  @FunctionalInterface
  public interface Work<T> {
    /**
     * Runs the work.
     *
     * @param env the environment, valid until it returns
     * @param result the future to complete
     * @throws Exception anything: the future completes with it
     */
    void run(NapiEnv env, LoopFuture<T> result) throws Exception;
  }

  /** The bytes of the loop thread's stack. */
  public static final long LOOP_STACK_SIZE = 4L << 20;

  /** The bytes at the end of that stack that V8 leaves to native and Java code it calls. */
  public static final long STACK_RESERVE = 1L << 20;

  /**
   * The bytes at the end of a direct caller's stack that V8 leaves to native and Java code it calls
   * (the JVM's guard zones among them): a quarter of the JVM's default 1 MiB thread stack. A thread
   * with less than 64 KiB above this reserve cannot call directly.
   */
  public static final long CALLER_STACK_RESERVE = 256L << 10;

  private static final int CALL_OK = NodeApi.NODEFFM_CALL_OK();
  private static final int CALL_STOPPED = NodeApi.NODEFFM_CALL_STOPPED();
  private static final int CALL_REENTRANT = NodeApi.NODEFFM_CALL_REENTRANT();
  private static final int CALL_TERMINATED = NodeApi.NODEFFM_CALL_TERMINATED();
  private static final int CALL_NO_STACK = NodeApi.NODEFFM_CALL_NO_STACK();

  /**
   * The {@code nodeffm_direct_fn} of every direct call. It runs on the thread that called {@code
   * nodeffm_runtime_call()}, before that returns: it finds its work in {@link #CALLING}.
   */
  private static final MemorySegment DIRECT =
      nodeffm_direct_fn.allocate(EventLoop::direct, Arena.global());

  /**
   * The direct call whose {@code nodeffm_runtime_call()} the current thread is in (it holds that
   * loop's lock whenever Java code runs on it meanwhile), or null. One at most: a thread that holds
   * a runtime's lock cannot call another runtime directly ({@code NODEFFM_CALL_REENTRANT}).
   */
  private static final ThreadLocal<Direct<?>> CALLING = new ThreadLocal<>();

  private static final AtomicLong LAST_ID = new AtomicLong();
  private static final ConcurrentHashMap<Long, EventLoop> BY_ID = new ConcurrentHashMap<>();

  /** How long the JVM's shutdown waits for open runtimes to stop. */
  private static final long SHUTDOWN_WAIT_MILLIS = 5_000;

  /** {@code call_js_cb} of the task queues' doorbells; context: loop id, data: unused. */
  private static final MemorySegment RUN_TASK =
      napi_threadsafe_function_call_js.allocate(EventLoop::runTask, Arena.global());

  private static final MemorySegment START =
      nodeffm_start_listener.allocate(EventLoop::start, Arena.global());
  private static final MemorySegment STOP =
      nodeffm_stop_listener.allocate(EventLoop::stop, Arena.global());

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            Thread.ofPlatform().name("node-ffm-shutdown").unstarted(EventLoop::closeAllAtExit));
  }

  private final long id = LAST_ID.incrementAndGet();
  private final String name = "node-ffm-" + id;
  private final MemorySegment runtime;
  private final Thread loopThread;
  private final Object lifecycle = new Object();
  private boolean runtimeFreed; // guarded by lifecycle
  private final LoopFuture<Void> ready = new LoopFuture<>(this, false);
  private final LoopFuture<Integer> exit = new LoopFuture<>(this, false);
  private volatile boolean closing;
  private volatile Throwable fatalError;
  private volatile Integer exitCode;
  private volatile String failure;
  private volatile Throwable failureCause;
  private volatile String bootstrap;
  private volatile Listener listener;
  private volatile NapiEnv.Thrown thrown;

  // Set on the loop thread when the environment starts; read by other threads after `ready`.
  private volatile MemorySegment env = MemorySegment.NULL;
  private volatile TaskQueue<Task<?>> queue;

  /**
   * Threads between their decision to call {@code nodeffm_runtime_call()} and its return, 2 each,
   * plus 1 once the native runtime is about to be freed (no call may begin then).
   */
  private final AtomicLong callers = new AtomicLong();

  private record Task<T>(Work<T> work, LoopFuture<T> result) {}

  private record Direct<T>(EventLoop loop, Work<T> work, LoopFuture<T> result) {}

  /** A loop that has not started: {@link #start} starts it. Node.js must be loaded. */
  public EventLoop() {
    NodeApi.nodeffm_set_loop_spin(LoopFuture.SPIN_NANOS);
    runtime = NodeApi.nodeffm_runtime_new(id, START, STOP, NativeThreadSafeFunction.FINALIZED);
    loopThread =
        Thread.ofPlatform().name(name).daemon().stackSize(LOOP_STACK_SIZE).unstarted(this::runLoop);
  }

  /**
   * Starts the loop thread, which creates the environment and runs {@code bootstrapScript}; the
   * script must ask for the binding first and call {@link #markReady()} (through it) when done.
   *
   * @param bootstrapScript the bootstrap script (CommonJS; built-in modules only)
   * @param listener what the layer above does at the loop's moments
   */
  public void start(String bootstrapScript, Listener listener) {
    this.bootstrap = bootstrapScript;
    this.listener = listener;
    this.thrown = listener::exception;
    BY_ID.put(id, this);
    loopThread.start();
  }

  /**
   * Waits until the bootstrap script has run.
   *
   * @throws IllegalStateException if the environment did not start (closed again; its cause is what
   *     failed, if Java saw it)
   */
  public void awaitStart() {
    try {
      ready.get();
    } catch (ExecutionException | CancellationException | InterruptedException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      close();
      throw new IllegalStateException("Node.js did not start: " + failure, failureCause);
    }
  }

  /** The bootstrap script has run: {@link #awaitStart()} returns. */
  public void markReady() {
    ready.complete(null);
  }

  /**
   * The loop thread's name, which names the runtime too.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * {@inheritDoc} The Java side's own record, which is exact: Java code runs on the loop thread
   * only inside a callback or a listener (with the lock), and another thread gets the lock only
   * inside {@link #call}. Unlike {@code nodeffm_runtime_holds_lock()} it may be asked at any time,
   * also once the native runtime is freed.
   */
  @Override
  public boolean holdsLock() {
    Direct<?> calling = CALLING.get();
    return (calling != null && calling.loop() == this) || Thread.currentThread() == loopThread;
  }

  /**
   * The native answer, {@code nodeffm_runtime_holds_lock()}, for tests of {@link #holdsLock()};
   * false once the native runtime is freed.
   *
   * @return whether the calling thread holds the lock
   */
  public boolean nativeHoldsLock() {
    if (!enterNative()) {
      return false;
    }
    try {
      return NodeApi.nodeffm_runtime_holds_lock(runtime) != 0;
    } finally {
      leaveNative();
    }
  }

  @Override
  public boolean isRunning() {
    return !closing && NodeApi.nodeffm_runtime_is_running(runtime) != 0;
  }

  /**
   * {@inheritDoc} Off the loop thread, under the lock that keeps the native runtime from being
   * freed meanwhile.
   */
  @Override
  public boolean hasBegunToStop() {
    if (holdsLock()) {
      return !isRunning();
    }
    synchronized (lifecycle) {
      return runtimeFreed || !isRunning();
    }
  }

  /**
   * Whether the environment runs for its users: started, and not stopping.
   *
   * @return true while it runs
   */
  public boolean isOpen() {
    return ready.isDone() && !ready.isCompletedExceptionally() && !exit.isDone() && !closing;
  }

  /**
   * Whether the environment has stopped and been torn down.
   *
   * @return true once stopped
   */
  public boolean isStopped() {
    return exit.isDone();
  }

  /**
   * Records the uncaught exception that stops the runtime: the cause of its {@link
   * #closedException()}.
   *
   * @param error the exception
   */
  public void fatalError(Throwable error) {
    fatalError = error;
  }

  @Override
  public RuntimeClosedException closedException() {
    Integer code = exitCode;
    Throwable fatal = fatalError;
    String message = "the Node.js runtime " + name + " is closed";
    if (fatal != null) {
      message += ": an uncaught exception stopped it (" + fatal.getMessage() + ")";
    } else if (code != null && code != 0) {
      message += " (exit code " + code + ")";
    } else if (failure != null) {
      message += ": " + failure;
    }
    return new RuntimeClosedException(message, fatal);
  }

  /**
   * An environment for a piece of work on this loop, made where JavaScript called Java.
   *
   * @param napiEnv the {@code napi_env} of the call
   * @return the environment; close it when the work is done
   */
  public NapiEnv env(MemorySegment napiEnv) {
    return new NapiEnv(this, thrown, napiEnv);
  }

  /**
   * Completes with the exit code once the runtime has stopped.
   *
   * @return a new future of the exit code
   */
  public CompletableFuture<Integer> onExit() {
    return exit.copy();
  }

  // ------------------------------------------------------------------------ work from any thread

  /**
   * Runs {@code work} on the event loop: at once on the loop thread, else queued through the task
   * queue's shared reference (no lock; the queue is unbounded, so the caller never waits). The
   * future completes with {@link RuntimeClosedException} once the runtime begins to stop (see
   * {@link LoopFuture}).
   *
   * @param work the work
   * @param <T> its result's type
   * @return its future
   */
  public <T> LoopFuture<T> submit(Work<T> work) {
    LoopFuture<T> result = new LoopFuture<>(this, true);
    if (holdsLock()) {
      runNow(work, result);
    } else {
      enqueue(work, result);
    }
    return result;
  }

  /**
   * Runs {@code work} on the calling thread (a direct call): at once if this thread holds the lock,
   * else inside {@code nodeffm_runtime_call()}, which waits for the runtime's lock (in native code:
   * a virtual thread pins its carrier meanwhile), runs the work, then the microtasks and {@code
   * process.nextTick} callbacks it caused, and lets go of the lock; timers and I/O it started run
   * on the loop thread. When the future is returned the lock is released again: if the work's
   * result is a Promise, the future completes when it settles, on the thread that holds the lock
   * then. A thread that holds another runtime's lock queues the work instead (see {@link
   * #submit}). The future completes with {@link RuntimeClosedException} if the runtime is not
   * running, or begins to stop during the call (see {@link LoopFuture}), and with {@link
   * IllegalStateException} if the thread has too little stack left for JavaScript.
   *
   * @param work the work
   * @param <T> its result's type
   * @return its future, completed unless the work waits for a Promise
   */
  public <T> LoopFuture<T> call(Work<T> work) {
    LoopFuture<T> result = new LoopFuture<>(this, true);
    if (holdsLock()) {
      runNow(work, result);
      return result;
    }
    if (queue == null || closing) {
      result.completeExceptionally(closedException());
      return result;
    }
    int status = CALL_STOPPED;
    if (enterNative()) {
      Direct<?> outer = CALLING.get();
      CALLING.set(new Direct<>(this, work, result));
      try {
        status =
            NodeApi.nodeffm_runtime_call(runtime, CALLER_STACK_RESERVE, DIRECT, MemorySegment.NULL);
      } finally {
        CALLING.set(outer);
        leaveNative();
      }
    }
    if (status == CALL_OK) {
      return result;
    } else if (status == CALL_REENTRANT) {
      enqueue(work, result);
    } else if (status == CALL_NO_STACK) {
      result.completeExceptionally(
          new IllegalStateException(
              "the thread "
                  + Thread.currentThread()
                  + " has too little stack left to call JavaScript directly (at least 64 KiB above"
                  + " the "
                  + (CALLER_STACK_RESERVE >> 10)
                  + " KiB left to native and Java code); call from a shallower frame, or use the"
                  + " Async variant"));
    } else {
      // STOPPED: the work did not run. TERMINATED: it ran, but the runtime began to stop meanwhile:
      // what it completed before that stands (LoopFuture refuses anything after), the rest fails.
      assert status == CALL_STOPPED || status == CALL_TERMINATED : status;
      result.completeExceptionally(closedException());
    }
    return result;
  }

  /** On a thread that holds the lock: runs {@code work} at once, if the runtime runs. */
  private <T> void runNow(Work<T> work, LoopFuture<T> result) {
    if (queue == null || !isRunning()) {
      result.completeExceptionally(closedException());
    } else {
      runHere(env, work, result);
    }
  }

  /**
   * Counts the calling thread in as one that may call the native runtime; false if it is freed (or
   * about to be).
   */
  private boolean enterNative() {
    if ((callers.getAndAdd(2) & 1) != 0) {
      callers.getAndAdd(-2);
      return false;
    }
    return true;
  }

  private void leaveNative() {
    callers.getAndAdd(-2);
  }

  /** Queues {@code work} for the loop thread ({@link #runTask} runs it). */
  private <T> void enqueue(Work<T> work, LoopFuture<T> result) {
    TaskQueue<Task<?>> tasksQueue = queue;
    if (tasksQueue == null || closing || !tasksQueue.offer(new Task<>(work, result))) {
      result.completeExceptionally(closedException());
    }
  }

  /** Runs {@code work} on this thread, which runs the runtime's JavaScript, in a handle scope. */
  private <T> void runHere(MemorySegment napiEnv, Work<T> work, LoopFuture<T> result) {
    try (NapiEnv env = env(napiEnv)) {
      MemorySegment scope = env.allocate(ADDRESS);
      env.check(NodeApi.napi_open_handle_scope(napiEnv, scope), "napi_open_handle_scope");
      try {
        work.run(env, result);
      } finally {
        NodeApi.napi_close_handle_scope(napiEnv, scope.get(ADDRESS, 0));
      }
    } catch (Throwable t) {
      result.completeExceptionally(t);
    }
  }

  /**
   * Deletes a reference ({@code napi_ref}) on the loop, unless the runtime is closing (its teardown
   * frees it).
   *
   * @param ref the reference
   */
  public void deleteLater(MemorySegment ref) {
    if (!closing) {
      submit(
          (env, result) -> {
            env.deleteReference(ref);
            result.complete(null);
          });
    }
  }

  /**
   * Creates a thread-safe function on {@code function}, on the loop thread, with two references:
   * one for the thread that asked for it (adopt it with {@link
   * NativeThreadSafeFunction#adoptCreatorReference()}) and Java's own.
   *
   * @param env the environment
   * @param function the JavaScript function ({@code napi_value})
   * @param maxQueueSize the queue's capacity; 0 for unlimited
   * @param context the value of {@code napi_get_threadsafe_function_context}
   * @return the function's handle
   */
  public NativeThreadSafeFunction createThreadSafeFunction(
      NapiEnv env, MemorySegment function, long maxQueueSize, long context) {
    long handle = Handles.add(Boolean.FALSE); // Replaced below, once created.
    MemorySegment out = env.allocate(ADDRESS);
    int status =
        NodeApi.napi_create_threadsafe_function(
            env.napiEnv(),
            function,
            MemorySegment.NULL,
            env.string("node-ffm"),
            maxQueueSize,
            2,
            MemorySegment.ofAddress(handle),
            NodeApi.nodeffm_tsfn_finalize$address(),
            MemorySegment.ofAddress(context),
            NodeApi.nodeffm_tsfn_call_js$address(),
            out);
    if (status != NapiEnv.OK) {
      Handles.remove(handle);
      env.check(status, "napi_create_threadsafe_function");
    }
    NativeThreadSafeFunction created =
        new NativeThreadSafeFunction(out.get(ADDRESS, 0), this::holdsLock, maxQueueSize != 0);
    // The finalizer runs on the loop thread, after this work: the entry is in place.
    Handles.replace(handle, created);
    return created;
  }

  // ------------------------------------------------------------------------ lifecycle

  /**
   * Stops the environment, from any thread, and waits until it is torn down (unless called by a
   * thread that holds the lock: the teardown waits for that thread). Running JavaScript is
   * terminated; Java code running under the lock is not interrupted.
   */
  public void close() {
    stop();
    if (!holdsLock()) {
      boolean interrupted = false;
      while (true) {
        try {
          exit.get();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          break;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void stop() {
    closing = true;
    synchronized (lifecycle) {
      if (!runtimeFreed) {
        NodeApi.nodeffm_runtime_stop(runtime);
      }
    }
  }

  private static void closeAllAtExit() {
    List<EventLoop> open = new ArrayList<>(BY_ID.values());
    for (EventLoop loop : open) {
      loop.stop();
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SHUTDOWN_WAIT_MILLIS);
    for (EventLoop loop : open) {
      try {
        loop.exit.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException
          | ExecutionException
          | TimeoutException
          | IllegalStateException e) {
        // A runtime whose loop thread is busy in Java code: the JVM exits anyway.
      }
    }
  }

  // ------------------------------------------------------------------------ event loop thread

  private void runLoop() {
    int code = 1;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment message = arena.allocate(1024);
      code =
          NodeApi.nodeffm_runtime_run(
              runtime, arena.allocateFrom(bootstrap), STACK_RESERVE, message, message.byteSize());
      if (code < 0) {
        failure = message.getString(0);
        code = 1;
      }
    } catch (Throwable t) {
      failure = t.toString();
      failureCause = t;
    } finally {
      closing = true;
      synchronized (lifecycle) {
        runtimeFreed = true;
        // Direct callers still on their way into nodeffm_runtime_call() get NODEFFM_CALL_STOPPED
        // at once: wait for them, and let no other begin.
        callers.getAndIncrement();
        for (int spins = 0; callers.get() != 1; spins++) {
          if (spins < 1000) {
            Thread.onSpinWait();
          } else {
            Thread.yield();
          }
        }
        NodeApi.nodeffm_runtime_free(runtime);
      }
      if (exitCode == null) {
        exitCode = code;
      }
      if (failure == null && !ready.isDone()) {
        failure = "the environment stopped while it started";
      }
      ready.completeExceptionally(new IllegalStateException(String.valueOf(failure), failureCause));
      RuntimeClosedException closed = closedException();
      TaskQueue<Task<?>> tasksQueue = queue;
      if (tasksQueue != null) {
        tasksQueue.failAll(task -> task.result().completeExceptionally(closed));
      }
      try {
        listener.stopped(closed);
      } catch (Throwable t) {
        Upcalls.logQuietly("the runtime's stop listener failed", t);
      }
      BY_ID.remove(id);
      exit.complete(exitCode);
    }
  }

  /** The environment runs the bootstrap script, which asked for the binding: fill it. */
  private void onStart(MemorySegment napiEnv, MemorySegment exports) {
    try (NapiEnv env = env(napiEnv)) {
      try {
        listener.started(env, exports);
      } catch (RuntimeException | Error e) {
        failureCause = e;
        throw e;
      }
      MemorySegment out = env.allocate(ADDRESS);
      env.check(
          NodeApi.napi_create_threadsafe_function(
              napiEnv,
              MemorySegment.NULL,
              MemorySegment.NULL,
              env.string(name + " tasks"),
              0,
              1,
              MemorySegment.NULL,
              MemorySegment.NULL,
              MemorySegment.ofAddress(id),
              RUN_TASK,
              out),
          "napi_create_threadsafe_function");
      this.env = napiEnv;
      this.queue = new TaskQueue<>(runtime, out.get(ADDRESS, 0));
    }
  }

  /** The event loop stopped; the environment is about to be torn down. */
  private void onStop(int code) {
    closing = true;
    exitCode = code;
    TaskQueue<Task<?>> tasksQueue = queue;
    if (tasksQueue != null) {
      tasksQueue.close(); // Queued tasks fail at teardown (runLoop).
    }
  }

  /**
   * The task queue's doorbell rang: runs a batch of tasks inside the handle scope and the callback
   * scope that Node.js opened for the thread-safe function's call (their handles live until the
   * batch ends, at most {@link TaskQueue#BATCH} tasks' worth; their microtasks run after it).
   * Without an environment (teardown), the queued tasks fail.
   */
  private void runTasks(MemorySegment napiEnv) {
    TaskQueue<Task<?>> tasksQueue = queue;
    if (tasksQueue == null) {
      return;
    }
    if (napiEnv.equals(MemorySegment.NULL)) {
      RuntimeClosedException closed = closedException();
      tasksQueue.failAll(task -> task.result().completeExceptionally(closed));
    } else {
      tasksQueue.runBatch(task -> runQueued(napiEnv, task));
    }
  }

  private <T> void runQueued(MemorySegment napiEnv, Task<T> task) {
    try (NapiEnv env = env(napiEnv)) {
      task.work().run(env, task.result());
    } catch (Throwable t) {
      task.result().completeExceptionally(t);
    }
  }

  @Override
  public String toString() {
    return name + (isOpen() ? ", running" : exit.isDone() ? ", stopped" : "");
  }

  // ------------------------------------------------------------------------ from native code

  private static void runTask(
      MemorySegment env, MemorySegment jsCallback, MemorySegment context, MemorySegment data) {
    try {
      EventLoop loop = BY_ID.get(context.address());
      if (loop != null) {
        loop.runTasks(env);
      }
    } catch (Throwable t) {
      Upcalls.logQuietly("a task on the event loop failed", t);
    }
  }

  /** {@code nodeffm_direct_fn}: runs a direct call's work on the calling thread, under the lock. */
  private static void direct(MemorySegment napiEnv, MemorySegment data) {
    try {
      Direct<?> call = CALLING.get();
      if (call != null) {
        call.loop().runDirect(napiEnv, call);
      }
    } catch (Throwable t) {
      Upcalls.logQuietly("a direct call failed", t);
    }
  }

  /** A direct call's work: {@code nodeffm_runtime_call()} opened its handle and callback scope. */
  private <T> void runDirect(MemorySegment napiEnv, Direct<T> call) {
    if (napiEnv.equals(MemorySegment.NULL) || queue == null) {
      call.result().completeExceptionally(closedException());
      return;
    }
    try (NapiEnv env = env(napiEnv)) {
      call.work().run(env, call.result());
    } catch (Throwable t) {
      call.result().completeExceptionally(t);
    }
  }

  private static void start(long loopId, MemorySegment env, MemorySegment exports) {
    try {
      EventLoop loop = BY_ID.get(loopId);
      if (loop != null) {
        loop.onStart(env, exports);
      }
    } catch (Throwable t) {
      Upcalls.logQuietly("starting the runtime failed", t);
    }
  }

  private static void stop(long loopId, int exitCode) {
    try {
      EventLoop loop = BY_ID.get(loopId);
      if (loop != null) {
        loop.onStop(exitCode);
      }
    } catch (Throwable t) {
      Upcalls.logQuietly("stopping the runtime failed", t);
    }
  }
}
