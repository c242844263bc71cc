package org.nodeffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nodeffm.internal.NativeLibraries;

/**
 * The natives as the natives jar carries them (target/natives, laid out by
 * src/main/native/natives at prepare-package): a JVM with nothing configured extracts them into
 * its cache, checks them, and several JVMs at once share one copy; a damaged file is refused.
 */
class NativesIT {
  private static final Path NATIVES = Path.of("target", "natives");

  @Test
  void aJvmWithNothingConfiguredLoadsTheExtractedNatives(@TempDir Path cache) throws Exception {
    Path dir = nativesDir(NATIVES);
    Properties natives = natives(dir);
    Result result = probe(NATIVES, cache);
    assertEquals(0, result.exitCode(), result.output());
    Path loaded = Path.of(result.line("libnode="));
    assertTrue(loaded.startsWith(cache.resolve("natives")), "not extracted into the cache: " + loaded);
    assertEquals(natives.getProperty("sha256." + natives.getProperty("libnode")), sha256(loaded));
    assertEquals(sha256(BuildCache.flavourLibrary("patched").toRealPath()), sha256(loaded),
        "the natives' libnode is not the patched flavour");
  }

  @Test
  void concurrentJvmsShareOneCopy(@TempDir Path cache) throws Exception {
    List<Process> children = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      children.add(start(NATIVES, cache));
    }
    List<String> loaded = new ArrayList<>();
    for (Process child : children) {
      Result result = finish(child);
      assertEquals(0, result.exitCode(), result.output());
      loaded.add(result.line("libnode="));
    }
    assertEquals(1, loaded.stream().distinct().count(), "different copies: " + loaded);
    try (Stream<Path> files = Files.list(Path.of(loaded.get(0)).getParent())) {
      assertEquals(List.of(), files.map(Path::getFileName).map(Path::toString)
          .filter(n -> n.endsWith(".part")).toList(), "temporary files left behind");
    }
  }

  @Test
  void aDamagedNativeIsRefusedWithAClearMessage(@TempDir Path temp) throws Exception {
    Path copy = temp.resolve("natives");
    Path source = nativesDir(NATIVES);
    Path target = copy.resolve(NATIVES.relativize(source));
    Files.createDirectories(target);
    try (Stream<Path> files = Files.list(source)) {
      for (Path file : files.toList()) {
        Files.copy(file, target.resolve(file.getFileName()));
      }
    }
    Path shim = target.resolve("libnodeffm.so");
    byte[] bytes = Files.readAllBytes(shim);
    bytes[bytes.length / 2] ^= 0x5a;
    Files.write(shim, bytes);

    Result result = probe(copy, temp.resolve("cache"));
    assertNotEquals(0, result.exitCode(), result.output());
    assertTrue(result.output().contains("libnodeffm.so has sha256"), result.output());
    assertTrue(result.output().contains("natives.properties says"), result.output());
  }

  // ------------------------------------------------------------------ helpers

  private record Result(int exitCode, String output) {
    String line(String prefix) {
      return output.lines().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length()))
          .findFirst().orElseThrow(() -> new AssertionError("no " + prefix + " in:\n" + output));
    }
  }

  private static Path nativesDir(Path root) throws IOException {
    try (Stream<Path> found = Files.find(root, 6, (p, a) -> p.endsWith("natives.properties"))) {
      Path properties = found.findFirst().orElseThrow(
          () -> new AssertionError("no natives.properties under " + root + ": run mvn package"));
      assertTrue(natives(properties.getParent()).getProperty("libnode") != null,
          "the natives under " + root + " have no libnode: run mvn package");
      return properties.getParent();
    }
  }

  private static Properties natives(Path dir) throws IOException {
    Properties properties = new Properties();
    try (InputStream in = Files.newInputStream(dir.resolve("natives.properties"))) {
      properties.load(in);
    }
    return properties;
  }

  /** A child JVM on the library's classes and the given natives, nothing configured. */
  private static Process start(Path natives, Path cache) throws IOException {
    String classes = Path.of("target", "classes").toAbsolutePath() + java.io.File.pathSeparator
        + Path.of("target", "test-classes").toAbsolutePath() + java.io.File.pathSeparator
        + natives.toAbsolutePath();
    ProcessBuilder builder = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "-cp", classes, NativesProbe.class.getName())
        .redirectErrorStream(true);
    builder.environment().remove(NativeLibraries.LIBNODE_ENV);
    builder.environment().put("NODE_FFM_CACHE", cache.toString());
    return builder.start();
  }

  private static Result finish(Process process) throws Exception {
    String output = new String(process.getInputStream().readAllBytes());
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("the child JVM did not finish:\n" + output);
    }
    return new Result(process.exitValue(), output);
  }

  private static Result probe(Path natives, Path cache) throws Exception {
    return finish(start(natives, cache));
  }

  private static String sha256(Path file) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }
}
