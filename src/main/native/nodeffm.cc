// node-ffm native shim; see nodeffm.h.
#include "node.h"  // First: it sets NAPI_VERSION for node_api.h.
#include "nodeffm.h"
#include "uv.h"

#include <poll.h>
#include <pthread.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 34)
#include <dlfcn.h>  // In libc from glibc 2.34 on (libdl before).
#define NODEFFM_LIBUV_BY_DLSYM 1
#endif

namespace {

// The least stack V8 must have above the limit for the runtime to start.
constexpr size_t kMinimumJavaScriptStack = 256 * 1024;

// The least stack a direct call must have above its limit (see
// NODEFFM_CALL_NO_STACK): enough for the callback scope's nextTick and
// microtask processing.
constexpr size_t kMinimumCallStack = 64 * 1024;

// A caller that has waited this long for the lock is handed it next.
constexpr uint64_t kCallerStarvationNs = 1000 * 1000;

// The loop's poll deadline when it waits without a timeout.
constexpr int64_t kNoDeadline = std::numeric_limits<int64_t>::max();

// The libuv functions the event loop uses. libuv is part of libnode when Node
// bundles it (libnode-build's flavours), but a libuv.so.1 that libnode depends
// on in distributions' builds (Debian's Node 24, the reference), and the shim
// is linked against libnode alone with -z defs. Where libc has dlsym (glibc
// 2.34 and later), they are looked up in libnode and its dependencies when
// the first runtime runs; with an older glibc (the bullseye build, whose
// libnode bundles libuv) they are linked directly.
struct Libuv {
  decltype(&uv_async_init) async_init = nullptr;
  decltype(&uv_async_send) async_send = nullptr;
  decltype(&uv_backend_fd) backend_fd = nullptr;
  decltype(&uv_backend_timeout) backend_timeout = nullptr;
  decltype(&uv_close) close = nullptr;
  decltype(&uv_now) now = nullptr;
  decltype(&uv_run) run = nullptr;
};
Libuv uv;

// Fills uv once; false if a function is missing.
bool LoadLibuv() {
  static const bool loaded = [] {
#ifdef NODEFFM_LIBUV_BY_DLSYM
    Dl_info info;
    void* node = nullptr;
    if (dladdr(reinterpret_cast<void*>(&node::Stop), &info) != 0 &&
        info.dli_fname != nullptr) {
      node = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
    }
    if (node == nullptr) return false;
    auto find = [node](auto* function, const char* name) {
      *function = reinterpret_cast<std::remove_pointer_t<decltype(function)>>(
          dlsym(node, name));
    };
    find(&uv.async_init, "uv_async_init");
    find(&uv.async_send, "uv_async_send");
    find(&uv.backend_fd, "uv_backend_fd");
    find(&uv.backend_timeout, "uv_backend_timeout");
    find(&uv.close, "uv_close");
    find(&uv.now, "uv_now");
    find(&uv.run, "uv_run");
    // The handle stays open: libnode stays loaded as long as the shim.
#else
    uv.async_init = &uv_async_init;
    uv.async_send = &uv_async_send;
    uv.backend_fd = &uv_backend_fd;
    uv.backend_timeout = &uv_backend_timeout;
    uv.close = &uv_close;
    uv.now = &uv_now;
    uv.run = &uv_run;
#endif
    return uv.async_init != nullptr && uv.async_send != nullptr &&
           uv.backend_fd != nullptr && uv.backend_timeout != nullptr &&
           uv.close != nullptr && uv.now != nullptr && uv.run != nullptr;
  }();
  return loaded;
}

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

uint64_t NowNs() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<uint64_t>(now.tv_sec) * 1000000000u + now.tv_nsec;
}

// The identity of the calling thread for the gates: the address of a
// thread_local, unique among live threads.
const void* ThisThread() {
  static thread_local char token;
  return &token;
}

// How many runtimes' gates the calling thread holds.
thread_local int gates_held = 0;

