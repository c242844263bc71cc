// Tests of the shim's direct call path and its event loop (nodeffm.h), at
// the C level: a program linked against the shim and libnode that starts
// runtimes, calls into them from many threads and checks what happens.
// Self-checking: prints one line per check, then "N passed, M failed", and
// exits non-zero if any check failed. Numbers (a direct call's cost, timer
// delays under load) are printed as "measure:" lines.
//
// Run through src/test/native/run-direct-call-test.
#include "nodeffm.h"

#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

// ------------------------------------------------------------------ checks

int passed = 0;
int failed = 0;
// For the watchdog (main()).
std::atomic<double> last_progress{0};
std::atomic<const char*> current_test{""};

void Check(bool ok, const std::string& what) {
  if (ok) {
    passed++;
    printf("ok: %s\n", what.c_str());
  } else {
    failed++;
    printf("FAILED: %s\n", what.c_str());
  }
  fflush(stdout);
}

void Measure(const std::string& what) {
  printf("measure: %s\n", what.c_str());
  fflush(stdout);
}

double NowMs() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec * 1e3 + now.tv_nsec / 1e6;
}

uint64_t NowNs() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<uint64_t>(now.tv_sec) * 1000000000u + now.tv_nsec;
}

const char* StatusName(int status) {
  switch (status) {
    case NODEFFM_CALL_OK:
      return "OK";
    case NODEFFM_CALL_STOPPED:
      return "STOPPED";
    case NODEFFM_CALL_REENTRANT:
      return "REENTRANT";
    case NODEFFM_CALL_TERMINATED:
      return "TERMINATED";
    case NODEFFM_CALL_NO_STACK:
      return "NO_STACK";
  }
  return "?";
}

// A platform thread with a given stack size (glibc may give it a larger stack
// from its cache of exited threads' stacks, unless own_stack).
class Thread {
 public:
  Thread(size_t stack_size, std::function<void()> body, bool own_stack = false)
      : body_(std::move(body)) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    if (own_stack) {
      stack_.resize(stack_size);
      pthread_attr_setstack(&attr, stack_.data(), stack_size);
    } else {
      pthread_attr_setstacksize(&attr, stack_size);
    }
    if (pthread_create(&thread_, &attr, &Thread::Run, this) != 0) abort();
    pthread_attr_destroy(&attr);
  }
  ~Thread() { Join(); }
  void Join() {
    if (!joined_) {
      pthread_join(thread_, nullptr);
      joined_ = true;
    }
  }

 private:
  static void* Run(void* self) {
    static_cast<Thread*>(self)->body_();
    return nullptr;
  }
  std::function<void()> body_;
  std::vector<char> stack_;
  pthread_t thread_;
  bool joined_ = false;
};

// A thread's identity.
const void* ThisThread() {
  static thread_local char token;
  return &token;
}

// ------------------------------------------------------------------ events

// What JavaScript reports through binding.mark(name, value).
struct Event {
  int64_t runtime;
  std::string name;
  double value;
  const void* thread;
  double at_ms;
};

std::mutex events_mutex;
std::condition_variable events_cv;
std::vector<Event> events;

void Record(int64_t runtime, const std::string& name, double value) {
  std::lock_guard<std::mutex> lock(events_mutex);
  events.push_back({runtime, name, value, ThisThread(), NowMs()});
  events_cv.notify_all();
}

// The first event of that name since index from, waiting up to timeout_ms.
bool WaitFor(int64_t runtime,
             const std::string& name,
             double timeout_ms,
             Event* found) {
  std::unique_lock<std::mutex> lock(events_mutex);
  double deadline = NowMs() + timeout_ms;
  while (true) {
    for (const Event& e : events) {
      if (e.runtime == runtime && e.name == name) {
        if (found != nullptr) *found = e;
        return true;
      }
    }
    double left = deadline - NowMs();
    if (left <= 0) return false;
    events_cv.wait_for(
        lock, std::chrono::microseconds(static_cast<int64_t>(left * 1000)));
  }
}

// ------------------------------------------------------------------ runtimes

constexpr size_t kLoopStack = 4 << 20;
constexpr size_t kLoopReserve = 1 << 20;
constexpr size_t kCallReserve = 256 << 10;

const char* kBootstrap = R"JS(
'use strict';
const binding = process._linkedBinding('nodeffm');
globalThis.binding = binding;
globalThis.require = require;
)JS";

struct Runtime;
Runtime* runtimes[4096];
std::atomic<int64_t> last_id{0};

struct Runtime {
  int64_t id = ++last_id;
  nodeffm_runtime* handle = nullptr;
  std::atomic<napi_env> env{nullptr};
  std::atomic<bool> started{false};
  std::atomic<bool> ended{false};
  std::atomic<int> run_result{-100};
  std::atomic<int> stop_code{-100};
  std::string error;
  std::function<void(napi_env)> on_start;
  Thread* loop = nullptr;

  Runtime() { runtimes[id] = this; }
  ~Runtime() {
    Stop();
    Join();
    if (handle != nullptr) nodeffm_runtime_free(handle);
    runtimes[id] = nullptr;
  }

  bool Start();
  void Stop() {
    if (handle != nullptr && !ended) nodeffm_runtime_stop(handle);
  }
  int Join() {
    if (loop != nullptr) {
      delete loop;
      loop = nullptr;
    }
    return run_result;
  }
};

