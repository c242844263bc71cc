package org.nodeffm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The evidence for the patch series, kept runnable: each test runs one of the repository's check
 * scripts, which can also be run by hand and print what they prove.
 */
class PatchSeriesIT {
  /** patches/v22.x on 18.20.4, 20.19.2 and 22.22.2; patches/main on main's class; same changes. */
  @Test
  void seriesApplyWhereTheyAreMeantTo() throws IOException, InterruptedException {
    Scripts.Result result = Scripts.run(List.of("patches/check-apply"), 600);
    assertEquals(0, result.exitCode(), result.output());
  }

  /**
   * clang-format and cpplint on the C/C++ changes, ESLint on the JavaScript tests; in the sid
   * userland, whose cpplint is pinned (libnode-build/node.properties, sid.packages).
   */
  @Test
  void changesFollowNodeStyle() throws IOException, InterruptedException {
    Scripts.Result result =
        Scripts.run(List.of("libnode-build/in-chroot", "sid", "patches/check-style"), 600);
    assertEquals(0, result.exitCode(), result.output());
  }

  /**
   * Node's tools/test.py on stock, upstream, patched and Debian's Node 24.22.2: all pass on
   * patched, the bugs the series fixes fail on upstream, the race fails on stock.
   */
  @Test
  void nodeHarnessPassesOnPatchedAndSeesTheBugsElsewhere() throws IOException, InterruptedException {
    Scripts.Result result = Scripts.run(List.of("patches/run-node-tests"), 3600);
    assertEquals(0, result.exitCode(), result.output());
  }

  /** memcheck: use after free on stock in every run; upstream, reference and patched clean. */
  @Test
  void memcheckSeesTheUseAfterFreeOnStockOnly() throws IOException, InterruptedException {
    Scripts.Result result =
        Scripts.run(List.of("src/test/native/run-valgrind", "target/valgrind"), 3600);
    assertEquals(0, result.exitCode(), result.output());
  }
}
