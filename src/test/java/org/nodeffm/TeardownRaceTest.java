package org.nodeffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nodeffm.napi.NapiStatus;

/**
 * Eight Java threads call (blocking and not), acquire, release and read the context of a
 * thread-safe function while its runtime is closed, round after round, on the patched libnode:
 * nothing crashes and every status is one the contract allows. Rounds: {@code
 * -Dnodeffm.race.rounds} (300 in the test suite; raise it for a stress run by hand).
 */
class TeardownRaceTest {
  @Test
  void everyStatusIsAllowedWhileTheRuntimeCloses() throws InterruptedException {
    int rounds = Integer.getInteger("nodeffm.race.rounds", 300);
    long calls = 0;
    long closing = 0;
    for (int round = 0; round < rounds; round++) {
      TeardownRace.Round result = TeardownRace.run(round);
      assertEquals(List.of(), result.violations(), "round " + round);
      Map<NapiStatus, Long> callStatuses = result.counts().get(TeardownRace.Operation.CALL);
      calls += callStatuses.values().stream().mapToLong(Long::longValue).sum();
      closing += callStatuses.getOrDefault(NapiStatus.CLOSING, 0L);
    }
    System.out.printf("%d rounds, %d calls, %d returned CLOSING%n", rounds, calls, closing);
    assertTrue(closing > 0, "no call ever saw the runtime close: the race did not happen");
  }
}
