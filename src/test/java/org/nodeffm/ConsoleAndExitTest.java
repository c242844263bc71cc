package org.nodeffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** console output goes to Java consumers; process.exit() stops only its runtime. */
class ConsoleAndExitTest {
  @Test
  void consoleAndProcessStreamsGoToTheConsumers() {
    StringBuilder out = new StringBuilder();
    StringBuilder err = new StringBuilder();
    try (NodeRuntime node = NodeRuntime.builder().stdout(out::append).stderr(err::append).start()) {
      node.eval("console.log('hello', { a: 1 }, 'ünïcödé 😀')");
      node.eval("console.error('oops', 42)");
      node.eval("process.stdout.write('raw\\n'); process.stderr.write(Buffer.from('bytes\\n'))");
      node.eval("console.info('info'); console.warn('warn')");
    }
    assertEquals("hello { a: 1 } ünïcödé 😀\nraw\ninfo\n", out.toString());
    assertEquals("oops 42\nbytes\nwarn\n", err.toString());
  }

  @Test
  void byDefaultTheConsoleGoesToSystemOutAndErr() {
    PrintStream originalOut = System.out;
    PrintStream originalErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (NodeRuntime node = NodeRuntime.start()) {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      node.eval("console.log('to System.out'); console.error('to System.err')");
    } finally {
      System.setOut(originalOut);
      System.setErr(originalErr);
    }
    assertEquals("to System.out\n", out.toString(StandardCharsets.UTF_8));
    assertEquals("to System.err\n", err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void processExitStopsOnlyItsRuntimeAndGivesItsCode() throws Exception {
    try (NodeRuntime other = NodeRuntime.start();
        NodeRuntime node = NodeRuntime.start()) {
      CompletableFuture<Object> pending = node.evalAsync("new Promise(() => {})");
      CompletableFuture<Object> exiting = node.evalAsync("process.exit(3); 'not reached'");
      assertEquals(3, node.onExit().get(30, TimeUnit.SECONDS));
      assertInstanceOf(RuntimeClosedException.class, FunctionCallTest.failureOf(exiting));
      RuntimeClosedException closed =
          assertInstanceOf(RuntimeClosedException.class, FunctionCallTest.failureOf(pending));
      assertTrue(closed.getMessage().contains("exit code 3"), closed.getMessage());
      assertFalse(node.isRunning());
      // The JVM and the other runtime go on.
      assertEquals("ok", other.eval("'ok'"));
      assertTrue(other.isRunning());
    }
  }

  @Test
  void processExitCodeAndCloseGiveZero() throws Exception {
    NodeRuntime node = NodeRuntime.start();
    node.eval("process.exitCode = 0");
    node.close();
    assertEquals(0, node.onExit().get(30, TimeUnit.SECONDS));
    NodeRuntime exits = NodeRuntime.start();
    exits.evalAsync("setTimeout(() => process.exit(), 5)");
    assertEquals(0, exits.onExit().get(30, TimeUnit.SECONDS));
    exits.close();
  }
}
