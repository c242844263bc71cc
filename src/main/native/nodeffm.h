/*
 * node-ffm native shim: the part of embedding Node.js that Java cannot do
 * through Node-API, as a plain C ABI. Node's embedder API is C++; this file
 * wraps the minimum around it: process initialisation with Node's options, one
 * environment with its event loop run on a caller-provided thread (with V8's
 * stack limit set inside that thread), direct calls (any thread runs
 * JavaScript itself, synchronously, while the event loop keeps running),
 * process.exit() turned into a stop of that environment, stopping from any
 * thread, and the two C callbacks of the thread-safe functions Java creates
 * through Node-API.
 *
 * Everything else (the binding JavaScript sees, running scripts, values,
 * thread-safe functions) is done from Java through the Node-API bindings.
 *
 * THE LOCK. A runtime's isolate is used by one thread at a time: the thread
 * that holds the runtime's lock (a fair gate in front of v8::Locker). The
 * loop thread holds it while it starts the environment (bootstrap script,
 * start listener), during each turn of the event loop (one
 * uv_run(UV_RUN_NOWAIT): every timer, I/O, immediate, thread-safe function
 * and Worker callback runs inside a turn) and while it tears the environment
 * down (stop listener, cleanup hooks, finalizers). Between turns it waits for
 * events in epoll WITHOUT the lock. A thread inside nodeffm_runtime_call()
 * holds it while fn runs. Node-API may be used with the runtime's napi_env
 * only by the thread that holds the lock, and only inside one of these (a
 * callback, a listener, fn): nodeffm_runtime_holds_lock() tells.
 *
 * Fairness: when the loop thread has events to handle it gets the lock as
 * soon as the current holder releases it (callers that arrive meanwhile
 * queue behind it); when it releases the lock after a turn while callers
 * wait, the oldest waiting caller gets it before the loop's next turn. So a
 * busy loop delays a caller by at most the turns and calls queued before it,
 * and callers in a tight loop delay the loop by at most one call. Callers
 * among themselves take the lock as a plain mutex would (the first to come
 * when it is free), except that a caller that has waited 1 ms is handed the
 * lock next.
 */
#ifndef NODEFFM_H_
#define NODEFFM_H_

#include <stddef.h>
#include <stdint.h>

#include "node_api.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nodeffm_runtime nodeffm_runtime;

/* Called on the loop thread when JavaScript first asks for
 * process._linkedBinding('nodeffm') (the bootstrap script does, first):
 * exports is the binding object, env the environment's napi_env. */
typedef void (*nodeffm_start_listener)(int64_t runtime_id,
                                       napi_env env,
                                       napi_value exports);

/* Called on the loop thread once the event loop has stopped, before the
 * environment is torn down (its cleanup hooks run, its thread-safe functions
 * are finalized). exit_code is the code of process.exit() or of a fatal
 * exception, or 0 when nodeffm_runtime_stop() stopped it. */
typedef void (*nodeffm_stop_listener)(int64_t runtime_id, int32_t exit_code);

/* The finalizer of a thread-safe function created with
 * nodeffm_tsfn_finalize calls this on the loop thread with its
 * thread_finalize_data. */
typedef void (*nodeffm_finalize_listener)(int64_t finalize_data);

/* Initialises Node.js and V8 for this process with Node's command-line
 * options (e.g. "--max-old-space-size=64"; option_count may be 0); later calls
 * return the first result. Node leaves signal handlers and stdio alone (the
 * JVM owns them). Returns 0, or non-zero with a message in error. */
int nodeffm_process_init(const char* const* options,
                         int32_t option_count,
                         char* error,
                         size_t error_size);

/* For the whole process: after each turn of an event loop, its loop thread
 * polls for events without blocking for up to nanos (and never past the
 * loop's own timeout) before it waits for them blocked: work that arrives
 * meanwhile (a thread-safe function's call, I/O) starts without a thread
 * wake-up. At most one loop thread of the process spins at a time; the
 * others wait blocked at once. 0 (the default) or less: no loop spins.
 * From any thread, at any time; it applies from the next wait on. */
void nodeffm_set_loop_spin(int64_t nanos);

/* A runtime that has not started yet; runtime_id is passed to the
 * listeners. */
nodeffm_runtime* nodeffm_runtime_new(
    int64_t runtime_id,
    nodeffm_start_listener start_listener,
    nodeffm_stop_listener stop_listener,
    nodeffm_finalize_listener finalize_listener);

