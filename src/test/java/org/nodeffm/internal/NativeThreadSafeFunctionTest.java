package org.nodeffm.internal;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** The Java handle of a thread-safe function refuses what could crash the JVM. */
class NativeThreadSafeFunctionTest {
  @Test
  void nullAndZeroHandlesAreRejected() {
    assertThrows(
        NullPointerException.class, () -> new NativeThreadSafeFunction(null, () -> false, true));
    IllegalArgumentException zero =
        assertThrows(
            IllegalArgumentException.class,
            () -> new NativeThreadSafeFunction(MemorySegment.NULL, () -> false, true));
    assertTrue(zero.getMessage().contains("NULL"), zero.getMessage());
  }
}
