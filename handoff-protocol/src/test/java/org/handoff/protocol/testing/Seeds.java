package org.handoff.protocol.testing;

import java.util.Random;

/**
 * Seeds for randomized tests: printed on every run, replayable with
 * {@code -Dhandoff.seed=N}, so a failure seen once can be reproduced exactly.
 */
public final class Seeds {
    private Seeds() {
    }

    public static long seed(String testName) {
        String fixed = System.getProperty("handoff.seed");
        long seed = fixed != null ? Long.parseLong(fixed) : new Random().nextLong();
        System.out.println(testName + ": seed " + seed + " (replay with -Dhandoff.seed=" + seed + ")");
        return seed;
    }
}