/* Runs the environment on the calling thread, which becomes its loop thread:
 * creates it, lets V8 use this thread's stack down to stack_reserve bytes
 * above its lowest address (JavaScript then throws a RangeError, and the
 * reserve is left to native and Java code called from JavaScript), runs
 * bootstrap_script (CommonJS; its require() loads built-in modules only),
 * runs the event loop until it is stopped (nodeffm_runtime_stop(),
 * process.exit(), a fatal exception), then tears the environment down.
 * Returns the exit code (>= 0), or -1 with a message in error when the
 * environment could not run. Call once per runtime.
 *
 * The event loop runs in turns (see THE LOCK above): the loop stays alive
 * while the runtime runs even when JavaScript has nothing scheduled (direct
 * calls may come), so it ends only by a stop, and 'beforeExit' is not
 * emitted (as before, when Java's task queue kept the loop alive). The loop
 * does not go through node::SpinEventLoop(): performance.nodeTiming.loopStart
 * stays -1 and performance.eventLoopUtilization() reports zeros.
 *
 * Teardown order: the loop's last turn ends; the loop thread takes the lock
 * and keeps it: JavaScript can no longer be entered (direct calls return
 * NODEFFM_CALL_STOPPED), the stop listener runs, the environment is freed
 * (cleanup hooks, thread-safe function finalizers), the isolate disposed;
 * then the lock is released, and this function returns once every thread
 * that was inside nodeffm_runtime_call() for this runtime has left it. */
int nodeffm_runtime_run(nodeffm_runtime* runtime,
                        const char* bootstrap_script,
                        size_t stack_reserve,
                        char* error,
                        size_t error_size);

/* From any thread (also inside fn of nodeffm_runtime_call(), or a callback):
 * stops the environment (node::Stop: running JavaScript is terminated on
 * whichever thread runs it, the event loop stops). Idempotent. */
void nodeffm_runtime_stop(nodeffm_runtime* runtime);

/* Whether JavaScript may run: from the start of the environment until the
 * first stop (nodeffm_runtime_stop(), process.exit(), a fatal exception).
 * On the loop thread, or while the runtime is not freed. */
int nodeffm_runtime_is_running(nodeffm_runtime* runtime);

/* Frees a runtime whose nodeffm_runtime_run() has returned, or never ran.
 * No other nodeffm_runtime_* call with this runtime may run at the same time
 * or later, from any thread: the caller ensures that no call can begin (for
 * instance it frees the runtime only once nothing can reach it any more).
 * Calls that began before nodeffm_runtime_run() returned are finished. */
void nodeffm_runtime_free(nodeffm_runtime* runtime);

/* ---------------------------------------------------------- direct calls */

/* What nodeffm_runtime_call() runs on the calling thread, with the lock held,
 * the isolate and the environment's context entered, inside a HandleScope and
 * a callback scope: env is the napi_env that the start listener received
 * (NULL if JavaScript never asked for process._linkedBinding('nodeffm')),
 * data is nodeffm_runtime_call()'s.
 *
 * fn may: use Node-API with env on this thread (call functions, create
 * values, references, promises, thread-safe functions), start timers, I/O,
 * Workers (the loop is woken when needed, see nodeffm_runtime_call()), call
 * nodeffm_runtime_call() again for the same runtime (nested: it runs at
 * once), call nodeffm_runtime_stop() (JavaScript is then terminated),
 * process.exit() through JavaScript.
 * fn must not: wait for anything that needs this runtime's event loop or
 * another thread's direct call (a future completed by a queued task, a
 * blocking napi_call_threadsafe_function on a full queue of this runtime):
 * the loop cannot turn while fn holds the lock, so that would deadlock;
 * keep napi_value handles beyond its return (use references); leave an
 * exception pending (one left pending is cleared and raised as an uncaught
 * exception: 'uncaughtException' listeners, else the runtime stops with exit
 * code 1); let a C++ or Java exception escape. */
typedef void (*nodeffm_direct_fn)(napi_env env, void* data);

/* Statuses of nodeffm_runtime_call(). */
/* fn ran, and the runtime still runs. */
#define NODEFFM_CALL_OK 0
/* fn was not called: the runtime has not started yet, is stopping or has
 * stopped (the Java side reports RuntimeClosedException). */
#define NODEFFM_CALL_STOPPED 1
/* fn was not called: this thread holds the lock of another runtime (it
 * would wait for this runtime's lock while holding one: two threads doing
 * that in opposite order would deadlock). Queue the work instead. */
#define NODEFFM_CALL_REENTRANT 2
/* fn ran, but the runtime began to stop during the call (stop from another
 * thread, process.exit(), a fatal exception): its JavaScript may have been
 * terminated, Node-API calls inside it may have failed. */
