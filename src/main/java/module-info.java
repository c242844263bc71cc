/**
 * Node-API thread-safe functions of an embedded Node.js, usable from any Java
 * thread through the Foreign Function and Memory API.
 *
 * <p>{@link org.nodeffm.NodeRuntime} owns one Node.js environment and its event
 * loop thread; {@link org.nodeffm.ThreadSafeFunction} is the Java handle of a
 * Node-API thread-safe function; {@link org.nodeffm.NapiStatus} is what its
 * operations return.
 */
module org.nodeffm {
  exports org.nodeffm;
}