// binding.mark(name, value): records an event.
napi_value Mark(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  void* data = nullptr;
  napi_get_cb_info(env, info, &argc, argv, nullptr, &data);
  char name[128] = "";
  size_t length = 0;
  napi_get_value_string_utf8(env, argv[0], name, sizeof(name), &length);
  double value = 0;
  if (argc > 1) napi_get_value_double(env, argv[1], &value);
  Record(reinterpret_cast<intptr_t>(data), name, value);
  return nullptr;
}

// Evaluates a script; the result as a string, or the exception's.
struct Eval {
  explicit Eval(std::string source) : script(std::move(source)) {}
  std::string script;
  std::string result;
  bool threw = false;
  bool ran = false;
};

std::string ToString(napi_env env, napi_value value) {
  napi_value string;
  if (napi_coerce_to_string(env, value, &string) != napi_ok) return "?";
  char buffer[512];
  size_t length = 0;
  napi_get_value_string_utf8(env, string, buffer, sizeof(buffer), &length);
  return std::string(buffer, length);
}

void EvalFn(napi_env env, void* data) {
  auto* eval = static_cast<Eval*>(data);
  eval->ran = true;
  napi_value source;
  napi_value result;
  napi_create_string_utf8(env, eval->script.c_str(), NAPI_AUTO_LENGTH, &source);
  napi_status status = napi_run_script(env, source, &result);
  if (status == napi_ok) {
    eval->result = ToString(env, result);
    return;
  }
  eval->threw = true;
  bool pending = false;
  napi_value exception;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending &&
      napi_get_and_clear_last_exception(env, &exception) == napi_ok) {
    eval->result = ToString(env, exception);
  } else {
    eval->result = "napi status " + std::to_string(status);
  }
}

int Call(Runtime& runtime, Eval* eval, size_t reserve = kCallReserve) {
  return nodeffm_runtime_call(runtime.handle, reserve, EvalFn, eval);
}

// Evaluates on this thread; "<status>" if the call did not run.
std::string Run(Runtime& runtime, const std::string& script) {
  Eval eval{script};
  int status = Call(runtime, &eval);
  if (status != NODEFFM_CALL_OK) {
    return std::string("<") + StatusName(status) + ">" + eval.result;
  }
  return eval.threw ? "threw " + eval.result : eval.result;
}

// binding.nested(script): a nested direct call evaluating script; returns
// [status, holds_lock, result].
napi_value Nested(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void* data = nullptr;
  napi_get_cb_info(env, info, &argc, argv, nullptr, &data);
  Runtime* runtime = runtimes[reinterpret_cast<intptr_t>(data)];
  Eval eval{argc > 0 ? ToString(env, argv[0]) : "1"};
  int holds = -1;
  struct Inner {
    Eval* eval;
    int* holds;
    nodeffm_runtime* runtime;
  } inner{&eval, &holds, runtime->handle};
  int status = nodeffm_runtime_call(
      runtime->handle,
      0,
      [](napi_env env, void* data) {
        auto* inner = static_cast<Inner*>(data);
        *inner->holds = nodeffm_runtime_holds_lock(inner->runtime);
        EvalFn(env, inner->eval);
      },
      &inner);
  napi_value array;
  napi_value element;
  napi_create_array_with_length(env, 3, &array);
  napi_create_int32(env, status, &element);
  napi_set_element(env, array, 0, element);
  napi_create_int32(env, holds, &element);
  napi_set_element(env, array, 1, element);
  napi_create_string_utf8(env, eval.result.c_str(), NAPI_AUTO_LENGTH, &element);
  napi_set_element(env, array, 2, element);
  return array;
}

// binding.recurse(n): calls globalThis.rec(n + 1) through a nested direct
// call, and rethrows what it throws (as the Java side will).
napi_value Recurse(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void* data = nullptr;
  napi_get_cb_info(env, info, &argc, argv, nullptr, &data);
  Runtime* runtime = runtimes[reinterpret_cast<intptr_t>(data)];
  double n = 0;
  napi_get_value_double(env, argv[0], &n);
  struct Inner {
    double n;
    napi_ref result = nullptr;
    napi_ref exception = nullptr;
  } inner{n};
  int status = nodeffm_runtime_call(
      runtime->handle,
      0,
      [](napi_env env, void* data) {
        auto* inner = static_cast<Inner*>(data);
        napi_value global, rec, arg, result;
        napi_get_global(env, &global);
        napi_get_named_property(env, global, "rec", &rec);
        napi_create_double(env, inner->n + 1, &arg);
        if (napi_call_function(env, global, rec, 1, &arg, &result) == napi_ok) {
          napi_create_reference(env, result, 1, &inner->result);
        } else {
          napi_value exception;
          if (napi_get_and_clear_last_exception(env, &exception) == napi_ok) {
            napi_create_reference(env, exception, 1, &inner->exception);
          }
        }
      },
      &inner);
  napi_value value = nullptr;
  if (inner.exception != nullptr) {
    napi_get_reference_value(env, inner.exception, &value);
    napi_delete_reference(env, inner.exception);
    napi_throw(env, value);
    return nullptr;
  }
  if (inner.result != nullptr) {
    napi_get_reference_value(env, inner.result, &value);
    napi_delete_reference(env, inner.result);
    return value;
  }
  napi_throw_error(env,
                   nullptr,
                   (std::string("nested call: ") + StatusName(status)).c_str());
  return nullptr;
}

