/*
 * The C side of the benchmarks: the same Node-API thread-safe function
 * operations as the Java benchmarks, in C, called (through one FFM downcall
 * per batch) from JMH's own benchmark threads, so that Java and C share the
 * harness, the threads, the JavaScript callback and the synchronisation, and
 * differ only in the language of the calling loop.
 */
#include <node_api.h>
#include <stdint.h>

/*
 * `n` calls of the thread-safe function (payload 1), blocking or not, by the
 * calling thread, which must hold a reference. Returns how many were accepted
 * (napi_ok); a call that returns napi_closing also ends the reference, so the
 * loop stops there and the caller sees fewer than `n`.
 */
int64_t nodeffm_bench_calls(napi_threadsafe_function tsfn, int32_t n, int32_t blocking) {
  napi_threadsafe_function_call_mode mode = blocking ? napi_tsfn_blocking : napi_tsfn_nonblocking;
  int64_t accepted = 0;
  for (int32_t i = 0; i < n; i++) {
    napi_status status = napi_call_threadsafe_function(tsfn, (void*)(intptr_t)1, mode);
    if (status == napi_ok) {
      accepted++;
    } else if (status == napi_closing) {
      break;
    }
  }
  return accepted;
}

/*
 * `n` acquire/release pairs by the calling thread (which holds a reference,
 * so that the function never closes here). Returns the pairs whose both
 * halves returned napi_ok; stops at the first acquire that fails.
 */
int64_t nodeffm_bench_pairs(napi_threadsafe_function tsfn, int32_t n) {
  int64_t ok = 0;
  for (int32_t i = 0; i < n; i++) {
    if (napi_acquire_threadsafe_function(tsfn) != napi_ok) {
      break;
    }
    if (napi_release_threadsafe_function(tsfn, napi_tsfn_release) == napi_ok) {
      ok++;
    }
  }
  return ok;
}

/*
 * Nothing, with napi_call_threadsafe_function's signature: a Java loop that
 * calls it through FFM (ProducerCostBenchmark.noop) pays the downcall and
 * nothing else, so its time per call is what crossing from Java to C costs.
 */
int32_t nodeffm_bench_noop(napi_threadsafe_function tsfn, void* data, int32_t mode) {
  (void)tsfn;
  (void)data;
  (void)mode;
  return 0;
}
