/**
 * An embedded Node.js that any Java thread may use, through the Foreign Function and Memory API
 * and Node-API thread-safe functions.
 *
 * <p>{@link org.nodeffm.NodeRuntime} is one Node.js environment and its event loop thread: it
 * evaluates scripts, requires and imports modules, and exposes Java functions ({@link
 * org.nodeffm.JavaFunction}) to JavaScript. {@link org.nodeffm.JsFunction} and {@link
 * org.nodeffm.JsObject} are JavaScript values that stay in Node.js, callable from any thread with
 * {@link java.util.concurrent.CompletableFuture} results. {@link org.nodeffm.JavaScriptException}
 * and {@link org.nodeffm.RuntimeClosedException} are what goes wrong. {@link
 * org.nodeffm.ThreadSafeFunction} is the Java handle of a raw Node-API thread-safe function;
 * {@link org.nodeffm.NapiStatus} and {@link org.nodeffm.CallMode} belong to it.
 */
module org.nodeffm {
  exports org.nodeffm;
}
