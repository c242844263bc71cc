/**
 * An embedded Node.js that any Java thread may call: {@link org.nodeffm.NodeRuntime} is one Node.js
 * environment and its event loop thread; {@link org.nodeffm.JsObject} and {@link
 * org.nodeffm.JsFunction} are JavaScript values that stay in it; {@link org.nodeffm.JavaFunction}
 * and {@link org.nodeffm.JavaObject} are what Java gives JavaScript; {@link org.nodeffm.NodeEngine}
 * is Node.js in the process, with its options.
 *
 * <pre>{@code
 * try (NodeRuntime node = NodeRuntime.start()) {
 *   JsFunction greet = node.function("(name, options) => `Hello ${name}, you are ${options.age}`");
 *   String greeting = greet.call(String.class, "Ada", Map.of("age", 36));
 *   CompletableFuture<Object> later = greet.callAsync("Grace", Map.of("age", 45));
 * }
 * }</pre>
 *
 * <h2>Blocking and asynchronous</h2>
 *
 * <p>One rule, the JDK's ({@code HttpClient.send} and {@code sendAsync}): the plain name waits for
 * the result ({@code eval}, {@code call}, {@code callMember}, {@code get}, {@code require}, {@code
 * importModule}, {@code newInstance}); the same name with {@code Async} returns a {@link
 * java.util.concurrent.CompletableFuture} at once. A blocking method is its {@code Async} twin
 * run on the calling thread (see Threads) followed by a wait for a Promise, if the result is one;
 * the wait throws the failure with the caller's stack trace (for a {@link
 * org.nodeffm.JavaScriptException}, after the JavaScript frames), and the failure as the event loop
 * thread saw it is the cause (or the Java exception a Java function threw). Operations that only
 * touch properties ({@code set}, {@code has}, {@code delete}, {@code keys}) and setting up ({@code
 * expose}, {@code function}, {@code global}) are blocking only. A JavaScript Promise that a script,
 * a function or a property gives is always awaited: Java gets its value.
 *
 * <h2>Threads</h2>
 *
 * <ul>
 *   <li>Any Java thread may call, without a "wrong thread" error. A runtime's JavaScript runs on
 *       one thread at a time: the one that holds the runtime's lock. Its event loop thread holds
 *       it during each turn of the loop (timers, I/O, queued calls), and waits for events without
 *       it.
 *   <li>Blocking methods are <b>direct calls</b>: the calling thread takes the lock, runs the
 *       JavaScript itself (with the microtasks and {@code process.nextTick} callbacks it causes),
 *       and lets go; timers, I/O and Workers it starts run on the event loop thread, on time. The
 *       lock is fair: a caller waits at most for the loop's turn in progress and the calls queued
 *       before it, and callers in a tight loop delay the event loop by one call at most. Waiting
 *       for the lock happens in native code (a virtual thread pins its carrier meanwhile); a
 *       Promise result is waited for without the lock.
 *   <li>{@code Async} methods are queued to the event loop through a Node-API thread-safe function
 *       (unbounded: queuing never blocks, the caller takes no lock) and run on the event loop
 *       thread. On a thread that holds the lock (inside a {@code JavaFunction}, a {@code
 *       JavaObject}'s method) every call runs at once. A blocking call from a thread that holds
 *       another runtime's lock is queued (two locks held at once could deadlock).
 *   <li>Values are converted where the call runs, when it runs: the calling thread for a blocking
 *       call, the event loop thread for a queued one; do not change mutable arguments until then.
 *   <li>Java functions and {@code JavaObject} methods run on the thread that runs the JavaScript
 *       that calls them: the caller of a blocking call, or the event loop thread; the console
 *       consumers and the error listener run there too. Blocking there stops JavaScript (return a
 *       {@code CompletionStage} for slow work). A blocking method called there throws {@link
 *       java.lang.IllegalStateException} instead of waiting for a Promise that only the lock's
 *       holder can settle; so do {@code join()} and {@code get()} of the runtime's futures.
 *   <li>The event loop thread has a 4 MiB stack, of which V8 leaves 1 MiB to native and Java code;
 *       on a calling thread V8 leaves the last 256 KiB of its stack (a thread with less than 64 KiB
 *       above that gets an {@link java.lang.IllegalStateException}): deep recursion (also through
 *       Java functions) is a JavaScript {@code RangeError} on any thread, platform or virtual.
 *   <li>{@code close()} may be called from any thread; work still queued, running or waiting for a
 *       Promise then fails with {@link org.nodeffm.RuntimeClosedException}, never with a value
 *       JavaScript computed after the close began.
 * </ul>
 *
 * <h2>Values</h2>
 *
 * <p>Java to JavaScript (arguments, results of Java functions, {@code set}):
 *
 * <table class="striped">
 *   <caption>Java to JavaScript</caption>
 *   <thead><tr><th>Java</th><th>JavaScript</th></tr></thead>
 *   <tbody>
 *     <tr><td>{@code null}</td><td>{@code null}</td></tr>
 *     <tr><td>{@code Boolean}</td><td>boolean</td></tr>
 *     <tr><td>{@code Integer}, {@code Short}, {@code Byte}, {@code Double}, {@code Float};
 *       {@code Long} within &plusmn;(2<sup>53</sup>&minus;1)</td><td>number</td></tr>
 *     <tr><td>{@code Long} beyond &plusmn;(2<sup>53</sup>&minus;1), {@code BigInteger}</td>
 *       <td>BigInt, never rounded (at most 2<sup>30</sup> bits)</td></tr>
 *     <tr><td>{@code String}, {@code CharSequence}, {@code Character}</td>
 *       <td>string, UTF-16 code unit for code unit (at most 2<sup>29</sup>&minus;24)</td></tr>
 *     <tr><td>{@code byte[]}, {@code ByteBuffer}, {@code MemorySegment}</td>
 *       <td>{@code Buffer}: a copy; no copy for a writable segment of the global scope</td></tr>
 *     <tr><td>{@code Instant}, {@code Date}</td><td>{@code Date}</td></tr>
 *     <tr><td>{@code Map} with String keys</td>
 *       <td>plain object (every key an own property, {@code "__proto__"} too)</td></tr>
 *     <tr><td>{@code List}, {@code Object[]}</td><td>Array</td></tr>
 *     <tr><td>{@link org.nodeffm.JavaFunction}</td><td>function</td></tr>
 *     <tr><td>{@link org.nodeffm.JavaObject}</td>
 *       <td>plain object with one function per allowed method</td></tr>
 *     <tr><td>{@code CompletionStage}</td><td>Promise</td></tr>
 *     <tr><td>{@code JsObject}, {@code JsFunction}</td><td>the same object</td></tr>
 *   </tbody>
 * </table>
 *
 * <p>JavaScript to Java, by default ({@code Object} asked for):
 *
 * <table class="striped">
 *   <caption>JavaScript to Java</caption>
 *   <thead><tr><th>JavaScript</th><th>Java</th></tr></thead>
 *   <tbody>
 *     <tr><td>{@code null}, {@code undefined}</td><td>{@code null}</td></tr>
 *     <tr><td>boolean</td><td>{@code Boolean}</td></tr>
 *     <tr><td>number</td><td>{@code Integer} if integral and in int range, else {@code Long} if
 *       integral within &plusmn;(2<sup>53</sup>&minus;1), else {@code Double} (&minus;0, NaN,
 *       infinities too)</td></tr>
 *     <tr><td>BigInt</td><td>{@code Long} if it fits, else {@code BigInteger}</td></tr>
 *     <tr><td>string</td><td>{@code String}</td></tr>
 *     <tr><td>{@code ArrayBuffer}, {@code Buffer}, typed array, {@code DataView}</td>
 *       <td>{@code byte[]} (a copy)</td></tr>
 *     <tr><td>{@code Date}</td><td>{@code Instant}</td></tr>
 *     <tr><td>plain object (prototype {@code Object.prototype} or null)</td>
 *       <td>{@code LinkedHashMap}</td></tr>
 *     <tr><td>Array</td><td>{@code ArrayList}</td></tr>
 *     <tr><td>function</td><td>{@link org.nodeffm.JsFunction}</td></tr>
 *     <tr><td>any other object, symbol</td><td>{@link org.nodeffm.JsObject}</td></tr>
 *     <tr><td>Promise (a result)</td><td>its settled value, as above</td></tr>
 *   </tbody>
 * </table>
 *
 * <p>A type asked for ({@code call(Class, ...)}, {@code eval(Class, ...)}, {@code get(Class, ...)},
 * {@code as(Class)}, a proxy method's return type, a {@code JavaObject} method's parameter types):
 * a number as any of {@code int}, {@code long}, {@code double}, {@code float}, {@code short},
 * {@code byte}, their boxes, {@code BigInteger}, {@code BigDecimal} or {@code Number} when it fits
 * exactly, else a {@link java.lang.ClassCastException} that names the value and the type; a
 * one-unit string as {@code char}; an Array as any Java array type, element by element; a {@code
 * Date} as {@code Instant} or {@code Date}; an object as {@code JsObject} (a function as {@code
 * JsFunction}); an object as a Java interface other than those of data ({@code Map}, {@code List},
 * {@code CharSequence}, ...) as a proxy that calls its methods ({@link org.nodeffm.JsObject#as});
 * {@code Void} ignores the value. Anything else that does not fit is a {@code ClassCastException}.
 *
 * <p>Nesting deeper than 200 levels, or a cycle, is an {@link java.lang.IllegalArgumentException};
 * so is a value of no row above, a {@code MemorySegment} a thread of the runtime may not read (a
 * confined arena's) or whose arena is closed, and a string or BigInt longer than JavaScript holds.
 * The runtime goes on after each.
 *
 * <h2>Errors and lifecycle</h2>
 *
 * <p>JavaScript that throws (or a Promise that rejects) fails the call with {@link
 * org.nodeffm.JavaScriptException}. An exception nobody catches goes to the runtime's {@link
 * org.nodeffm.NodeRuntime.ErrorListener}, and stops the runtime (exit code 1) unless JavaScript
 * listens for {@code 'uncaughtException'}. {@code process.exit(n)} stops its runtime only. Node's
 * command-line options are per process: see {@link org.nodeffm.NodeEngine}.
 */
package org.nodeffm;