// The lock of a runtime: whoever holds it may use the isolate (and takes
// v8::Locker, then uncontended, inside it). See "THE LOCK" in nodeffm.h for
// the policy. Waiters wait on their own condition variable, so that the lock
// is handed to exactly the thread it is meant for.
class Gate {
 public:
  // For a direct caller: takes the lock at once if it is free, the loop
  // thread does not wait for it and no caller has waited for 1 ms; else waits
  // in the FIFO of callers.
  void LockCaller() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!locked_ && loop_waiter_ == nullptr &&
        (head_ == nullptr || !Starving(*head_))) {
      Take(false);
      return;
    }
    Waiter self;
    self.since = NowNs();
    if (tail_ == nullptr) {
      head_ = &self;
    } else {
      tail_->next = &self;
    }
    tail_ = &self;
    while (true) {
      self.cv.wait(lock, [&self] { return self.granted || self.woken; });
      if (self.granted) break;  // Handed over: already dequeued and locked.
      self.woken = false;
      head_awake_ = false;  // Only the head is ever woken.
      if (!locked_ && loop_waiter_ == nullptr) {
        PopHead();
        Take(false);
        return;
      }
    }
    Take(false);
  }

  // For the loop thread: takes the lock at once if it is free, else it is
  // handed over by the next Unlock(), before any waiting caller.
  void LockLoop() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!locked_) {
      Take(true);
      return;
    }
    Waiter self;
    loop_waiter_ = &self;
    self.cv.wait(lock, [&self] { return self.granted; });
    Take(true);
  }

  void Unlock() {
    std::lock_guard<std::mutex> lock(mutex_);
    owner_.store(nullptr, std::memory_order_relaxed);
    gates_held--;
    Waiter* granted = nullptr;
    if (loop_waiter_ != nullptr && !owner_is_loop_) {
      granted = loop_waiter_;
      loop_waiter_ = nullptr;
    } else if (head_ != nullptr && (owner_is_loop_ || Starving(*head_))) {
      granted = PopHead();
    }
    if (granted != nullptr) {
      // locked_ stays true: the lock goes to that thread. Notified under the
      // mutex: the waiter (and its condition variable, on its stack) cannot
      // go away before.
      granted->granted = true;
      granted->cv.notify_one();
      return;
    }
    locked_ = false;
    if (head_ != nullptr && !head_awake_) {
      head_awake_ = true;
      head_->woken = true;
      head_->cv.notify_one();
    }
  }

  bool IsHeldByThisThread() const {
    return owner_.load(std::memory_order_relaxed) == ThisThread();
  }

 private:
  struct Waiter {
    std::condition_variable cv;
    Waiter* next = nullptr;
    uint64_t since = 0;
    bool granted = false;  // The lock was handed to it.
    bool woken = false;    // The lock was released: try again.
  };

  static bool Starving(const Waiter& waiter) {
    return NowNs() - waiter.since >= kCallerStarvationNs;
  }

  Waiter* PopHead() {
    Waiter* head = head_;
    head_ = head->next;
    if (head_ == nullptr) tail_ = nullptr;
    head_awake_ = false;
    return head;
  }

  void Take(bool loop) {
    locked_ = true;
    owner_is_loop_ = loop;
    owner_.store(ThisThread(), std::memory_order_relaxed);
    gates_held++;
  }

  std::mutex mutex_;
  bool locked_ = false;
  bool owner_is_loop_ = false;
  Waiter* loop_waiter_ = nullptr;
  Waiter* head_ = nullptr;  // Waiting callers, oldest first.
  Waiter* tail_ = nullptr;
  bool head_awake_ = false;
  std::atomic<const void*> owner_{nullptr};
};

}  // namespace

struct nodeffm_runtime {
  int64_t id;
  nodeffm_start_listener start_listener;
  nodeffm_stop_listener stop_listener;
  nodeffm_finalize_listener finalize_listener;

  std::mutex mutex;  // Guards state and env, and drained.
  State state = State::kNew;
  node::Environment* env = nullptr;  // Set while the loop runs.
  // Whether JavaScript may still be called: false from the first stop on.
  std::atomic<bool> running{false};

  // The lock (see nodeffm.h). The fields below are used by its holder only.
  Gate gate;
  // Whether V8 must not be entered: before the environment runs, and from
  // the start of the teardown on.
  bool closed = true;
  napi_env node_api_env = nullptr;
  bool exited = false;  // process.exit() or a fatal exception.
  int exit_code = 0;
  v8::Isolate* isolate = nullptr;
  node::CommonEnvironmentSetup* setup = nullptr;
  uv_loop_t* loop = nullptr;
  // The async resource of direct calls' callback scopes.
  v8::Global<v8::Object> call_resource;
  // Keeps the loop alive while the runtime runs; sent to wake the loop
  // thread when a direct call changed what it waits for.
  uv_async_t wakeup;
  // nodeffm_runtime_call_after_turn(): made when the gate is next released.
  napi_threadsafe_function after_turn = nullptr;
  void* after_turn_data = nullptr;
  // When the loop thread's wait for events ends by itself, in uv_now() time
  // (kNoDeadline: it waits without a timeout).
  int64_t poll_deadline = kNoDeadline;
  uintptr_t loop_stack_limit = 0;

