package org.nodeffm;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;
import org.nodeffm.internal.bindings.NodeApi;

/**
 * Finds and loads libnode and the native shim, once per process, and initialises Node.js.
 *
 * <p>libnode is the {@code lib/libnode.so} of a flavour built by {@code libnode-build/build}, or
 * the file named by the system property {@value #LIBNODE_PROPERTY} or the environment variable
 * {@value #LIBNODE_ENV}.
 */
final class LibNode {
  static final String LIBNODE_PROPERTY = "nodeffm.libnode";
  static final String LIBNODE_ENV = "NODE_FFM_LIBNODE";
  static final String SHIM_PROPERTY = "nodeffm.shim";
  private static final String SHIM_RESOURCE = "native/linux-x86_64/libnodeffm.so";

  private static Path loaded;

  private LibNode() {}

  /** Loads libnode and the shim and initialises Node.js, once; returns the libnode loaded. */
  static synchronized Path load() {
    if (loaded != null) {
      return loaded;
    }
    Path libnode = configuredLibrary();
    if (!Files.isRegularFile(libnode)) {
      throw new IllegalStateException(
          "libnode not found at "
              + libnode
              + ". Build it with libnode-build/build in the node-ffm repository (about 80"
              + " minutes on 2 cores the first time), or point -D"
              + LIBNODE_PROPERTY
              + " or "
              + LIBNODE_ENV
              + " at a libnode.so built with --shared.");
    }
    // The shim's DT_NEEDED libnode.so.NNN resolves to this already loaded library.
    System.load(libnode.toAbsolutePath().toString());
    System.load(shim().toAbsolutePath().toString());
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment error = arena.allocate(1024);
      if (NodeApi.nodeffm_process_init(error, error.byteSize()) != 0) {
        throw new IllegalStateException(
            "Node.js failed to initialise: " + error.getString(0));
      }
    }
    loaded = libnode;
    return loaded;
  }

  /** The libnode this process uses: configured, else the patched flavour of the build cache. */
  static Path configuredLibrary() {
    String path = System.getProperty(LIBNODE_PROPERTY);
    if (path == null || path.isBlank()) {
      path = System.getenv(LIBNODE_ENV);
    }
    if (path != null && !path.isBlank()) {
      return Path.of(path);
    }
    return flavourLibrary("patched");
  }

  /**
   * {@code <cache>/<key>/<flavour>/lib/libnode.so}, as libnode-build/build installs it, for the
   * Node version this library was built for (see libnode-build/node.properties).
   */
  static Path flavourLibrary(String flavour) {
    Properties build = new Properties();
    try (InputStream in = LibNode.class.getResourceAsStream("node.properties")) {
      if (in == null) {
        throw new IllegalStateException("node.properties is missing from the class path");
      }
      build.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String cache = System.getenv("NODE_FFM_CACHE");
    if (cache == null || cache.isBlank()) {
      cache = build.getProperty("cache.dir");
    }
    if (cache.startsWith("~")) {
      cache = System.getProperty("user.home") + cache.substring(1);
    }
    String line = build.getProperty("node.line");
    String version = build.getProperty("line." + line + ".version");
    String source = build.getProperty("line." + line + ".source");
    String key = "official".equals(source) ? version : version + "-" + source;
    return Path.of(cache, key, flavour, "lib", "libnode.so");
  }

  private static Path shim() {
    String path = System.getProperty(SHIM_PROPERTY);
    if (path != null && !path.isBlank()) {
      return Path.of(path);
    }
    URL url = LibNode.class.getResource(SHIM_RESOURCE);
    if (url == null) {
      throw new IllegalStateException(
          SHIM_RESOURCE + " is missing from the class path: build node-ffm with Maven");
    }
    try {
      if ("file".equals(url.getProtocol())) {
        return Path.of(url.toURI());
      }
      Path copy = Files.createTempFile("libnodeffm", ".so");
      copy.toFile().deleteOnExit();
      try (InputStream in = url.openStream()) {
        Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
      }
      return copy;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
