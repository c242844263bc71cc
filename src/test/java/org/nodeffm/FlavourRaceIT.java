package org.nodeffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The teardown race of {@link TeardownRace} (8 Java threads using the four thread-safe function
 * operations, blocking and non-blocking, while the runtime closes) in child JVMs, on every flavour
 * of the default line and on Debian's Node 24.22.2 as shipped: patched passes every round; stock
 * shows the use after free of nodejs/node#55706; upstream's fix (22.22.2 + #55877 + #61956, and
 * Node 24.22.2) strands blocked callers at teardown. The outcomes go to target/flavour-race.txt.
 */
class FlavourRaceIT {
  private static final int ROUNDS = 30;
  private static final long TIMEOUT_SECONDS = 40;

  enum Outcome {
    PASS,
    FORBIDDEN_STATUS,
    CRASH,
    HANG,
    OTHER_FAILURE
  }

  @Test
  void onlyPatchedSurvivesTheRace() throws Exception {
    StringBuilder report = new StringBuilder();
    Map<Outcome, Integer> patched = race("patched", BuildCache.flavourLibrary("patched"), null, false, 3, report);
    Map<Outcome, Integer> stock = race("stock", BuildCache.flavourLibrary("stock"), null, false, 5, report);
    Map<Outcome, Integer> upstream =
        race("upstream", BuildCache.flavourLibrary("upstream"), null, false, 2, report);
    Path reference = Scripts.repo().resolve(run("libnode-build/build", "--print", "reference").strip());
    // Debian's Node 24 needs sid's userland: its children run there.
    Map<Outcome, Integer> shipped =
        race("Node 24.22.2 (Debian)", reference.resolve("lib/libnode.so"), referenceShim(reference), true, 2, report);
    System.out.print(report);
    Files.writeString(Path.of("target", "flavour-race.txt"), report);

    assertEquals(Map.of(Outcome.PASS, 3), patched, "patched must pass every round:\n" + report);
    assertTrue(stock.getOrDefault(Outcome.PASS, 0) < 5, "stock never showed the bug:\n" + report);
    assertTrue(upstream.getOrDefault(Outcome.HANG, 0) > 0,
        "upstream never stranded a blocked caller:\n" + report);
    assertTrue(shipped.getOrDefault(Outcome.HANG, 0) > 0,
        "Node 24.22.2 never stranded a blocked caller:\n" + report);
  }

  /**
   * Runs {@code children} child JVMs of the race on a libnode (on this host, or in the sid chroot
   * with this JDK); counts their outcomes.
   */
  private static Map<Outcome, Integer> race(
      String name, Path libnode, Path shim, boolean inSid, int children, StringBuilder report)
      throws Exception {
    assertTrue(Files.exists(libnode), "no " + name + " libnode at " + libnode + ": run libnode-build/build");
    Map<Outcome, Integer> outcomes = new EnumMap<>(Outcome.class);
    for (int i = 0; i < children; i++) {
      List<String> options = new ArrayList<>(List.of(
          "-Dnodeffm.libnode=" + libnode, "-XX:-CreateCoredumpOnCrash", "-XX:ErrorFile=/dev/null"));
      if (shim != null) {
        options.add("-Dnodeffm.shim=" + shim);
      }
      List<String> command = new ArrayList<>();
      if (inSid) {
        command.addAll(List.of(Scripts.repo().resolve("libnode-build/in-chroot").toString(), "sid"));
      }
      command.addAll(Scripts.javaCommand(options, TeardownRace.class, String.valueOf(ROUNDS)));
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .start();
      Path log = Files.createTempFile(Path.of("target"), "race-" + name.replaceAll("\\W", "") + "-", ".log");
      Thread copier = Thread.ofPlatform().start(() -> {
        try (var in = process.getInputStream()) {
          Files.copy(in, log, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
          // The child ended.
        }
      });
      Outcome outcome;
      if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor();
        outcome = Outcome.HANG;
      } else {
        int exit = process.exitValue();
        outcome = switch (exit) {
          case 0 -> Outcome.PASS;
          case 3 -> Outcome.FORBIDDEN_STATUS;
          default -> exit > 128 || exit == 134 ? Outcome.CRASH : Outcome.OTHER_FAILURE;
        };
      }
      copier.join(5000);
      String output = Files.readString(log, StandardCharsets.UTF_8);
      long rounds = output.lines().filter(l -> l.matches("round \\d+: ok.*")).count();
      report.append(String.format("%-22s child %d: %-16s after %2d clean rounds (%s)%n",
          name, i, outcome, rounds, log.getFileName()));
      outcomes.merge(outcome, 1, Integer::sum);
    }
    report.append(String.format("%-22s %s%n", name, outcomes));
    return outcomes;
  }

  /** The shim compiled against Node 24's headers (its libnode's soname differs from 22's). */
  private static Path referenceShim(Path reference) throws Exception {
    Path out = Scripts.repo().resolve("target/shim-reference");
    Scripts.Result build = Scripts.run(
        List.of("env", "NODEFFM_LIBNODE_PREFIX=" + reference, "src/main/native/build", out.toString()), 300);
    assertEquals(0, build.exitCode(), build.output());
    return out.resolve("libnodeffm.so");
  }

  private static String run(String... command) throws Exception {
    Scripts.Result result = Scripts.run(List.of(command), 60);
    assertEquals(0, result.exitCode(), result.output());
    return result.output();
  }
}
