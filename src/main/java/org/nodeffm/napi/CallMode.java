package org.nodeffm.napi;

/** Whether {@link ThreadSafeFunction#call} waits for room in a full queue. */
public enum CallMode {
  /** Wait until the queue has room ({@code napi_tsfn_blocking}). */
  BLOCKING,
  /** Return {@link NapiStatus#QUEUE_FULL} at once ({@code napi_tsfn_nonblocking}). */
  NONBLOCKING
}
