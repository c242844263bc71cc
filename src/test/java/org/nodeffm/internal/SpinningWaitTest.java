package org.nodeffm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.nodeffm.RuntimeClosedException;

/** The bounded spin of a waiter before it parks (see {@link LoopFuture}). */
class SpinningWaitTest {
  private static final LoopState RUNNING =
      new LoopState() {
        @Override
        public boolean holdsLock() {
          return false;
        }

        @Override
        public boolean isRunning() {
          return true;
        }

        @Override
        public boolean hasBegunToStop() {
          return false;
        }

        @Override
        public RuntimeClosedException closedException() {
          return new RuntimeClosedException("closed", null);
        }
      };

  @Test
  void moreWaitersThanProcessorsNeverSpinMoreThanOneLessThanTheProcessors() throws Exception {
    int waiters = 2 * Runtime.getRuntime().availableProcessors() + 2;
    List<LoopFuture<Integer>> futures = new ArrayList<>();
    for (int i = 0; i < waiters; i++) {
      futures.add(new LoopFuture<>(RUNNING, true));
    }
    CountDownLatch done = new CountDownLatch(waiters);
    AtomicInteger sum = new AtomicInteger();
    for (LoopFuture<Integer> future : futures) {
      Thread.ofPlatform()
          .daemon()
          .start(
              () -> {
                sum.addAndGet(future.join());
                done.countDown();
              });
    }
    int most = 0;
    for (int i = 0; i < 2_000; i++) {
      most = Math.max(most, LoopFuture.spinners());
      Thread.onSpinWait();
    }
    assertTrue(most <= LoopFuture.MAX_SPINNERS, most + " spinners");
    for (int i = 0; i < waiters; i++) {
      futures.get(i).complete(i);
    }
    assertTrue(done.await(30, TimeUnit.SECONDS), "a waiter never returned");
    assertEquals(waiters * (waiters - 1) / 2, sum.get());
    for (int i = 0; i < 1_000 && LoopFuture.spinners() != 0; i++) {
      Thread.sleep(1);
    }
    assertEquals(0, LoopFuture.spinners());
  }
}
