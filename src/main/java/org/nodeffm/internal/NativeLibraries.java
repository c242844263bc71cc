package org.nodeffm.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Properties;

/**
 * Where the two native libraries come from: libnode, and the shim compiled against it.
 *
 * <p>libnode, first match wins: the system property {@value #LIBNODE_PROPERTY}, the environment
 * variable {@value #LIBNODE_ENV}, the natives jar on the class path ({@code
 * org.nodeffm:node-ffm:<version>:<platform>-node<line>}). The shim: the system property {@value
 * #SHIM_PROPERTY}, else the natives on the class path.
 *
 * <p>Natives are extracted once into {@code <cache>/natives/<platform>-<version>-<id>/}, every file
 * checked against the sha256 that {@code natives.properties} lists, each written to a temporary
 * file and moved into place atomically under a file lock, so concurrent JVMs share one copy.
 */
public final class NativeLibraries {
  /** The system property that names a libnode. */
  public static final String LIBNODE_PROPERTY = "nodeffm.libnode";

  /** The environment variable that names a libnode. */
  public static final String LIBNODE_ENV = "NODE_FFM_LIBNODE";

  /** The system property that names a shim. */
  public static final String SHIM_PROPERTY = "nodeffm.shim";

  private static final String BUILD_PROPERTIES = "/org/nodeffm/node.properties";
  // Not a package (its last folder has dashes), so not encapsulated in either jar's module:
  // found through the class loader on the class path and on the module path alike.
  private static final String NATIVES = "org/nodeffm/natives/";

  private NativeLibraries() {}

  /**
   * The libnode this process uses.
   *
   * @return its path
   * @throws IllegalStateException if none is configured and no natives are on the class path
   */
  public static Path libnode() {
    String configured = System.getProperty(LIBNODE_PROPERTY);
    if (configured == null || configured.isBlank()) {
      configured = System.getenv(LIBNODE_ENV);
    }
    if (configured != null && !configured.isBlank()) {
      return existing(Path.of(configured), "-D" + LIBNODE_PROPERTY + " / " + LIBNODE_ENV);
    }
    Properties natives = natives();
    if (natives != null && natives.getProperty("libnode") != null) {
      return extract(natives, natives.getProperty("libnode"));
    }
    throw new IllegalStateException(
        "no libnode: add the natives jar org.nodeffm:node-ffm:<version>:"
            + platform()
            + " to the class path, or point -D"
            + LIBNODE_PROPERTY
            + " or "
            + LIBNODE_ENV
            + " at a libnode.so built with --shared (libnode-build/build in the node-ffm"
            + " repository builds one)");
  }

  /**
   * The shim compiled against {@link #libnode()}'s ABI.
   *
   * @return its path
   * @throws IllegalStateException if none is configured and no natives are on the class path
   */
  public static Path shim() {
    String configured = System.getProperty(SHIM_PROPERTY);
    if (configured != null && !configured.isBlank()) {
      return existing(Path.of(configured), "-D" + SHIM_PROPERTY);
    }
    Properties natives = natives();
    if (natives == null || natives.getProperty("shim") == null) {
      throw new IllegalStateException(
          "the node-ffm shim for "
              + platform()
              + " is not on the class path: add the natives jar org.nodeffm:node-ffm:"
              + "<version>:"
              + platform()
              + " (or build node-ffm with Maven), or set -D"
              + SHIM_PROPERTY);
    }
    return extract(natives, natives.getProperty("shim"));
  }

  /**
   * Says why a library failed to load and what to do, from the build facts recorded beside it: the
   * userland it was built in and the glibc it needs.
   *
   * @param library the library that failed to load
   * @param error how it failed
   * @return the exception to throw
   */
  public static IllegalStateException loadFailure(Path library, UnsatisfiedLinkError error) {
    Properties facts = buildFacts(library);
    StringBuilder message = new StringBuilder("cannot load ").append(library).append(": ");
    message.append(error.getMessage());
    if (facts != null) {
      String glibc = facts.getProperty("glibc.required");
      String userland = facts.getProperty("userland");
      if (glibc != null) {
        message.append(". This libnode needs glibc ").append(glibc).append(" or newer");
      }
      if ("sid".equals(userland)) {
        message
            .append(" and the shared libraries of Debian sid, where it was built; run the JVM in")
            .append(
                " that userland (libnode-build/bin/java in the node-ffm repository does), or build")
            .append(" libnode on this system: libnode-build/build --node-version ")
            .append(facts.getProperty("node.version", "X.Y.Z"));
      }
    }
    return new IllegalStateException(message.toString(), error);
  }

