package org.nodeffm.napi;

import static org.nodeffm.internal.bindings.NodeApi.*;

/** A Node-API status ({@code napi_status}), as returned by the thread-safe function operations. */
public enum NapiStatus {
  /** {@code napi_ok}. */
  OK(napi_ok()),
  /** {@code napi_invalid_arg}. */
  INVALID_ARG(napi_invalid_arg()),
  /** {@code napi_object_expected}. */
  OBJECT_EXPECTED(napi_object_expected()),
  /** {@code napi_string_expected}. */
  STRING_EXPECTED(napi_string_expected()),
  /** {@code napi_name_expected}. */
  NAME_EXPECTED(napi_name_expected()),
  /** {@code napi_function_expected}. */
  FUNCTION_EXPECTED(napi_function_expected()),
  /** {@code napi_number_expected}. */
  NUMBER_EXPECTED(napi_number_expected()),
  /** {@code napi_boolean_expected}. */
  BOOLEAN_EXPECTED(napi_boolean_expected()),
  /** {@code napi_array_expected}. */
  ARRAY_EXPECTED(napi_array_expected()),
  /** {@code napi_generic_failure}. */
  GENERIC_FAILURE(napi_generic_failure()),
  /** {@code napi_pending_exception}. */
  PENDING_EXCEPTION(napi_pending_exception()),
  /** {@code napi_cancelled}. */
  CANCELLED(napi_cancelled()),
  /** {@code napi_escape_called_twice}. */
  ESCAPE_CALLED_TWICE(napi_escape_called_twice()),
  /** {@code napi_handle_scope_mismatch}. */
  HANDLE_SCOPE_MISMATCH(napi_handle_scope_mismatch()),
  /** {@code napi_callback_scope_mismatch}. */
  CALLBACK_SCOPE_MISMATCH(napi_callback_scope_mismatch()),
  /** The queue was full and the call was non-blocking. */
  QUEUE_FULL(napi_queue_full()),
  /** The thread-safe function is closing or was finalized. */
  CLOSING(napi_closing()),
  /** {@code napi_bigint_expected}. */
  BIGINT_EXPECTED(napi_bigint_expected()),
  /** {@code napi_date_expected}. */
  DATE_EXPECTED(napi_date_expected()),
  /** {@code napi_arraybuffer_expected}. */
  ARRAYBUFFER_EXPECTED(napi_arraybuffer_expected()),
  /** {@code napi_detachable_arraybuffer_expected}. */
  DETACHABLE_ARRAYBUFFER_EXPECTED(napi_detachable_arraybuffer_expected()),
  /** {@code napi_would_deadlock}. */
  WOULD_DEADLOCK(napi_would_deadlock());

  private static final NapiStatus[] BY_CODE = new NapiStatus[values().length];

  static {
    for (NapiStatus status : values()) {
      BY_CODE[status.code] = status;
    }
  }

  private final int code;

  NapiStatus(int code) {
    this.code = code;
  }

  /**
   * The {@code napi_status} value.
   *
   * @return the value
   */
  public int code() {
    return code;
  }

  /**
   * The status of a {@code napi_status} value.
   *
   * @param code the value
   * @return its status
   * @throws IllegalArgumentException for a value this Node-API version does not define
   */
  public static NapiStatus of(int code) {
    if (code < 0 || code >= BY_CODE.length || BY_CODE[code] == null) {
      throw new IllegalArgumentException("unknown napi_status " + code);
    }
    return BY_CODE[code];
  }
}
