package org.nodeffm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Close under load on the direct path (issue 18): four direct callers (platform and virtual
 * threads; every fifth call queued, waiting for its future) while the runtime closes after a
 * random delay, one child JVM per round ({@link
 * DirectCallMain} {@code close-race}), {@code -Dnodeffm.direct.rounds} rounds (100): no crash, no
 * hang, every call ends with its exact value or {@link RuntimeClosedException}.
 */
class DirectCallIT {
  @Test
  void directCallersWhileTheRuntimeClosesInChildJvms() throws Exception {
    int rounds = Integer.getInteger("nodeffm.direct.rounds", 100);
    long seed = Long.getLong("nodeffm.race.seed", System.nanoTime());
    Random random = new Random(seed);
    List<String> failed = new ArrayList<>();
    long values = 0;
    for (int round = 0; round < rounds; round++) {
      long delayMicros = random.nextLong(20_001);
      Scripts.Result result =
          Scripts.run(
              Scripts.javaCommand(
                  List.of("-XX:-CreateCoredumpOnCrash", "-XX:ErrorFile=/dev/null"),
                  DirectCallMain.class,
                  "close-race",
                  Long.toString(delayMicros)),
              60);
      String last = result.output().strip().lines().reduce("", (a, b) -> b);
      if (result.exitCode() != 0 || !last.matches("values \\d+ closed 4")) {
        failed.add(
            "round " + round + " (close after " + delayMicros + " µs): exit " + result.exitCode()
                + "\n" + result.output());
      } else {
        values += Long.parseLong(last.split(" ")[1]);
      }
    }
    System.out.printf(
        "direct close race in child JVMs: %d rounds (seed %d), %d failed, %d values%n",
        rounds, seed, failed.size(), values);
    assertEquals(List.of(), failed);
  }
}
