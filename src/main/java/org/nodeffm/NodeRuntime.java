package org.nodeffm;

import static java.lang.foreign.ValueLayout.ADDRESS;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.nodeffm.internal.bindings.NodeApi;

/**
 * One embedded Node.js environment and the thread that runs its event loop.
 *
 * <p>{@link #start()} (or {@link #builder()}) creates the environment on a new thread and returns
 * once it runs. <b>Any Java thread</b> may then use it, without a lock and without a "wrong thread"
 * error: {@link #evaluate} scripts, call {@link JsFunction}s and {@link JsObject} methods, {@link
 * #expose} Java functions to JavaScript, {@link #require} and {@link #importModule} modules, {@link
 * #createThreadSafeFunction create thread-safe functions}, and {@link #close()} it. Work from other
 * threads is queued to the event loop through a Node-API thread-safe function (the caller takes no
 * lock and never waits to queue); its result is a {@link CompletableFuture}. On the event loop
 * thread itself (inside a {@link JavaFunction}), work runs at once.
 *
 * <p>The blocking methods ({@link #eval}, {@link #function}, {@link #require}, {@link
 * JsFunction#invoke}, ...) wait for the result; on the event loop thread they throw {@link
 * IllegalStateException} instead of waiting for themselves when the result is a Promise that is not
 * settled yet. An interrupted wait throws {@link IllegalStateException} with the interrupt flag set
 * again (the work still runs). A virtual thread that waits unmounts from its carrier: no call of
 * this class waits inside native code.
 *
 * <p>The event loop thread has a stack of {@value #LOOP_STACK_SIZE} bytes; V8 may use all but the
 * last {@value #STACK_RESERVE} bytes of it, so deep JavaScript recursion (also through Java
 * callbacks) ends in a {@code RangeError}, whatever the JVM's {@code -Xss}.
 *
 * <p>Errors: a call whose JavaScript throws completes with {@link JavaScriptException}; an
 * exception nobody catches (in a timer, a thread-safe function's callback, an unhandled rejection)
 * goes to the {@link ErrorListener}, and stops the runtime as it would stop Node.js (exit code 1)
 * unless JavaScript listens for {@code 'uncaughtException'}. {@code process.exit()} stops this
 * runtime only; {@link #onExit()} gives its exit code. Work that cannot finish because the runtime
 * stopped completes with {@link RuntimeClosedException}.
 */
public final class NodeRuntime implements AutoCloseable {
  /** Receives {@code nodeffm.report(tag, value)} calls, on the event loop thread. */
  @FunctionalInterface
  public interface ReportListener {
    void report(long tag, double value);
  }

  /** Receives the exceptions JavaScript did not catch, on the event loop thread. */
  @FunctionalInterface
  public interface ErrorListener {
    /**
     * @param error the uncaught exception (or unhandled rejection)
     * @param runtimeStops whether the runtime stops because of it (no {@code 'uncaughtException'}
     *     listener in JavaScript), as Node.js would exit
     */
    void uncaughtError(JavaScriptException error, boolean runtimeStops);
  }

  /** Options of a runtime; {@link #start()} starts it. */
  public static final class Builder {
    private Path baseDirectory = Path.of("").toAbsolutePath();
    private List<String> nodeOptions = List.of();
    private Consumer<String> stdout = text -> System.out.print(text);
    private Consumer<String> stderr = text -> System.err.print(text);
    private ErrorListener errorListener;
    private String bootstrap = "";

    private Builder() {}

    /**
     * The folder {@code require()} and {@code import()} resolve from (CommonJS and ES modules:
     * relative paths, and packages in its {@code node_modules}). Default: the working directory.
     */
    public Builder baseDirectory(Path directory) {
      Objects.requireNonNull(directory, "directory");
      if (!Files.isDirectory(directory)) {
        throw new IllegalArgumentException("not a directory: " + directory);
      }
      this.baseDirectory = directory.toAbsolutePath().normalize();
      return this;
    }

    /**
     * Node.js command-line options, such as {@code --max-old-space-size=64} or {@code --expose-gc}.
     * Node.js reads them once per process: the first runtime of the process sets them, and a later
     * runtime that asks for different ones fails to start.
     */
    public Builder nodeOptions(String... options) {
      List<String> list = List.of(options);
      for (String option : list) {
        if (option.isEmpty() || option.indexOf('\0') >= 0) {
          throw new IllegalArgumentException("not a Node.js option: \"" + option + "\"");
        }
      }
      this.nodeOptions = list;
      return this;
    }

