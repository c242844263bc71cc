package org.nodeffm.bench.peers;

/** What every peer runs: the same JavaScript, the same checks. */
final class Peer {
  /** f0: no argument; echo: one; add3: three; burst: JavaScript calls Java n times. */
  static final String SCRIPT =
      "function f0() { return 1; }\n"
          + "function echo(n) { return n; }\n"
          + "function add3(a, b, c) { return a + b + c; }\n"
          + "function burst(n) { for (let i = 0; i < n; i++) javaCallback(i); }\n";

  /** JavaScript -> Java calls per invocation of a callback benchmark. */
  static final int CALLBACKS = 1000;

  private Peer() {}

  /** A result that is not what JavaScript must have returned fails the benchmark. */
  static int check(int expected, Integer actual) {
    if (actual == null || actual != expected) {
      throw new AssertionError("CORRECTNESS CHECK FAILED: expected " + expected + ", got " + actual);
    }
    return actual;
  }

  static void checkCount(String what, long expected, long actual) {
    if (expected != actual) {
      throw new AssertionError(
          "CORRECTNESS CHECK FAILED: " + expected + " " + what + " made, " + actual + " arrived");
    }
  }
}
