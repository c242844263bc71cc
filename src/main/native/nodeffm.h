/*
 * node-ffm native shim: the part of embedding Node.js that Java cannot do
 * through Node-API, as a plain C ABI. Node's embedder API is C++; this file
 * wraps the minimum around it: process initialisation with Node's options, one
 * environment with its event loop run on a caller-provided thread (with V8's
 * stack limit set inside that thread), process.exit() turned into a stop of
 * that environment, stopping from any thread, and the two C callbacks of the
 * thread-safe functions Java creates through Node-API.
 *
 * Everything else (the binding JavaScript sees, running scripts, values,
 * thread-safe functions) is done from Java through the Node-API bindings.
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

/* A runtime that has not started yet; runtime_id is passed to the
 * listeners. */
nodeffm_runtime* nodeffm_runtime_new(int64_t runtime_id,
                                     nodeffm_start_listener start_listener,
                                     nodeffm_stop_listener stop_listener,
                                     nodeffm_finalize_listener
                                         finalize_listener);

/* Runs the environment on the calling thread, which becomes its loop thread:
 * creates it, lets V8 use this thread's stack down to stack_reserve bytes
 * above its lowest address (JavaScript then throws a RangeError, and the
 * reserve is left to native and Java code called from JavaScript), runs
 * bootstrap_script (CommonJS; its require() loads built-in modules only),
 * runs the event loop until it is stopped (nodeffm_runtime_stop(),
 * process.exit(), a fatal exception), then tears the environment down.
 * Returns the exit code (>= 0), or -1 with a message in error when the
 * environment could not run. Call once per runtime. */
int nodeffm_runtime_run(nodeffm_runtime* runtime,
                        const char* bootstrap_script,
                        size_t stack_reserve,
                        char* error,
                        size_t error_size);

/* From any thread: stops the environment (node::Stop: running JavaScript is
 * terminated, the event loop stops). Idempotent. */
void nodeffm_runtime_stop(nodeffm_runtime* runtime);

/* Whether JavaScript may run: from the start of the environment until the
 * first stop (nodeffm_runtime_stop(), process.exit(), a fatal exception).
 * On the loop thread, or while the runtime is not freed. */
int nodeffm_runtime_is_running(nodeffm_runtime* runtime);

/* Frees a runtime whose nodeffm_runtime_run() has returned, or never ran. */
void nodeffm_runtime_free(nodeffm_runtime* runtime);

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