void DefineFunction(napi_env env,
                    napi_value exports,
                    const char* name,
                    napi_callback callback,
                    int64_t id) {
  napi_value function;
  napi_create_function(env,
                       name,
                       NAPI_AUTO_LENGTH,
                       callback,
                       reinterpret_cast<void*>(static_cast<intptr_t>(id)),
                       &function);
  napi_set_named_property(env, exports, name, function);
}

void OnStart(int64_t id, napi_env env, napi_value exports) {
  Runtime* runtime = runtimes[id];
  DefineFunction(env, exports, "mark", Mark, id);
  DefineFunction(env, exports, "nested", Nested, id);
  DefineFunction(env, exports, "recurse", Recurse, id);
  if (runtime->on_start) runtime->on_start(env);
  runtime->env = env;
}

void OnStop(int64_t id, int32_t exit_code) {
  runtimes[id]->stop_code = exit_code;
}

bool Runtime::Start() {
  handle = nodeffm_runtime_new(id, OnStart, OnStop, nullptr);
  loop = new Thread(kLoopStack, [this] {
    char message[1024] = "";
    run_result = nodeffm_runtime_run(
        handle, kBootstrap, kLoopReserve, message, sizeof(message));
    error = message;
    ended = true;
  });
  double deadline = NowMs() + 30000;
  while (env.load() == nullptr && !ended && NowMs() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  started = env.load() != nullptr;
  if (!started) printf("runtime did not start: %s\n", error.c_str());
  return started;
}

// ------------------------------------------------------------------ tests

// A timer, an immediate, I/O, a thread pool request and a Worker started by
// a direct call while the loop waits without a timeout: each must run on
// time, so the call must wake the loop.
void TestWakeups() {
  Runtime runtime;
  if (!runtime.Start()) return Check(false, "wakeups: start");
  int64_t id = runtime.id;

  double t0 = NowMs();
  std::string r =
      Run(runtime, "setTimeout(() => binding.mark('timer50'), 50); 'ok'");
  Event e;
  bool fired = WaitFor(id, "timer50", 5000, &e);
  double delay = fired ? e.at_ms - t0 - 50 : -1;
  Check(r == "ok" && fired && delay >= -1 && delay < 40,
        "a 50 ms timer started by a direct call on an idle loop fires on time"
        " (late by " +
            std::to_string(delay) + " ms)");
  Measure("timer set by a direct call: late by " + std::to_string(delay) +
          " ms");

  // An earlier timer than the one the loop waits for.
  Run(runtime, "globalThis.long = setTimeout(() => {}, 10000); 'ok'");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  t0 = NowMs();
  Run(runtime, "setTimeout(() => binding.mark('timer30'), 30); 'ok'");
  fired = WaitFor(id, "timer30", 5000, &e);
  delay = fired ? e.at_ms - t0 - 30 : -1;
  Check(fired && delay >= -1 && delay < 40,
        "a 30 ms timer fires on time while the loop waits for a 10 s one"
        " (late by " +
            std::to_string(delay) + " ms)");
  Run(runtime, "clearTimeout(globalThis.long); 'ok'");

  t0 = NowMs();
  Run(runtime, "setImmediate(() => binding.mark('immediate')); 'ok'");
  fired = WaitFor(id, "immediate", 5000, &e);
  Check(fired && e.at_ms - t0 < 40,
        "an immediate set by a direct call runs at once (after " +
            std::to_string(fired ? e.at_ms - t0 : -1) + " ms)");

  t0 = NowMs();
  r = Run(runtime, R"JS(
    const net = require('net');
    const server = net.createServer((socket) => socket.end('pong'));
    server.listen(0, '127.0.0.1', () => {
      const client = net.connect(server.address().port, '127.0.0.1');
      client.on('data', (data) => {
        binding.mark('tcp', data.toString() === 'pong' ? 1 : 0);
        server.close();
      });
    });
    'ok')JS");
  fired = WaitFor(id, "tcp", 5000, &e);
  Check(r == "ok" && fired && e.value == 1 && e.at_ms - t0 < 1000,
        "a TCP server and client started by a direct call talk over loopback"
        " (after " +
            std::to_string(fired ? e.at_ms - t0 : -1) + " ms)");

  t0 = NowMs();
  Run(runtime,
      "require('fs').readFile('/proc/self/stat', (error, data) =>"
      " binding.mark('fs', error ? 0 : data.length)); 'ok'");
  fired = WaitFor(id, "fs", 5000, &e);
  Check(fired && e.value > 0 && e.at_ms - t0 < 1000,
        "fs.readFile started by a direct call completes (after " +
            std::to_string(fired ? e.at_ms - t0 : -1) + " ms)");

  t0 = NowMs();
  Run(runtime, R"JS(
    const { Worker } = require('worker_threads');
    new Worker("require('worker_threads').parentPort.postMessage(42)",
               { eval: true })
        .on('message', (m) => binding.mark('worker', m));
    'ok')JS");
  fired = WaitFor(id, "worker", 10000, &e);
  Check(fired && e.value == 42,
        "a Worker started by a direct call posts its message (after " +
            std::to_string(fired ? e.at_ms - t0 : -1) + " ms)");

  // Callbacks of the loop run on the loop thread, not on the caller's.
  Run(runtime, "setTimeout(() => binding.mark('where'), 1); 'ok'");
  fired = WaitFor(id, "where", 5000, &e);
  Check(fired && e.thread != ThisThread(),
        "a timer's callback runs on the loop thread");

  runtime.Stop();
  Check(runtime.Join() == 0 && runtime.stop_code == 0,
        "stop: nodeffm_runtime_run returns 0, the stop listener gets 0");
}

// Promises, async functions, nextTick and microtasks around direct calls.
void TestPromises() {
  Runtime runtime;
  if (!runtime.Start()) return Check(false, "promises: start");
  int64_t id = runtime.id;
  std::string r = Run(runtime, R"JS(
    globalThis.step = 0;
    process.nextTick(() => binding.mark('tick'));
    queueMicrotask(() => binding.mark('microtask'));
    globalThis.p = (async () => {
      await null;
      globalThis.step = 1;
      binding.mark('after-await');
      await new Promise((resolve) => setTimeout(resolve, 20));
      globalThis.step = 2;
      return 7;
    })();
    globalThis.p.then((value) => binding.mark('then', value));
    'started')JS");
  Event tick, microtask, after_await, then;
  // Before the call returned, on this thread.
  bool all = WaitFor(id, "tick", 0, &tick) &&
             WaitFor(id, "microtask", 0, &microtask) &&
             WaitFor(id, "after-await", 0, &after_await);
  Check(r == "started" && all && tick.thread == ThisThread() &&
            microtask.thread == ThisThread() &&
            after_await.thread == ThisThread(),
        "nextTick, microtasks and an async function's continuation run on the"
        " calling thread before the direct call returns");
  Check(Run(runtime, "globalThis.step") == "1",
        "the continuation's effect is visible to the next call");
  bool settled = WaitFor(id, "then", 5000, &then);
  Check(settled && then.value == 7 && then.thread != ThisThread(),
        "the Promise returned by a direct call settles (on the loop thread,"
        " after its timer) and its then() runs");
  Check(Run(runtime, "globalThis.step") == "2", "the async function finished");

  // A Promise rejected without a handler is an unhandled rejection, as in a
  // callback; with a handler it is not.
  r = Run(runtime,
          "Promise.reject(new Error('x')).catch(() => binding.mark('caught'));"
          " 'ok'");
  Check(r == "ok" && WaitFor(id, "caught", 0, nullptr),
        "a rejection handled in the same call is handled before it returns");
  runtime.Stop();
  runtime.Join();
}

// Nested direct calls, holds_lock, and the refusal across runtimes.
void TestNested() {
  Runtime other;
  if (!other.Start()) return Check(false, "nested: start other");
  std::atomic<int> start_status{-1};
  Runtime runtime;
  runtime.on_start = [&runtime, &start_status](napi_env) {
    Eval eval{"globalThis.fromStart = 1; 'ok'"};
    start_status = Call(runtime, &eval);
  };
  if (!runtime.Start()) return Check(false, "nested: start");
  Check(start_status == NODEFFM_CALL_OK &&
            Run(runtime, "globalThis.fromStart") == "1",
        "a direct call from the start listener (loop thread, bootstrap) runs");

  Check(nodeffm_runtime_holds_lock(runtime.handle) == 0,
        "holds_lock is 0 outside calls");
  struct Data {
    Runtime* runtime;
    Runtime* other;
    int holds;
    int other_status;
    std::string nested;
  } data{&runtime, &other, -1, -1, ""};
  int status = nodeffm_runtime_call(
      runtime.handle,
      kCallReserve,
      [](napi_env env, void* p) {
        auto* data = static_cast<Data*>(p);
        data->holds = nodeffm_runtime_holds_lock(data->runtime->handle);
        Eval eval{"1"};
        data->other_status = Call(*data->other, &eval);
        Eval nested{"const r = binding.nested('41 + 1'); r.join(',')"};
        EvalFn(env, &nested);
        data->nested = nested.result;
      },
      &data);
  Check(status == NODEFFM_CALL_OK && data.holds == 1,
        "holds_lock is 1 inside fn");
  Check(data.nested == "0,1,42",
        "a nested direct call (JS -> native -> nodeffm_runtime_call) runs at"
        " once and holds the lock: " +
            data.nested);
  Check(data.other_status == NODEFFM_CALL_REENTRANT,
        std::string("a direct call into another runtime from inside fn is ") +
            StatusName(data.other_status));
  std::string from_loop = Run(runtime, R"JS(
    setTimeout(() => binding.mark('loop-nested',
                                  binding.nested('6 * 7')[2] === '42' ? 1 : 0),
               1);
    'ok')JS");
  Event e;
  Check(from_loop == "ok" && WaitFor(runtime.id, "loop-nested", 5000, &e) &&
            e.value == 1 && e.thread != ThisThread(),
        "a nested direct call from a timer callback on the loop thread runs");
  runtime.Stop();
  other.Stop();
}

// Deep recursion in direct calls is a RangeError on stacks of any size, also
// through nested native calls; a thread without enough stack is refused.
void TestRecursion() {
  Runtime runtime;
  if (!runtime.Start()) return Check(false, "recursion: start");
  const std::string js_recursion = R"JS(
    (() => {
      function f(n) { return n === 0 ? 0 : 1 + f(n + 1); }
      try { f(1); return 'no error'; }
      catch (e) { return e instanceof RangeError ? 'RangeError' : String(e); }
    })())JS";
  const std::string native_recursion = R"JS(
    globalThis.rec = (n) => binding.recurse(n);
    (() => {
      try { rec(1); return 'no error'; }
      catch (e) { return e instanceof RangeError ? 'RangeError' : String(e); }
    })())JS";
  for (size_t stack : {512u << 10, 1u << 20, 8u << 20}) {
    std::string js, native;
    Thread thread(stack, [&] {
      js = Run(runtime, js_recursion);
      native = Run(runtime, native_recursion);
    });
    thread.Join();
    Check(js == "RangeError",
          "deep JS recursion on a thread with a " +
              std::to_string(stack >> 10) + " KiB stack: " + js);
    Check(native == "RangeError",
          "deep recursion through nested native calls on a " +
              std::to_string(stack >> 10) + " KiB stack: " + native);
  }
  // The process's first thread (its stack grows up to RLIMIT_STACK).
  std::string js = Run(runtime, js_recursion);
  Check(js == "RangeError", "deep JS recursion on the main thread: " + js);
  std::string refused;
  Thread small(
      256 << 10, [&] { refused = Run(runtime, "1"); }, true);
  small.Join();
  Check(refused == "<NO_STACK>",
        "a thread whose stack is not larger than the reserve is refused: " +
            refused);
  runtime.Stop();
}

