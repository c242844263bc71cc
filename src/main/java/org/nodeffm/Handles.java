package org.nodeffm;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Java objects that JavaScript holds, by id: the Java functions behind JavaScript functions, the
 * Java causes of JavaScript errors, the Java handles of thread-safe functions. An entry lives until
 * V8 collects the JavaScript object that holds its id (its Node-API finalizer removes it), at the
 * latest until its runtime's environment is torn down.
 */
final class Handles {
  private static final AtomicLong LAST_ID = new AtomicLong();
  private static final ConcurrentHashMap<Long, Object> BY_ID = new ConcurrentHashMap<>();

  private Handles() {}

  static long add(Object object) {
    long id = LAST_ID.incrementAndGet();
    BY_ID.put(id, object);
    return id;
  }

  static void replace(long id, Object object) {
    BY_ID.put(id, object);
  }

  static Object get(long id) {
    return BY_ID.get(id);
  }

  static Object remove(long id) {
    return BY_ID.remove(id);
  }

  /** How many entries are alive (for leak checks). */
  static int size() {
    return BY_ID.size();
  }
}
