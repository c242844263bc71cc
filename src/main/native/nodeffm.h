/*
 * node-ffm native shim: the part of embedding Node.js that Java cannot do
 * through Node-API, as a plain C ABI. Node's embedder API is C++; this file
 * wraps the minimum around it: process initialisation, one environment with
 * its event loop run on a caller-provided thread, tasks posted to that thread,
 * stopping from any thread, and the two C callbacks of the thread-safe
 * functions Java creates through Node-API.
 *
 * Everything else (running scripts, creating and using thread-safe functions)
 * is done from Java through the Node-API bindings.
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

/* A task run on the loop thread, with the environment's napi_env inside a
 * handle scope and a callback scope. env is NULL when the runtime stopped
 * before the task could run: the task must then only release its data. */
typedef void (*nodeffm_task)(napi_env env, int64_t task_id);

/* nodeffm.report(tag, value) in JavaScript calls this on the loop thread. */
typedef void (*nodeffm_report_listener)(int64_t tag, double value);

/* The finalizer of a thread-safe function created with
 * nodeffm_tsfn_finalize calls this on the loop thread with its
 * thread_finalize_data. */
typedef void (*nodeffm_finalize_listener)(int64_t finalize_data);

/* Initialises Node.js and V8 for this process; later calls return the first
 * result. Node leaves signal handlers and stdio alone (the JVM owns them).
 * Returns 0, or non-zero with a message in error. */
int nodeffm_process_init(char* error, size_t error_size);

/* A runtime that has not started yet. */
nodeffm_runtime* nodeffm_runtime_new(nodeffm_task task_runner,
                                     nodeffm_report_listener report_listener,
                                     nodeffm_finalize_listener
                                         finalize_listener);

/* Runs the environment on the calling thread, which becomes its loop thread:
 * creates it, runs bootstrap_script (CommonJS, with require and
 * globalThis.nodeffm), runs the event loop until nodeffm_runtime_stop(), then
 * tears the environment down. Returns 0, or non-zero with a message in error.
 * Call once per runtime. */
int nodeffm_runtime_run(nodeffm_runtime* runtime,
                        const char* bootstrap_script,
                        char* error,
                        size_t error_size);

/* From any thread: queues task_id for the task runner on the loop thread.
 * Returns 0, or -1 once the runtime is stopping (the task is not queued). */
int nodeffm_runtime_post(nodeffm_runtime* runtime, int64_t task_id);

/* From any thread: stops the environment (node::Stop). Idempotent. */
void nodeffm_runtime_stop(nodeffm_runtime* runtime);

/* Frees a runtime whose nodeffm_runtime_run() has returned, or never ran. */
void nodeffm_runtime_free(nodeffm_runtime* runtime);

/* The call_js_cb for napi_create_threadsafe_function: calls the JavaScript
 * function with one argument, the data pointer as an integer Number. */
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
