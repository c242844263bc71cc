package org.nodeffm.internal;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Java objects that native code holds, by id: the {@link NativeCallback}s behind JavaScript
 * functions, the Java causes of JavaScript errors, the finalize actions of thread-safe functions.
 * An entry lives until V8 collects the JavaScript object that holds its id (its Node-API finalizer
 * removes it), at the latest until its runtime's environment is torn down.
 */
public final class Handles {
  private static final AtomicLong LAST_ID = new AtomicLong();
  private static final ConcurrentHashMap<Long, Object> BY_ID = new ConcurrentHashMap<>();

  private Handles() {}

  /** Adds {@code object} and returns its id. */
  public static long add(Object object) {
    long id = LAST_ID.incrementAndGet();
    BY_ID.put(id, object);
    return id;
  }

  /** Replaces the object of entry {@code id}. */
  public static void replace(long id, Object object) {
    BY_ID.put(id, object);
  }

  /** The object of entry {@code id}, or null. */
  public static Object get(long id) {
    return BY_ID.get(id);
  }

  /** Removes entry {@code id} and returns its object, or null. */
  public static Object remove(long id) {
    return BY_ID.remove(id);
  }

  /** How many entries are alive (for leak checks). */
  public static int size() {
    return BY_ID.size();
  }
}
