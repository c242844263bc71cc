package org.nodeffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Node's inspector in an embedded runtime, driven by a real Chrome DevTools Protocol client (the
 * JDK's WebSocket): a breakpoint in a module pauses a call from Java, DevTools evaluates in the
 * paused frame and at the top level, and the call completes once resumed.
 */
class InspectorTest {
  private static final long TIMEOUT_SECONDS = 30;

  @Test
  void devToolsSetsABreakpointAndEvaluates(@TempDir Path dir) throws Exception {
    Files.writeString(
        dir.resolve("probe.cjs"),
        """
        exports.probe = function probe(x) {
          const doubled = x * 2;
          return doubled + 1;
        };
        """);
    try (NodeRuntime node = NodeRuntime.builder().baseDirectory(dir).inspect(0).start()) {
      URI url = node.inspectorUrl().orElseThrow();
      assertEquals("ws", url.getScheme());
      assertEquals("127.0.0.1", url.getHost());
      assertTrue(url.getPort() > 0, url.toString());
      JsFunction probe = node.require("./probe.cjs").get(JsFunction.class, "probe");
      try (Cdp devTools = Cdp.connect(url)) {
        devTools.call("Debugger.enable", "{}");
        String evaluated = devTools.call("Runtime.evaluate", "{\"expression\":\"6 * 7\"}");
        assertTrue(evaluated.contains("\"value\":42"), evaluated);
        String breakpoint =
            devTools.call(
                "Debugger.setBreakpointByUrl",
                "{\"lineNumber\":2,\"urlRegex\":\"probe\\\\.cjs$\"}");
        assertTrue(breakpoint.contains("\"lineNumber\":2"), "resolved: " + breakpoint);

        CompletableFuture<Object> result = probe.callAsync(20);
        String paused = devTools.event("Debugger.paused");
        String frame = group(paused, "\"callFrameId\":\"([^\"]+)\"");
        String doubled =
            devTools.call(
                "Debugger.evaluateOnCallFrame",
                "{\"callFrameId\":\"" + frame + "\",\"expression\":\"doubled + x\"}");
        assertTrue(doubled.contains("\"value\":60"), doubled);
        assertFalse(result.isDone(), "JavaScript waits at the breakpoint");
        devTools.call("Debugger.resume", "{}");
        assertEquals(41, result.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
      }
      assertEquals(2, node.eval("1 + 1"), "the runtime goes on after DevTools left");
    }
  }

  @Test
  void aStartWhoseInspectorCannotListenFailsWithTheCause() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      IllegalStateException failed =
          assertThrows(
              IllegalStateException.class,
              () -> NodeRuntime.builder().inspect(taken.getLocalPort()).start());
      assertTrue(
          failed.getMessage().contains("127.0.0.1:" + taken.getLocalPort()), failed.getMessage());
      JavaScriptException cause = assertInstanceOf(JavaScriptException.class, failed.getCause());
      assertTrue(cause.getMessage().contains("cannot listen"), cause.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> NodeRuntime.builder().inspect(65536));
    try (NodeRuntime node = NodeRuntime.start()) {
      assertTrue(node.inspectorUrl().isEmpty(), "closed unless asked for");
    }
  }

  private static String group(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertTrue(m.find(), regex + " in " + text);
    return m.group(1);
  }

  /** A minimal Chrome DevTools Protocol client: commands by id, events by name. */
  private static final class Cdp implements WebSocket.Listener, AutoCloseable {
    private final LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();
    private final java.util.List<String> seen = new java.util.ArrayList<>();
    private WebSocket socket;
    private int lastId;

    static Cdp connect(URI url) throws Exception {
      Cdp cdp = new Cdp();
      cdp.socket =
          HttpClient.newHttpClient()
              .newWebSocketBuilder()
              .buildAsync(url, cdp)
              .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      return cdp;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        messages.add(partial.toString());
        partial.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    /** Sends a command and returns its response. */
    String call(String method, String params) throws Exception {
      int id = ++lastId;
      socket
          .sendText(
              "{\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":" + params + "}", true)
          .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      Pattern response = Pattern.compile("^\\{\"id\":" + id + "[,}]");
      String message = next(m -> response.matcher(m).find(), method + " (id " + id + ")");
      assertFalse(message.contains("\"error\":{"), method + ": " + message);
      return message;
    }

    /** Waits for the event {@code method}. */
    String event(String method) throws Exception {
      String marker = "\"method\":\"" + method + "\"";
      for (String message : seen) {
        if (message.contains(marker)) {
          seen.remove(message);
          return message;
        }
      }
      return next(m -> m.contains(marker), method);
    }

    private String next(java.util.function.Predicate<String> wanted, String what) throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
      while (true) {
        String message =
            messages.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (message == null) {
          throw new AssertionError("no " + what + " from the inspector");
        }
        if (wanted.test(message)) {
          return message;
        }
        if (message.startsWith("{\"method\":")) {
          seen.add(message); // An event for later.
        }
      }
    }

    @Override
    public void close() {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").join();
    }
  }
}
