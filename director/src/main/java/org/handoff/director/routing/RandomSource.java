package org.handoff.director.routing;

import java.util.concurrent.ThreadLocalRandom;

/** Where weighted pools get their randomness; injectable so tests are deterministic. */
@FunctionalInterface
public interface RandomSource {
    /** Uniform in [0, 1). */
    double nextDouble();

    static RandomSource threadLocal() {
        return () -> ThreadLocalRandom.current().nextDouble();
    }
}