// Threads that never entered the isolate before, one after the other and at
// the same time.
void TestFreshThreads() {
  Runtime runtime;
  if (!runtime.Start()) return Check(false, "fresh threads: start");
  int good = 0;
  for (int i = 0; i < 50; i++) {
    std::string r;
    Thread thread(1 << 20,
                  [&] { r = Run(runtime, std::to_string(i) + " * 2"); });
    thread.Join();
    if (r == std::to_string(i * 2)) good++;
  }
  Check(good == 50,
        "50 new threads, one after the other, each call once: " +
            std::to_string(good) + " right");
  std::atomic<int> concurrent{0};
  {
    std::vector<std::unique_ptr<Thread>> threads;
    for (int i = 0; i < 8; i++) {
      threads.emplace_back(new Thread(1 << 20, [&, i] {
        for (int j = 0; j < 100; j++) {
          if (Run(runtime, std::to_string(i) + " + " + std::to_string(j)) ==
              std::to_string(i + j)) {
            concurrent++;
          }
        }
      }));
    }
  }
  Check(concurrent == 800,
        "8 new threads at once, 100 calls each: " +
            std::to_string(concurrent.load()) + " of 800 right");
  runtime.Stop();
}

// Garbage collections on callers' threads (the collector scans the stack of
// the thread that holds the isolate), while the loop allocates too.
void TestGarbageCollection() {
  Runtime runtime;
  if (!runtime.Start()) return Check(false, "gc: start");
  Run(runtime,
      "globalThis.keep = [];"
      " globalThis.churn = setInterval(() => { keep.push(new Array(1000)"
      ".fill({})); if (keep.length > 50) keep.length = 0; }, 1); 'ok'");
  std::atomic<int> good{0};
  {
    std::vector<std::unique_ptr<Thread>> threads;
    for (int t = 0; t < 4; t++) {
      threads.emplace_back(new Thread(1 << 20, [&] {
        for (int i = 0; i < 25; i++) {
          std::string r =
              Run(runtime,
                  "(() => { const a = new Array(20000).fill(0).map((x, i) =>"
                  " ({ i, s: 'x' + i })); gc(); return a[19999].i; })()");
          if (r == "19999") good++;
        }
      }));
    }
  }
  Run(runtime, "clearInterval(churn); gc(); 'ok'");
  Check(good == 100,
        "full garbage collections in direct calls on 4 threads while the loop"
        " allocates: " +
            std::to_string(good.load()) + " of 100 calls right");
  runtime.Stop();
}

