package org.nodeffm.bench.peers;

/** What every runtime runs (node-ffm, Javet, GraalJS): the same JavaScript, the same checks. */
public final class Peer {
  /**
   * f0: no argument; echo: one (and counts its calls, for the exactly-once check); add3: three;
   * burst: JavaScript calls Java n times.
   */
  public static final String SCRIPT =
      "var calls = 0;\n"
          + "function f0() { return 1; }\n"
          + "function echo(n) { calls++; return n; }\n"
          + "function add3(a, b, c) { return a + b + c; }\n"
          + "function burst(n) { for (let i = 0; i < n; i++) javaCallback(i); }\n";

  /** JavaScript -> Java calls per invocation of a callback benchmark. */
  public static final int CALLBACKS = 1000;

  private Peer() {}

  /** A result that is not what JavaScript must have returned fails the benchmark. */
  public static int check(int expected, Object actual) {
    if (!(actual instanceof Number number) || number.doubleValue() != expected) {
      throw new AssertionError("CORRECTNESS CHECK FAILED: expected " + expected + ", got " + actual);
    }
    return expected;
  }

  public static void checkCount(String what, long expected, long actual) {
    if (expected != actual) {
      throw new AssertionError(
          "CORRECTNESS CHECK FAILED: " + expected + " " + what + " made, " + actual + " arrived");
    }
  }
}
