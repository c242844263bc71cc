// node-ffm native shim; see nodeffm.h.
#include "node.h"  // First: it sets NAPI_VERSION for node_api.h.
#include "nodeffm.h"

#include <atomic>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "uv.h"

namespace {

std::mutex process_mutex;
bool process_initialized = false;
std::string process_error;
// Never destroyed: the process (the JVM) may exit while environments run.
node::MultiIsolatePlatform* platform = nullptr;

std::atomic<int64_t> tsfn_finalize_count{0};

void CopyError(const std::string& message, char* error, size_t error_size) {
  if (error == nullptr || error_size == 0) return;
  snprintf(error, error_size, "%s", message.c_str());
}

enum class State { kNew, kRunning, kStopping, kStopped };

}  // namespace

struct nodeffm_runtime {
  nodeffm_task task_runner;
  nodeffm_report_listener report_listener;
  nodeffm_finalize_listener finalize_listener;

  std::mutex mutex;  // Guards the fields below.
  State state = State::kNew;
  node::Environment* env = nullptr;  // Set while the loop runs.
  std::deque<int64_t> tasks;
  uv_async_t tasks_async;  // Open while state == kRunning.

  // Loop thread only.
  napi_env node_api_env = nullptr;
};

namespace {

// The runtime whose environment the current thread runs, for the linked
// binding's initialisation (its register function takes no data).
thread_local nodeffm_runtime* current_runtime = nullptr;

napi_value Report(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  void* data = nullptr;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, &data) != napi_ok) {
    return nullptr;
  }
  int64_t tag = 0;
  double value = 0;
  if (argc < 2 || napi_get_value_int64(env, argv[0], &tag) != napi_ok ||
      napi_get_value_double(env, argv[1], &value) != napi_ok) {
    napi_throw_type_error(
        env, nullptr, "nodeffm.report(tag, value) takes two numbers");
    return nullptr;
  }
  auto* runtime = static_cast<nodeffm_runtime*>(data);
  if (runtime->report_listener != nullptr) {
    runtime->report_listener(tag, value);
  }
  return nullptr;
}

// process._linkedBinding('nodeffm'): { report(tag, value) }. Only the
// runtime's own environment gets it (not its Workers).
napi_value InitBinding(napi_env env, napi_value exports) {
  nodeffm_runtime* runtime = current_runtime;
  if (runtime == nullptr || runtime->node_api_env != nullptr) return exports;
  runtime->node_api_env = env;
  napi_set_instance_data(env, runtime, nullptr, nullptr);
  napi_value report;
  if (napi_create_function(
          env, "report", NAPI_AUTO_LENGTH, Report, runtime, &report) ==
      napi_ok) {
    napi_set_named_property(env, exports, "report", report);
  }
  return exports;
}

void RunTasks(uv_async_t* handle) {
  auto* runtime = static_cast<nodeffm_runtime*>(handle->data);
  std::deque<int64_t> tasks;
  bool running;
  {
    std::lock_guard<std::mutex> lock(runtime->mutex);
    tasks.swap(runtime->tasks);
    running = runtime->state == State::kRunning;
  }
  for (int64_t task : tasks) {
    // Once the environment is stopping, JavaScript must not run: cancel.
    if (!running || runtime->node_api_env == nullptr) {
      runtime->task_runner(nullptr, task);
      continue;
    }
    v8::Isolate* isolate = v8::Isolate::GetCurrent();
    v8::HandleScope handle_scope(isolate);
    node::CallbackScope callback_scope(
        isolate, v8::Object::New(isolate), {0, 0});
    runtime->task_runner(runtime->node_api_env, task);
  }
}

