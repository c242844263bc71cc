package org.nodeffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The natives jar as a Java team deploys it (libnode-build/DEPENDENCIES.md): libnode and the shim
 * need no glibc newer than the userland that built them and no library but glibc's; none of the
 * libraries linked into libnode shows in its dynamic symbol table, while Node-API, libuv, V8 and
 * Node stay exported; the system's own OpenSSL and zlib loaded first into the same JVM change
 * nothing; and the natives jar with examples/demo runs on this host's JVM and in Debian bullseye,
 * trixie and sid userlands (the host JDK bind-mounted). The matrix goes to
 * target/portability.md.
 */
class PortabilityIT {
  private static final Path TARGET = Path.of("target").toAbsolutePath();

  /** glibc's own libraries: all a portable library may need. */
  private static final List<String> GLIBC =
      List.of("libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1",
          "ld-linux-x86-64.so.2");

  /** Symbols of the libraries linked into libnode: none may be exported (or imported). */
  private static final Map<String, Pattern> HIDDEN =
      new LinkedHashMap<>(
          Map.ofEntries(
              Map.entry("OpenSSL", Pattern.compile(
                  "^(SSL|SSL_CTX|EVP|OPENSSL|CRYPTO|BIO|X509|PEM|RSA|EC|ERR|BN|ASN1|OSSL|d2i|i2d)_")),
              Map.entry("zlib", Pattern.compile(
                  "^(deflate|inflate|crc32|adler32|gz[a-z]|compress|uncompress|zlibVersion|zError)")),
              Map.entry("brotli", Pattern.compile("^Brotli")),
              Map.entry("zstd", Pattern.compile("^(ZSTD|ZDICT|HUF|FSE)_")),
              Map.entry("c-ares", Pattern.compile("^ares_")),
              Map.entry("nghttp2", Pattern.compile("^nghttp2_")),
              Map.entry("SQLite", Pattern.compile("^sqlite3")),
              Map.entry("llhttp", Pattern.compile("^llhttp_")),
              Map.entry("ICU", Pattern.compile("^(u[a-z]*_[a-zA-Z]+_78$|_ZN6icu_78|_ZNK6icu_78)")),
              Map.entry("simdutf, simdjson, ada", Pattern.compile("^_ZN?K?(7simdutf|8simdjson|3ada)")),
              Map.entry("libstdc++", Pattern.compile(
                  "^(__cxa_|__gxx_personality|_Znwm$|_ZdlPv$|_ZSt9terminatev$|_ZSt17__throw_bad_allocv$"
                      + "|_ZNSt6chrono3_V212system_clock3nowEv$)"))));

  /** What libnode must keep exporting. */
  private static final List<Pattern> EXPORTED =
      Stream.of("^napi_create_threadsafe_function$", "^napi_call_threadsafe_function$",
              "^napi_module_register$", "^uv_run$", "^uv_loop_init$", "^_ZN4node17CreateEnvironment",
              "^_ZN4node17CreateIsolateData", "^_ZN2v87Isolate3New", "^_ZN2v86Script7Compile")
          .map(Pattern::compile)
          .toList();

  @Test
  void needsNoGlibcNewerThanItsBuildUserland() throws Exception {
    Natives natives = natives();
    String userlandGlibc = natives.buildInfo().getProperty("userland.glibc");
    assertTrue(userlandGlibc != null, "BUILD-INFO has no userland.glibc: rebuild with libnode-build/build");
    for (Path library : List.of(natives.libnode(), natives.shim())) {
      String needed = highestGlibc(run(List.of("objdump", "-T", library.toString())));
      assertTrue(compareVersions(needed, userlandGlibc) <= 0,
          library.getFileName() + " needs GLIBC_" + needed + ", newer than its build userland's "
              + userlandGlibc);
      System.out.printf("%s needs GLIBC_%s (built with glibc %s)%n", library.getFileName(), needed,
          userlandGlibc);
    }
  }

  @Test
  void needsNothingButGlibcAndLibnode() throws Exception {
    Natives natives = natives();
    String soname = natives.libnode().getFileName().toString();
    assertEquals(List.of(), notIn(needed(natives.libnode()), GLIBC),
        "libnode needs libraries other than glibc's");
    List<String> shimAllowed = new ArrayList<>(GLIBC);
    shimAllowed.add(soname);
    assertEquals(List.of(), notIn(needed(natives.shim()), shimAllowed),
        "the shim needs libraries other than glibc's and libnode");
  }