  // Threads inside nodeffm_runtime_call(), plus one held by the runtime until
  // nodeffm_runtime_run() ends; the thread that takes it to 0 sets drained.
  std::atomic<int64_t> users{1};
  bool finished = false;  // nodeffm_runtime_run() has ended.
  bool drained = false;
  std::condition_variable drained_cv;
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

// The lowest address of the calling thread's stack and its size, looked up
// once per thread (pthread_getattr_np reads /proc/self/maps on the process's
// first thread). False if the system does not tell.
bool ThreadStack(uintptr_t* low, size_t* size) {
  static thread_local uintptr_t cached_low = 0;
  static thread_local size_t cached_size = 0;
  if (cached_low == 0) {
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) != 0) return false;
    void* address = nullptr;
    size_t bytes = 0;
    int status = pthread_attr_getstack(&attr, &address, &bytes);
    pthread_attr_destroy(&attr);
    if (status != 0 || address == nullptr) return false;
    cached_low = reinterpret_cast<uintptr_t>(address);
    cached_size = bytes;
  }
  *low = cached_low;
  *size = cached_size;
  return true;
}

// The V8 stack limit that leaves reserve bytes of the current thread's stack
// (above its lowest address) to native code, as Node's Workers do for theirs.
bool LoopStackLimit(size_t reserve, uintptr_t* limit, std::string* error) {
  uintptr_t low = 0;
  size_t size = 0;
  if (!ThreadStack(&low, &size)) {
    *error = "pthread_getattr_np failed on the loop thread";
    return false;
  }
  uintptr_t here = reinterpret_cast<uintptr_t>(&low);
  *limit = low + reserve;
  if (*limit + kMinimumJavaScriptStack > here) {
    *error = "the loop thread's stack (" + std::to_string(size) +
             " bytes) is too small for a reserve of " +
             std::to_string(reserve) + " bytes";
    return false;
  }
  return true;
}

// The isolate, its context and a HandleScope, entered by the thread that
// holds the gate; v8::Locker is then uncontended (and re-entrant for nested
// calls). The isolate is entered each time (Isolate::Enter records the
// thread's stack for the garbage collector's stack scanning), and a
// top-level Locker resets the thread's V8 stack limit: limit (when not 0)
// sets it again.
class Entered {
 public:
  Entered(nodeffm_runtime* runtime, uintptr_t limit)
      : locker_(runtime->isolate),
        isolate_scope_(runtime->isolate),
        handle_scope_(runtime->isolate),
        context_(runtime->setup->context()),
        context_scope_(context_) {
    if (limit != 0) runtime->isolate->SetStackLimit(limit);
  }
  Entered(const Entered&) = delete;
  Entered& operator=(const Entered&) = delete;

 private:
  v8::Locker locker_;
  v8::Isolate::Scope isolate_scope_;
  v8::HandleScope handle_scope_;
  v8::Local<v8::Context> context_;
  v8::Context::Scope context_scope_;
};

void ReleaseUser(nodeffm_runtime* runtime) {
  if (runtime->users.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    std::lock_guard<std::mutex> lock(runtime->mutex);
    runtime->drained = true;
    runtime->drained_cv.notify_all();
  }
}

// After fn: the poll deadline of the loop thread, and whether fn changed it.
// uv_backend_timeout() is 0 when uv_run() must run at once: watchers to
// (un)register in epoll, pending callbacks, active idle handles (immediates),
// closing handles; else the time to the earliest timer.
void WakeLoopIfNeeded(nodeffm_runtime* runtime) {
  int timeout = uv.backend_timeout(runtime->loop);
  int64_t deadline =
      timeout < 0 ? kNoDeadline
                  : static_cast<int64_t>(uv.now(runtime->loop)) + timeout;
  if (deadline < runtime->poll_deadline) {
    runtime->poll_deadline = deadline;
    uv.async_send(&runtime->wakeup);
  }
}

