package org.nodeffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The default line's flavours are built for the current patches and are working libraries. */
class LibnodeBuildIT {
  @Test
  void statusReportsEveryFlavourBuiltForTheCurrentPatches() throws IOException, InterruptedException {
    Scripts.Result status = Scripts.run(List.of("libnode-build/build", "--status"), 60);
    assertEquals(0, status.exitCode(), "libnode is not built; run libnode-build/build:\n" + status.output());
    for (String flavour : List.of("stock:", "upstream:", "patched:", "reference:")) {
      assertTrue(status.output().lines().anyMatch(l -> l.startsWith(flavour) && l.contains("/")),
          "no " + flavour + " line with a path in:\n" + status.output());
    }
  }

  @Test
  void aMinimalEmbedderRunsOnEveryFlavour() throws IOException, InterruptedException {
    Scripts.Result smoke = Scripts.run(List.of("libnode-build/smoke-test", "target/smoke"), 600);
    assertEquals(0, smoke.exitCode(), smoke.output());
    for (String flavour : List.of("stock", "upstream", "patched")) {
      assertTrue(smoke.output().contains(flavour + ": embedded Node.js v"), smoke.output());
    }
  }

  /** libnode-build/DEPENDENCIES.md carries the table static-deps generates from node.properties. */
  @Test
  void theDependencyTableMatchesNodeProperties() throws IOException, InterruptedException {
    Scripts.Result table = Scripts.run(List.of("libnode-build/static-deps", "--table"), 60);
    assertEquals(0, table.exitCode(), table.output());
    String document = Files.readString(Scripts.repo().resolve("libnode-build/DEPENDENCIES.md"));
    assertTrue(document.contains(table.output()),
        "libnode-build/DEPENDENCIES.md does not contain `libnode-build/static-deps --table`:\n"
            + table.output());
  }
}