  @Test
  void exportsNodeV8AndNodeApiButNoneOfTheLinkedLibraries() throws Exception {
    Path libnode = natives().libnode();
    List<String> defined = symbols("--defined-only", libnode);
    // Imports that glibc provides (versioned GLIBC_*, e.g. __cxa_atexit) are glibc's, not a
    // linked-in library's.
    List<String> undefined = run(List.of("nm", "-D", "--undefined-only", libnode.toString()))
        .lines().map(l -> l.substring(l.lastIndexOf(' ') + 1))
        .filter(s -> !s.contains("@GLIBC_")).toList();
    StringBuilder leaks = new StringBuilder();
    HIDDEN.forEach((name, pattern) -> {
      List<String> out = defined.stream().filter(s -> pattern.matcher(s).find()).limit(5).toList();
      List<String> in = undefined.stream().filter(s -> pattern.matcher(s).find()).limit(5).toList();
      if (!out.isEmpty()) {
        leaks.append(name).append(" exported: ").append(out).append('\n');
      }
      if (!in.isEmpty()) {
        leaks.append(name).append(" imported: ").append(in).append('\n');
      }
    });
    assertEquals("", leaks.toString(), "libnode's dynamic symbol table shows linked-in libraries");
    for (Pattern wanted : EXPORTED) {
      assertTrue(defined.stream().anyMatch(s -> wanted.matcher(s).find()),
          "libnode does not export " + wanted);
    }
    System.out.printf("libnode exports %d symbols, imports %d%n", defined.size(), undefined.size());
  }

