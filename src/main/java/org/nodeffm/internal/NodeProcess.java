package org.nodeffm.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import org.nodeffm.internal.bindings.NodeApi;

/**
 * Node.js in this process: libnode and the native shim, loaded once, and Node.js initialised once
 * with its command-line options. Where the libraries come from is {@link NativeLibraries}'s
 * business.
 */
public final class NodeProcess {
  private static Path loaded;
  private static List<String> loadedOptions;

  private NodeProcess() {}

  /**
   * Loads libnode and the shim and initialises Node.js with {@code options}, once; returns the
   * libnode loaded. Node.js reads its options once per process: a later call with other options
   * (not none) fails.
   *
   * @param options Node.js command-line options (none: whatever the process runs with)
   * @return the libnode loaded
   * @throws IllegalStateException if the libraries cannot be loaded, Node.js rejects the options,
   *     or the process already runs Node.js with other options
   */
  public static synchronized Path load(List<String> options) {
    if (loaded != null) {
      if (!options.isEmpty() && !options.equals(loadedOptions)) {
        throw new IllegalStateException(
            "Node.js options are per process, and this process already runs Node.js with "
                + loadedOptions
                + ", not "
                + options
                + " (every runtime of a process shares its NodeEngine)");
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

  /**
   * The options Node.js runs with in this process.
   *
   * @return the options, or null if Node.js is not initialised yet
   */
  public static synchronized List<String> options() {
    return loadedOptions;
  }

  private static void systemLoad(Path library) {
    try {
      System.load(library.toAbsolutePath().toString());
    } catch (UnsatisfiedLinkError e) {
      throw NativeLibraries.loadFailure(library, e);
    }
  }
}
