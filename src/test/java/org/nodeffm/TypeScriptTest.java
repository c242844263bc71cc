package org.nodeffm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * TypeScript through Node 22's type stripping, on by default since 22.18 (no Node option): a .ts
 * module imported as any module is.
 */
class TypeScriptTest {
  @Test
  void importATypeScriptModule() throws URISyntaxException {
    Path modules = Path.of(TypeScriptTest.class.getResource("/modules").toURI());
    StringBuilder errors = new StringBuilder();
    try (NodeRuntime node =
        NodeRuntime.builder().baseDirectory(modules).stderr(errors::append).start()) {
      // Node 22.18+ strips types by default: no flag (NodeEngine option) is needed.
      assertEquals("strip", node.eval("process.features.typescript"));
      JsObject typed = node.importModule("./typed.ts");
      assertEquals(5, typed.callMember(int.class, "norm", Map.of("x", 3, "y", 4)));
      assertEquals("typed", typed.get("label"));
      assertEquals(List.of("b", "a"), typed.callMember("swap", List.of("a", "b")));
      // Scripts may import TypeScript too.
      assertEquals(13, node.eval("import('./typed.ts').then((m) => m.norm({ x: 5, y: 12 }))"));
    }
  }
}