  /**
   * The platform part of the natives' classifier, e.g. {@code linux-x86_64-node22}.
   *
   * @return the platform
   */
  public static String platform() {
    String os =
        System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("linux")
            ? "linux"
            : System.getProperty("os.name").toLowerCase(Locale.ROOT).replace(' ', '_');
    String arch = System.getProperty("os.arch");
    if (arch.equals("amd64")) {
      arch = "x86_64";
    }
    Properties build = resource(BUILD_PROPERTIES);
    String line = build == null ? "" : build.getProperty("node.line");
    return os + "-" + arch + "-node" + line;
  }

  // ------------------------------------------------------------------ natives

  private static Properties natives() {
    return resource(NATIVES + platform() + "/natives.properties");
  }

  private static Path extract(Properties natives, String name) {
    String sha = natives.getProperty("sha256." + name);
    if (sha == null) {
      throw new IllegalStateException(
          "natives.properties of " + platform() + " has no sha256 for " + name);
    }
    Properties build = resource(BUILD_PROPERTIES);
    Path dir =
        cacheDir(build)
            .resolve("natives")
            .resolve(
                platform()
                    + "-"
                    + natives.getProperty("node.version")
                    + "-"
                    + natives.getProperty("id"));
    Path target = dir.resolve(name);
    try {
      Files.createDirectories(dir);
      if (Files.isRegularFile(target) && sha.equals(sha256(target))) {
        return target;
      }
      try (FileChannel lockFile =
              FileChannel.open(
                  dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock _ = lockFile.lock()) {
        if (Files.isRegularFile(target) && sha.equals(sha256(target))) {
          return target;
        }
        Path temp = Files.createTempFile(dir, name, ".part");
        try (InputStream in = open(NATIVES + platform() + "/" + name)) {
          Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
        }
        String actual = sha256(temp);
        if (!sha.equals(actual)) {
          Files.delete(temp);
          throw new IllegalStateException(
              "the natives jar's "
                  + name
                  + " has sha256 "
                  + actual
                  + ", natives.properties says "
                  + sha);
        }
        move(temp, target);
      }
      if (natives.getProperty("build-info") != null) {
        Path info = dir.resolve("BUILD-INFO");
        if (!Files.exists(info)) {
          Path temp = Files.createTempFile(dir, "BUILD-INFO", ".part");
          try (InputStream in = open(NATIVES + platform() + "/BUILD-INFO")) {
            Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
          }
          move(temp, info);
        }
      }
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot extract " + name + " into " + dir, e);
    }
  }

  private static void move(Path temp, Path target) throws IOException {
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException e) {
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static InputStream open(String resource) throws IOException {
    InputStream in = loader().getResourceAsStream(resource);
    if (in == null) {
      throw new IOException(resource + " is listed in natives.properties but missing from the jar");
    }
    return in;
  }

  private static String sha256(Path file) throws IOException {
    try (InputStream in =
        new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
      return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // ------------------------------------------------------------------ helpers

  private static Path existing(Path library, String source) {
    if (!Files.isRegularFile(library)) {
      throw new IllegalStateException(
          "libnode not found at "
              + library
              + " (from "
              + source
              + "). Point -D"
              + LIBNODE_PROPERTY
              + " or "
              + LIBNODE_ENV
              + " at a libnode.so built with --shared (libnode-build/build in the node-ffm"
              + " repository builds one), or add the natives jar org.nodeffm:node-ffm:<version>:"
              + platform()
              + " instead.");
    }
    return library;
  }

  private static Path cacheDir(Properties build) {
    String cache = System.getenv("NODE_FFM_CACHE");
    if (cache == null || cache.isBlank()) {
      cache = build == null ? "~/.cache/node-ffm" : build.getProperty("cache.dir");
    }
    if (cache.startsWith("~")) {
      cache = System.getProperty("user.home") + cache.substring(1);
    }
    return Path.of(cache);
  }

  /** BUILD-INFO of a flavour folder (lib/..) or of an extracted natives folder. */
  private static Properties buildFacts(Path library) {
    Path dir = library.toAbsolutePath().getParent();
    for (Path candidate :
        new Path[] {dir.resolve("BUILD-INFO"), dir.getParent().resolve("BUILD-INFO")}) {
      if (Files.isRegularFile(candidate)) {
        try (InputStream in = Files.newInputStream(candidate)) {
          Properties facts = new Properties();
          facts.load(in);
          return facts;
        } catch (IOException e) {
          return null;
        }
      }
    }
    return null;
  }

  private static ClassLoader loader() {
    ClassLoader loader = NativeLibraries.class.getClassLoader();
    return loader != null ? loader : ClassLoader.getSystemClassLoader();
  }

  /** A properties resource: ours (a leading slash) from this module, natives from the loader. */
  private static Properties resource(String name) {
    try (InputStream in =
        name.startsWith("/")
            ? NativeLibraries.class.getResourceAsStream(name)
            : loader().getResourceAsStream(name)) {
      if (in == null) {
        return null;
      }
      Properties properties = new Properties();
      properties.load(in);
      return properties;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
