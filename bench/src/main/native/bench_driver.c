/*
 * The native C driver of the benchmarks: pthreads that run the same
 * thread-safe function operations as the Java benchmarks, on the same
 * libnode and the same JavaScript callback, for the Java path to be measured
 * against in the same run. Also the empty function that is the floor of an
 * FFM downcall.
 */
#include <node_api.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

enum { kCall = 0, kAcquireRelease = 1, kContext = 2 };

typedef struct {
  pthread_t thread;
  napi_threadsafe_function tsfn;
  int op;
  napi_threadsafe_function_call_mode mode;
  int64_t deadline;
  int64_t ops;
  int failed;
} worker;

void nodeffm_bench_noop(void) {}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void* run(void* arg) {
  worker* w = arg;
  int64_t ops = 0;
  void* context;
  if (napi_acquire_threadsafe_function(w->tsfn) != napi_ok) {
    w->failed = 1;
    return NULL;
  }
  for (;;) {
    for (int i = 0; i < 64; i++) {
      switch (w->op) {
        case kCall:
          if (napi_call_threadsafe_function(w->tsfn, (void*)(intptr_t)1, w->mode) ==
              napi_ok) {
            ops++;
          }
          break;
        case kAcquireRelease:
          napi_acquire_threadsafe_function(w->tsfn);
          napi_release_threadsafe_function(w->tsfn, napi_tsfn_release);
          ops++;
          break;
        default:
          napi_get_threadsafe_function_context(w->tsfn, &context);
          ops++;
          break;
      }
    }
    if (now_ns() >= w->deadline) break;
  }
  napi_release_threadsafe_function(w->tsfn, napi_tsfn_release);
  w->ops = ops;
  return NULL;
}

/*
 * Runs `threads` pthreads for `duration_ns`, each holding its own reference
 * and repeating `op` (for kCall: accepted calls are counted). Returns the
 * total count, or -1 if a thread could not start or acquire.
 */
int64_t nodeffm_bench_drive(napi_threadsafe_function tsfn,
                            int threads,
                            int op,
                            int blocking,
                            int64_t duration_ns) {
  worker* workers = calloc((size_t)threads, sizeof(worker));
  int64_t deadline = now_ns() + duration_ns;
  int64_t total = 0;
  int started = 0;
  int failed = 0;
  for (int t = 0; t < threads; t++) {
    workers[t].tsfn = tsfn;
    workers[t].op = op;
    workers[t].mode = blocking ? napi_tsfn_blocking : napi_tsfn_nonblocking;
    workers[t].deadline = deadline;
    if (pthread_create(&workers[t].thread, NULL, run, &workers[t]) != 0) break;
    started++;
  }
  for (int t = 0; t < started; t++) {
    pthread_join(workers[t].thread, NULL);
    total += workers[t].ops;
    failed |= workers[t].failed;
  }
  free(workers);
  return failed || started < threads ? -1 : total;
}
