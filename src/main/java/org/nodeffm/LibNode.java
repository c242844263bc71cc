package org.nodeffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.nodeffm.internal.NativeLibraries;
import org.nodeffm.internal.bindings.NodeApi;

/**
 * Loads libnode and the native shim, once per process, and initialises Node.js. Where they come
 * from is {@link NativeLibraries}'s business.
 */
final class LibNode {
  private static Path loaded;

  private LibNode() {}

  /** Loads libnode and the shim and initialises Node.js, once; returns the libnode loaded. */
  static synchronized Path load() {
    if (loaded != null) {
      return loaded;
    }
    Path libnode = NativeLibraries.libnode();
    Path shim = NativeLibraries.shim();
    // The shim's DT_NEEDED libnode.so.NNN resolves to this already loaded library.
    systemLoad(libnode);
    systemLoad(shim);
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

  private static void systemLoad(Path library) {
    try {
      System.load(library.toAbsolutePath().toString());
    } catch (UnsatisfiedLinkError e) {
      throw NativeLibraries.loadFailure(library, e);
    }
  }

  /** The libnode this process uses (configured, from the natives jar, or the build cache). */
  static Path configuredLibrary() {
    return NativeLibraries.libnode();
  }

  /** {@code <cache>/<key>/<flavour>/lib/libnode.so} of the default line. */
  static Path flavourLibrary(String flavour) {
    return NativeLibraries.flavourLibrary(flavour);
  }
}
