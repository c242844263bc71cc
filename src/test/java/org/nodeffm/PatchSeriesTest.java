package org.nodeffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The evidence for the patch series, kept runnable: each test runs one of the repository's check
 * scripts, which can also be run by hand.
 */
class PatchSeriesTest {
  @Test
  void appliesToEveryLtsLine() throws IOException, InterruptedException {
    Scripts.Result result = Scripts.run(List.of("patches/check-apply"), 300);
    assertEquals(0, result.exitCode(), result.output());
  }

  @Test
  void changedLinesFollowNodeStyle() throws IOException, InterruptedException {
    Scripts.Result result = Scripts.run(List.of("patches/check-style"), 300);
    assertEquals(0, result.exitCode(), result.output());
  }

  @Test
  void nodeHarnessPassesOnPatchedAndCatchesTheBugOnStock() throws IOException, InterruptedException {
    Scripts.Result result = Scripts.run(List.of("patches/run-node-tests"), 1200);
    assertEquals(0, result.exitCode(), result.output());
  }

  @Test
  void memcheckFindsTsfnErrorsOnStockAndNoneOnPatched() throws IOException, InterruptedException {
    Scripts.Result result = Scripts.run(List.of("src/test/native/run-valgrind", "target/valgrind"), 2400);
    assertEquals(0, result.exitCode(), result.output());
  }

  @Test
  void committedBindingsMatchTheHeaders() throws IOException, InterruptedException {
    Scripts.Result result = Scripts.run(List.of("bindings/generate", "--check"), 300);
    assumeTrue(result.exitCode() != 2, "jextract is not installed: set JEXTRACT to check the bindings");
    assertEquals(0, result.exitCode(), result.output());
  }
}
