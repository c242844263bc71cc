package org.nodeffm;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Direct calls that would crash a JVM if the library got them wrong, run in child JVMs (with the
 * JVM's default {@code -Xss}) by {@link DirectCallTest} and {@link DirectCallIT}. Each prints what
 * it saw, one fact per line.
 *
 * <ul>
 *   <li>{@code recursion}: deep JavaScript recursion in a direct call, and recursion through Java
 *       callbacks (nested direct calls), on the main thread, a new platform thread and a virtual
 *       thread: a {@code RangeError} each time, and the runtime goes on.
 *   <li>{@code close-race DELAY_MICROS}: one round of four direct callers while the runtime closes.
 * </ul>
 */
final class DirectCallMain {
  private DirectCallMain() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "recursion" -> recursion();
      case "close-race" -> {
        long[] counts = DirectCallTest.DirectCallRace.round(4, Long.parseLong(args[1]));
        System.out.println("values " + counts[0] + " closed " + counts[1]);
      }
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  private static void recursion() throws Exception {
    try (NodeRuntime node = NodeRuntime.start()) {
      node.eval("function down(n) { return viaJava(n + 1); }");
      JsFunction down = node.function("down");
      AtomicLong javaFrames = new AtomicLong();
      node.expose(
          "viaJava",
          args -> {
            javaFrames.incrementAndGet();
            return down.call(args[0]); // JavaScript -> Java -> JavaScript -> ...
          });
      recursion("main", node, down, javaFrames);
      for (String kind : List.of("platform", "virtual")) {
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread thread =
            (kind.equals("platform") ? Thread.ofPlatform() : Thread.ofVirtual())
                .start(
                    () -> {
                      try {
                        recursion(kind, node, down, javaFrames);
                      } catch (Throwable t) {
                        failed.set(t);
                      }
                    });
        thread.join();
        if (failed.get() != null) {
          System.out.println(kind + " failed: " + failed.get());
        }
      }
      System.out.println("still running: " + node.eval("1 + 1"));
    }
  }

  private static void recursion(
      String kind, NodeRuntime node, JsFunction down, AtomicLong javaFrames) {
    System.out.println(
        kind
            + " caught in JS: "
            + node.eval(
                "function deep(n) { return deep(n + 1) + 1; } try { deep(0); 'no error' } catch"
                    + " (e) { e.constructor.name + ': ' + e.message }"));
    try {
      node.eval("(function f() { return f() + 1; })()");
      System.out.println(kind + " uncaught: no error");
    } catch (JavaScriptException e) {
      System.out.println(kind + " uncaught reaches Java: " + e.name());
    }
    javaFrames.set(0);
    System.out.println(
        kind
            + " through Java, caught in JS: "
            + node.eval(
                "try { down(0); 'no error' } catch (e) { e.constructor.name + ': ' + e.message }"));
    System.out.println(
        kind + " java frames: " + (javaFrames.get() > 100 ? "more than 100" : javaFrames.get()));
    try {
      down.call(0);
      System.out.println(kind + " through Java, uncaught: no error");
    } catch (JavaScriptException e) {
      System.out.println(kind + " through Java, uncaught reaches Java: " + e.name());
    }
    System.out.println(kind + " still running: " + node.eval("1 + 1"));
  }
}
