package org.nodeffm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the repository's scripts and child JVMs from tests. */
final class Scripts {
  private Scripts() {}

  /** The repository root (set by the Maven build), so tests can run its scripts. */
  static Path repo() {
    String repo = System.getProperty("nodeffm.repo");
    if (repo == null) {
      throw new IllegalStateException("system property nodeffm.repo is not set: run the tests with Maven");
    }
    return Path.of(repo);
  }

  record Result(int exitCode, String output) {}

  /** Runs a command with stdout and stderr merged, echoing its output, within a time limit. */
  static Result run(List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).directory(repo().toFile()).redirectErrorStream(true);
    Process process = builder.start();
    StringBuilder output = new StringBuilder();
    Thread reader =
        Thread.ofPlatform()
            .start(
                () -> {
                  try (var in = process.inputReader(StandardCharsets.UTF_8)) {
                    String line;
                    while ((line = in.readLine()) != null) {
                      System.out.println(line);
                      synchronized (output) {
                        output.append(line).append('\n');
                      }
                    }
                  } catch (IOException e) {
                    // The process ended.
                  }
                });
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      reader.join(5000);
      throw new AssertionError(
          String.join(" ", command) + " did not finish in " + timeoutSeconds + " s:\n" + output);
    }
    reader.join();
    synchronized (output) {
      return new Result(process.exitValue(), output.toString());
    }
  }

  /**
   * A command that runs {@code mainClass} in a new JVM on this JVM's class path (the library, the
   * tests, the natives), with this JVM's {@code nodeffm.libnode} and {@code nodeffm.shim} if set;
   * {@code jvmOptions} come after them, so they may override them.
   */
  static List<String> javaCommand(List<String> jvmOptions, Class<?> mainClass, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("--enable-native-access=ALL-UNNAMED");
    for (String property : List.of("nodeffm.libnode", "nodeffm.shim")) {
      String value = System.getProperty(property);
      if (value != null && !value.isBlank()) {
        command.add("-D" + property + "=" + value);
      }
    }
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass.getName());
    command.addAll(List.of(args));
    return command;
  }
}
