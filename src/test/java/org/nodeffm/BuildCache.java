package org.nodeffm;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Where {@code libnode-build/build} keeps its flavours: the tests' libnodes besides the natives.
 */
final class BuildCache {
  private BuildCache() {}

  /**
   * {@code <cache>/<key>/<flavour>/lib/libnode.so} as {@code libnode-build/build} installs it for
   * the default Node line (see libnode-build/node.properties).
   */
  static Path flavourLibrary(String flavour) {
    Properties build = new Properties();
    try (InputStream in = BuildCache.class.getResourceAsStream("/org/nodeffm/node.properties")) {
      if (in == null) {
        throw new IllegalStateException(
            "org/nodeffm/node.properties is missing from the class path");
      }
      build.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String line = build.getProperty("node.line");
    String version = build.getProperty("line." + line + ".version");
    String source = build.getProperty("line." + line + ".source");
    String key = "official".equals(source) ? version : version + "-" + source;
    String cache = System.getenv("NODE_FFM_CACHE");
    if (cache == null || cache.isBlank()) {
      cache = build.getProperty("cache.dir");
    }
    if (cache.startsWith("~")) {
      cache = System.getProperty("user.home") + cache.substring(1);
    }
    return Path.of(cache).resolve(key).resolve(flavour).resolve("lib").resolve("libnode.so");
  }
}
