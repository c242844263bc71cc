package org.nodeffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What would end the JVM if the library got it wrong, each in a child JVM ({@link NeverDiesMain})
 * with the JVM's default thread stack size: deep recursion, exceptions thrown by Java code called
 * from native code, the JVM exiting while runtimes run, Node.js options.
 */
class JvmNeverDiesIT {
  private static Scripts.Result child(String scenario) throws IOException, InterruptedException {
    Scripts.Result result =
        Scripts.run(
            Scripts.javaCommand(
                List.of("-XX:-CreateCoredumpOnCrash", "-XX:ErrorFile=/dev/null"),
                NeverDiesMain.class,
                scenario),
            180);
    assertFalse(result.output().contains("A fatal error has been detected"), result.output());
    return result;
  }

  private static void assertLine(Scripts.Result result, String line) {
    assertTrue(
        result.output().lines().anyMatch(line::equals),
        "no line \"" + line + "\" in:\n" + result.output());
  }

  @Test
  void deepJavaScriptRecursionIsARangeError() throws Exception {
    Scripts.Result result = child("js-recursion");
    assertEquals(0, result.exitCode(), result.output());
    assertLine(result, "caught in JS: RangeError: Maximum call stack size exceeded");
    assertLine(result, "uncaught reaches Java: RangeError");
    assertLine(result, "still running: 2");
  }

  @Test
  void recursionThroughJavaCallbacksIsARangeError() throws Exception {
    Scripts.Result result = child("recursion-through-java");
    assertEquals(0, result.exitCode(), result.output());
    assertLine(result, "caught in JS: RangeError: Maximum call stack size exceeded");
    assertLine(result, "java frames: more than 100");
    assertLine(result, "uncaught reaches Java: RangeError");
    assertLine(result, "still running: 2");
  }

  @Test
  void javaExceptionsNeverEscapeIntoNativeCode() throws Exception {
    Scripts.Result result = child("throwing-java");
    assertEquals(0, result.exitCode(), result.output());
    assertLine(result, "java.lang.StackOverflowError: thrown by Java");
    assertLine(result, "java.lang.Exception: checked");
    assertLine(result, "java.lang.OutOfMemoryError: async");
    assertLine(result, "still running: 2");
  }

  @Test
  void theJvmExitsCleanlyWithRuntimesRunning() throws Exception {
    Scripts.Result result = child("main-returns-with-runtimes-open");
    assertEquals(0, result.exitCode(), result.output());
    assertLine(result, "main returns with 2 runtimes running");
  }

  @Test
  void systemExitWhileThreadsCall() throws Exception {
    Scripts.Result result = child("system-exit-while-calling");
    assertEquals(0, result.exitCode(), result.output());
    assertLine(result, "System.exit(0) while 4 threads call");
  }

  @Test
  void systemExitOnTheEventLoopThread() throws Exception {
    Scripts.Result result = child("system-exit-on-the-loop-thread");
    assertEquals(7, result.exitCode(), result.output());
    assertLine(result, "System.exit(7) on the loop thread");
  }

  @Test
  void nodeOptionsArePerProcess() throws Exception {
    Scripts.Result result = child("node-options");
    assertEquals(0, result.exitCode(), result.output());
    assertLine(result, "gc: function");
    assertLine(result, "heap limit below 512 MB: true"); // The default is gigabytes.
    assertLine(result, "same options, and none: function function");
    assertTrue(
        result
            .output()
            .contains(
                "other options: Node.js options are per process, and this process already runs"
                    + " Node.js with [--expose-gc, --max-old-space-size=64], not"
                    + " [--max-old-space-size=512]"),
        result.output());
    assertLine(result, "map: true");
  }

  @Test
  void aBadNodeOptionIsAClearError() throws Exception {
    Scripts.Result result = child("bad-node-option");
    assertEquals(0, result.exitCode(), result.output());
    assertTrue(
        result
            .output()
            .contains("refused: Node.js failed to initialise with options [--no-such-option]"),
        result.output());
    assertTrue(result.output().contains("--no-such-option"), result.output());
  }
}