// Exits: process.exit() in a direct call, an exception left pending by fn.
void TestExits() {
  {
    Runtime runtime;
    if (!runtime.Start()) return Check(false, "exit: start");
    Eval eval{"process.exit(5); 'not reached'"};
    int status = Call(runtime, &eval);
    int code = runtime.Join();
    Check(status == NODEFFM_CALL_TERMINATED && code == 5 &&
              runtime.stop_code == 5,
          std::string("process.exit(5) in a direct call: status ") +
              StatusName(status) + ", exit code " + std::to_string(code));
    Check(Run(runtime, "1") == "<STOPPED>",
          "a call after the runtime stopped is STOPPED");
  }
  {
    Runtime runtime;
    if (!runtime.Start()) return Check(false, "pending exception: start");
    int status = nodeffm_runtime_call(
        runtime.handle,
        kCallReserve,
        [](napi_env env, void*) {
          napi_throw_error(
              env, nullptr, "left pending (expected in this test)");
        },
        nullptr);
    int code = runtime.Join();
    Check(code == 1 && status != NODEFFM_CALL_STOPPED,
          "an exception fn leaves pending is uncaught: the runtime stops with"
          " exit code " +
              std::to_string(code));
  }
  {
    Runtime runtime;
    if (!runtime.Start()) return Check(false, "busy: start");
    std::string r;
    Thread caller(1 << 20, [&] { r = Run(runtime, "for (;;) {}"); });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    runtime.Stop();
    caller.Join();
    Check(runtime.Join() == 0 && r.rfind("<TERMINATED>", 0) == 0,
          "stop terminates an endless loop in a direct call: " + r);
  }
}

