package org.nodeffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real npm package, installed from the npm registry into target/npm (outside the sources) with
 * the committed lockfile: js-yaml 4.1.0 and its dependency argparse, required and imported from
 * Java.
 */
class NpmPackageTest {
  private static final List<String> FILES =
      List.of("package.json", "package-lock.json", "uses-yaml.mjs");
  private static NodeRuntime node;

  @BeforeAll
  static void install() throws IOException, InterruptedException {
    Path folder = Scripts.repo().resolve("target").resolve("npm");
    Files.createDirectories(folder);
    boolean changed = false;
    for (String file : FILES) {
      try (InputStream in = NpmPackageTest.class.getResourceAsStream("/npm/" + file)) {
        byte[] content = in.readAllBytes();
        Path target = folder.resolve(file);
        if (!Files.exists(target)
            || !java.util.Arrays.equals(content, Files.readAllBytes(target))) {
          Files.write(target, content);
          changed = true;
        }
      }
    }
    if (changed || !Files.isDirectory(folder.resolve("node_modules/argparse"))) {
      Scripts.Result npm =
          Scripts.run(
              List.of(
                  "npm",
                  "ci",
                  "--ignore-scripts",
                  "--no-audit",
                  "--no-fund",
                  "--prefix",
                  folder.toString()),
              600);
      assertEquals(
          0,
          npm.exitCode(),
          "npm ci failed (is npm installed, and the registry reachable?):\n" + npm.output());
    }
    node = NodeRuntime.builder().baseDirectory(folder).start();
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void requireAnNpmPackageWithADependency() {
    JsObject yaml = assertInstanceOf(JsObject.class, node.require("js-yaml"));
    Object document =
        yaml.callMember("load", "name: node-ffm\nthreads: [1, 2, 4]\nnested: { ok: true }\n");
    assertEquals(
        Map.of("name", "node-ffm", "threads", List.of(1, 2, 4), "nested", Map.of("ok", true)),
        document);
    assertEquals("b:\n  - x\n", yaml.callMember("dump", Map.of("b", List.of("x"))));
    // Its dependency was installed and is what it loads.
    assertTrue(
        node.eval(String.class, "require.resolve('argparse', { paths: [require.resolve('js-yaml')] })")
            .contains("node_modules/argparse"));
  }

  @Test
  void importTheSamePackageAsAnEsModule() {
    JsObject yaml = node.importModuleAsync("js-yaml").join();
    assertEquals(List.of("a", "b"), yaml.callMember("load", "[a, b]"));
    JsObject app = node.importModuleAsync("./uses-yaml.mjs").join();
    assertEquals("k: v\n", app.callMember("roundTrip", "{k: v}"));
  }

  @Test
  void anInvalidDocumentIsAJavaScriptExceptionWithItsName() {
    JsObject yaml = node.require("js-yaml");
    JavaScriptException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            JavaScriptException.class, () -> yaml.callMember("load", "a: [1, 2"));
    assertEquals("YAMLException", e.name());
  }
}
