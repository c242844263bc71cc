// node-ffm native shim; see nodeffm.h.
#include "node.h"  // First: it sets NAPI_VERSION for node_api.h.
#include "nodeffm.h"

#include <pthread.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace {

// The least stack V8 must have above the limit for the runtime to start.
constexpr size_t kMinimumJavaScriptStack = 256 * 1024;

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
  int64_t id;
  nodeffm_start_listener start_listener;
  nodeffm_stop_listener stop_listener;
  nodeffm_finalize_listener finalize_listener;

  std::mutex mutex;  // Guards state and env.
  State state = State::kNew;
  node::Environment* env = nullptr;  // Set while the loop runs.
  // Whether JavaScript may still be called: false from the first stop on.
  std::atomic<bool> running{false};

  // Loop thread only.
  napi_env node_api_env = nullptr;
  bool exited = false;  // process.exit() or a fatal exception.
  int exit_code = 0;
};

namespace {

// The runtime whose environment the current thread runs, for the linked
// binding's initialisation (its register function takes no data).
thread_local nodeffm_runtime* current_runtime = nullptr;

// process._linkedBinding('nodeffm'): filled by Java. Only the runtime's own
// environment gets it (not its Workers).
napi_value InitBinding(napi_env env, napi_value exports) {
  nodeffm_runtime* runtime = current_runtime;
  if (runtime == nullptr || runtime->node_api_env != nullptr) return exports;
  runtime->node_api_env = env;
  napi_set_instance_data(env, runtime, nullptr, nullptr);
  runtime->start_listener(runtime->id, env, exports);
  return exports;
}

// Lets V8 use the current thread's stack down to reserve bytes above its
// lowest address, as Node's Workers do for theirs.
bool SetStackLimit(v8::Isolate* isolate, size_t reserve, std::string* error) {
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) {
    *error = "pthread_getattr_np failed on the loop thread";
    return false;
  }
  void* low = nullptr;
  size_t size = 0;
  int status = pthread_attr_getstack(&attr, &low, &size);
  pthread_attr_destroy(&attr);
  if (status != 0) {
    *error = "pthread_attr_getstack failed on the loop thread";
    return false;
  }
  uintptr_t here = reinterpret_cast<uintptr_t>(&attr);
  uintptr_t limit = reinterpret_cast<uintptr_t>(low) + reserve;
  if (limit + kMinimumJavaScriptStack > here) {
    *error = "the loop thread's stack (" + std::to_string(size) +
             " bytes) is too small for a reserve of " +
             std::to_string(reserve) + " bytes";
    return false;
  }
  isolate->SetStackLimit(limit);
  return true;
}

void MarkStopped(nodeffm_runtime* runtime) {
  std::lock_guard<std::mutex> lock(runtime->mutex);
  runtime->env = nullptr;
  runtime->state = State::kStopped;
  runtime->running = false;
}

}  // namespace