#define NODEFFM_CALL_TERMINATED 3
/* fn was not called: the calling thread has less than 64 KiB of stack left
 * above stack_reserve (see nodeffm_runtime_call()). */
#define NODEFFM_CALL_NO_STACK 4

/* From any thread, at any time between nodeffm_runtime_new() and
 * nodeffm_runtime_free(): runs fn(env, data) on the calling thread and
 * returns when it has returned, with one of the NODEFFM_CALL_* statuses.
 *
 * Top-level call (this thread does not hold the lock): waits for the lock
 * (see THE LOCK: at most the calls and loop turns queued before it), lets V8
 * use this thread's stack down to stack_reserve bytes above its lowest
 * address (as nodeffm_runtime_run() does for the loop thread: deep
 * recursion is a RangeError; the reserve is left to native code and to Java
 * code called from JavaScript, and must cover the JVM's guard zones: e.g.
 * 256 KiB of a 1 MiB Java stack), enters the isolate and context, opens a
 * callback scope, calls fn, closes the scope (process.nextTick callbacks and
 * microtasks run here, on this thread: an async function's continuations
 * after an already settled await run before this function returns), wakes
 * the loop thread if fn changed what it waits for (a timer due earlier than
 * the loop's, an immediate, I/O watchers to register, handles to close),
 * and releases the lock. Timers, I/O and Workers started by fn then run on
 * the loop thread, on time.
 *
 * Nested call (this thread holds the lock: inside fn, or inside a JavaScript
 * callback on the loop thread, or in a start listener): fn runs at once, in
 * its own HandleScope and callback scope (nextTicks and microtasks run when
 * the outermost scope closes), with the stack limit already in force;
 * stack_reserve is ignored.
 *
 * Waiting for the lock happens in native code (a Java virtual thread pins its
 * carrier meanwhile). The callback scope's async resource is one object per
 * runtime (async_hooks.executionAsyncResource() in fn's JavaScript), as for
 * Node's own top-level callbacks.
 *
 * Stop protocol: the status is NODEFFM_CALL_STOPPED, without waiting for the
 * lock, once the runtime is stopping; a caller waiting for the lock when the
 * runtime stops gets NODEFFM_CALL_STOPPED after the teardown (it never
 * touches the freed environment or isolate); a call in progress when the
 * runtime stops has its JavaScript terminated and returns
 * NODEFFM_CALL_TERMINATED (then the teardown proceeds). During the stop
 * listener and the teardown (finalizers) nested calls return
 * NODEFFM_CALL_STOPPED. */
int nodeffm_runtime_call(nodeffm_runtime* runtime,
                         size_t stack_reserve,
                         nodeffm_direct_fn fn,
                         void* data);

/* Whether the calling thread holds the runtime's lock (see THE LOCK): true on
 * the loop thread inside a JavaScript callback or a listener, and on any
 * thread inside fn of nodeffm_runtime_call(). A thread that holds it must
 * not wait for work of this runtime's event loop. */
int nodeffm_runtime_holds_lock(nodeffm_runtime* runtime);

/* From the thread that holds the runtime's lock: calls
 * napi_call_threadsafe_function(function, data, napi_tsfn_nonblocking) once
 * the lock is released at the end of the current turn of the event loop (or
 * of the direct call), so that its call_js_cb runs in a later turn, after the
 * timers due then. (A call made inside call_js_cb itself runs in the same
 * turn: Node.js runs up to 1,000 calls of a thread-safe function per turn.)
 * One such call is kept per runtime: a second one before the first is made
 * replaces it. Dropped if the runtime stops first. Returns napi_ok, or
 * napi_generic_failure if the calling thread does not hold the lock. */
napi_status nodeffm_runtime_call_after_turn(nodeffm_runtime* runtime,
                                            napi_threadsafe_function function,
                                            void* data);

/* The call_js_cb for napi_create_threadsafe_function: calls the JavaScript
 * function with one argument, the data pointer as an integer Number. If it
 * throws, the exception is raised as an uncaught exception. */
void nodeffm_tsfn_call_js(napi_env env,
                          napi_value js_callback,
                          void* context,
                          void* data);

/* The thread_finalize_cb for napi_create_threadsafe_function: counts the
 * call, then tells the runtime's finalize listener. */
void nodeffm_tsfn_finalize(napi_env env, void* finalize_data, void* hint);

/* How many times nodeffm_tsfn_finalize has run in this process. */
int64_t nodeffm_tsfn_finalize_count(void);

#ifdef __cplusplus
}
#endif

#endif /* NODEFFM_H_ */
