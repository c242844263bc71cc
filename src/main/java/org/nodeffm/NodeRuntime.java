package org.nodeffm;

import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.nodeffm.Helpers.Helper;
import org.nodeffm.internal.EventLoop;
import org.nodeffm.internal.EventLoop.Work;
import org.nodeffm.internal.NativeThreadSafeFunction;
import org.nodeffm.napi.ThreadSafeFunction;

/**
 * One embedded Node.js environment and the thread that runs its event loop.
 *
 * <p>{@link #start()} (or {@link #builder()}) creates the environment on a new thread and returns
 * once it runs. <b>Any Java thread</b> may then use it, without a lock and without a "wrong thread"
 * error: {@link #eval} scripts, call {@link JsFunction}s and {@link JsObject} methods, {@link
 * #expose} Java functions and objects to JavaScript, {@link #require} and {@link #importModule}
 * modules, and {@link #close()} it. A blocking method runs its JavaScript on the calling thread,
 * which takes the runtime's lock for the call while the event loop keeps running on its own
 * thread (a direct call); an {@code Async} method queues the work to the event loop (the caller
 * takes no lock and never waits to queue). On a thread that holds the lock (inside a {@link
 * JavaFunction}), work runs at once. See the package documentation for which suits what.
 *
 * <p>Blocking and asynchronous variants follow one rule, the JDK's ({@code HttpClient.send} and
 * {@code sendAsync}): the plain name waits for the result ({@link #eval}, {@link #require}, {@link
 * JsFunction#call}); the same name with {@code Async} returns a {@link CompletableFuture} at once
 * ({@link #evalAsync}, {@link #requireAsync}, {@link JsFunction#callAsync}). A blocking method
 * does its {@code Async} twin's work on the calling thread, then waits for a Promise result if
 * there is one, and throws the failure with the caller's stack (see {@link JavaScriptException}).
 * On a thread that holds the runtime's lock (the event loop thread, or inside a direct call) a
 * blocking method throws {@link IllegalStateException} instead of waiting for itself when the
 * result is a Promise not yet settled. An interrupted wait throws {@link IllegalStateException} with the interrupt flag set
 * again (the work still runs). A virtual thread that waits for a Promise unmounts from its carrier;
 * one that waits for the runtime's lock (a direct call while another thread or the event loop
 * holds it) pins its carrier meanwhile: that wait happens in native code.
 *
 * <p>The event loop thread has a stack of 4 MiB; V8 may use all but the last 1 MiB of it; on a
 * thread that calls directly, all but the last 256 KiB of that thread's stack. So deep JavaScript
 * recursion (also through Java functions) ends in a {@code RangeError} on any thread.
 *
 * <p>Errors: a call whose JavaScript throws fails with {@link JavaScriptException}; an exception
 * nobody catches (in a timer, a thread-safe function's callback, an unhandled rejection) goes to
 * the {@link ErrorListener}, and stops the runtime as it would stop Node.js (exit code 1) unless
 * JavaScript listens for {@code 'uncaughtException'}. {@code process.exit()} stops this runtime
 * only; {@link #onExit()} gives its exit code. Work that cannot finish because the runtime stopped
 * fails with {@link RuntimeClosedException}. {@code worker_threads} Workers run, and stop with the
 * runtime.
 */
public final class NodeRuntime implements AutoCloseable {
  /**
   * Receives the exceptions JavaScript did not catch, on the thread that holds the runtime's lock
   * (the event loop thread, or a thread inside a direct call).
   */
  @FunctionalInterface
  public interface ErrorListener {
    /**
     * Called for each uncaught exception.
     *
     * @param error the uncaught exception (or unhandled rejection)
     * @param runtimeStops whether the runtime stops because of it (no {@code 'uncaughtException'}
     *     listener in JavaScript), as Node.js would exit
     */
    void uncaughtError(JavaScriptException error, boolean runtimeStops);
  }

  /** Options of a runtime; {@link #start()} starts it. */
  public static final class Builder {
    private NodeEngine engine;
    private Path baseDirectory = Path.of("").toAbsolutePath();
    private Consumer<String> stdout = text -> System.out.print(text);
    private Consumer<String> stderr = text -> System.err.print(text);
    private ErrorListener errorListener;
    private String bootstrap = "";
    private int inspectorPort = -1;

    private Builder() {}

    /**
     * The Node.js of this process, with its options. Default: {@link NodeEngine#get()}.
     *
     * @param engine the engine
     * @return this builder
     */
    public Builder engine(NodeEngine engine) {
      this.engine = Objects.requireNonNull(engine, "engine");
      return this;
    }

