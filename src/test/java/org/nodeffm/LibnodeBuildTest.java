package org.nodeffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Both libnode flavours are built and are working libraries. */
class LibnodeBuildTest {
  @Test
  void statusReportsBothFlavoursBuiltForTheCurrentPatches() throws IOException, InterruptedException {
    Scripts.Result status = Scripts.run(List.of("libnode-build/build", "--status"), 60);
    assertEquals(0, status.exitCode(), "libnode is not built; run libnode-build/build:\n" + status.output());
    assertTrue(status.output().contains("/stock"), status.output());
    assertTrue(status.output().contains("/patched"), status.output());
  }

  @Test
  void aMinimalEmbedderRunsOnBothFlavours() throws IOException, InterruptedException {
    Scripts.Result smoke = Scripts.run(List.of("libnode-build/smoke-test", "target/smoke"), 600);
    assertEquals(0, smoke.exitCode(), smoke.output());
    assertTrue(smoke.output().contains("stock: embedded Node.js v"), smoke.output());
    assertTrue(smoke.output().contains("patched: embedded Node.js v"), smoke.output());
  }

  @Test
  void theJavaRuntimeRunsThePatchedLibnode() {
    try (NodeRuntime node = NodeRuntime.start()) {
      assertEquals(LibNode.flavourLibrary("patched"), node.libnode());
      assertEquals("true", node.eval("process.config.variables.node_shared"));
    }
  }
}
