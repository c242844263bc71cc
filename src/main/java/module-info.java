/**
 * An embedded Node.js that any Java thread may use, through the Foreign Function and Memory API.
 *
 * <p>{@code org.nodeffm} is the embedding API: {@link org.nodeffm.NodeRuntime}, the values that
 * stay in JavaScript ({@link org.nodeffm.JsObject}, {@link org.nodeffm.JsFunction}), and what Java
 * gives JavaScript ({@link org.nodeffm.JavaFunction}). {@code org.nodeffm.napi} is the raw Node-API
 * thread-safe function ({@link org.nodeffm.napi.ThreadSafeFunction}), for code that needs
 * Node-API's own contract.
 */
module org.nodeffm {
  exports org.nodeffm;
  exports org.nodeffm.napi;
}
