package org.nodeffm;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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

  private record Settlement(LoopFuture<Object> result, boolean byReference) {}

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
   * Completes {@code result} with {@code value} converted to Java, or once it settles if it is a
   * Promise; objects by reference if {@code byReference}, else as {@link Values#toJava}.
   */
  void settle(NapiEnv env, MemorySegment value, LoopFuture<Object> result, boolean byReference) {
    if (env.isPromise(value)) {
      long settlementId = lastSettlementId.incrementAndGet();
      settlements.put(settlementId, new Settlement(result, byReference));
      try {
        helpers.call(env, Helper.SETTLE, value, env.int64(settlementId));
      } catch (RuntimeException e) {
        settlements.remove(settlementId);
        throw e;
      }
    } else {
      result.complete(byReference ? values.toJavaReference(env, value) : values.toJava(env, value));
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
        settlement
            .result()
            .complete(
                settlement.byReference()
                    ? values.toJavaReference(env, args[1])
                    : values.toJava(env, args[1]));
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
   * Waits for a result; rethrows its exception. On the loop thread, a result that is not there yet
   * is an {@link IllegalStateException}: the thread would wait for itself.
   */
  <T> T await(CompletableFuture<T> future) {
    if (loop.isLoopThread() && !future.isDone()) {
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
