package org.nodeffm;

/**
 * The tests' probe in JavaScript: {@code nodeffm.report(tag, value)} calls a Java listener on the
 * event loop thread. A plain {@link JavaFunction}, defined by the tests themselves.
 */
final class Reports {
  /** Receives {@code nodeffm.report(tag, value)} calls, on the event loop thread. */
  @FunctionalInterface
  interface Listener {
    void report(long tag, double value);
  }

  private Reports() {}

  /** Defines {@code globalThis.nodeffm.report} in {@code node}, calling {@code listener}. */
  static void onReport(NodeRuntime node, Listener listener) {
    node.expose(
        "nodeffmReport",
        args -> {
          if (args.length < 2
              || !(args[0] instanceof Number tag)
              || !(args[1] instanceof Number value)) {
            throw new IllegalArgumentException("nodeffm.report(tag, value) takes two numbers");
          }
          listener.report(tag.longValue(), value.doubleValue());
          return null;
        });
    node.eval("globalThis.nodeffm = { report: nodeffmReport }");
  }
}