extern "C" {

int nodeffm_process_init(const char* const* options,
                         int32_t option_count,
                         char* error,
                         size_t error_size) {
  std::lock_guard<std::mutex> lock(process_mutex);
  if (!process_initialized) {
    process_initialized = true;
    std::vector<std::string> args = {"node-ffm"};
    for (int32_t i = 0; i < option_count; i++) {
      if (options == nullptr || options[i] == nullptr) {
        process_error = "a Node.js option is NULL";
        break;
      }
      args.emplace_back(options[i]);
    }
    if (process_error.empty()) {
      // A unique_ptr on Node 22, a shared_ptr on Node 24.
      auto result = node::InitializeOncePerProcess(
          args,
          {node::ProcessInitializationFlags::kNoInitializeV8,
           node::ProcessInitializationFlags::kNoInitializeNodeV8Platform,
           node::ProcessInitializationFlags::kNoDefaultSignalHandling,
           node::ProcessInitializationFlags::kNoStdioInitialization});
      for (const std::string& message : result->errors()) {
        process_error += message + "\n";
      }
      if (result->early_return() != 0 && process_error.empty()) {
        process_error =
            "node::InitializeOncePerProcess failed with exit code " +
            std::to_string(static_cast<int>(result->exit_code()));
      }
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

nodeffm_runtime* nodeffm_runtime_new(int64_t runtime_id,
                                     nodeffm_start_listener start_listener,
                                     nodeffm_stop_listener stop_listener,
                                     nodeffm_finalize_listener
                                         finalize_listener) {
  if (start_listener == nullptr || stop_listener == nullptr) return nullptr;
  auto* runtime = new nodeffm_runtime();
  runtime->id = runtime_id;
  runtime->start_listener = start_listener;
  runtime->stop_listener = stop_listener;
  runtime->finalize_listener = finalize_listener;
  return runtime;
}

int nodeffm_runtime_run(nodeffm_runtime* runtime,
                        const char* bootstrap_script,
                        size_t stack_reserve,
                        char* error,
                        size_t error_size) {
  if (runtime == nullptr || bootstrap_script == nullptr) {
    CopyError("runtime and bootstrap script must not be NULL", error,
              error_size);
    return -1;
  }
  {
    std::lock_guard<std::mutex> lock(process_mutex);
    if (!process_initialized || !process_error.empty()) {
      CopyError("nodeffm_process_init() has not succeeded", error, error_size);
      return -1;
    }
  }
  {
    std::lock_guard<std::mutex> lock(runtime->mutex);
    if (runtime->state == State::kStopped) {
      CopyError("the runtime was stopped before it started", error,
                error_size);
      return -1;
    }
    if (runtime->state != State::kNew) {
      CopyError("the runtime has already run", error, error_size);
      return -1;
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
    MarkStopped(runtime);
    return -1;
  }

  int result = 0;
  std::string failure;
  v8::Isolate* isolate = setup->isolate();
  node::Environment* env = setup->env();
  {
    v8::Locker locker(isolate);
    v8::Isolate::Scope isolate_scope(isolate);
    v8::HandleScope handle_scope(isolate);
    v8::Context::Scope context_scope(setup->context());

    if (!SetStackLimit(isolate, stack_reserve, &failure)) {
      CopyError(failure, error, error_size);
      result = -1;
    } else {
      // process.exit() and fatal exceptions stop this environment instead of
      // exiting the JVM; their exit code is kept.
      node::SetProcessExitHandler(
          env, [runtime](node::Environment* env, int exit_code) {
            runtime->exited = true;
            runtime->exit_code = exit_code;
            runtime->running = false;
            node::Stop(env);
          });
      node::AddLinkedBinding(env, "nodeffm", InitBinding);
      bool stop_now = false;
      {
        std::lock_guard<std::mutex> lock(runtime->mutex);
        if (runtime->state == State::kNew) {
          runtime->env = env;
          runtime->state = State::kRunning;
          runtime->running = true;
        } else {
          stop_now = true;  // Stopped while the environment was created.
        }
      }
      if (stop_now) node::Stop(env);

      current_runtime = runtime;
      v8::MaybeLocal<v8::Value> loaded =
          node::LoadEnvironment(env, bootstrap_script);
      current_runtime = nullptr;
      if (loaded.IsEmpty() && runtime->running) {
        CopyError("the bootstrap script failed", error, error_size);
        result = -1;
        node::Stop(env);
      } else if (runtime->running) {
        int spun = node::SpinEventLoop(env).FromMaybe(0);
        if (runtime->running) result = spun;  // The loop ran out of work.
      }
      if (result >= 0 && runtime->exited) result = runtime->exit_code;
    }
    {
      std::lock_guard<std::mutex> lock(runtime->mutex);
      runtime->running = false;
      if (runtime->state == State::kRunning) runtime->state = State::kStopping;
    }
    if (runtime->node_api_env != nullptr) {
      runtime->stop_listener(runtime->id, result < 0 ? 1 : result);
    }
  }
  // Frees the environment: its cleanup hooks run here (the finalization of
  // the thread-safe functions that are still open, among others).
  setup.reset();
  MarkStopped(runtime);
  return result;
}

void nodeffm_runtime_stop(nodeffm_runtime* runtime) {
  if (runtime == nullptr) return;
  std::lock_guard<std::mutex> lock(runtime->mutex);
  runtime->running = false;
  if (runtime->state == State::kRunning) {
    runtime->state = State::kStopping;
    node::Stop(runtime->env);
  } else if (runtime->state == State::kNew) {
    runtime->state = State::kStopped;
  }
}

int nodeffm_runtime_is_running(nodeffm_runtime* runtime) {
  return runtime != nullptr && runtime->running ? 1 : 0;
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
  if (napi_call_function(env, undefined, js_callback, 1, &argument, nullptr) ==
      napi_ok) {
    return;
  }
  // The callback threw: an uncaught exception, unless the runtime is stopping
  // (then the exception is the termination of JavaScript).
  void* instance = nullptr;
  bool pending = false;
  napi_value exception;
  if (napi_get_instance_data(env, &instance) == napi_ok &&
      instance != nullptr &&
      static_cast<nodeffm_runtime*>(instance)->running &&
      napi_is_exception_pending(env, &pending) == napi_ok && pending &&
      napi_get_and_clear_last_exception(env, &exception) == napi_ok) {
    napi_fatal_exception(env, exception);
  }
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
