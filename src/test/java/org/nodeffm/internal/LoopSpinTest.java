package org.nodeffm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nodeffm.NodeRuntime;
import org.nodeffm.internal.bindings.NodeApi;

/** The loop threads' spin for events before they block ({@code nodeffm_set_loop_spin}). */
class LoopSpinTest {
  /** The kernel's clock ticks per second, in which /proc reports CPU time (USER_HZ). */
  private static final long TICKS_PER_SECOND = 100;

  @Test
  void atMostOneLoopThreadOfTheProcessSpinsAtATime() throws Exception {
    List<NodeRuntime> runtimes = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        NodeRuntime node = NodeRuntime.start();
        runtimes.add(node);
        // A turn every 10 ms: with a spin of a second, each loop thread would poll all the time.
        node.eval("globalThis.ticker = setInterval(() => {}, 10)");
      }
      NodeApi.nodeffm_set_loop_spin(1_000_000_000L);
      List<Path> loops = loopThreads();
      assertEquals(3, loops.size(), "loop threads: " + loops);
      long before = cpuNanos(loops);
      long start = System.nanoTime();
      Thread.sleep(1_000);
      double busy = (double) (cpuNanos(loops) - before) / (System.nanoTime() - start);
      System.out.printf("loop spin: 3 loop threads used %.2f cores%n", busy);
      // One spinner uses about 1 core; three would use all 2 (or more) of this machine's.
      assertTrue(busy < 1.4, "the loop threads used " + busy + " cores");
      assertTrue(busy > 0.5, "no loop thread spun: " + busy + " cores");

      NodeApi.nodeffm_set_loop_spin(0);
      Thread.sleep(50);
      before = cpuNanos(loops);
      start = System.nanoTime();
      Thread.sleep(500);
      busy = (double) (cpuNanos(loops) - before) / (System.nanoTime() - start);
      System.out.printf("loop spin off: 3 loop threads used %.2f cores%n", busy);
      assertTrue(busy < 0.2, "without a spin, the loop threads used " + busy + " cores");
    } finally {
      NodeApi.nodeffm_set_loop_spin(LoopFuture.SPIN_NANOS);
      runtimes.forEach(NodeRuntime::close);
    }
  }

  /** The /proc stat files of this process's loop threads (named node-ffm-N, see EventLoop). */
  private static List<Path> loopThreads() throws IOException {
    List<Path> loops = new ArrayList<>();
    try (var tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path task : tasks.toList()) {
        if (Files.readString(task.resolve("comm")).strip().matches("node-ffm-\\d+")) {
          loops.add(task.resolve("stat"));
        }
      }
    }
    return loops;
  }

  /** The CPU time (user and system) of the threads, in nanoseconds. */
  private static long cpuNanos(List<Path> threads) throws IOException {
    long ticks = 0;
    for (Path stat : threads) {
      String text = Files.readString(stat);
      String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ");
      ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
    }
    return ticks * (1_000_000_000L / TICKS_PER_SECOND);
  }
}