// The thread-safe function (queued) path still reaches the loop.
void TestQueuedPath() {
  Runtime runtime;
  if (!runtime.Start()) return Check(false, "tsfn: start");
  struct Data {
    napi_threadsafe_function tsfn = nullptr;
  } data;
  Eval eval{"globalThis.onQueued = (n) => binding.mark('queued', n); 'ok'"};
  Call(runtime, &eval);
  nodeffm_runtime_call(
      runtime.handle,
      kCallReserve,
      [](napi_env env, void* p) {
        auto* data = static_cast<Data*>(p);
        napi_value global, callback, name;
        napi_get_global(env, &global);
        napi_get_named_property(env, global, "onQueued", &callback);
        napi_create_string_utf8(env, "queued", NAPI_AUTO_LENGTH, &name);
        napi_create_threadsafe_function(env,
                                        callback,
                                        nullptr,
                                        name,
                                        0,
                                        1,
                                        nullptr,
                                        nullptr,
                                        nullptr,
                                        nodeffm_tsfn_call_js,
                                        &data->tsfn);
      },
      &data);
  Thread producer(1 << 20, [&] {
    napi_call_threadsafe_function(
        data.tsfn, reinterpret_cast<void*>(17), napi_tsfn_nonblocking);
  });
  producer.Join();
  Event e;
  Check(WaitFor(runtime.id, "queued", 5000, &e) && e.value == 17 &&
            e.thread != ThisThread(),
        "a thread-safe function called from another thread runs on the loop");
  napi_release_threadsafe_function(data.tsfn, napi_tsfn_release);
  runtime.Stop();
}

// 4 threads call while another stops the runtime, 100 rounds: no crash, every
// call either ran (OK or TERMINATED) or got STOPPED without running.
void TestStopRace(int rounds) {
  std::mt19937 random(12345);
  long ok = 0, terminated = 0, stopped = 0, wrong = 0, bad_exit = 0;
  for (int round = 0; round < rounds; round++) {
    last_progress = NowMs();
    Runtime runtime;
    Eval before{"1"};
    if (Call(runtime, &before) != NODEFFM_CALL_STOPPED) wrong++;
    if (!runtime.Start()) {
      wrong++;
      continue;
    }
    bool by_exit = round % 5 == 4;
    int delay_us = std::uniform_int_distribution<int>(0, 30000)(random);
    std::atomic<bool> done{false};
    std::atomic<long> counts[5] = {};
    std::atomic<long> mismatches{0};
    std::vector<std::unique_ptr<Thread>> callers;
    for (int t = 0; t < 4; t++) {
      callers.emplace_back(new Thread(1 << 20, [&, t] {
        const char* scripts[] = {
            "1 + 1",
            "setTimeout(() => {}, 1); 'timer'",
            "new Array(2000).fill(1).map((x, i) => ({ i })).length",
            "Promise.resolve().then(() => 1); 'promise'",
        };
        int after = 0;
        for (int i = 0; after < 3; i++) {
          // An endless loop holds the lock until the stop terminates it (not
          // in rounds that stop by process.exit(), which needs the lock).
          Eval eval{t == 3 && i % 50 == 7
                        ? (by_exit ? "const end = Date.now() + 5;"
                                     " while (Date.now() < end) {} 'busy'"
                                   : "for (;;) {}")
                        : scripts[i % 4]};
          int status = Call(runtime, &eval);
          counts[status]++;
          bool ran =
              status == NODEFFM_CALL_OK || status == NODEFFM_CALL_TERMINATED;
          if (ran != eval.ran) mismatches++;
          if (done) after++;
          if (status == NODEFFM_CALL_STOPPED) {
            std::this_thread::sleep_for(std::chrono::microseconds(200));
          }
        }
      }));
    }
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
    if (by_exit) {
      Thread exiter(1 << 20, [&] { Run(runtime, "process.exit(3)"); });
    } else {
      runtime.Stop();
    }
    int code = runtime.Join();
    done = true;
    for (auto& caller : callers) caller->Join();
    if (code != (by_exit ? 3 : 0)) bad_exit++;
    ok += counts[NODEFFM_CALL_OK];
    terminated += counts[NODEFFM_CALL_TERMINATED];
    stopped += counts[NODEFFM_CALL_STOPPED];
    wrong += counts[NODEFFM_CALL_REENTRANT] + counts[NODEFFM_CALL_NO_STACK] +
             mismatches;
  }
  Check(wrong == 0 && bad_exit == 0 && stopped > 0 && ok > 0,
        std::to_string(rounds) +
            " rounds of 4 threads calling while the runtime stops (1 in 5 by"
            " process.exit): " +
            std::to_string(ok) + " OK, " + std::to_string(terminated) +
            " TERMINATED, " + std::to_string(stopped) + " STOPPED, " +
            std::to_string(wrong) + " wrong, " + std::to_string(bad_exit) +
            " wrong exit codes");
}

