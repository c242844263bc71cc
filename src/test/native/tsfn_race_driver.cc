// Races native threads on the four thread-safe function operations against
// node::Stop() of the environment that owns the thread-safe function, through
// the node-ffm shim. Meant to run under valgrind memcheck (see run-valgrind):
// on a stock libnode the threads touch a deleted thread-safe function; on a
// patched one they must not.
//
//   tsfn_race_driver [ROUNDS] [THREADS] [mixed|nonblocking] [ROUND_TIMEOUT_S]
//
// Prints one line per round with the statuses seen; exits 0 if every status
// is one the patched contract allows, 2 otherwise, 3 if a round hangs (on a
// stock libnode, callers blocked on a full queue can wait forever).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "nodeffm.h"

namespace {

enum Op { kCall, kAcquire, kRelease, kContext, kOpCount };
constexpr int kStatusCount = 24;
const char* const kOpNames[] = {"call", "acquire", "release", "context"};

struct Round {
  std::mutex mutex;
  std::condition_variable created;
  napi_threadsafe_function tsfn = nullptr;
  bool done = false;
  int threads = 0;
};

Round* current_round = nullptr;
int context_marker;

void RunTask(napi_env env, int64_t task_id) {
  Round* round = current_round;
  napi_threadsafe_function tsfn = nullptr;
  if (env != nullptr) {
    napi_value script, function, name;
    const char* source = "(n) => { globalThis.sum = (globalThis.sum || 0) + n; }";
    if (napi_create_string_utf8(env, source, NAPI_AUTO_LENGTH, &script) ==
            napi_ok &&
        napi_run_script(env, script, &function) == napi_ok &&
        napi_create_string_utf8(env, "race", NAPI_AUTO_LENGTH, &name) ==
            napi_ok) {
      napi_create_threadsafe_function(env, function, nullptr, name, 4,
                                      round->threads, nullptr,
                                      nodeffm_tsfn_finalize, &context_marker,
                                      nodeffm_tsfn_call_js, &tsfn);
    }
  }
  std::lock_guard<std::mutex> lock(round->mutex);
  round->tsfn = tsfn;
  round->done = true;
  round->created.notify_all();
}

// Each thread holds one reference until a call returns napi_closing (even
// threads) or acquire does and it releases (odd threads).
bool only_nonblocking = false;

void Hammer(napi_threadsafe_function tsfn, int index,
            std::vector<unsigned>* counts) {
  auto record = [&](Op op, napi_status status) {
    int s = status < kStatusCount ? status : kStatusCount - 1;
    (*counts)[op * kStatusCount + s]++;
  };
  bool holds = true;
  for (unsigned i = 0; holds; i++) {
    napi_status status;
    void* context = nullptr;
    switch (i % 3) {
      case 0:
        status = napi_call_threadsafe_function(
            tsfn, reinterpret_cast<void*>(static_cast<intptr_t>(i)),
            (i / 3) % 2 && !only_nonblocking ? napi_tsfn_blocking
                                             : napi_tsfn_nonblocking);
        record(kCall, status);
        if (status != napi_ok && status != napi_queue_full) holds = false;
        break;
      case 1:
        status = napi_acquire_threadsafe_function(tsfn);
        record(kAcquire, status);
        if (status == napi_ok) {
          record(kRelease,
                 napi_release_threadsafe_function(tsfn, napi_tsfn_release));
        } else if (index % 2 == 1) {
          record(kRelease,
                 napi_release_threadsafe_function(tsfn, napi_tsfn_release));
          holds = false;
        }
        break;
      default:
        status = napi_get_threadsafe_function_context(tsfn, &context);
        record(kContext, status);
        if (context != &context_marker) record(kContext, napi_generic_failure);
        break;
    }
  }
}

bool Allowed(int op, int status) {
  switch (op) {
    case kCall:
      return status == napi_ok || status == napi_queue_full ||
             status == napi_closing;
    case kAcquire:
      return status == napi_ok || status == napi_closing;
    default:
      return status == napi_ok;
  }
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 3;
  int threads = argc > 2 ? atoi(argv[2]) : 8;
  only_nonblocking = argc > 3 && std::string(argv[3]) == "nonblocking";
  int timeout_s = argc > 4 ? atoi(argv[4]) : 60;
  char error[1024];
  if (nodeffm_process_init(error, sizeof(error)) != 0) {
    fprintf(stderr, "nodeffm_process_init: %s\n", error);
    return 1;
  }
  bool all_allowed = true;
  for (int r = 0; r < rounds; r++) {
    // A round that does not end in time hangs: report it and exit.
    std::mutex watchdog_mutex;
    std::condition_variable watchdog_cv;
    bool round_done = false;
    std::thread watchdog([&, r] {
      std::unique_lock<std::mutex> lock(watchdog_mutex);
      if (!watchdog_cv.wait_for(lock, std::chrono::seconds(timeout_s),
                                [&] { return round_done; })) {
        printf("round %d: HANG (no end after %d s)\n", r, timeout_s);
        fflush(stdout);
        _exit(3);
      }
    });
    Round round;
    round.threads = threads;
    current_round = &round;
    nodeffm_runtime* runtime = nodeffm_runtime_new(RunTask, nullptr, nullptr);
    nodeffm_runtime_post(runtime, 1);
    std::thread loop([&] {
      char run_error[1024] = "";
      nodeffm_runtime_run(runtime, "", run_error, sizeof(run_error));
    });
    {
      std::unique_lock<std::mutex> lock(round.mutex);
      round.created.wait(lock, [&] { return round.done; });
    }
    if (round.tsfn == nullptr) {
      fprintf(stderr, "round %d: could not create the thread-safe function\n",
              r);
      nodeffm_runtime_stop(runtime);
      loop.join();
      return 1;
    }
    std::vector<std::vector<unsigned>> counts(
        threads, std::vector<unsigned>(kOpCount * kStatusCount));
    std::vector<std::thread> hammers;
    for (int t = 0; t < threads; t++) {
      hammers.emplace_back(Hammer, round.tsfn, t, &counts[t]);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + 30 * (r % 3)));
    nodeffm_runtime_stop(runtime);
    loop.join();
    for (std::thread& t : hammers) t.join();
    nodeffm_runtime_free(runtime);
    {
      std::lock_guard<std::mutex> lock(watchdog_mutex);
      round_done = true;
    }
    watchdog_cv.notify_all();
    watchdog.join();

    printf("round %d:", r);
    for (int op = 0; op < kOpCount; op++) {
      printf(" %s{", kOpNames[op]);
      for (int s = 0; s < kStatusCount; s++) {
        unsigned total = 0;
        for (int t = 0; t < threads; t++) total += counts[t][op * kStatusCount + s];
        if (total == 0) continue;
        printf(" %d:%u", s, total);
        if (!Allowed(op, s)) {
          printf("(!)");
          all_allowed = false;
        }
      }
      printf(" }");
    }
    printf(" finalized=%lld\n",
           static_cast<long long>(nodeffm_tsfn_finalize_count()));
    fflush(stdout);
  }
  return all_allowed ? 0 : 2;
}
