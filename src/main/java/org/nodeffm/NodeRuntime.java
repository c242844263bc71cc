package org.nodeffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.nodeffm.internal.bindings.NodeApi;
import org.nodeffm.internal.bindings.nodeffm_finalize_listener;
import org.nodeffm.internal.bindings.nodeffm_report_listener;
import org.nodeffm.internal.bindings.nodeffm_task;

/**
 * One embedded Node.js environment and the thread that runs its event loop.
 *
 * <p>{@link #start()} creates the environment on a new thread and returns once it runs. Any
 * thread may then {@link #eval evaluate JavaScript}, {@linkplain #createThreadSafeFunction create
 * thread-safe functions} and {@link #close() stop} it; each of those waits for the event loop
 * thread, so none may be called from that thread (from a {@link ReportListener}).
 *
 * <p>JavaScript reaches Java through {@code nodeffm.report(tag, value)}, which calls the {@link
 * ReportListener} on the event loop thread.
 */
public final class NodeRuntime implements AutoCloseable {
  /** Receives {@code nodeffm.report(tag, value)} calls, on the event loop thread. */
  @FunctionalInterface
  public interface ReportListener {
    void report(long tag, double value);
  }

  private static final System.Logger LOG = System.getLogger(NodeRuntime.class.getName());
  private static final AtomicInteger RUNTIMES = new AtomicInteger();

  private final Path libnode;
  private final Arena upcalls = Arena.ofShared();
  private final MemorySegment runtime;
  private final Thread loopThread;
  private final AtomicLong lastTaskId = new AtomicLong();
  private final ConcurrentHashMap<Long, LoopTask<?>> tasks = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Long, ThreadSafeFunction> functions = new ConcurrentHashMap<>();
  private final AtomicLong lastFunctionId = new AtomicLong();
  private final CompletableFuture<Void> ready = new CompletableFuture<>();
  private final CompletableFuture<Integer> stopped = new CompletableFuture<>();
  private final Object lifecycle = new Object();
  private boolean runtimeFreed; // guarded by lifecycle
  private volatile boolean closing;
  private volatile ReportListener reportListener;
  private volatile String failure;

  /** Starts Node.js with the default libnode (see the README) and an empty bootstrap script. */
  public static NodeRuntime start() {
    return start("");
  }

  /**
   * Starts Node.js and runs {@code bootstrapScript} (CommonJS: {@code require} and {@code
   * nodeffm} are defined) before the event loop.
   *
   * @throws IllegalStateException if libnode is missing or the environment cannot start
   */
  public static NodeRuntime start(String bootstrapScript) {
    Objects.requireNonNull(bootstrapScript, "bootstrapScript");
    NodeRuntime runtime = new NodeRuntime(bootstrapScript);
    try {
      runtime.ready.join();
    } catch (CompletionException | CancellationException e) {
      runtime.close();
      throw new IllegalStateException("Node.js did not start: " + runtime.failure);
    }
    return runtime;
  }

  private NodeRuntime(String bootstrapScript) {
    libnode = LibNode.load();
    runtime =
        NodeApi.nodeffm_runtime_new(
            nodeffm_task.allocate(this::runTask, upcalls),
            nodeffm_report_listener.allocate(this::onReport, upcalls),
            nodeffm_finalize_listener.allocate(this::onFinalize, upcalls));
    // Runs first on the event loop: the environment is up.
    post(new LoopTask<Void>(env -> null, ready));
    loopThread =
        Thread.ofPlatform()
            .name("node-ffm-loop-" + RUNTIMES.incrementAndGet())
            .daemon()
            .unstarted(() -> runLoop(bootstrapScript));
    loopThread.start();
  }

  /** The libnode this process runs. */
  public Path libnode() {
    return libnode;
  }

  /** Sets who receives {@code nodeffm.report(tag, value)} calls; {@code null} ignores them. */
  public void onReport(ReportListener listener) {
    reportListener = listener;
  }

  /**
   * Runs a script in the global scope and returns its completion value as a string.
   *
   * @throws JavaScriptException if the script throws
   * @throws IllegalStateException if the runtime is closed
   */
  public String eval(String script) {
    Objects.requireNonNull(script, "script");
    return callOnLoop(env -> env.toJavaString(env.runScript(script)));
  }