// Fairness, both ways.
void TestFairness() {
  // (a) The loop's timers and I/O keep running while 4 threads call in a
  // tight loop.
  {
    Runtime runtime;
    if (!runtime.Start()) return Check(false, "fairness a: start");
    Run(runtime, R"JS(
      globalThis.late = [];
      let last = performance.now();
      globalThis.interval = setInterval(() => {
        const now = performance.now();
        late.push(now - last - 10);
        last = now;
      }, 10);
      const net = require('net');
      globalThis.trips = 0;
      globalThis.server = net.createServer((socket) => socket.pipe(socket));
      server.listen(0, '127.0.0.1', () => {
        const client = net.connect(server.address().port, '127.0.0.1');
        client.on('data', () => { trips++; client.write('x'); });
        client.write('x');
        globalThis.client = client;
      });
      'ok')JS");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    Run(runtime, "late.length = 0; trips = 0; 'ok'");
    std::atomic<bool> stop{false};
    std::atomic<long> calls{0};
    double t0 = NowMs();
    {
      std::vector<std::unique_ptr<Thread>> threads;
      for (int t = 0; t < 4; t++) {
        threads.emplace_back(new Thread(1 << 20, [&] {
          Eval eval{"globalThis.x = (globalThis.x | 0) + 1"};
          while (!stop) {
            Call(runtime, &eval);
            calls++;
          }
        }));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2000));
      stop = true;
    }
    double seconds = (NowMs() - t0) / 1000;
    std::string stats = Run(runtime, R"JS(
      clearInterval(interval); client.destroy(); server.close();
      [late.length, Math.max(...late).toFixed(1),
       (late.reduce((a, b) => a + b, 0) / late.length).toFixed(2),
       trips].join(' '))JS");
    int ticks = 0, trips = 0;
    double max_late = 0, mean_late = 0;
    sscanf(
        stats.c_str(), "%d %lf %lf %d", &ticks, &max_late, &mean_late, &trips);
    Measure("4 threads calling in a tight loop: " +
            std::to_string(static_cast<long>(calls / seconds)) +
            " calls/s; meanwhile a 10 ms interval ticked " +
            std::to_string(ticks) + " times in " + std::to_string(seconds) +
            " s, late by " + std::to_string(mean_late) + " ms on average, " +
            std::to_string(max_late) + " ms at most; " + std::to_string(trips) +
            " TCP round trips over loopback");
    Check(ticks >= 150 && mean_late < 5 && max_late < 250 && trips >= 500,
          "the loop's timers and I/O keep running while 4 threads call in a"
          " tight loop (" +
              stats + ")");
    runtime.Stop();
  }
  // (b) Callers are not starved by a busy loop: every turn of the loop runs
  // an immediate that keeps the thread busy for 2 ms.
  {
    Runtime runtime;
    if (!runtime.Start()) return Check(false, "fairness b: start");
    Run(runtime, R"JS(
      globalThis.busy = true;
      globalThis.turns = 0;
      (function spin() {
        const end = performance.now() + 2;
        while (performance.now() < end) {}
        turns++;
        if (busy) setImmediate(spin);
      })();
      'ok')JS");
    std::vector<double> waits;
    double t0 = NowMs();
    Thread caller(1 << 20, [&] {
      Eval eval{"turns"};
      while (NowMs() - t0 < 2000) {
        double start = NowMs();
        Call(runtime, &eval);
        waits.push_back(NowMs() - start);
      }
    });
    caller.Join();
    std::string turns = Run(runtime, "busy = false; turns");
    std::sort(waits.begin(), waits.end());
    double max_wait = waits.empty() ? -1 : waits.back();
    double p50 = waits.empty() ? -1 : waits[waits.size() / 2];
    Measure("a caller against a loop busy 2 ms per turn: " +
            std::to_string(waits.size()) + " calls in 2 s, wait p50 " +
            std::to_string(p50) + " ms, max " + std::to_string(max_wait) +
            " ms; the loop ran " + turns + " busy turns");
    Check(waits.size() >= 200 && max_wait < 250 && atoi(turns.c_str()) >= 200,
          "a busy loop does not starve a caller, nor the caller the loop (" +
              std::to_string(waits.size()) + " calls, max wait " +
              std::to_string(max_wait) + " ms, " + turns + " turns)");
    runtime.Stop();
  }
}

