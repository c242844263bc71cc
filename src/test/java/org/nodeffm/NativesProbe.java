package org.nodeffm;

/** A child JVM's main: loads libnode and the shim the way the library does and prints from where. */
final class NativesProbe {
  private NativesProbe() {}

  public static void main(String[] args) {
    System.out.println("libnode=" + NodeEngine.get().libnode());
  }
}
