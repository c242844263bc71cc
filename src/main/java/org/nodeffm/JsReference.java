package org.nodeffm;

import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import org.nodeffm.internal.EventLoop;
import org.nodeffm.internal.NapiEnv;

/**
 * A JavaScript value that stays in its runtime, held by a strong Node-API reference ({@code
 * napi_ref}) until this Java object becomes unreachable. What {@link Values} knows of {@link
 * JsObject}, which extends it.
 */
abstract class JsReference {
  private static final Cleaner CLEANER = Cleaner.create();

  private final EventLoop loop;
  private final MemorySegment ref;

  JsReference(EventLoop loop, MemorySegment ref) {
    this.loop = loop;
    this.ref = ref;
    EventLoop owner = loop;
    CLEANER.register(this, () -> owner.deleteLater(ref));
  }

  /** The loop of the runtime the value lives in. */
  final EventLoop loop() {
    return loop;
  }

  /** The value, on the loop thread of its runtime. */
  final MemorySegment valueIn(NapiEnv env) {
    if (env.loop() != loop) {
      throw new IllegalArgumentException("this JavaScript object belongs to another NodeRuntime");
    }
    return env.referenceValue(ref);
  }
}
