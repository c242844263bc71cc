package org.nodeffm;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.nodeffm.internal.NodeProcess;

/**
 * Node.js in this process: libnode, loaded once, and V8 and Node.js initialised once, with Node's
 * command-line options ({@code --max-old-space-size=64}, {@code --expose-gc}, ...). Node.js reads
 * those once per process, so they belong here and not to a runtime: every {@link NodeRuntime} of
 * the process shares the engine (as GraalVM's contexts may share an {@code Engine}).
 *
 * <p>The first engine of the process decides its options. Asking again for the same options, or for
 * none ({@link #get()}), gives the same engine; asking for different ones is an {@link
 * IllegalStateException} that names both.
 */
public final class NodeEngine {
  private static NodeEngine current;

  private final Path libnode;
  private final List<String> options;

  private NodeEngine(Path libnode, List<String> options) {
    this.libnode = libnode;
    this.options = options;
  }

  /**
   * The engine of this process, started without options if none runs yet.
   *
   * @return the engine
   * @throws IllegalStateException if libnode or the native shim cannot be loaded
   */
  public static NodeEngine get() {
    return withOptions();
  }

  /**
   * The engine of this process with these Node.js options, started if none runs yet.
   *
   * @param options Node.js command-line options; none means whatever the engine runs with
   * @return the engine
   * @throws IllegalArgumentException if an option is empty or contains NUL
   * @throws IllegalStateException if the process already runs Node.js with other options, Node.js
   *     rejects them, or libnode or the native shim cannot be loaded
   */
  public static synchronized NodeEngine withOptions(String... options) {
    List<String> list = List.of(options); // Null options: NullPointerException.
    for (String option : list) {
      if (option.isEmpty() || option.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("not a Node.js option: \"" + option + "\"");
      }
    }
    Path libnode = NodeProcess.load(list);
    if (current == null) {
      current = new NodeEngine(libnode, Objects.requireNonNull(NodeProcess.options()));
    }
    return current;
  }

  /**
   * The libnode this process runs.
   *
   * @return its path
   */
  public Path libnode() {
    return libnode;
  }

  /**
   * The Node.js options the engine was started with.
   *
   * @return the options, possibly none
   */
  public List<String> options() {
    return options;
  }

  @Override
  public String toString() {
    return "NodeEngine[" + libnode + ", options=" + options + "]";
  }
}
