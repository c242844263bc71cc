package org.nodeffm.internal;

/**
 * The rule of every entry point from native code into Java (FFM upcall stubs): no exception may
 * escape into native code, which would end the JVM. Each catches everything and logs it here.
 */
public final class Upcalls {
  private static final System.Logger LOG = System.getLogger("org.nodeffm");

  private Upcalls() {}

  /**
   * Logs what went wrong in an upcall, never throwing.
   *
   * @param what what failed
   * @param t why
   */
  public static void logQuietly(String what, Throwable t) {
    try {
      LOG.log(System.Logger.Level.ERROR, what, t);
    } catch (Throwable ignored) {
      // Nothing else can be done without risking an exception into native code.
    }
  }
}