  /**
   * Creates a thread-safe function that calls the JavaScript function {@code jsFunction} (an
   * expression, e.g. {@code "(n) => total += n"}) with each payload, as a Number. The calling
   * thread holds its first reference.
   *
   * @param maxQueueSize the queue's capacity; 0 for unlimited
   * @param context the value {@link ThreadSafeFunction#context()} returns
   * @throws IllegalArgumentException if {@code jsFunction} is not a function
   * @throws JavaScriptException if evaluating {@code jsFunction} throws
   * @throws IllegalStateException if the runtime is closed
   */
  public ThreadSafeFunction createThreadSafeFunction(
      String jsFunction, long maxQueueSize, long context) {
    Objects.requireNonNull(jsFunction, "jsFunction");
    if (maxQueueSize < 0) {
      throw new IllegalArgumentException("maxQueueSize must be >= 0, not " + maxQueueSize);
    }
    long id = lastFunctionId.incrementAndGet();
    ThreadSafeFunction function =
        callOnLoop(
            env -> {
              MemorySegment value = env.runScript("(" + jsFunction + "\n)");
              int type = env.typeOf(value);
              if (type != NodeApi.napi_function()) {
                throw new IllegalArgumentException(
                    "not a JavaScript function: " + jsFunction + " (napi_valuetype " + type + ")");
              }
              // One reference for the calling thread and one that ThreadSafeFunction holds
              // while any Java thread does.
              MemorySegment handle =
                  env.createThreadSafeFunction(value, maxQueueSize, 2, id, context);
              ThreadSafeFunction created = new ThreadSafeFunction(handle);
              functions.put(id, created);
              return created;
            });
    function.adoptCreatorReference();
    return function;
  }

  /** Whether the environment runs (started and not stopped). */
  public boolean isRunning() {
    return ready.isDone() && !ready.isCompletedExceptionally() && !stopped.isDone() && !closing;
  }

  /**
   * Stops the environment, from any thread, and waits until it is torn down (unless called on the
   * event loop thread). Thread-safe functions are finalized then; their Java handles stay usable
   * by the threads that hold references (calls return {@link NapiStatus#CLOSING}).
   */
  @Override
  public void close() {
    closing = true;
    synchronized (lifecycle) {
      if (!runtimeFreed) {
        NodeApi.nodeffm_runtime_stop(runtime);
      }
    }
    if (Thread.currentThread() != loopThread) {
      boolean interrupted = false;
      while (true) {
        try {
          stopped.get();
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

  // ------------------------------------------------------------------------ event loop thread

  private void runLoop(String bootstrapScript) {
    int exitCode = 1;
    String error = null;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment message = arena.allocate(1024);
      exitCode =
          NodeApi.nodeffm_runtime_run(
              runtime, arena.allocateFrom(bootstrapScript), message, message.byteSize());
      error = message.getString(0);
    } catch (Throwable t) {
      error = t.toString();
    } finally {
      synchronized (lifecycle) {
        runtimeFreed = true;
        NodeApi.nodeffm_runtime_free(runtime);
      }
      failure = error == null || error.isEmpty() ? "exit code " + exitCode : error;
      ready.completeExceptionally(new IllegalStateException(failure));
      tasks.values().forEach(LoopTask::cancel);
      tasks.clear();
      stopped.complete(exitCode);
      upcalls.close();
    }
  }

  private void runTask(MemorySegment env, long taskId) {
    LoopTask<?> task = tasks.remove(taskId);
    if (task == null) {
      return;
    }
    if (env.equals(MemorySegment.NULL)) {
      task.cancel();
    } else {
      task.run(env);
    }
  }

  private void onReport(long tag, double value) {
    ReportListener listener = reportListener;
    if (listener == null) {
      return;
    }
    try {
      listener.report(tag, value);
    } catch (Throwable t) {
      // An exception must not unwind into native code.
      LOG.log(System.Logger.Level.ERROR, "ReportListener threw", t);
    }
  }

  private void onFinalize(long functionId) {
    ThreadSafeFunction function = functions.remove(functionId);
    if (function != null) {
      function.markFinalized();
    }
  }

  // ------------------------------------------------------------------------ tasks

  private <T> T callOnLoop(Function<NapiEnv, T> body) {
    if (Thread.currentThread() == loopThread) {
      throw new IllegalStateException(
          "the event loop thread cannot wait for itself: do not call NodeRuntime from a"
              + " ReportListener");
    }
    LoopTask<T> task = new LoopTask<>(body, new CompletableFuture<>());
    post(task);
    try {
      return task.result.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the event loop", e);
    } catch (CancellationException e) {
      throw closed();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtimeException) {
        throw runtimeException;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  private void post(LoopTask<?> task) {
    long id = lastTaskId.incrementAndGet();
    tasks.put(id, task);
    synchronized (lifecycle) {
      if (!closing && !runtimeFreed && NodeApi.nodeffm_runtime_post(runtime, id) == 0) {
        return;
      }
    }
    tasks.remove(id);
    throw closed();
  }

  private static IllegalStateException closed() {
    return new IllegalStateException("the Node.js runtime is closed");
  }

  /** Work for the event loop thread and the future of its result. */
  private record LoopTask<T>(Function<NapiEnv, T> body, CompletableFuture<T> result) {
    void run(MemorySegment env) {
      try (NapiEnv napiEnv = new NapiEnv(env)) {
        result.complete(body.apply(napiEnv));
      } catch (Throwable t) {
        result.completeExceptionally(t);
      }
    }

    void cancel() {
      result.cancel(false);
    }
  }
}
