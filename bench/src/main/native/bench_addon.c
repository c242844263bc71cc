/*
 * A Node-API addon around bench_driver.c, for counting instructions with
 * valgrind's callgrind (bench/run, section "instructions"): run by the node
 * executable of a flavour, it creates a thread-safe function with an
 * unbounded queue and runs nodeffm_bench_calls or nodeffm_bench_pairs on the
 * main thread. bench/run collects only inside those functions
 * (--toggle-collect), so the count is instructions per call or pair, with no
 * scheduler and no other thread involved.
 */
#include <node_api.h>
#include <stdint.h>
#include <string.h>

int64_t nodeffm_bench_calls(napi_threadsafe_function tsfn, int32_t n, int32_t blocking);
int64_t nodeffm_bench_pairs(napi_threadsafe_function tsfn, int32_t n);

#define CHECK(call)                                                  \
  do {                                                               \
    if ((call) != napi_ok) {                                         \
      napi_throw_error(env, NULL, "bench_addon: " #call " failed");  \
      return NULL;                                                   \
    }                                                                \
  } while (0)

/* run(op, n, callback): op "calls" or "pairs"; returns the count done. */
static napi_value Run(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  char op[16];
  size_t length;
  int32_t n;
  napi_value name;
  napi_threadsafe_function tsfn;
  int64_t done;
  napi_value result;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_string_utf8(env, argv[0], op, sizeof op, &length));
  CHECK(napi_get_value_int32(env, argv[1], &n));
  CHECK(napi_create_string_utf8(env, "bench", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_threadsafe_function(env, argv[2], NULL, name, 0, 1, NULL, NULL, NULL, NULL,
                                        &tsfn));
  done = strcmp(op, "pairs") == 0 ? nodeffm_bench_pairs(tsfn, n)
                                   : nodeffm_bench_calls(tsfn, n, 0);
  CHECK(napi_release_threadsafe_function(tsfn, napi_tsfn_release));
  CHECK(napi_create_int64(env, done, &result));
  return result;
}

NAPI_MODULE_INIT() {
  napi_value run;
  CHECK(napi_create_function(env, "run", NAPI_AUTO_LENGTH, Run, NULL, &run));
  CHECK(napi_set_named_property(env, exports, "run", run));
  return exports;
}
