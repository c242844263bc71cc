package org.nodeffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** worker_threads inside an embedded runtime: Workers run, talk to it, and stop when it closes. */
class WorkerThreadsTest {
  @Test
  void aWorkerAnswersMessages() {
    try (NodeRuntime node = NodeRuntime.start()) {
      Object answers =
          node.eval(
              """
              new Promise((resolve, reject) => {
                const { Worker } = require('worker_threads');
                const worker = new Worker(`
                  const { parentPort, threadId } = require('worker_threads');
                  parentPort.on('message', (n) => parentPort.postMessage([n * 2, threadId]));
                `, { eval: true });
                worker.on('error', reject);
                worker.once('message', ([doubled, threadId]) => {
                  worker.terminate().then(() => resolve([doubled, threadId > 0]));
                });
                worker.postMessage(21);
              })\
              """);
      assertEquals(List.of(42, true), answers);
    }
  }

  @Test
  void workersStopWhenTheRuntimeCloses(@TempDir Path dir) throws Exception {
    Path heartbeat = dir.resolve("heartbeat");
    NodeRuntime node = NodeRuntime.builder().baseDirectory(dir).start();
    JsFunction start =
        node.function(
            """
            (file) => {
              const { Worker } = require('worker_threads');
              // One worker writes a heartbeat, one spins without end.
              new Worker(`
                const fs = require('fs');
                setInterval(() => fs.appendFileSync(${JSON.stringify(file)}, '.'), 5);
              `, { eval: true });
              new Worker('for (;;) {}', { eval: true });
            }\
            """);
    start.call(heartbeat.toString());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Files.exists(heartbeat) || Files.size(heartbeat) < 10) {
      assertTrue(System.nanoTime() < deadline, "the worker never wrote its heartbeat");
      Thread.sleep(10);
    }
    long closing = System.nanoTime();
    node.close();
    long closeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closing);
    assertTrue(closeMillis < 10_000, "close() took " + closeMillis + " ms");
    assertEquals(0, node.onExit().get(30, TimeUnit.SECONDS));
    long beats = Files.size(heartbeat);
    Thread.sleep(300);
    assertEquals(beats, Files.size(heartbeat), "the worker still runs after close()");
  }
}