    /**
     * The folder {@code require()} and {@code import()} resolve from (CommonJS and ES modules:
     * relative paths, and packages in its {@code node_modules}). Default: the working directory.
     *
     * @param directory an existing folder
     * @return this builder
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
     * Receives what {@code console.log} and {@code process.stdout} write. Default: System.out.
     *
     * @param consumer the consumer, called by the thread that holds the runtime's lock
     * @return this builder
     */
    public Builder stdout(Consumer<String> consumer) {
      this.stdout = Objects.requireNonNull(consumer, "consumer");
      return this;
    }

    /**
     * Receives what {@code console.error} and {@code process.stderr} write. Default: System.err.
     *
     * @param consumer the consumer, called by the thread that holds the runtime's lock
     * @return this builder
     */
    public Builder stderr(Consumer<String> consumer) {
      this.stderr = Objects.requireNonNull(consumer, "consumer");
      return this;
    }

    /**
     * Receives uncaught JavaScript exceptions and unhandled rejections. Default: none.
     *
     * @param listener the listener, called by the thread that holds the runtime's lock
     * @return this builder
     */
    public Builder onUncaughtError(ErrorListener listener) {
      this.errorListener = listener;
      return this;
    }

    /**
     * A script run before {@link #start()} returns (as by {@link NodeRuntime#eval}).
     *
     * @param script the script
     * @return this builder
     */
    public Builder bootstrap(String script) {
      this.bootstrap = Objects.requireNonNull(script, "script");
      return this;
    }

    /**
     * Opens Node's inspector (what {@code node --inspect=127.0.0.1:port} opens) for this runtime:
     * Chrome DevTools, or any Chrome DevTools Protocol client, may then connect to {@link
     * NodeRuntime#inspectorUrl()}, set breakpoints and evaluate. It listens on 127.0.0.1 only.
     * Default: closed.
     *
     * @param port the TCP port; 0 for any free port
     * @return this builder
     */
    public Builder inspect(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("not a TCP port: " + port);
      }
      this.inspectorPort = port;
      return this;
    }