// The call that nodeffm_runtime_call_after_turn() kept, if any; the thread
// holds the gate, about to release it.
void CallAfterTurn(nodeffm_runtime* runtime) {
  napi_threadsafe_function function = runtime->after_turn;
  if (function == nullptr) return;
  runtime->after_turn = nullptr;
  napi_call_threadsafe_function(
      function, runtime->after_turn_data, napi_tsfn_nonblocking);
}

// Runs fn inside a callback scope; the thread holds the gate and has entered
// the isolate and context.
void RunDirect(nodeffm_runtime* runtime, nodeffm_direct_fn fn, void* data) {
  v8::Isolate* isolate = runtime->isolate;
  napi_env env = runtime->node_api_env;
  node::CallbackScope scope(
      runtime->env, runtime->call_resource.Get(isolate), {0, 0});
  fn(env, data);
  bool pending = false;
  napi_value exception;
  if (env != nullptr && runtime->running.load() &&
      napi_is_exception_pending(env, &pending) == napi_ok && pending &&
      napi_get_and_clear_last_exception(env, &exception) == napi_ok) {
    napi_fatal_exception(env, exception);
  }
}

int CallNested(nodeffm_runtime* runtime, nodeffm_direct_fn fn, void* data) {
  if (runtime->closed || !runtime->running.load()) return NODEFFM_CALL_STOPPED;
  Entered entered(runtime, 0);
  RunDirect(runtime, fn, data);
  return runtime->running.load() ? NODEFFM_CALL_OK : NODEFFM_CALL_TERMINATED;
}

// A top-level call; the thread holds the gate.
int CallLocked(nodeffm_runtime* runtime,
               uintptr_t limit,
               nodeffm_direct_fn fn,
               void* data) {
  if (runtime->closed) return NODEFFM_CALL_STOPPED;
  Entered entered(runtime, limit);
  // Checked after the Locker: a stop (V8 TerminateExecution) that came
  // before is seen here, one that comes later terminates this thread's
  // JavaScript (the Locker's thread setup would have dropped an earlier one).
  if (!runtime->running.load()) return NODEFFM_CALL_STOPPED;
  RunDirect(runtime, fn, data);
  CallAfterTurn(runtime);
  WakeLoopIfNeeded(runtime);
  return runtime->running.load() ? NODEFFM_CALL_OK : NODEFFM_CALL_TERMINATED;
}

// One turn of the event loop, with the gate and V8 held: the callbacks of
// whatever is due. False (the gate still held) when the runtime stops; else
// the gate is released and timeout is how long to wait for events (-1: no
// limit).
bool LoopTurn(nodeffm_runtime* runtime, int* timeout) {
  runtime->gate.LockLoop();
  {
    Entered entered(runtime, runtime->loop_stack_limit);
    v8::SealHandleScope seal(runtime->isolate);
    if (!runtime->running.load()) return false;
    uv.run(runtime->loop, UV_RUN_NOWAIT);
    if (!runtime->running.load()) return false;
    CallAfterTurn(runtime);
    *timeout = uv.backend_timeout(runtime->loop);
    runtime->poll_deadline =
        *timeout < 0 ? kNoDeadline
                     : static_cast<int64_t>(uv.now(runtime->loop)) + *timeout;
  }
  runtime->gate.Unlock();
  return true;
}

// See nodeffm_set_loop_spin(): how long a loop thread polls before it blocks,
// and whether one does now.
std::atomic<int64_t> loop_spin_nanos{0};
std::atomic<bool> loop_spinning{false};

// Polls epoll's descriptor without blocking, for up to loop_spin_nanos and
// the timeout, unless another loop thread spins: true if events arrived.
bool SpinForEvents(int backend_fd, int timeout) {
  int64_t spin = loop_spin_nanos.load(std::memory_order_relaxed);
  if (spin <= 0 || timeout == 0) return false;
  if (timeout > 0) spin = std::min<int64_t>(spin, timeout * int64_t{1000000});
  bool idle = false;
  if (loop_spinning.load(std::memory_order_relaxed) ||
      !loop_spinning.compare_exchange_strong(idle, true)) {
    return false;
  }
  pollfd fd = {backend_fd, POLLIN, 0};
  bool ready = false;
  uint64_t start = NowNs();
  do {
    ready = poll(&fd, 1, 0) > 0;
  } while (!ready && NowNs() - start < static_cast<uint64_t>(spin));
  loop_spinning.store(false, std::memory_order_release);
  return ready;
}

