package org.nodeffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.nodeffm.internal.bindings.NodeApi;
import org.nodeffm.internal.bindings.napi_callback;
import org.nodeffm.internal.bindings.napi_finalize;
import org.nodeffm.internal.bindings.napi_threadsafe_function_call_js;
import org.nodeffm.internal.bindings.nodeffm_finalize_listener;
import org.nodeffm.internal.bindings.nodeffm_start_listener;
import org.nodeffm.internal.bindings.nodeffm_stop_listener;

/**
 * The entry points from native code into Java, as FFM upcall stubs made once per process. None lets
 * an exception escape into native code (that would end the JVM): each catches everything.
 */
final class Upcalls {
  private static final System.Logger LOG = System.getLogger(Upcalls.class.getName());

  /** Arguments read without a second napi_get_cb_info call. */
  private static final int USUAL_ARGUMENTS = 8;

  /**
   * {@code napi_callback} of every JavaScript function backed by Java; data: a {@link Handles} id.
   */
  static final MemorySegment CALL = napi_callback.allocate(Upcalls::call, Arena.global());

  /** {@code napi_finalize} that removes the {@link Handles} entry whose id is its data. */
  static final MemorySegment RELEASE_HANDLE =
      napi_finalize.allocate(Upcalls::releaseHandle, Arena.global());

  /** {@code call_js_cb} of the runtimes' task queues; context: runtime id, data: task id. */
  static final MemorySegment RUN_TASK =
      napi_threadsafe_function_call_js.allocate(Upcalls::runTask, Arena.global());

  static final MemorySegment START =
      nodeffm_start_listener.allocate(Upcalls::start, Arena.global());
  static final MemorySegment STOP = nodeffm_stop_listener.allocate(Upcalls::stop, Arena.global());

  /** Finalize listener of the thread-safe functions: marks the Java handle finalized. */
  static final MemorySegment FINALIZED =
      nodeffm_finalize_listener.allocate(Upcalls::finalized, Arena.global());

  private Upcalls() {}

  private static MemorySegment call(MemorySegment env, MemorySegment info) {
    // Only the scratch memory of the loop thread: no runtime yet.
    try (NapiEnv frame = new NapiEnv(null, env)) {
      MemorySegment argc = frame.allocate(JAVA_LONG);
      argc.set(JAVA_LONG, 0, USUAL_ARGUMENTS);
      MemorySegment argv = frame.allocate(ADDRESS, USUAL_ARGUMENTS);
      MemorySegment thisArg = frame.allocate(ADDRESS);
      MemorySegment data = frame.allocate(ADDRESS);
      if (NodeApi.napi_get_cb_info(env, info, argc, argv, thisArg, data) != NapiEnv.OK) {
        return MemorySegment.NULL;
      }
      long count = argc.get(JAVA_LONG, 0);
      if (count > USUAL_ARGUMENTS) {
        argv = frame.allocate(ADDRESS, count);
        if (NodeApi.napi_get_cb_info(env, info, argc, argv, thisArg, data) != NapiEnv.OK) {
          return MemorySegment.NULL;
        }
      }
      MemorySegment[] args = new MemorySegment[(int) count];
      for (int i = 0; i < count; i++) {
        args[i] = argv.getAtIndex(ADDRESS, i);
      }
      if (!(Handles.get(data.get(ADDRESS, 0).address()) instanceof NodeRuntime.Callback callback)) {
        return MemorySegment.NULL;
      }
      return callback.runtime().invoke(env, callback, thisArg.get(ADDRESS, 0), args);
    } catch (Throwable t) {
      logQuietly("a call from JavaScript into Java failed", t);
      return MemorySegment.NULL;
    }
  }

  private static void releaseHandle(MemorySegment env, MemorySegment data, MemorySegment hint) {
    try {
      Handles.remove(data.address());
    } catch (Throwable t) {
      logQuietly("releasing a handle failed", t);
    }
  }

  private static void runTask(
      MemorySegment env, MemorySegment jsCallback, MemorySegment context, MemorySegment data) {
    try {
      NodeRuntime runtime = NodeRuntime.byId(context.address());
      if (runtime != null) {
        runtime.runTask(env, data.address());
      }
    } catch (Throwable t) {
      logQuietly("a task on the event loop failed", t);
    }
  }

  private static void start(long runtimeId, MemorySegment env, MemorySegment exports) {
    try {
      NodeRuntime runtime = NodeRuntime.byId(runtimeId);
      if (runtime != null) {
        runtime.onStart(env, exports);
      }
    } catch (Throwable t) {
      logQuietly("starting the runtime failed", t);
    }
  }

  private static void stop(long runtimeId, int exitCode) {
    try {
      NodeRuntime runtime = NodeRuntime.byId(runtimeId);
      if (runtime != null) {
        runtime.onStop(exitCode);
      }
    } catch (Throwable t) {
      logQuietly("stopping the runtime failed", t);
    }
  }

  private static void finalized(long handle) {
    try {
      if (Handles.remove(handle) instanceof ThreadSafeFunction function) {
        function.markFinalized();
      }
    } catch (Throwable t) {
      logQuietly("finalizing a thread-safe function failed", t);
    }
  }

  static void logQuietly(String what, Throwable t) {
    try {
      LOG.log(System.Logger.Level.ERROR, what, t);
    } catch (Throwable ignored) {
      // Nothing else can be done without risking an exception into native code.
    }
  }
}