    /**
     * Starts the runtime.
     *
     * @return the runtime, running
     * @throws IllegalStateException if libnode is missing, the environment cannot start, or the
     *     inspector cannot listen (the cause says why)
     * @throws JavaScriptException if the bootstrap script throws
     */
    public NodeRuntime start() {
      return NodeRuntime.start(this);
    }
  }

  private final NodeEngine engine;
  private final Path baseDirectory;
  private final EventLoop loop;
  private final Interop interop;
  private volatile URI inspectorUrl;

  /**
   * Starts Node.js with the default options.
   *
   * @return the runtime, running
   * @throws IllegalStateException if libnode is missing or the environment cannot start
   */
  public static NodeRuntime start() {
    return builder().start();
  }

  /**
   * Starts Node.js and runs {@code bootstrapScript} before returning ({@code require} is defined).
   *
   * @param bootstrapScript the script
   * @return the runtime, running
   * @throws IllegalStateException if libnode is missing or the environment cannot start
   * @throws JavaScriptException if the script throws
   */
  public static NodeRuntime start(String bootstrapScript) {
    return builder().bootstrap(Objects.requireNonNull(bootstrapScript, "bootstrapScript")).start();
  }

  /**
   * Options for a runtime: engine, base directory, console, error listener, bootstrap script.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  private static NodeRuntime start(Builder options) {
    NodeRuntime runtime = new NodeRuntime(options);
    runtime.loop.awaitStart();
    if (options.inspectorPort >= 0) {
      try {
        runtime.inspectorUrl = URI.create(runtime.openInspector(options.inspectorPort));
      } catch (RuntimeException e) {
        runtime.close();
        throw new IllegalStateException(
            "Node.js did not start: its inspector cannot listen on 127.0.0.1:"
                + options.inspectorPort,
            e);
      }
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
    engine = options.engine != null ? options.engine : NodeEngine.get();
    baseDirectory = options.baseDirectory;
    loop = new EventLoop();
    Helpers helpers = new Helpers();
    Values values =
        new Values(
            loop,
            helpers,
            new Values.Wrapper() {
              @Override
              public JsReference wrap(MemorySegment ref, boolean function) {
                return NodeRuntime.this.wrap(ref, function);
              }

              @Override
              public Object proxy(JsReference object, Class<?> type) {
                return NodeRuntime.proxy(object, type);
              }
            });
    ErrorListener listener = options.errorListener;
    interop =
        new Interop(
            loop,
            values,
            helpers,
            baseDirectory,
            options.stdout,
            options.stderr,
            (error, stops) -> {
              if (listener != null) {
                listener.uncaughtError(error, stops);
              }
            });
    loop.start(Interop.BOOTSTRAP, interop);
  }

  /** The Java object for a JavaScript object or function of this runtime. */
  private JsReference wrap(MemorySegment ref, boolean function) {
    return function ? new JsFunction(interop, ref) : new JsObject(interop, ref, false);
  }

  /** {@code object} as the interface {@code type}. */
  private static Object proxy(JsReference object, Class<?> type) {
    return ((JsObject) object).as(type);
  }

  /** Opens the inspector on 127.0.0.1 and returns its WebSocket URL. */
  private String openInspector(int port) {
    return interop.call(
        (env, result) ->
            result.complete(
                interop.values.toJava(
                    env,
                    interop.helper(env, Helper.OPEN_INSPECTOR, env.int32(port)),
                    String.class)));
  }

  /**
   * The WebSocket URL of the runtime's inspector ({@code ws://127.0.0.1:port/id}), for Chrome
   * DevTools or any Chrome DevTools Protocol client, if {@link Builder#inspect(int)} opened it.
   *
   * @return the URL, or empty
   */
  public Optional<URI> inspectorUrl() {
    return Optional.ofNullable(inspectorUrl);
  }

  /**
   * The engine this runtime runs on.
   *
   * @return the engine
   */
  public NodeEngine engine() {
    return engine;
  }

  /**
   * The libnode this process runs.
   *
   * @return its path
   */
  public Path libnode() {
    return engine.libnode();
  }

  /**
   * The folder {@code require()} and {@code import()} resolve from.
   *
   * @return the folder
   */
  public Path baseDirectory() {
    return baseDirectory;
  }

  /**
   * Runs a script in the global scope (as {@code vm.runInThisContext}; {@code require} and {@code
   * import()} resolve from the base directory) and waits for its completion value, converted by the
   * package's table; a Promise is awaited.
   *
   * @param script the script
   * @return its completion value
   * @throws JavaScriptException if the script throws, or its Promise rejects
   * @throws RuntimeClosedException if the runtime is closed
   */
  public Object eval(String script) {
    return interop.call(evaluating(Object.class, script));
  }

  /**
   * {@link #eval(String)} with the completion value as {@code type} (see the package
   * documentation).
   *
   * @param type what the caller wants
   * @param script the script
   * @param <T> the type
   * @return its completion value
   * @throws ClassCastException if the value does not fit {@code type} without loss
   */
  public <T> T eval(Class<T> type, String script) {
    return interop.call(evaluating(type, script));
  }

  /**
   * {@link #eval(String)} without waiting.
   *
   * @param script the script
   * @return a future of its completion value
   */
  public CompletableFuture<Object> evalAsync(String script) {
    return evalAsync(Object.class, script);
  }

  /**
   * {@link #eval(Class, String)} without waiting.
   *
   * @param type what the caller wants
   * @param script the script
   * @param <T> the type
   * @return a future of its completion value
   */
  public <T> CompletableFuture<T> evalAsync(Class<T> type, String script) {
    return loop.submit(evaluating(type, script));
  }

  private <T> Work<T> evaluating(Class<T> type, String script) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(script, "script");
    return (env, result) ->
        interop.settle(env, interop.helper(env, Helper.EVALUATE, script), result, type);
  }

  /**
   * Evaluates a JavaScript expression whose value is a function, e.g. {@code "(a, b) => a + b"} or
   * {@code "require('lodash').chunk"}.
   *
   * @param expression the expression
   * @return the function
   * @throws IllegalArgumentException if the value is not a function
   * @throws JavaScriptException if evaluating it throws
   */
  public JsFunction function(String expression) {
    Objects.requireNonNull(expression, "expression");
    Object value =
        interop.call(
            (env, result) ->
                result.complete(
                    interop.values.toJavaReference(
                        env, interop.helper(env, Helper.EVALUATE, "(" + expression + "\n)"))));
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
   * @param module the module
   * @return the module's exports (a {@link JsFunction} if they are a function)
   * @throws JavaScriptException if the module cannot be found or throws
   * @throws ClassCastException if the module exports no object (use {@code eval(type,
   *     "require('...')")} for those)
   */
  public JsObject require(String module) {
    return interop.call(requiring(module));
  }

  /**
   * {@link #require} without waiting.
   *
   * @param module the module
   * @return a future of the module's exports
   */
  public CompletableFuture<JsObject> requireAsync(String module) {
    return loop.submit(requiring(module));
  }

  private Work<JsObject> requiring(String module) {
    Objects.requireNonNull(module, "module");
    return (env, result) ->
        result.complete(
            interop.values.toJava(env, interop.helper(env, Helper.REQUIRE, module), JsObject.class));
  }

  /**
   * {@code import(specifier)} from the base directory (an ES module, a CommonJS file, a package, a
   * TypeScript file through Node's type stripping) and waits for its namespace object.
   *
   * @param specifier the specifier
   * @return the module namespace object
   * @throws JavaScriptException if the module cannot be found, loaded or evaluated
   */
  public JsObject importModule(String specifier) {
    return interop.call(importing(specifier));
  }

  /**
   * {@link #importModule} without waiting.
   *
   * @param specifier the specifier
   * @return a future of the module namespace object
   */
  public CompletableFuture<JsObject> importModuleAsync(String specifier) {
    return loop.submit(importing(specifier));
  }

  private Work<JsObject> importing(String specifier) {
    Objects.requireNonNull(specifier, "specifier");
    return (env, result) ->
        interop.settle(
            env, interop.helper(env, Helper.IMPORT_MODULE, specifier), result, JsObject.class);
  }

  /**
   * The global object ({@code globalThis}).
   *
   * @return the global object
   */
  public JsObject global() {
    return interop.call(
        (env, result) -> result.complete(interop.values.toJava(env, env.global(), JsObject.class)));
  }

  /**
   * Makes {@code function} a global JavaScript function named {@code name} (blocking until it is
   * defined). See {@link JavaFunction} for how it is called.
   *
   * @param name the global's name
   * @param function the function
   */
  public void expose(String name, JavaFunction function) {
    Objects.requireNonNull(function, "function");
    define(name, function);
  }

  /**
   * Makes {@code object} a global JavaScript object named {@code name}, with its allowed methods
   * only (blocking until it is defined). See {@link JavaObject}.
   *
   * @param name the global's name
   * @param object the object and its allow-list
   */
  public void expose(String name, JavaObject object) {
    Objects.requireNonNull(object, "object");
    define(name, object);
  }

  private void define(String name, Object value) {
    Objects.requireNonNull(name, "name");
    interop.call(
        (env, result) -> {
          MemorySegment converted =
              value instanceof JavaFunction function
                  ? interop.values.functionValue(env, name, function)
                  : interop.values.toJs(env, value);
          env.setProperty(env.global(), name, converted);
          result.complete(null);
        });
  }

  /**
   * Creates a Node-API thread-safe function that calls {@code function} with each payload, as a
   * Number. The calling thread holds its first reference. If the JavaScript function throws, that
   * is an uncaught exception (see {@link ErrorListener}).
   *
   * @param function the JavaScript function, of this runtime
   * @param maxQueueSize the queue's capacity; 0 for unlimited
   * @param context the value {@link ThreadSafeFunction#context()} returns
   * @return the thread-safe function
   * @throws IllegalArgumentException if {@code maxQueueSize} is negative, or {@code function}
   *     belongs to another runtime
   * @throws RuntimeClosedException if the runtime is closed
   */
  public ThreadSafeFunction createThreadSafeFunction(
      JsFunction function, long maxQueueSize, long context) {
    Objects.requireNonNull(function, "function");
    if (maxQueueSize < 0) {
      throw new IllegalArgumentException("maxQueueSize must be >= 0, not " + maxQueueSize);
    }
    NativeThreadSafeFunction created =
        interop.call(
            (env, result) -> {
              result.complete(
                  loop.createThreadSafeFunction(env, function.valueIn(env), maxQueueSize, context));
              Reference.reachabilityFence(function);
            });
    created.adoptCreatorReference();
    return created;
  }

  /**
   * Whether the environment runs (started and not stopping).
   *
   * @return true while it runs
   */
  public boolean isRunning() {
    return loop.isOpen();
  }

  /**
   * Completes with the exit code once the runtime has stopped: the code of {@code process.exit()},
   * 1 after a fatal uncaught exception, 0 after {@link #close()}.
   *
   * @return a future of the exit code
   */
  public CompletableFuture<Integer> onExit() {
    return loop.onExit();
  }

  /**
   * Stops the environment, from any thread, and waits until it is torn down (unless called by a
   * thread that holds the runtime's lock: the event loop thread, or a thread inside a direct call,
   * which the teardown waits for). Running JavaScript is terminated (V8 {@code
   * TerminateExecution}) on whichever thread runs it, so even {@code while (true) {}} ends; Java
   * code running under the lock is not interrupted. Work
   * still queued, running, or waiting for a Promise completes with {@link RuntimeClosedException},
   * never with what JavaScript returned after the close began. Thread-safe functions are finalized;
   * their Java handles stay usable by the threads that hold references (calls return {@code
   * CLOSING}).
   */
  @Override
  public void close() {
    loop.close();
  }

  @Override
  public String toString() {
    return "NodeRuntime[" + loop + "]";
  }
}