// What a direct call costs (not checked, printed).
void Benchmarks() {
  Runtime runtime;
  if (!runtime.Start()) return Check(false, "benchmarks: start");
  Run(runtime, "globalThis.echo = (n) => n; 'ok'");
  struct Echo {
    napi_ref echo = nullptr;
    double n = 0;
    double sum = 0;
  };
  auto echo_fn = [](napi_env env, void* p) {
    auto* echo = static_cast<Echo*>(p);
    napi_value function, global, arg, result;
    napi_get_reference_value(env, echo->echo, &function);
    napi_get_global(env, &global);
    napi_create_double(env, echo->n, &arg);
    napi_call_function(env, global, function, 1, &arg, &result);
    double value = 0;
    napi_get_value_double(env, result, &value);
    echo->sum += value;
  };
  Echo echo;
  nodeffm_runtime_call(
      runtime.handle,
      kCallReserve,
      [](napi_env env, void* p) {
        napi_value global, function;
        napi_get_global(env, &global);
        napi_get_named_property(env, global, "echo", &function);
        napi_create_reference(env, function, 1, &static_cast<Echo*>(p)->echo);
      },
      &echo);
  auto empty_fn = [](napi_env env, void*) {
    napi_value undefined;
    napi_get_undefined(env, &undefined);
  };
  const int n = 200000;
  for (int i = 0; i < 20000; i++) {
    nodeffm_runtime_call(runtime.handle, kCallReserve, empty_fn, nullptr);
  }
  uint64_t t0 = NowNs();
  for (int i = 0; i < n; i++) {
    nodeffm_runtime_call(runtime.handle, kCallReserve, empty_fn, nullptr);
  }
  uint64_t empty_ns = (NowNs() - t0) / n;
  t0 = NowNs();
  for (int i = 0; i < n; i++) {
    echo.n = i;
    nodeffm_runtime_call(runtime.handle, kCallReserve, echo_fn, &echo);
  }
  uint64_t echo_ns = (NowNs() - t0) / n;
  std::vector<uint64_t> latencies(n);
  for (int i = 0; i < n; i++) {
    echo.n = i;
    uint64_t start = NowNs();
    nodeffm_runtime_call(runtime.handle, kCallReserve, echo_fn, &echo);
    latencies[i] = NowNs() - start;
  }
  std::sort(latencies.begin(), latencies.end());
  struct Inner {
    decltype(+echo_fn) fn;
    Echo* echo;
    nodeffm_runtime* runtime;
    uint64_t ns = 0;
  } inner{+echo_fn, &echo, runtime.handle};
  nodeffm_runtime_call(
      runtime.handle,
      kCallReserve,
      [](napi_env, void* p) {
        auto* inner = static_cast<Inner*>(p);
        uint64_t start = NowNs();
        for (int i = 0; i < 200000; i++) {
          inner->echo->n = i;
          nodeffm_runtime_call(inner->runtime, 0, inner->fn, inner->echo);
        }
        inner->ns = (NowNs() - start) / 200000;
      },
      &inner);
  Measure("direct call, 1 thread, loop idle: empty fn " +
          std::to_string(empty_ns) + " ns/call; echo(n) through" +
          " napi_call_function " + std::to_string(echo_ns) +
          " ns/call; nested echo(n) (lock already held) " +
          std::to_string(inner.ns) + " ns/call; echo(n) latency p50 " +
          std::to_string(latencies[n / 2]) + " ns, p99 " +
          std::to_string(latencies[n * 99 / 100]) + " ns");
  for (int threads : {2, 4}) {
    std::atomic<long> calls{0};
    std::atomic<bool> stop{false};
    uint64_t start = NowNs();
    {
      std::vector<std::unique_ptr<Thread>> workers;
      for (int t = 0; t < threads; t++) {
        workers.emplace_back(new Thread(1 << 20, [&] {
          Echo mine = echo;
          long count = 0;
          while (!stop) {
            mine.n = count;
            nodeffm_runtime_call(runtime.handle, kCallReserve, echo_fn, &mine);
            count++;
          }
          calls += count;
        }));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1000));
      stop = true;
    }
    double seconds = (NowNs() - start) / 1e9;
    Measure("direct echo(n) from " + std::to_string(threads) +
            " threads: " + std::to_string(static_cast<long>(calls / seconds)) +
            " calls/s in total");
  }
  Check(echo.sum > 0, "benchmarks ran");
  runtime.Stop();
}

// Ends the process with a failure if a test hangs.
void Watchdog() {
  while (true) {
    std::this_thread::sleep_for(std::chrono::seconds(5));
    if (NowMs() - last_progress > 180000) {
      printf("FAILED: %s made no progress for 180 s (hangs)\n",
             current_test.load());
      printf("%d passed, %d failed\n", passed, failed + 1);
      fflush(stdout);
      _exit(1);
    }
  }
}

}  // namespace

// direct_call_test [ROUNDS [TEST,...]]: ROUNDS of the stop race (default
// 100); TESTs: wakeups, promises, nested, recursion, threads, gc, exits,
// queued, fairness, race, bench (default all).
int main(int argc, char** argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 100;
  std::string only = argc > 2 ? std::string(",") + argv[2] + "," : "";
  char error[1024] = "";
  const char* options[] = {"--expose-gc"};
  if (nodeffm_process_init(options, 1, error, sizeof(error)) != 0) {
    printf("nodeffm_process_init failed: %s\n", error);
    return 2;
  }
  last_progress = NowMs();
  std::thread(Watchdog).detach();
  std::pair<const char*, std::function<void()>> tests[] = {
      {"wakeups", TestWakeups},
      {"promises", TestPromises},
      {"nested", TestNested},
      {"recursion", TestRecursion},
      {"threads", TestFreshThreads},
      {"gc", TestGarbageCollection},
      {"exits", TestExits},
      {"queued", TestQueuedPath},
      {"fairness", TestFairness},
      {"race", [rounds] { TestStopRace(rounds); }},
      {"bench", Benchmarks},
  };
  for (auto& [name, test] : tests) {
    if (!only.empty() &&
        only.find(std::string(",") + name + ",") == std::string::npos) {
      continue;
    }
    current_test = name;
    last_progress = NowMs();
    test();
  }
  printf("%d passed, %d failed\n", passed, failed);
  fflush(stdout);
  // Runtimes are stopped and freed; Node's platform stays (as in the JVM).
  _exit(failed == 0 ? 0 : 1);
}
