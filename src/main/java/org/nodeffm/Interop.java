package org.nodeffm;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.nodeffm.Helpers.Helper;
import org.nodeffm.internal.EventLoop;
import org.nodeffm.internal.LoopFuture;
import org.nodeffm.internal.NapiEnv;

/**
 * What a runtime's JavaScript and Java do together, below the API: the binding the bootstrap script
 * asks for (console, uncaught errors, settled Promises, the helpers), Promise results delivered to
 * Java futures, and the blocking wait of the API's blocking methods. One per runtime; the {@link
 * EventLoop}'s listener.
 */
final class Interop implements EventLoop.Listener {
  private static final System.Logger LOG = System.getLogger(Interop.class.getName());

  /** The bootstrap script, {@code bootstrap.js} beside this class. */
  static final String BOOTSTRAP = resource("bootstrap.js");

  final EventLoop loop;
  final Values values;
  private final Helpers helpers;
  private final Path baseDirectory;
  private final Consumer<String> stdout;
  private final Consumer<String> stderr;
  private final BiConsumer<JavaScriptException, Boolean> uncaughtErrors;
  private final AtomicLong lastSettlementId = new AtomicLong();

  /** Results waiting for a Promise to settle, by id. */
  private final ConcurrentHashMap<Long, Settlement> settlements = new ConcurrentHashMap<>();

  private record Settlement(LoopFuture<?> result, Class<?> type) {
    /** Completes the future with {@code value} converted to {@link #type}. */
    void complete(Values values, NapiEnv env, MemorySegment value) {
      complete(result, values.toJava(env, value, type));
    }

    @SuppressWarnings("unchecked")
    private static <T> void complete(LoopFuture<T> result, Object value) {
      result.complete((T) value);
    }
  }

  Interop(
      EventLoop loop,
      Values values,
      Helpers helpers,
      Path baseDirectory,
      Consumer<String> stdout,
      Consumer<String> stderr,
      BiConsumer<JavaScriptException, Boolean> uncaughtErrors) {
    this.loop = loop;
    this.values = values;
    this.helpers = helpers;
    this.baseDirectory = baseDirectory;
    this.stdout = stdout;
    this.stderr = stderr;
    this.uncaughtErrors = uncaughtErrors;
  }

  // ------------------------------------------------------------------------ the loop's moments

  @Override
  public void started(NapiEnv env, MemorySegment exports) {
    env.setProperty(exports, "baseDirectory", env.string(baseDirectory.toString()));
    binding(env, exports, "write", this::write);
    binding(env, exports, "uncaught", this::uncaught);
    binding(env, exports, "resolved", (e, self, args) -> settled(e, args, true));
    binding(env, exports, "rejected", (e, self, args) -> settled(e, args, false));
    binding(env, exports, "ready", this::ready);
  }

  @Override
  public RuntimeException exception(NapiEnv env, MemorySegment thrown) {
    return values.exception(env, thrown);
  }

  @Override
  public void stopped(RuntimeClosedException closed) {
    settlements.values().forEach(settlement -> settlement.result().completeExceptionally(closed));
    settlements.clear();
  }

  private void binding(NapiEnv env, MemorySegment exports, String name, Values.Handler handler) {
    env.setProperty(exports, name, values.function(env, name, handler));
  }

  /** binding.ready(helpers): the bootstrap script ran. */
  private MemorySegment ready(NapiEnv env, MemorySegment self, MemorySegment[] args) {
    helpers.keep(env, args[0]);
    loop.markReady();
    return null;
  }

  /** binding.write(fd, text): console and process.stdout/stderr. */
  private MemorySegment write(NapiEnv env, MemorySegment self, MemorySegment[] args) {
    Object fd = values.toJava(env, args[0]);
    String text = env.stringValue(args[1]);
    try {
      (Integer.valueOf(2).equals(fd) ? stderr : stdout).accept(text);
    } catch (Throwable t) {
      LOG.log(System.Logger.Level.ERROR, "the console consumer of " + loop.name() + " threw", t);
    }
    return null;
  }

  /** binding.uncaught(error, origin, runtimeStops), from process 'uncaughtExceptionMonitor'. */
  private MemorySegment uncaught(NapiEnv env, MemorySegment self, MemorySegment[] args) {
    JavaScriptException error = values.exception(env, args[0]);
    boolean stops = env.boolValue(args[2]);
    if (stops) {
      loop.fatalError(error);
    }
    try {
      uncaughtErrors.accept(error, stops);
    } catch (Throwable t) {
      LOG.log(System.Logger.Level.ERROR, "the ErrorListener of " + loop.name() + " threw", t);
    }
    return null;
  }

  // ------------------------------------------------------------------------ Promises to futures

