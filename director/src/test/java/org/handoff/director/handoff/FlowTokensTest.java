package org.handoff.director.handoff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.HashSet;
import java.util.Set;
import org.handoff.director.tcp.SipHash;
import org.junit.jupiter.api.Test;

class FlowTokensTest {
    @Test
    void tokensAreNonZeroAndDistinct() {
        FlowTokens tokens = FlowTokens.random();
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            long t = tokens.next();
            assertNotEquals(0, t);
            assertTrue(seen.add(t), "token repeated after " + i + " draws");
        }
    }

    @Test
    void aSeededGeneratorRepeatsItselfAndIsSipHashOfTheCounter() {
        FlowTokens a = FlowTokens.seeded(1, 2);
        FlowTokens b = FlowTokens.seeded(1, 2);
        for (int i = 1; i <= 100; i++) {
            long t = a.next();
            assertEquals(t, b.next());
            assertEquals(SipHash.hash3(1, 2, 0x666c6f77_746f6b6eL, i, 0), t, "draw " + i);
        }
        assertNotEquals(FlowTokens.seeded(1, 3).next(), FlowTokens.seeded(1, 2).next(), "another key, other tokens");
    }

    @Test
    void twoRandomGeneratorsDrawDifferentTokens() {
        assertNotEquals(FlowTokens.random().next(), FlowTokens.random().next());
    }

    @Test
    void aDrawAllocatesNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        FlowTokens tokens = FlowTokens.seeded(7, 8);
        long sum = 0;
        for (int i = 0; i < 30_000; i++) {
            sum += tokens.next();
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 10_000; i++) {
            sum += tokens.next();
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertNotEquals(0, sum);
        assertTrue(allocated < 1024, "allocated " + allocated + " bytes over 10,000 draws");
    }
}