  /** The system's libssl and libz loaded first (LD_PRELOAD): neither binds to ours, nor we to them. */
  @Test
  void theSystemOpensslAndZlibInTheSameJvmChangeNothing(@TempDir Path dir) throws Exception {
    Path key = dir.resolve("key.pem");
    Path cert = dir.resolve("cert.pem");
    assertEquals(0, Scripts.run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.toString(), "-out", cert.toString(),
        "-subj", "/CN=localhost", "-days", "2", "-addext", "subjectAltName=DNS:localhost"), 60)
        .exitCode());
    String lib = "/usr/lib/x86_64-linux-gnu/";
    ProcessBuilder builder =
        new ProcessBuilder(Scripts.javaCommand(List.of(), PortabilityProbe.class, key.toString(),
                cert.toString()))
            .redirectErrorStream(true);
    builder.environment().put("LD_PRELOAD", lib + "libssl.so.3:" + lib + "libcrypto.so.3:" + lib + "libz.so.1");
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(120, TimeUnit.SECONDS), output);
    System.out.print(output);
    assertEquals(0, process.exitValue(), output);
    Properties seen = new Properties();
    seen.load(new java.io.StringReader(output));
    Properties build = buildProperties();
    String openssl = build.getProperty("dep.openssl.version");
    String zlib = build.getProperty("dep.zlib.version");
    assertTrue(seen.getProperty("system.openssl", "").startsWith("OpenSSL 3.0"),
        "the system's libcrypto is not in the process: " + output);
    assertTrue(!seen.getProperty("system.zlib", "").equals(zlib),
        "the system's zlib is the same version as ours; the test shows nothing: " + output);
    assertEquals(openssl, seen.getProperty("node.openssl"), output);
    assertEquals(zlib, seen.getProperty("node.zlib"), output);
    assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        seen.getProperty("node.sha256"), output);
    assertEquals("true", seen.getProperty("node.gzip"), output);
    assertEquals("TLSv1.3 pong", seen.getProperty("node.tls"), output);
  }

  /**
   * examples/demo with the library jar and the natives jar, nothing configured, on this host's
   * JVM and in the bullseye, trixie and sid chroots (the same JDK, bind-mounted).
   */
  @Test
  void theNativesJarAndTheDemoRunOnEveryUserland() throws Exception {
    Path work = TARGET.resolve("portability");
    Path classes = compileDemo(work.resolve("demo-classes"));
    String classPath = String.join(File.pathSeparator, libraryJar().toString(),
        nativesJar().toString(), classes.toString());
    StringBuilder table = new StringBuilder();
    table.append("| where | OS | glibc | outcome | Node |\n|---|---|---|---|---|\n");
    List<String> failures = new ArrayList<>();
    for (String userland : List.of("host", "bullseye", "trixie", "sid")) {
      List<String> prefix = userland.equals("host")
          ? List.of()
          : List.of(Scripts.repo().resolve("libnode-build/in-chroot").toString(), userland);
      String os = single(prefix, "sh", "-c", ". /etc/os-release; echo \"$PRETTY_NAME\"");
      String glibc = single(prefix, "getconf", "GNU_LIBC_VERSION").replace("glibc ", "");
      // A cache of its own: the natives are extracted and checked in that userland. It is set
      // inside the userland (in-chroot itself finds its chroots through NODE_FFM_CACHE).
      Path cache = work.resolve("cache-" + userland);
      deleteRecursively(cache);
      List<String> command = new ArrayList<>(prefix);
      command.addAll(List.of("env", "-u", "NODE_FFM_LIBNODE", "NODE_FFM_CACHE=" + cache,
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "--enable-native-access=ALL-UNNAMED", "-cp", classPath, "org.nodeffm.examples.Demo"));
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
      Process process = builder.start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      boolean finished = process.waitFor(300, TimeUnit.SECONDS);
      Files.writeString(work.resolve("demo-" + userland + ".log"), output);
      boolean ok = finished && process.exitValue() == 0
          && output.lines().anyMatch(l -> l.startsWith("OK: every call completed"));
      String node = output.lines().filter(l -> l.startsWith("Node.js v")).findFirst()
          .map(l -> l.split(" ")[1]).orElse("-");
      table.append(String.format("| %s | %s | %s | %s | %s |%n", userland, os, glibc,
          ok ? "demo OK" : finished ? "FAILED (exit " + process.exitValue() + ")" : "HANG", node));
      if (!ok) {
        failures.add(userland + ":\n" + output);
      }
    }
    Files.writeString(TARGET.resolve("portability.md"), table);
    System.out.print(table);
    assertEquals(List.of(), failures);
  }

  // ------------------------------------------------------------------ helpers

  private record Natives(Path libnode, Path shim, Properties buildInfo) {}

  /** The natives as the natives jar carries them (target/natives, laid out at prepare-package). */
  private static Natives natives() throws IOException {
    try (Stream<Path> found =
        Files.find(TARGET.resolve("natives"), 6, (p, a) -> p.endsWith("natives.properties"))) {
      Path dir = found.findFirst().orElseThrow(
          () -> new AssertionError("no natives under target/natives: run mvn package")).getParent();
      Properties natives = load(dir.resolve("natives.properties"));
      String libnode = natives.getProperty("libnode");
      assertTrue(libnode != null, "the natives in " + dir + " have no libnode: run mvn package");
      return new Natives(dir.resolve(libnode), dir.resolve(natives.getProperty("shim")),
          load(dir.resolve(natives.getProperty("build-info"))));
    }
  }

  private static Properties load(Path file) throws IOException {
    Properties properties = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      properties.load(in);
    }
    return properties;
  }

  private static Properties buildProperties() throws IOException {
    return load(Scripts.repo().resolve("libnode-build/node.properties"));
  }

  private static String run(List<String> command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(120, TimeUnit.SECONDS), String.join(" ", command) + " hangs");
    assertEquals(0, process.exitValue(), String.join(" ", command) + ":\n" + output);
    return output;
  }

  private static String single(List<String> prefix, String... command) throws Exception {
    List<String> full = new ArrayList<>(prefix);
    full.addAll(List.of(command));
    return run(full).strip();
  }

  static String highestGlibc(String objdump) {
    Matcher m = Pattern.compile("GLIBC_([0-9.]+)").matcher(objdump);
    String highest = "0";
    while (m.find()) {
      if (compareVersions(m.group(1), highest) > 0) {
        highest = m.group(1);
      }
    }
    return highest;
  }

  static int compareVersions(String a, String b) {
    String[] x = a.split("\\.");
    String[] y = b.split("\\.");
    for (int i = 0; i < Math.max(x.length, y.length); i++) {
      int c = Integer.compare(i < x.length ? Integer.parseInt(x[i]) : 0,
          i < y.length ? Integer.parseInt(y[i]) : 0);
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  private static List<String> needed(Path library) throws Exception {
    List<String> needed = new ArrayList<>();
    Matcher m = Pattern.compile("\\(NEEDED\\)\\s+Shared library: \\[([^]]+)]")
        .matcher(run(List.of("readelf", "-d", library.toString())));
    while (m.find()) {
      needed.add(m.group(1));
    }
    assertTrue(!needed.isEmpty(), "readelf found no NEEDED entry in " + library);
    return needed;
  }

  private static List<String> notIn(List<String> values, List<String> allowed) {
    return values.stream().filter(v -> !allowed.contains(v)).toList();
  }

  private static List<String> symbols(String which, Path library) throws Exception {
    return run(List.of("nm", "-D", which, library.toString())).lines()
        .map(l -> l.substring(l.lastIndexOf(' ') + 1))
        .map(s -> s.contains("@") ? s.substring(0, s.indexOf('@')) : s)
        .collect(java.util.stream.Collectors.toCollection(TreeSet::new)).stream().toList();
  }

  private static Path libraryJar() throws IOException {
    return jar(n -> n.matches("node-ffm-[^-]+(-SNAPSHOT)?\\.jar"));
  }

  private static Path nativesJar() throws IOException {
    return jar(n -> n.matches("node-ffm-.*-linux-x86_64-node[0-9]+\\.jar"));
  }

  private static Path jar(java.util.function.Predicate<String> name) throws IOException {
    try (Stream<Path> files = Files.list(TARGET)) {
      return files.filter(p -> name.test(p.getFileName().toString())).findFirst()
          .orElseThrow(() -> new AssertionError("no such jar in target: run mvn package"));
    }
  }

  /** examples/demo's Demo.java compiled against the library jar. */
  private static Path compileDemo(Path out) throws IOException, InterruptedException {
    deleteRecursively(out);
    Files.createDirectories(out);
    Path source = Scripts.repo().resolve(
        "examples/demo/src/main/java/org/nodeffm/examples/Demo.java");
    String javac = Path.of(System.getProperty("java.home"), "bin", "javac").toString();
    Scripts.Result compiled = Scripts.run(List.of(javac, "-d", out.toString(),
        "-cp", libraryJar().toString(), source.toString()), 120);
    assertEquals(0, compiled.exitCode(),
        "examples/demo's Demo.java does not compile against the library jar:\n" + compiled.output());
    return out;
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
