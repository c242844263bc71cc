package org.nodeffm;

import java.lang.foreign.MemorySegment;
import org.nodeffm.internal.NapiEnv;

/**
 * The JavaScript functions and objects the bootstrap script ({@code bootstrap.js}) hands to Java
 * with {@code binding.ready(helpers)}, kept by reference; loop thread only.
 */
final class Helpers {
  /** The helpers, by their names in {@code bootstrap.js}. */
  enum Helper {
    OBJECT_PROTOTYPE("objectPrototype"),
    EVALUATE("evaluate"),
    IMPORT_MODULE("importModule"),
    REQUIRE("require"),
    SETTLE("settle"),
    ATTACH_CAUSE("attachCause"),
    CAUSE_OF("causeOf"),
    DEFINE_OWN("defineOwn"),
    CONSTRUCT("construct"),
    HAS("has"),
    DELETE("deleteProperty"),
    KEYS("keys"),
    OPEN_INSPECTOR("openInspector");

    final String jsName;

    Helper(String jsName) {
      this.jsName = jsName;
    }
  }

  private final MemorySegment[] refs = new MemorySegment[Helper.values().length];

  /** Keeps the helpers of {@code object} (what the bootstrap passed to {@code ready}). */
  void keep(NapiEnv env, MemorySegment object) {
    for (Helper helper : Helper.values()) {
      refs[helper.ordinal()] = env.reference(env.namedProperty(object, helper.jsName));
    }
  }

  /** The helper's value. */
  MemorySegment get(NapiEnv env, Helper helper) {
    return env.referenceValue(refs[helper.ordinal()]);
  }

  /** Calls the helper function with {@code this} undefined. */
  MemorySegment call(NapiEnv env, Helper helper, MemorySegment... args) {
    return env.call(env.undefined(), get(env, helper), args);
  }
}
