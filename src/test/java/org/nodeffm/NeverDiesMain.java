package org.nodeffm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scenarios that would crash a JVM if the library got them wrong, run in child JVMs by {@link
 * JvmNeverDiesIT} (with the JVM's default {@code -Xss}). Each prints what it saw, one fact per
 * line, and ends normally unless it says otherwise.
 */
final class NeverDiesMain {
  private NeverDiesMain() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "js-recursion" -> jsRecursion();
      case "recursion-through-java" -> recursionThroughJava();
      case "throwing-java" -> throwingJava();
      case "main-returns-with-runtimes-open" -> mainReturnsWithRuntimesOpen();
      case "system-exit-while-calling" -> systemExitWhileCalling();
      case "system-exit-on-the-loop-thread" -> systemExitOnTheLoopThread();
      case "node-options" -> nodeOptions();
      case "bad-node-option" -> badNodeOption();
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  private static void jsRecursion() {
    try (NodeRuntime node = NodeRuntime.start()) {
      System.out.println(
          "caught in JS: "
              + node.eval(
                  "function down(n) { return down(n + 1) + 1; } try { down(0); 'no error' } catch"
                      + " (e) { e.constructor.name + ': ' + e.message }"));
      try {
        node.evalAsync("(function f() { return f() + 1; })()").join();
      } catch (Exception e) {
        System.out.println("uncaught reaches Java: " + ((JavaScriptException) e.getCause()).name());
      }
      System.out.println(
          "depth: "
              + node.eval(
                  "let depth = 0; function count() { depth++; count(); } try { count() } catch {}"
                      + " depth"));
      System.out.println("still running: " + node.eval("1 + 1"));
    }
  }

  private static void recursionThroughJava() {
    try (NodeRuntime node = NodeRuntime.start()) {
      AtomicLong javaFrames = new AtomicLong();
      node.eval("function down(n) { return viaJava(n + 1); }");
      JsFunction down = node.function("down");
      node.expose(
          "viaJava",
          args -> {
            javaFrames.incrementAndGet();
            return down.call(args[0]); // JavaScript -> Java -> JavaScript -> ...
          });
      System.out.println(
          "caught in JS: "
              + node.eval(
                  "try { down(0); 'no error' } catch (e) { e.constructor.name + ': ' + e.message"
                      + " }"));
      System.out.println(
          "java frames: " + (javaFrames.get() > 100 ? "more than 100" : javaFrames.get()));
      try {
        down.call(0);
      } catch (JavaScriptException e) {
        System.out.println("uncaught reaches Java: " + e.name());
      }
      System.out.println("still running: " + node.eval("1 + 1"));
    }
  }

  private static void throwingJava() throws Exception {
    try (NodeRuntime node =
        NodeRuntime.builder()
            .stdout(
                text -> {
                  throw new IllegalStateException("stdout consumer");
                })
            .onUncaughtError(
                (error, stops) -> {
                  throw new StackOverflowError("listener");
                })
            .start()) {
      node.expose(
          "throwsError",
          args -> {
            throw new StackOverflowError("thrown by Java");
          });
      node.expose(
          "throwsChecked",
          args -> {
            throw new Exception("checked");
          });
      node.expose(
          "failsLater", args -> CompletableFuture.failedFuture(new OutOfMemoryError("async")));
      System.out.println(node.eval("try { throwsError() } catch (e) { e.message }"));
      System.out.println(node.eval("try { throwsChecked() } catch (e) { e.message }"));
      System.out.println(node.evalAsync("failsLater().catch((e) => e.message)").join());
      node.eval("console.log('swallowed')");
      node.eval(
          "process.on('uncaughtException', () => {}); setTimeout(() => { throw new Error('x'); })");
      Thread.sleep(200);
      System.out.println("still running: " + node.eval("1 + 1"));
    }
  }

  /** The JVM exits with two runtimes busy: timers, and a thread that keeps calling. */
  private static void mainReturnsWithRuntimesOpen() throws Exception {
    List<NodeRuntime> runtimes = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      NodeRuntime node =
          NodeRuntime.start(
              "setInterval(() => { globalThis.ticks = (globalThis.ticks || 0) + 1; }, 1);");
      runtimes.add(node);
      JsFunction work = node.function("(x) => ({ x, at: Date.now() })");
      Thread.ofPlatform()
          .daemon()
          .start(
              () -> {
                for (long i1 = 0; ; i1++) {
                  try {
                    work.callAsync(i1);
                  } catch (RuntimeException e) {
                    // Closed at exit.
                  }
                }
              });
    }
    Thread.sleep(300);
    System.out.println("main returns with " + runtimes.size() + " runtimes running");
  }

  private static void systemExitWhileCalling() throws Exception {
    NodeRuntime node = NodeRuntime.start();
    JsFunction slow =
        node.function(
            "() => { const end = Date.now() + 5; while (Date.now() < end) {} return 1; }");
    for (int t = 0; t < 4; t++) {
      Thread.ofPlatform()
          .daemon()
          .start(
              () -> {
                while (true) {
                  try {
                    slow.call();
                  } catch (RuntimeException e) {
                    // Closed at exit.
                  }
                }
              });
    }
    Thread.sleep(300);
    System.out.println("System.exit(0) while 4 threads call");
    System.exit(0);
  }

  private static void systemExitOnTheLoopThread() throws Exception {
    NodeRuntime node = NodeRuntime.start();
    node.expose(
        "exitJvm",
        args -> {
          System.out.println("System.exit(7) on the loop thread");
          System.exit(7);
          return null;
        });
    node.evalAsync("exitJvm()");
    Thread.sleep(60_000);
    System.out.println("not reached");
  }

  private static void nodeOptions() {
    try (NodeRuntime node =
        NodeRuntime.builder()
            .engine(NodeEngine.withOptions("--expose-gc", "--max-old-space-size=64"))
            .start()) {
      System.out.println("gc: " + node.eval("typeof gc"));
      long limit =
          ((Number) node.evalAsync("require('v8').getHeapStatistics().heap_size_limit").join())
              .longValue();
      System.out.println("heap limit: " + limit / (1024 * 1024) + " MB");
      System.out.println("heap limit below 512 MB: " + (limit < 512L * 1024 * 1024));
      try (NodeRuntime same =
              NodeRuntime.builder()
                  .engine(NodeEngine.withOptions("--expose-gc", "--max-old-space-size=64"))
                  .start();
          NodeRuntime none = NodeRuntime.start()) {
        System.out.println(
            "same options, and none: " + same.eval("typeof gc") + " " + none.eval("typeof gc"));
      }
      try {
        NodeRuntime.builder().engine(NodeEngine.withOptions("--max-old-space-size=512")).start();
        System.out.println("other options: started");
      } catch (IllegalStateException e) {
        System.out.println("other options: " + e.getMessage());
      }
      System.out.println(
          "map: " + node.evalAsync("({ ok: true })").join().equals(Map.of("ok", true)));
    }
  }

  private static void badNodeOption() {
    try {
      NodeRuntime.builder().engine(NodeEngine.withOptions("--no-such-option")).start();
      System.out.println("started");
    } catch (IllegalStateException e) {
      System.out.println("refused: " + e.getMessage());
    }
  }
}
