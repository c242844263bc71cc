package org.nodeffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a blocking method throws: the caller's stack (after the JavaScript frames), and the event
 * loop thread's side of the failure as the cause.
 */
class ErrorsTest {
  private NodeRuntime node;

  @BeforeEach
  void start() {
    node = NodeRuntime.start();
  }

  @AfterEach
  void stop() {
    node.close();
  }

  private static boolean hasFrame(Throwable t, String className, String methodPrefix) {
    return Arrays.stream(t.getStackTrace())
        .anyMatch(
            f -> f.getClassName().equals(className) && f.getMethodName().startsWith(methodPrefix));
  }

  @Test
  void aJavaScriptErrorHasTheCallersStackAfterTheJavaScriptFrames() {
    JsFunction outer =
        node.eval(
            JsFunction.class,
            "function outer(x) { return inner(x); }\n"
                + "function inner(x) { throw new TypeError('bad ' + x); }\n"
                + "outer");
    JavaScriptException e = assertThrows(JavaScriptException.class, () -> outer.call(1));
    assertEquals("TypeError: bad 1", e.getMessage());
    StackTraceElement[] frames = e.getStackTrace();
    assertEquals("<js>", frames[0].getClassName());
    assertEquals("inner", frames[0].getMethodName());
    assertEquals(2, frames[0].getLineNumber());
    assertEquals("outer", frames[1].getMethodName());
    assertTrue(
        hasFrame(e, ErrorsTest.class.getName(), "aJavaScriptError"),
        "the caller's frames: " + Arrays.toString(frames));
    assertTrue(hasFrame(e, JsFunction.class.getName(), "call"), Arrays.toString(frames));
    assertTrue(
        Arrays.stream(frames).noneMatch(f -> f.getClassName().startsWith("org.nodeffm.internal")),
        "no frame of the loop thread: " + Arrays.toString(frames));
    // The loop thread's side: the same exception as it was made there.
    JavaScriptException onLoop = assertInstanceOf(JavaScriptException.class, e.getCause());
    assertEquals(e.getMessage(), onLoop.getMessage());
    assertEquals(e.jsStack(), onLoop.jsStack());
    assertTrue(
        hasFrame(onLoop, "org.nodeffm.internal.EventLoop", ""),
        Arrays.toString(onLoop.getStackTrace()));
  }

  @Test
  void aJavaExceptionThroughJavaScriptStaysTheCause() {
    IllegalStateException original = new IllegalStateException("from Java");
    node.expose(
        "fail",
        args -> {
          throw original;
        });
    JsFunction callsFail = node.function("function callsFail() { return fail(); }");
    JavaScriptException e = assertThrows(JavaScriptException.class, callsFail::call);
    assertSame(original, e.getCause());
    assertTrue(hasFrame(e, "<js>", "callsFail"), Arrays.toString(e.getStackTrace()));
    assertTrue(hasFrame(e, ErrorsTest.class.getName(), "aJavaException"));
  }

  @Test
  void otherFailuresHaveTheCallersStackAndTheLoopsAsCause() {
    JsObject object = node.eval(JsObject.class, "({})");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> object.callMember("missing"));
    assertTrue(e.getMessage().contains("no method missing"), e.getMessage());
    assertTrue(hasFrame(e, ErrorsTest.class.getName(), "otherFailures"));
    Throwable onLoop = assertInstanceOf(IllegalArgumentException.class, e.getCause());
    assertTrue(hasFrame(onLoop, "org.nodeffm.internal.EventLoop", ""));

    ClassCastException lossy =
        assertThrows(ClassCastException.class, () -> node.eval(int.class, "0.5"));
    assertTrue(hasFrame(lossy, ErrorsTest.class.getName(), "otherFailures"));

    node.close();
    RuntimeClosedException closed =
        assertThrows(RuntimeClosedException.class, () -> node.eval("1"));
    assertTrue(hasFrame(closed, ErrorsTest.class.getName(), "otherFailures"));
  }

  @Test
  void theAsyncVariantFailsWithTheExceptionAsTheLoopThreadMadeIt() {
    ExecutionException e =
        assertThrows(
            ExecutionException.class, () -> node.evalAsync("throw new RangeError('r')").get());
    JavaScriptException js = assertInstanceOf(JavaScriptException.class, e.getCause());
    assertEquals("RangeError", js.name());
    assertTrue(hasFrame(js, "org.nodeffm.internal.EventLoop", ""));
  }
}
