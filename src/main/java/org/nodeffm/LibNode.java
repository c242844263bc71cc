package org.nodeffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import org.nodeffm.internal.NativeLibraries;
import org.nodeffm.internal.bindings.NodeApi;

/**
 * Loads libnode and the native shim, once per process, and initialises Node.js. Where they come
 * from is {@link NativeLibraries}'s business.
 */
final class LibNode {
  private static Path loaded;
  private static List<String> loadedOptions;

  private LibNode() {}

  /** {@link #load(List)} without Node.js options. */
  static Path load() {
    return load(List.of());
  }

  /**
   * Loads libnode and the shim and initialises Node.js with {@code options}, once; returns the
   * libnode loaded. Node.js reads its options once per process: a later call with other options
   * (not none) fails.
   */
  static synchronized Path load(List<String> options) {
    if (loaded != null) {
      if (!options.isEmpty() && !options.equals(loadedOptions)) {
        throw new IllegalStateException(
            "Node.js options are per process, and this process already runs Node.js with "
                + loadedOptions
                + ", not "
                + options);
      }
      return loaded;
    }
    Path libnode = NativeLibraries.libnode();
    Path shim = NativeLibraries.shim();
    // The shim's DT_NEEDED libnode.so.NNN resolves to this already loaded library.
    systemLoad(libnode);
    systemLoad(shim);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment error = arena.allocate(4096);
      MemorySegment argv = arena.allocate(ValueLayout.ADDRESS, Math.max(1, options.size()));
      for (int i = 0; i < options.size(); i++) {
        argv.setAtIndex(ValueLayout.ADDRESS, i, arena.allocateFrom(options.get(i)));
      }
      if (NodeApi.nodeffm_process_init(argv, options.size(), error, error.byteSize()) != 0) {
        throw new IllegalStateException(
            "Node.js failed to initialise with options "
                + options
                + ": "
                + error.getString(0).strip());
      }
    }
    loadedOptions = List.copyOf(options);
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