    /** Receives what {@code console.log} and {@code process.stdout} write. Default: System.out. */
    public Builder stdout(Consumer<String> consumer) {
      this.stdout = Objects.requireNonNull(consumer, "consumer");
      return this;
    }

    /**
     * Receives what {@code console.error} and {@code process.stderr} write. Default: System.err.
     */
    public Builder stderr(Consumer<String> consumer) {
      this.stderr = Objects.requireNonNull(consumer, "consumer");
      return this;
    }

    /** Receives uncaught JavaScript exceptions and unhandled rejections. Default: none. */
    public Builder onUncaughtError(ErrorListener listener) {
      this.errorListener = listener;
      return this;
    }

    /** A script run before {@link #start()} returns (as by {@link NodeRuntime#eval}). */
    public Builder bootstrap(String script) {
      this.bootstrap = Objects.requireNonNull(script, "script");
      return this;
    }

    /**
     * Starts the runtime.
     *
     * @throws IllegalStateException if libnode is missing, Node.js rejects the options, or the
     *     environment cannot start
     * @throws JavaScriptException if the bootstrap script throws
     */
    public NodeRuntime start() {
      return NodeRuntime.start(this);
    }
  }

  /** A JavaScript function backed by Java: a {@link Handles} entry. */
  record Callback(NodeRuntime runtime, Handler handler) {}

  /**
   * Java code behind a JavaScript function; returns a {@code napi_value}, or null for undefined.
   */
  @FunctionalInterface
  interface Handler {
    MemorySegment call(NapiEnv env, MemorySegment thisArg, MemorySegment[] args) throws Exception;
  }

  /** Work for the event loop thread; it completes its future itself (at once or later). */
  @FunctionalInterface
  interface Work<T> {
    void run(NapiEnv env, LoopFuture<T> result) throws Exception;
  }

  /** The bytes of the loop thread's stack. */
  static final long LOOP_STACK_SIZE = 4L << 20;

  /** The bytes at the end of that stack that V8 leaves to native and Java code it calls. */
  static final long STACK_RESERVE = 1L << 20;

  private static final System.Logger LOG = System.getLogger(NodeRuntime.class.getName());
  private static final Cleaner CLEANER = Cleaner.create();
  private static final AtomicLong LAST_ID = new AtomicLong();
  private static final ConcurrentHashMap<Long, NodeRuntime> BY_ID = new ConcurrentHashMap<>();