  /**
   * Completes {@code result} with {@code value} converted to {@code type} (see {@link
   * Values#toJava(NapiEnv, MemorySegment, Class)}), or once it settles if it is a Promise.
   */
  <T> void settle(NapiEnv env, MemorySegment value, LoopFuture<T> result, Class<T> type) {
    if (env.isPromise(value)) {
      long settlementId = lastSettlementId.incrementAndGet();
      settlements.put(settlementId, new Settlement(result, type));
      try {
        helpers.call(env, Helper.SETTLE, value, env.int64(settlementId));
      } catch (RuntimeException e) {
        settlements.remove(settlementId);
        throw e;
      }
    } else {
      result.complete(values.toJava(env, value, type));
    }
  }

  /** binding.resolved(id, value) and binding.rejected(id, error). */
  private MemorySegment settled(NapiEnv env, MemorySegment[] args, boolean resolved) {
    long settlementId = ((Number) values.toJava(env, args[0])).longValue();
    Settlement settlement = settlements.remove(settlementId);
    if (settlement == null) {
      return null;
    }
    try {
      if (resolved) {
        settlement.complete(values, env, args[1]);
      } else {
        settlement.result().completeExceptionally(values.exception(env, args[1]));
      }
    } catch (Throwable t) {
      settlement.result().completeExceptionally(t);
    }
    return null;
  }

  // ------------------------------------------------------------------------ helpers

  /** Calls a helper of the bootstrap script with string arguments. */
  MemorySegment helper(NapiEnv env, Helper helper, String argument) {
    return helpers.call(env, helper, env.string(argument));
  }

  /** Calls a helper of the bootstrap script. */
  MemorySegment helper(NapiEnv env, Helper helper, MemorySegment... args) {
    return helpers.call(env, helper, args);
  }

  // ------------------------------------------------------------------------ blocking

  /**
   * Runs {@code work} on the calling thread (a direct call, see {@link EventLoop#call}) and waits
   * for its result (a Promise's settlement without the lock); rethrows its exception.
   */
  <T> T call(EventLoop.Work<T> work) {
    return await(loop.call(work));
  }

  /**
   * Waits for a result; rethrows its exception. On a thread that holds the runtime's lock (the loop
   * thread, or a thread inside a direct call), a result that is not there yet is an {@link
   * IllegalStateException}: the thread would wait for itself.
   */
  <T> T await(CompletableFuture<T> future) {
    if (!future.isDone() && loop.holdsLock()) {
      throw new IllegalStateException(
          "a blocking call on the Node.js event loop thread, or inside a direct call (a thread"
              + " that holds the runtime's lock), cannot wait for a Promise: that thread would wait"
              + " for itself (use the CompletableFuture variant there)");
    }
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(
          "interrupted while waiting for Node.js (the work still runs)", e);
    } catch (ExecutionException e) {
      throw rethrown(e.getCause());
    }
  }

  /**
   * The failure of work that a thread waited for, to throw on that thread: an exception of the same
   * class and message whose stack trace is the waiting thread's (a {@link JavaScriptException}'s
   * with the JavaScript frames first), and whose cause is the failure's own cause if it has one
   * (the Java exception a Java function threw, the uncaught error that stopped the runtime), else
   * the failure itself, which carries the stack of the event loop thread. An {@link Error} is
   * thrown as it is.
   */
  static RuntimeException rethrown(Throwable failure) {
    if (failure instanceof Error error) {
      throw error;
    }
    Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
    StackTraceElement[] here = callerFrames();
    RuntimeException copy =
        switch (failure) {
          case JavaScriptException js -> js.rethrown(here, cause);
          case RuntimeClosedException closed ->
              new RuntimeClosedException(closed.getMessage(), cause);
          case RuntimeException other -> sameClass(other, cause);
          default -> new IllegalStateException(failure);
        };
    if (copy == null) {
      return (RuntimeException) failure;
    }
    if (!(copy instanceof JavaScriptException)) {
      copy.setStackTrace(here);
    }
    return copy;
  }

  /** The stack of the waiting thread, from the API method it called. */
  private static StackTraceElement[] callerFrames() {
    StackTraceElement[] frames = new Throwable().getStackTrace();
    int first = 0;
    while (first < frames.length - 1
        && frames[first].getClassName().equals(Interop.class.getName())) {
      first++;
    }
    return Arrays.copyOfRange(frames, first, frames.length);
  }

  /** A new exception of the class of {@code failure}, or null if it has no usable constructor. */
  private static RuntimeException sameClass(RuntimeException failure, Throwable cause) {
    try {
      return failure
          .getClass()
          .getConstructor(String.class, Throwable.class)
          .newInstance(failure.getMessage(), cause);
    } catch (ReflectiveOperationException | RuntimeException e) {
      // No (String, Throwable) constructor: try (String).
    }
    try {
      RuntimeException copy =
          failure.getClass().getConstructor(String.class).newInstance(failure.getMessage());
      copy.initCause(cause);
      return copy;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  private static String resource(String name) {
    try (InputStream in = Interop.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing beside " + Interop.class.getName());
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
