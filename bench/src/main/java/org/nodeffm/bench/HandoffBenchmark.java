package org.nodeffm.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.TimeUnit;
import org.nodeffm.bench.peers.Peer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The baseline of measurement 2, without Node: the round trip of {@link FutureBenchmark#call1}
 * with nothing but the two thread hand-offs. The benchmark thread queues a task to another Java
 * thread, which waits for work in the kernel as an idle event loop does (parked on a futex; the
 * loop waits in {@code epoll_wait}), wakes, completes a {@link CompletableFuture} with the value,
 * and the benchmark thread, waiting in {@link CompletableFuture#join}, wakes to read it.
 *
 * <p>node-ffm's round trip cannot be faster than this on the same machine: the difference between
 * the two is what node-ffm and Node add; this row is what the machine's thread wake-ups cost.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HandoffBenchmark {
  private record Task(int value, CompletableFuture<Object> result) {}

  @State(Scope.Benchmark)
  public static class Loop {
    private static final Task STOP = new Task(-1, null);
    final LinkedTransferQueue<Task> queue = new LinkedTransferQueue<>();
    Thread thread;
    int n;

    @Setup(Level.Trial)
    public void start() {
      thread =
          Thread.ofPlatform()
              .name("handoff-loop")
              .daemon()
              .start(
                  () -> {
                    try {
                      for (Task task = queue.take(); task != STOP; task = queue.take()) {
                        task.result().complete(task.value());
                      }
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  });
    }

    @TearDown(Level.Trial)
    public void stop() throws InterruptedException {
      queue.put(STOP);
      thread.join();
    }
  }

  @Benchmark
  public int roundTrip(Loop loop) {
    int n = ++loop.n & 0xffff;
    CompletableFuture<Object> result = new CompletableFuture<>();
    loop.queue.put(new Task(n, result));
    return Peer.check(n, result.join());
  }
}