// Waits without the gate until the loop has events (epoll's descriptor is
// readable), the timeout passes or a signal interrupts; spins first (see
// nodeffm_set_loop_spin()).
void WaitForEvents(int backend_fd, int timeout) {
  if (SpinForEvents(backend_fd, timeout)) return;
  pollfd fd = {backend_fd, POLLIN, 0};
  poll(&fd, 1, timeout);
}

void MarkStopped(nodeffm_runtime* runtime) {
  std::lock_guard<std::mutex> lock(runtime->mutex);
  runtime->env = nullptr;
  runtime->state = State::kStopped;
  runtime->running = false;
}

// The end of nodeffm_runtime_run(): the runtime is stopped; waits until no
// thread is inside nodeffm_runtime_call() any more (they return
// NODEFFM_CALL_STOPPED without the gate, or, if they were waiting for it,
// once the teardown released it).
void FinishRun(nodeffm_runtime* runtime) {
  MarkStopped(runtime);
  bool first = false;
  {
    std::lock_guard<std::mutex> lock(runtime->mutex);
    first = !runtime->finished;
    runtime->finished = true;
  }
  if (first) ReleaseUser(runtime);  // The runtime's own reference.
  std::unique_lock<std::mutex> lock(runtime->mutex);
  runtime->drained_cv.wait(lock, [runtime] { return runtime->drained; });
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

void nodeffm_set_loop_spin(int64_t nanos) {
  loop_spin_nanos.store(nanos, std::memory_order_relaxed);
}

nodeffm_runtime* nodeffm_runtime_new(
    int64_t runtime_id,
    nodeffm_start_listener start_listener,
    nodeffm_stop_listener stop_listener,
    nodeffm_finalize_listener finalize_listener) {
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
    CopyError(
        "runtime and bootstrap script must not be NULL", error, error_size);
    return -1;
  }
  {
    std::lock_guard<std::mutex> lock(process_mutex);
    if (!process_initialized || !process_error.empty()) {
      CopyError("nodeffm_process_init() has not succeeded", error, error_size);
      return -1;
    }
  }
  bool stopped_before_start = false;
  {
    std::lock_guard<std::mutex> lock(runtime->mutex);
    if (runtime->state == State::kStopped && !runtime->finished) {
      CopyError("the runtime was stopped before it started", error, error_size);
      stopped_before_start = true;
    } else if (runtime->state != State::kNew) {
      CopyError("the runtime has already run", error, error_size);
      return -1;
    }
  }
  if (stopped_before_start) {
    FinishRun(runtime);
    return -1;
  }

  if (!LoadLibuv()) {
    CopyError("libuv was not found in libnode or its dependencies",
              error,
              error_size);
    FinishRun(runtime);
    return -1;
  }

  std::vector<std::string> errors;
  std::vector<std::string> args = {"node-ffm"};
  std::vector<std::string> exec_args;
  std::unique_ptr<node::CommonEnvironmentSetup> setup =
      node::CommonEnvironmentSetup::Create(
          platform, &errors, args, exec_args, node::EnvironmentFlags::kNoFlags);
  if (!setup) {
    std::string message = "could not create a Node.js environment:";
    for (const std::string& e : errors) message += " " + e;
    CopyError(message, error, error_size);
    FinishRun(runtime);
    return -1;
  }

  int result = 0;
  std::string failure;
  v8::Isolate* isolate = setup->isolate();
  node::Environment* env = setup->env();
  runtime->isolate = isolate;
  runtime->setup = setup.get();
  runtime->loop = setup->event_loop();

  // Startup: the gate is held through the bootstrap script.
  runtime->gate.LockLoop();
  bool loop_ready = false;
  {
    v8::Locker locker(isolate);
    v8::Isolate::Scope isolate_scope(isolate);
    v8::HandleScope handle_scope(isolate);
    v8::Context::Scope context_scope(setup->context());

    if (!LoopStackLimit(stack_reserve, &runtime->loop_stack_limit, &failure)) {
      CopyError(failure, error, error_size);
      result = -1;
    } else {
      isolate->SetStackLimit(runtime->loop_stack_limit);
      // process.exit() and fatal exceptions stop this environment instead of
      // exiting the JVM; their exit code is kept. This runs on the thread
      // that holds the gate (the loop thread or a direct caller).
      node::SetProcessExitHandler(
          env, [runtime](node::Environment* env, int exit_code) {
            runtime->exited = true;
            runtime->exit_code = exit_code;
            runtime->running = false;
            node::Stop(env);
          });
      node::AddLinkedBinding(env, "nodeffm", InitBinding);
      runtime->call_resource.Reset(isolate, v8::Object::New(isolate));
      uv.async_init(runtime->loop, &runtime->wakeup, [](uv_async_t*) {});
      loop_ready = true;
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
      runtime->closed = false;
      if (stop_now) node::Stop(env);

      current_runtime = runtime;
      v8::MaybeLocal<v8::Value> loaded =
          node::LoadEnvironment(env, bootstrap_script);
      current_runtime = nullptr;
      if (loaded.IsEmpty() && runtime->running) {
        CopyError("the bootstrap script failed", error, error_size);
        result = -1;
        runtime->running = false;
        node::Stop(env);
      }
    }
  }

  // The event loop, in turns: see LoopTurn(). Returns with the gate held.
  if (loop_ready && runtime->running) {
    runtime->gate.Unlock();
    int backend_fd = uv.backend_fd(runtime->loop);
    int timeout = 0;
    while (LoopTurn(runtime, &timeout)) WaitForEvents(backend_fd, timeout);
  }
  if (result >= 0 && runtime->exited) result = runtime->exit_code;

  // Teardown, with the gate held throughout: no direct call can enter V8.
  {
    v8::Locker locker(isolate);
    v8::Isolate::Scope isolate_scope(isolate);
    v8::HandleScope handle_scope(isolate);
    v8::Context::Scope context_scope(setup->context());
    if (runtime->loop_stack_limit != 0) {
      isolate->SetStackLimit(runtime->loop_stack_limit);
    }
    runtime->closed = true;
    {
      std::lock_guard<std::mutex> lock(runtime->mutex);
      runtime->running = false;
      if (runtime->state == State::kRunning) runtime->state = State::kStopping;
    }
    if (runtime->node_api_env != nullptr) {
      runtime->stop_listener(runtime->id, result < 0 ? 1 : result);
    }
    runtime->call_resource.Reset();
    // Its close completes in the teardown's uv_run() (the environment's
    // cleanup, the platform's wait for the isolate).
    if (loop_ready)
      uv.close(reinterpret_cast<uv_handle_t*>(&runtime->wakeup), nullptr);
  }
  // Frees the environment: its cleanup hooks run here (the finalization of
  // the thread-safe functions that are still open, among others).
  setup.reset();
  runtime->setup = nullptr;
  runtime->isolate = nullptr;
  runtime->loop = nullptr;
  MarkStopped(runtime);
  runtime->gate.Unlock();
  FinishRun(runtime);
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

int nodeffm_runtime_call(nodeffm_runtime* runtime,
                         size_t stack_reserve,
                         nodeffm_direct_fn fn,
                         void* data) {
  if (runtime == nullptr || fn == nullptr) return NODEFFM_CALL_STOPPED;
  if (runtime->gate.IsHeldByThisThread()) return CallNested(runtime, fn, data);
  if (gates_held > 0) return NODEFFM_CALL_REENTRANT;
  runtime->users.fetch_add(1, std::memory_order_acq_rel);
  int status = NODEFFM_CALL_STOPPED;
  uintptr_t limit = 0;
  uintptr_t low = 0;
  size_t size = 0;
  if (ThreadStack(&low, &size)) {
    limit = low + stack_reserve;
    if (limit + kMinimumCallStack > reinterpret_cast<uintptr_t>(&low)) {
      status = NODEFFM_CALL_NO_STACK;
    }
  }
  if (status != NODEFFM_CALL_NO_STACK && runtime->running.load()) {
    runtime->gate.LockCaller();
    status = CallLocked(runtime, limit, fn, data);
    runtime->gate.Unlock();
  }
  ReleaseUser(runtime);
  return status;
}

napi_status nodeffm_runtime_call_after_turn(nodeffm_runtime* runtime,
                                            napi_threadsafe_function function,
                                            void* data) {
  if (runtime == nullptr || !runtime->gate.IsHeldByThisThread()) {
    return napi_generic_failure;
  }
  runtime->after_turn = function;
  runtime->after_turn_data = data;
  return napi_ok;
}

int nodeffm_runtime_holds_lock(nodeffm_runtime* runtime) {
  return runtime != nullptr && runtime->gate.IsHeldByThisThread() ? 1 : 0;
}

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
      instance != nullptr && static_cast<nodeffm_runtime*>(instance)->running &&
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
