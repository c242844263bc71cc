package org.nodeffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The teardown race against the stock libnode, in child JVMs because it may crash them: it must
 * show the bug (a crash, a hang or a forbidden status) in at least one of {@value #CHILDREN}
 * children, while a control child on the patched libnode passes. The observed rate goes to
 * target/stock-race.txt.
 */
class StockRaceTest {
  private static final int CHILDREN = 5;
  private static final int ROUNDS = 30;

  @Test
  void stockLibnodeShowsTheBugThatPatchedDoesNot() throws IOException, InterruptedException {
    Path stock = LibNode.flavourLibrary("stock");
    Path patched = LibNode.flavourLibrary("patched");
    assertTrue(Files.isRegularFile(stock), "no stock libnode at " + stock + ": run libnode-build/build");

    Scripts.Result control = child(patched);
    assertEquals(0, control.exitCode(), "the race fails on the patched libnode:\n" + control.output());

    List<String> outcomes = new ArrayList<>();
    int showedBug = 0;
    for (int i = 0; i < CHILDREN; i++) {
      Scripts.Result result = child(stock);
      String[] lines = result.output().strip().split("\n");
      String last = lines[lines.length - 1];
      boolean bug = result.exitCode() != 0;
      if (bug) {
        showedBug++;
      }
      long roundsPassed = result.output().lines().filter(l -> l.matches("round \\d+: ok.*")).count();
      outcomes.add(
          String.format(
              "child %d: exit %d after %d clean rounds; last line: %s",
              i, result.exitCode(), roundsPassed, last.length() > 160 ? last.substring(0, 160) : last));
    }
    String report =
        String.format(
            "stock libnode: the bug showed in %d of %d child JVMs (%d rounds each at most)%n%s%n",
            showedBug, CHILDREN, ROUNDS, String.join(System.lineSeparator(), outcomes));
    System.out.print(report);
    Files.createDirectories(Path.of("target"));
    Files.writeString(Path.of("target", "stock-race.txt"), report);
    assertTrue(showedBug > 0, "the stock libnode never showed the bug:\n" + report);
  }

  private static Scripts.Result child(Path libnode) throws IOException, InterruptedException {
    return Scripts.run(
        Scripts.javaCommand(
            List.of("-Dnodeffm.libnode=" + libnode, "-XX:-CreateCoredumpOnCrash", "-XX:ErrorFile=/dev/null"),
            TeardownRace.class,
            String.valueOf(ROUNDS)),
        600);
  }
}