// Runs when the environment is torn down: closes the task handle and cancels
// what is left.
void CloseTasks(void* arg) {
  auto* runtime = static_cast<nodeffm_runtime*>(arg);
  std::deque<int64_t> tasks;
  {
    std::lock_guard<std::mutex> lock(runtime->mutex);
    runtime->state = State::kStopped;
    tasks.swap(runtime->tasks);
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&runtime->tasks_async), nullptr);
  for (int64_t task : tasks) runtime->task_runner(nullptr, task);
}

}  // namespace

extern "C" {

int nodeffm_process_init(char* error, size_t error_size) {
  std::lock_guard<std::mutex> lock(process_mutex);
  if (!process_initialized) {
    process_initialized = true;
    std::vector<std::string> args = {"node-ffm"};
    std::unique_ptr<node::InitializationResult> result =
        node::InitializeOncePerProcess(
            args,
            {node::ProcessInitializationFlags::kNoInitializeV8,
             node::ProcessInitializationFlags::kNoInitializeNodeV8Platform,
             node::ProcessInitializationFlags::kNoDefaultSignalHandling,
             node::ProcessInitializationFlags::kNoStdioInitialization});
    for (const std::string& message : result->errors()) {
      process_error += message + "\n";
    }
    if (result->early_return() != 0 && process_error.empty()) {
      process_error = "node::InitializeOncePerProcess failed with exit code " +
                      std::to_string(result->exit_code());
    }
    if (process_error.empty()) {
      platform = node::MultiIsolatePlatform::Create(4).release();
      v8::V8::InitializePlatform(platform);
      v8::V8::Initialize();
    }
  }
  CopyError(process_error, error, error_size);
  return process_error.empty() ? 0 : 1;
}

nodeffm_runtime* nodeffm_runtime_new(nodeffm_task task_runner,
                                     nodeffm_report_listener report_listener,
                                     nodeffm_finalize_listener
                                         finalize_listener) {
  if (task_runner == nullptr) return nullptr;
  auto* runtime = new nodeffm_runtime();
  runtime->task_runner = task_runner;
  runtime->report_listener = report_listener;
  runtime->finalize_listener = finalize_listener;
  return runtime;
}

int nodeffm_runtime_run(nodeffm_runtime* runtime,
                        const char* bootstrap_script,
                        char* error,
                        size_t error_size) {
  if (runtime == nullptr || bootstrap_script == nullptr) {
    CopyError("runtime and bootstrap script must not be NULL", error,
              error_size);
    return 1;
  }
  {
    std::lock_guard<std::mutex> lock(process_mutex);
    if (!process_initialized || !process_error.empty()) {
      CopyError("nodeffm_process_init() has not succeeded", error, error_size);
      return 1;
    }
  }
  {
    std::lock_guard<std::mutex> lock(runtime->mutex);
    if (runtime->state != State::kNew) {
      CopyError("the runtime has already run", error, error_size);
      return 1;
    }
  }

  std::vector<std::string> errors;
  std::vector<std::string> args = {"node-ffm"};
  std::vector<std::string> exec_args;
  std::unique_ptr<node::CommonEnvironmentSetup> setup =
      node::CommonEnvironmentSetup::Create(
          platform, &errors, args, exec_args,
          node::EnvironmentFlags::kNoFlags);
  if (!setup) {
    std::string message = "could not create a Node.js environment:";
    for (const std::string& e : errors) message += " " + e;
    CopyError(message, error, error_size);
    std::deque<int64_t> tasks;
    {
      std::lock_guard<std::mutex> lock(runtime->mutex);
      runtime->state = State::kStopped;
      tasks.swap(runtime->tasks);
    }
    for (int64_t task : tasks) runtime->task_runner(nullptr, task);
    return 1;
  }

  int exit_code = 0;
  v8::Isolate* isolate = setup->isolate();
  node::Environment* env = setup->env();
  {
    v8::Locker locker(isolate);
    v8::Isolate::Scope isolate_scope(isolate);
    v8::HandleScope handle_scope(isolate);
    v8::Context::Scope context_scope(setup->context());

    // process.exit() stops this environment instead of exiting the JVM.
    node::SetProcessExitHandler(
        env, [](node::Environment* env, int) { node::Stop(env); });
    node::AddLinkedBinding(env, "nodeffm", InitBinding);

    uv_async_init(setup->event_loop(), &runtime->tasks_async, RunTasks);
    runtime->tasks_async.data = runtime;
    node::AddEnvironmentCleanupHook(isolate, CloseTasks, runtime);
    {
      std::lock_guard<std::mutex> lock(runtime->mutex);
      runtime->env = env;
      runtime->state = State::kRunning;
      if (!runtime->tasks.empty()) uv_async_send(&runtime->tasks_async);
    }

    current_runtime = runtime;
    std::string script =
        "globalThis.require = require('module').createRequire("
        "  process.cwd() + '/');"
        "globalThis.nodeffm = process._linkedBinding('nodeffm');";
    script += bootstrap_script;
    v8::MaybeLocal<v8::Value> loaded = node::LoadEnvironment(env, script.c_str());
    current_runtime = nullptr;
    if (loaded.IsEmpty()) {
      CopyError("the bootstrap script threw", error, error_size);
      exit_code = 1;
      node::Stop(env);
    } else {
      exit_code = node::SpinEventLoop(env).FromMaybe(1);
    }
    {
      std::lock_guard<std::mutex> lock(runtime->mutex);
      if (runtime->state == State::kRunning) runtime->state = State::kStopping;
    }
  }
  // Frees the environment: its cleanup hooks run here (CloseTasks, and the
  // finalization of the thread-safe functions that are still open).
  setup.reset();
  {
    std::lock_guard<std::mutex> lock(runtime->mutex);
    runtime->env = nullptr;
    runtime->state = State::kStopped;
  }
  return exit_code;
}

int nodeffm_runtime_post(nodeffm_runtime* runtime, int64_t task_id) {
  if (runtime == nullptr) return -1;
  std::lock_guard<std::mutex> lock(runtime->mutex);
  if (runtime->state != State::kNew && runtime->state != State::kRunning) {
    return -1;
  }
  runtime->tasks.push_back(task_id);
  if (runtime->state == State::kRunning) uv_async_send(&runtime->tasks_async);
  return 0;
}

void nodeffm_runtime_stop(nodeffm_runtime* runtime) {
  if (runtime == nullptr) return;
  std::lock_guard<std::mutex> lock(runtime->mutex);
  if (runtime->state == State::kRunning) {
    runtime->state = State::kStopping;
    node::Stop(runtime->env);
  } else if (runtime->state == State::kNew) {
    runtime->state = State::kStopped;
  }
}

void nodeffm_runtime_free(nodeffm_runtime* runtime) { delete runtime; }

void nodeffm_tsfn_call_js(napi_env env,
                          napi_value js_callback,
                          void* context,
                          void* data) {
  if (env == nullptr || js_callback == nullptr) return;
  napi_value argument;
  napi_value undefined;
  if (napi_create_int64(env, reinterpret_cast<intptr_t>(data), &argument) !=
          napi_ok ||
      napi_get_undefined(env, &undefined) != napi_ok) {
    return;
  }
  napi_call_function(env, undefined, js_callback, 1, &argument, nullptr);
}

void nodeffm_tsfn_finalize(napi_env env, void* finalize_data, void* hint) {
  tsfn_finalize_count.fetch_add(1);
  void* data = nullptr;
  if (env == nullptr || napi_get_instance_data(env, &data) != napi_ok ||
      data == nullptr) {
    return;
  }
  auto* runtime = static_cast<nodeffm_runtime*>(data);
  if (runtime->finalize_listener != nullptr) {
    runtime->finalize_listener(reinterpret_cast<intptr_t>(finalize_data));
  }
}

int64_t nodeffm_tsfn_finalize_count(void) { return tsfn_finalize_count.load(); }

}  // extern "C"
