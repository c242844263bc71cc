package org.nodeffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** require() and import() from the base directory: CommonJS and ES modules of the application. */
class ModulesTest {
  private NodeRuntime node;
  private Path modules;

  @BeforeEach
  void start() throws URISyntaxException {
    modules = Path.of(ModulesTest.class.getResource("/modules").toURI());
    node = NodeRuntime.builder().baseDirectory(modules).start();
  }

  @AfterEach
  void stop() {
    node.close();
  }

  @Test
  void requireACommonJsModuleFromTheBaseDirectory() {
    JsObject greeting = assertInstanceOf(JsObject.class, node.require("./greeting.cjs"));
    assertEquals("HELLO ADA!", greeting.callMember("greet", "Ada"));
    assertEquals(modules, node.baseDirectory());
    // The global require of scripts resolves from there too.
    assertEquals("HELLO BOB!", node.eval("require('./greeting.cjs').greet('Bob')"));
  }

  @Test
  void importAnEsModuleFromTheBaseDirectory() {
    JsObject stats = node.importModuleAsync("./stats.mjs").join();
    assertEquals(2.5, stats.callMember("mean", List.of(1, 2, 3, 4)));
    assertEquals(
        List.of("HELLO A!", "HELLO B!"), stats.callMember("greetAll", List.of("a", "b")));
    assertEquals("stats", stats.getAsync("default").join());
    assertEquals(3, node.evalAsync("import('./sum.mjs').then((m) => m.sum([1, 2]))").join());
  }

  @Test
  void builtInModules() {
    JsObject path = assertInstanceOf(JsObject.class, node.require("path"));
    assertEquals("a/b", path.callMember("join", "a", "b"));
    JsObject os = node.importModuleAsync("node:os").join();
    assertTrue(os.callMember("platform").equals("linux"));
  }

  @Test
  void aMissingModuleIsAJavaScriptException() {
    JavaScriptException notFound =
        assertThrows(JavaScriptException.class, () -> node.require("./nope.cjs"));
    assertTrue(
        notFound.getMessage().contains("Cannot find module './nope.cjs'"), notFound.getMessage());
    JavaScriptException esm =
        assertInstanceOf(
            JavaScriptException.class, FunctionCallTest.failureOf(node.importModuleAsync("./nope.mjs")));
    assertTrue(esm.getMessage().contains("Cannot find module"), esm.getMessage());
  }

  @Test
  void theBaseDirectoryMustExist() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> NodeRuntime.builder().baseDirectory(modules.resolve("missing")));
    assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
  }
}