  /** How long the JVM's shutdown waits for open runtimes to stop. */
  private static final long SHUTDOWN_WAIT_MILLIS = 5_000;

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            Thread.ofPlatform().name("node-ffm-shutdown").unstarted(NodeRuntime::closeAllAtExit));
  }

  /** The bootstrap script: the binding, require/import from the base directory, stdio, errors. */
  private static final String BOOTSTRAP =
      """
      'use strict';
      const binding = process._linkedBinding('nodeffm');
      const path = require('path');
      const vm = require('vm');
      const { Writable } = require('stream');
      const { createRequire } = require('module');
      const referrer = path.join(binding.baseDirectory, '[node-ffm]');
      const options = {
        filename: referrer,
        displayErrors: false,
        importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
      };
      globalThis.require = createRequire(referrer);
      globalThis.nodeffm = { report: binding.report };
      function javaStream(fd) {
        const stream = new Writable({
          decodeStrings: false,
          write(chunk, encoding, callback) {
            binding.write(fd, typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
            callback();
          },
        });
        stream.fd = fd;
        stream.isTTY = false;
        return stream;
      }
      const stdout = javaStream(1);
      const stderr = javaStream(2);
      for (const [name, stream] of [['stdout', stdout], ['stderr', stderr]]) {
        Object.defineProperty(process, name, {
          configurable: true, enumerable: true, get: () => stream,
        });
      }
      process.on('uncaughtExceptionMonitor', (error, origin) => {
        const stops = process.listenerCount('uncaughtException') === 0 &&
                      !process.hasUncaughtExceptionCaptureCallback();
        binding.uncaught(error, origin, stops);
      });
      // The default loader for import() in scripts is all that resolves like a file in the base
      // directory; Node.js warns once, at the first import, that it is experimental: not to the
      // application.
      const emitWarning = process.emitWarning;
      process.emitWarning = (warning, ...rest) => {
        if (!String(warning).includes('USE_MAIN_CONTEXT_DEFAULT_LOADER')) {
          emitWarning.call(process, warning, ...rest);
        }
      };
      const importModule = vm.runInThisContext('(specifier) => import(specifier)', options);
      importModule('node:path').catch(() => {}); // Warns now, once (synchronously).
      process.emitWarning = emitWarning;
      const javaCause = Symbol('javaCause');
      binding.ready({
        objectPrototype: Object.prototype,
        evaluate: (source) => vm.runInThisContext(source, options),
        importModule,
        require: globalThis.require,
        settle: (promise, id) => {
          promise.then((value) => binding.resolved(id, value),
                       (error) => binding.rejected(id, error));
        },
        attachCause: (error, cause) => Object.defineProperty(error, javaCause, { value: cause }),
        causeOf: (error) => error[javaCause],
      });
      """;

  /** The helpers the bootstrap script hands over, by index in {@link #helpers}. */
  private static final String[] HELPER_NAMES = {
    "objectPrototype", "evaluate", "importModule", "require", "settle", "attachCause", "causeOf"
  };

  private static final int OBJECT_PROTOTYPE = 0;
  private static final int EVALUATE = 1;
  private static final int IMPORT_MODULE = 2;
  private static final int REQUIRE = 3;
  private static final int SETTLE = 4;
  private static final int ATTACH_CAUSE = 5;
  private static final int CAUSE_OF = 6;

  private final long id = LAST_ID.incrementAndGet();
  private final String name = "node-ffm-" + id;
  private final Path libnode;
  private final Path baseDirectory;
  private final Consumer<String> stdout;
  private final Consumer<String> stderr;
  private final ErrorListener errorListener;
  private final MemorySegment runtime;
  private final Thread loopThread;
  private final Object lifecycle = new Object();
  private boolean runtimeFreed; // guarded by lifecycle
  private final AtomicLong lastWorkId = new AtomicLong();

  /** Work queued to the event loop, by id. */
  private final ConcurrentHashMap<Long, Task<?>> tasks = new ConcurrentHashMap<>();

  /** Results waiting for a Promise to settle, by id. */
  private final ConcurrentHashMap<Long, Settlement> settlements = new ConcurrentHashMap<>();

  private final LoopFuture<Void> ready;
  private final LoopFuture<Integer> exit;
  private volatile boolean closing;
  private volatile ReportListener reportListener;
  private volatile JavaScriptException fatalError;
  private volatile Integer exitCode;
  private volatile String failure;

  // Set on the loop thread when the environment starts; read by other threads after `ready`.
  private volatile MemorySegment env = MemorySegment.NULL;
  private volatile ThreadSafeFunction queue;

  /** napi_refs of the bootstrap's helpers; loop thread only. */
  private final MemorySegment[] helpers = new MemorySegment[HELPER_NAMES.length];

  private record Task<T>(Work<T> work, LoopFuture<T> result) {}

  private record Settlement(LoopFuture<Object> result, boolean byReference) {}

  /** Starts Node.js with the default options. */
  public static NodeRuntime start() {
    return builder().start();
  }

  /**
   * Starts Node.js and runs {@code bootstrapScript} before returning ({@code require} and {@code
   * nodeffm} are defined).
   *
   * @throws IllegalStateException if libnode is missing or the environment cannot start
   * @throws JavaScriptException if the script throws
   */
  public static NodeRuntime start(String bootstrapScript) {
    return builder().bootstrap(Objects.requireNonNull(bootstrapScript, "bootstrapScript")).start();
  }

  /** Options for a runtime: base directory, Node.js options, console, error listener. */
  public static Builder builder() {
    return new Builder();
  }

  private static NodeRuntime start(Builder options) {
    NodeRuntime runtime = new NodeRuntime(options);
    try {
      runtime.ready.get();
    } catch (ExecutionException | CancellationException | InterruptedException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      runtime.close();
      throw new IllegalStateException("Node.js did not start: " + runtime.failure);
    }
    if (!options.bootstrap.isEmpty()) {
      try {
        runtime.eval(options.bootstrap);
      } catch (RuntimeException e) {
        runtime.close();
        throw e;
      }
    }
    return runtime;
  }

  private NodeRuntime(Builder options) {
    libnode = LibNode.load(options.nodeOptions);
    baseDirectory = options.baseDirectory;
    stdout = options.stdout;
    stderr = options.stderr;
    errorListener = options.errorListener;
    runtime = NodeApi.nodeffm_runtime_new(id, Upcalls.START, Upcalls.STOP, Upcalls.FINALIZED);
    loopThread =
        Thread.ofPlatform().name(name).daemon().stackSize(LOOP_STACK_SIZE).unstarted(this::runLoop);
    ready = new LoopFuture<>(loopThread);
    exit = new LoopFuture<>(loopThread);
    BY_ID.put(id, this);
    loopThread.start();
  }

  static NodeRuntime byId(long id) {
    return BY_ID.get(id);
  }

  /** The libnode this process runs. */
  public Path libnode() {
    return libnode;
  }

  /** The folder {@code require()} and {@code import()} resolve from. */
  public Path baseDirectory() {
    return baseDirectory;
  }

  /** Sets who receives {@code nodeffm.report(tag, value)} calls; {@code null} ignores them. */
  public void onReport(ReportListener listener) {
    reportListener = listener;
  }

  /**
   * Runs a script in the global scope (as {@code vm.runInThisContext}; {@code require} and {@code
   * import()} resolve from the base directory). The future completes with its completion value
   * converted to Java (see {@link JsFunction#call}); a Promise is awaited.
   */
  public CompletableFuture<Object> evaluate(String script) {
    Objects.requireNonNull(script, "script");
    return submit(
        (env, result) ->
            settle(
                env,
                env.call(env.undefined(), helper(env, EVALUATE), env.string(script)),
                result,
                false));
  }

  /**
   * Runs a script in the global scope and returns its completion value as a string ({@code
   * String(value)}, a Promise is not awaited).
   *
   * @throws JavaScriptException if the script throws
   * @throws RuntimeClosedException if the runtime is closed
   */
  public String eval(String script) {
    Objects.requireNonNull(script, "script");
    return await(
        submit(
            (env, result) ->
                result.complete(
                    env.toJavaString(
                        env.call(env.undefined(), helper(env, EVALUATE), env.string(script))))));
  }

  /**
   * Evaluates a JavaScript expression whose value is a function, e.g. {@code "(a, b) => a + b"} or
   * {@code "require('lodash').chunk"}.
   *
   * @throws IllegalArgumentException if the value is not a function
   * @throws JavaScriptException if evaluating it throws
   */
  public JsFunction function(String expression) {
    Objects.requireNonNull(expression, "expression");
    Object value =
        await(
            submit(
                (env, result) ->
                    result.complete(
                        Values.toJavaReference(
                            env,
                            env.call(
                                env.undefined(),
                                helper(env, EVALUATE),
                                env.string("(" + expression + "\n)"))))));
    if (value instanceof JsFunction function) {
      return function;
    }
    throw new IllegalArgumentException(
        "not a JavaScript function: "
            + expression
            + " ("
            + (value == null ? "null" : value.getClass().getSimpleName())
            + ")");
  }

  /**
   * {@code require(module)} from the base directory: a built-in module, a relative path or a
   * package in {@code node_modules}.
   *
   * @return the module's exports, as a {@link JsObject} (a {@link JsFunction} if they are a
   *     function); other values converted as by {@link JsFunction#call}
   * @throws JavaScriptException if the module cannot be found or throws
   */
  public Object require(String module) {
    Objects.requireNonNull(module, "module");
    return await(
        submit(
            (env, result) ->
                result.complete(
                    Values.toJavaReference(
                        env,
                        env.call(env.undefined(), helper(env, REQUIRE), env.string(module))))));
  }

  /**
   * {@code import(specifier)} from the base directory (an ES module or CommonJS file, a package);
   * the future completes with the module namespace object.
   */
  public CompletableFuture<JsObject> importModule(String specifier) {
    Objects.requireNonNull(specifier, "specifier");
    CompletableFuture<Object> namespace =
        submit(
            (env, result) ->
                settle(
                    env,
                    env.call(env.undefined(), helper(env, IMPORT_MODULE), env.string(specifier)),
                    result,
                    true));
    return namespace.thenApply(JsObject.class::cast);
  }

  /**
   * Makes {@code function} a global JavaScript function named {@code name} (blocking until it is
   * defined). See {@link JavaFunction} for how it is called.
   */
  public void expose(String name, JavaFunction function) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(function, "function");
    await(
        submit(
            (env, result) -> {
              env.setProperty(env.global(), name, functionValue(env, name, function));
              result.complete(null);
            }));
  }

  /**
   * Creates a thread-safe function that calls the JavaScript function {@code jsFunction} (an
   * expression, e.g. {@code "(n) => total += n"}) with each payload, as a Number. The calling
   * thread holds its first reference. If the JavaScript function throws, that is an uncaught
   * exception (see {@link ErrorListener}).
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
    ThreadSafeFunction function =
        await(
            submit(
                (env, result) -> {
                  MemorySegment value =
                      env.call(
                          env.undefined(),
                          helper(env, EVALUATE),
                          env.string("(" + jsFunction + "\n)"));
                  int type = env.typeOf(value);
                  if (type != NodeApi.napi_function()) {
                    throw new IllegalArgumentException(
                        "not a JavaScript function: "
                            + jsFunction
                            + " (napi_valuetype "
                            + type
                            + ")");
                  }
                  long handle = Handles.add(Boolean.FALSE); // Replaced below, once created.
                  MemorySegment out = env.allocate(ADDRESS);
                  // One reference for the calling thread, one that ThreadSafeFunction holds while
                  // any Java thread does.
                  int status =
                      NodeApi.napi_create_threadsafe_function(
                          env.env,
                          value,
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
                  ThreadSafeFunction created =
                      ThreadSafeFunction.created(out.get(ADDRESS, 0), loopThread, maxQueueSize);
                  // The finalizer runs on the loop thread, after this task: the entry is in place.
                  Handles.replace(handle, created);
                  result.complete(created);
                }));
    function.adoptCreatorReference();
    return function;
  }

  /** Whether the environment runs (started and not stopping). */
  public boolean isRunning() {
    return ready.isDone() && !ready.isCompletedExceptionally() && !exit.isDone() && !closing;
  }

  /**
   * Completes with the exit code once the runtime has stopped: the code of {@code process.exit()},
   * 1 after a fatal uncaught exception, 0 after {@link #close()}.
   */
  public CompletableFuture<Integer> onExit() {
    return exit.copy();
  }

  /**
   * Stops the environment, from any thread, and waits until it is torn down (unless called on the
   * event loop thread). Running JavaScript is terminated (V8 {@code TerminateExecution}), so even
   * {@code while (true) {}} ends; Java code running on the loop thread is not interrupted. Work
   * still queued, running, or waiting for a Promise completes with {@link RuntimeClosedException},
   * never with what JavaScript returned after the close began. Thread-safe functions are finalized;
   * their Java handles stay usable by the threads that hold references (calls return {@link
   * NapiStatus#CLOSING}).
   */
  @Override
  public void close() {
    stop();
    if (Thread.currentThread() != loopThread) {
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

  @Override
  public String toString() {
    return "NodeRuntime["
        + name
        + (isRunning() ? ", running" : exit.isDone() ? ", stopped" : "")
        + "]";
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
    List<NodeRuntime> open = new ArrayList<>(BY_ID.values());
    for (NodeRuntime runtime : open) {
      runtime.stop();
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SHUTDOWN_WAIT_MILLIS);
    for (NodeRuntime runtime : open) {
      try {
        runtime.exit.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException
          | ExecutionException
          | TimeoutException
          | IllegalStateException e) {
        // A runtime whose loop thread is busy in Java code: the JVM exits anyway.
      }
    }
  }

  // ------------------------------------------------------------------------ work from any thread

  /**
   * Runs {@code work} on the event loop: at once on the loop thread, else queued through the task
   * queue's shared reference (no lock; the queue is unbounded, so the caller never waits).
   */
  <T> LoopFuture<T> submit(Work<T> work) {
    // Completed with RuntimeClosedException once the runtime begins to stop (see LoopFuture).
    LoopFuture<T> result = new LoopFuture<>(loopThread, this);
    ThreadSafeFunction tasksQueue = queue;
    if (Thread.currentThread() == loopThread) {
      if (tasksQueue == null || !isLoopRunning()) {
        result.completeExceptionally(closedException());
      } else {
        runInline(work, result);
      }
      return result;
    }
    if (tasksQueue == null || closing) {
      result.completeExceptionally(closedException());
      return result;
    }
    long taskId = lastWorkId.incrementAndGet();
    tasks.put(taskId, new Task<>(work, result));
    if (tasksQueue.callShared(taskId) != NapiStatus.OK) {
      tasks.remove(taskId);
      result.completeExceptionally(closedException());
    }
    return result;
  }

  /** Waits for a result (see the class comment); rethrows its exception. */
  <T> T await(CompletableFuture<T> future) {
    if (Thread.currentThread() == loopThread && !future.isDone()) {
      throw new IllegalStateException(
          "a blocking call on the Node.js event loop thread cannot wait for a Promise: that thread"
              + " would wait for itself (use the CompletableFuture variant there)");
    }
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(
          "interrupted while waiting for Node.js (the work still runs)", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtimeException) {
        throw runtimeException;
      }
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  boolean isLoopRunning() {
    return !closing && NodeApi.nodeffm_runtime_is_running(runtime) != 0;
  }

  /**
   * Whether the runtime has begun to stop ({@link #isLoopRunning} is false), from any thread: off
   * the loop thread under the lock that keeps the native runtime from being freed meanwhile.
   */
  boolean hasBegunToStop() {
    if (Thread.currentThread() == loopThread) {
      return !isLoopRunning();
    }
    synchronized (lifecycle) {
      return runtimeFreed || !isLoopRunning();
    }
  }

  RuntimeClosedException closedException() {
    Integer code = exitCode;
    JavaScriptException fatal = fatalError;
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

  // ------------------------------------------------------------------------ event loop thread

  private void runLoop() {
    int code = 1;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment message = arena.allocate(1024);
      code =
          NodeApi.nodeffm_runtime_run(
              runtime, arena.allocateFrom(BOOTSTRAP), STACK_RESERVE, message, message.byteSize());
      if (code < 0) {
        failure = message.getString(0);
        code = 1;
      }
    } catch (Throwable t) {
      failure = t.toString();
    } finally {
      closing = true;
      synchronized (lifecycle) {
        runtimeFreed = true;
        NodeApi.nodeffm_runtime_free(runtime);
      }
      if (exitCode == null) {
        exitCode = code;
      }
      if (failure == null && !ready.isDone()) {
        failure = "the environment stopped while it started";
      }
      ready.completeExceptionally(new IllegalStateException(String.valueOf(failure)));
      RuntimeClosedException closed = closedException();
      tasks.values().forEach(task -> task.result().completeExceptionally(closed));
      tasks.clear();
      settlements.values().forEach(settlement -> settlement.result().completeExceptionally(closed));
      settlements.clear();
      BY_ID.remove(id);
      exit.complete(exitCode);
    }
  }

  /** The environment runs the bootstrap script, which asked for the binding: fill it. */
  void onStart(MemorySegment napiEnv, MemorySegment exports) {
    try (NapiEnv env = new NapiEnv(this, napiEnv)) {
      env.setProperty(exports, "baseDirectory", env.string(baseDirectory.toString()));
      internalFunction(env, exports, "report", this::report);
      internalFunction(env, exports, "write", this::write);
      internalFunction(env, exports, "uncaught", this::uncaught);
      internalFunction(env, exports, "resolved", (e, self, args) -> settled(e, args, true));
      internalFunction(env, exports, "rejected", (e, self, args) -> settled(e, args, false));
      internalFunction(env, exports, "ready", this::started);
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
              Upcalls.RUN_TASK,
              out),
          "napi_create_threadsafe_function");
      this.env = napiEnv;
      this.queue = ThreadSafeFunction.sharedQueue(out.get(ADDRESS, 0), loopThread);
    }
  }

  /** binding.ready(helpers): the bootstrap script ran. */
  private MemorySegment started(NapiEnv env, MemorySegment self, MemorySegment[] args) {
    for (int i = 0; i < HELPER_NAMES.length; i++) {
      helpers[i] = env.reference(env.namedProperty(args[0], HELPER_NAMES[i]));
    }
    ready.complete(null);
    return null;
  }

  /** The event loop stopped; the environment is about to be torn down. */
  void onStop(int code) {
    closing = true;
    exitCode = code;
    ThreadSafeFunction tasksQueue = queue;
    if (tasksQueue != null) {
      tasksQueue.closeShared(); // Queued tasks are cancelled at teardown (env == NULL).
    }
  }

  void runTask(MemorySegment napiEnv, long taskId) {
    Task<?> task = tasks.remove(taskId);
    if (task == null) {
      return;
    }
    if (napiEnv.equals(MemorySegment.NULL)) {
      task.result().completeExceptionally(closedException());
      return;
    }
    run(napiEnv, task);
  }

  private <T> void run(MemorySegment napiEnv, Task<T> task) {
    try (NapiEnv env = new NapiEnv(this, napiEnv)) {
      task.work().run(env, task.result());
    } catch (Throwable t) {
      task.result().completeExceptionally(t);
    }
  }

  private <T> void runInline(Work<T> work, LoopFuture<T> result) {
    MemorySegment napiEnv = env;
    try (NapiEnv env = new NapiEnv(this, napiEnv)) {
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

  MemorySegment helper(NapiEnv env, int index) {
    return env.referenceValue(helpers[index]);
  }

  /** {@link #settle} by value, for {@link JsObject} and {@link JsFunction}. */
  void settleValue(NapiEnv env, MemorySegment value, LoopFuture<Object> result) {
    settle(env, value, result, false);
  }

  /** Completes {@code result} with {@code value}, or once it settles if it is a Promise. */
  private void settle(
      NapiEnv env, MemorySegment value, LoopFuture<Object> result, boolean byReference) {
    if (env.isPromise(value)) {
      long settlementId = lastWorkId.incrementAndGet();
      settlements.put(settlementId, new Settlement(result, byReference));
      try {
        env.call(env.undefined(), helper(env, SETTLE), value, env.int64(settlementId));
      } catch (RuntimeException e) {
        settlements.remove(settlementId);
        throw e;
      }
    } else {
      result.complete(byReference ? Values.toJavaReference(env, value) : Values.toJava(env, value));
    }
  }

  /** binding.resolved(id, value) and binding.rejected(id, error). */
  private MemorySegment settled(NapiEnv env, MemorySegment[] args, boolean resolved) {
    long settlementId = ((Number) Values.toJava(env, args[0])).longValue();
    Settlement settlement = settlements.remove(settlementId);
    if (settlement == null) {
      return null;
    }
    try {
      if (resolved) {
        settlement
            .result()
            .complete(
                settlement.byReference()
                    ? Values.toJavaReference(env, args[1])
                    : Values.toJava(env, args[1]));
      } else {
        settlement.result().completeExceptionally(Values.exception(env, args[1]));
      }
    } catch (Throwable t) {
      settlement.result().completeExceptionally(t);
    }
    return null;
  }

  // ------------------------------------------------------------------------ JavaScript calls Java

  /** From {@link Upcalls}: JavaScript called the function of {@code callback}. */
  MemorySegment invoke(
      MemorySegment napiEnv, Callback callback, MemorySegment thisArg, MemorySegment[] args) {
    try (NapiEnv env = new NapiEnv(this, napiEnv)) {
      try {
        MemorySegment result = callback.handler().call(env, thisArg, args);
        return result == null ? MemorySegment.NULL : result;
      } catch (Throwable t) {
        throwToJs(env, t);
        return MemorySegment.NULL;
      }
    }
  }

  private void internalFunction(NapiEnv env, MemorySegment exports, String name, Handler handler) {
    long handle = Handles.add(new Callback(this, handler));
    MemorySegment function = env.function(name, handle);
    env.releaseWhenCollected(function, handle);
    env.setProperty(exports, name, function);
  }

  /** A JavaScript function that calls {@code function}. */
  MemorySegment functionValue(NapiEnv env, String name, JavaFunction function) {
    Handler handler =
        (e, self, args) -> {
          Object[] javaArgs = new Object[args.length];
          for (int i = 0; i < args.length; i++) {
            javaArgs[i] = Values.toJava(e, args[i]);
          }
          return Values.toJs(e, function.call(javaArgs));
        };
    long handle = Handles.add(new Callback(this, handler));
    MemorySegment value = env.function(name, handle);
    env.releaseWhenCollected(value, handle);
    return value;
  }

  /** A Promise settled when {@code stage} completes. */
  MemorySegment promiseFor(NapiEnv env, CompletionStage<?> stage) {
    MemorySegment[] deferred = new MemorySegment[1];
    MemorySegment promise = env.promise(deferred);
    MemorySegment settle = deferred[0];
    stage.whenComplete(
        (value, error) ->
            submit(
                (e, result) -> {
                  if (error == null) {
                    MemorySegment converted;
                    try {
                      converted = Values.toJs(e, value);
                    } catch (RuntimeException conversion) {
                      e.reject(settle, errorValue(e, conversion));
                      result.complete(null);
                      return;
                    }
                    e.resolve(settle, converted);
                  } else {
                    Throwable cause =
                        error instanceof CompletionException && error.getCause() != null
                            ? error.getCause()
                            : error;
                    e.reject(settle, errorValue(e, cause));
                  }
                  result.complete(null);
                }));
    return promise;
  }

  /** Throws {@code t} into JavaScript as the current call returns. */
  private void throwToJs(NapiEnv env, Throwable t) {
    if (!isLoopRunning()) {
      return; // JavaScript is being terminated: nothing can catch it.
    }
    try {
      env.throwValue(errorValue(env, t));
    } catch (Throwable again) {
      Upcalls.logQuietly("could not throw a Java exception into JavaScript", again);
    }
  }

  /**
   * The JavaScript value for a Java exception: the original value if it is a JavaScript exception
   * of this runtime, else an Error whose message is {@code t.toString()}, with {@code t} attached
   * as its Java cause.
   */
  private MemorySegment errorValue(NapiEnv env, Throwable t) {
    if (t instanceof JavaScriptException js) {
      if (js.thrown() instanceof JsObject object && object.runtime() == this) {
        return object.valueIn(env);
      }
      if (js.thrown() != null && !(js.thrown() instanceof JsObject)) {
        return Values.toJs(env, js.thrown());
      }
    }
    MemorySegment error = env.error(String.valueOf(t));
    try {
      long handle = Handles.add(t);
      env.call(env.undefined(), helper(env, ATTACH_CAUSE), error, env.external(handle));
    } catch (RuntimeException e) {
      // The error without its Java cause.
    }
    return error;
  }

  /** The Java exception attached to a JavaScript error by {@link #errorValue}, or null. */
  Throwable javaCauseOf(NapiEnv env, MemorySegment error) {
    MemorySegment cause = env.call(env.undefined(), helper(env, CAUSE_OF), error);
    if (env.typeOf(cause) != NodeApi.napi_external()) {
      return null;
    }
    return Handles.get(env.externalValue(cause)) instanceof Throwable t ? t : null;
  }

  /** A {@link JsObject} (or {@link JsFunction}) that keeps {@code value} alive. */
  JsObject reference(NapiEnv env, MemorySegment value, boolean function) {
    MemorySegment ref = env.reference(value);
    JsObject object = function ? new JsFunction(this, ref) : new JsObject(this, ref);
    CLEANER.register(object, () -> deleteReference(ref));
    return object;
  }

  private void deleteReference(MemorySegment ref) {
    if (!closing) {
      submit(
          (env, result) -> {
            env.deleteReference(ref);
            result.complete(null);
          });
    }
  }

  boolean isPlainObject(NapiEnv env, MemorySegment object) {
    MemorySegment prototype = env.prototypeOf(object);
    return env.typeOf(prototype) == NodeApi.napi_null()
        || env.strictEquals(prototype, helper(env, OBJECT_PROTOTYPE));
  }

  // ------------------------------------------------------------------------ the binding

  /** nodeffm.report(tag, value). */
  private MemorySegment report(NapiEnv env, MemorySegment self, MemorySegment[] args) {
    if (args.length < 2
        || !(Values.toJava(env, args[0]) instanceof Number tag)
        || !(Values.toJava(env, args[1]) instanceof Number value)) {
      throw new IllegalArgumentException("nodeffm.report(tag, value) takes two numbers");
    }
    ReportListener listener = reportListener;
    if (listener != null) {
      try {
        listener.report(tag.longValue(), value.doubleValue());
      } catch (Throwable t) {
        LOG.log(System.Logger.Level.ERROR, "ReportListener threw", t);
      }
    }
    return null;
  }

  /** binding.write(fd, text): console and process.stdout/stderr. */
  private MemorySegment write(NapiEnv env, MemorySegment self, MemorySegment[] args) {
    Object fd = Values.toJava(env, args[0]);
    String text = env.stringValue(args[1]);
    try {
      (Integer.valueOf(2).equals(fd) ? stderr : stdout).accept(text);
    } catch (Throwable t) {
      LOG.log(System.Logger.Level.ERROR, "the console consumer of " + name + " threw", t);
    }
    return null;
  }

  /** binding.uncaught(error, origin, runtimeStops), from process 'uncaughtExceptionMonitor'. */
  private MemorySegment uncaught(NapiEnv env, MemorySegment self, MemorySegment[] args) {
    JavaScriptException error = Values.exception(env, args[0]);
    boolean stops = env.boolValue(args[2]);
    if (stops) {
      fatalError = error;
    }
    ErrorListener listener = errorListener;
    if (listener != null) {
      try {
        listener.uncaughtError(error, stops);
      } catch (Throwable t) {
        LOG.log(System.Logger.Level.ERROR, "the ErrorListener of " + name + " threw", t);
      }
    }
    return null;
  }
}
