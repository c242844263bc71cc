/**
 * The raw Node-API thread-safe function, for code that needs Node-API's own contract: {@link
 * org.nodeffm.napi.ThreadSafeFunction} (made by {@code NodeRuntime.createThreadSafeFunction} on a
 * {@code JsFunction}), the {@link org.nodeffm.napi.NapiStatus} its operations return and the {@link
 * org.nodeffm.napi.CallMode} of a call.
 *
 * <p>The operations in each state of the function, on a patched libnode (see {@code
 * docs/CONTRACT.md}):
 *
 * <pre>
 *              open      closing   finalized (runtime closed / aborted)   after the last release
 *   call       OK        CLOSING*  CLOSING*                               IllegalStateException
 *   acquire    OK        CLOSING   CLOSING                                IllegalStateException
 *   release    OK        OK*       OK*                                    IllegalStateException
 *   context    context   context   context                                IllegalStateException
 *   (* drops the calling thread's reference)
 * </pre>
 *
 * <p>Threads: every operation may be called from any thread that holds a reference; only {@code
 * call} with {@link org.nodeffm.napi.CallMode#BLOCKING} on a full bounded queue waits (in native
 * code: a virtual thread pins its carrier).
 */
package org.nodeffm.napi;
