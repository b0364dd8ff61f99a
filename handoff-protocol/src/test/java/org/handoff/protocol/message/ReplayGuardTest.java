package org.handoff.protocol.message;

import static org.handoff.protocol.message.ReplayVerdict.CAPACITY_EXHAUSTED;
import static org.handoff.protocol.message.ReplayVerdict.DUPLICATE;
import static org.handoff.protocol.message.ReplayVerdict.FRESH;
import static org.handoff.protocol.message.ReplayVerdict.STALE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

class ReplayGuardTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final long WINDOW = 2_000;
    private static final long SKEW = 500;
    private static final long TOLERANCE = WINDOW + SKEW;

    @Test
    void windowIsWindowPlusSkewBothWays() {
        ReplayGuard g = new ReplayGuard(WINDOW, SKEW, 16);
        assertEquals(TOLERANCE, g.toleranceMillis());
        assertTrue(g.inWindow(NOW - TOLERANCE, NOW));
        assertTrue(g.inWindow(NOW + TOLERANCE, NOW));
        assertFalse(g.inWindow(NOW - TOLERANCE - 1, NOW));
        assertFalse(g.inWindow(NOW + TOLERANCE + 1, NOW));
        assertFalse(g.inWindow(Long.MIN_VALUE, NOW));
        assertFalse(g.inWindow(Long.MAX_VALUE, NOW));
        assertEquals(STALE, g.admit(1, NOW - TOLERANCE - 1, NOW));
        assertEquals(FRESH, g.admit(2, NOW - TOLERANCE, NOW));
        assertEquals(FRESH, g.admit(3, NOW + TOLERANCE, NOW));
    }

    @Test
    void zeroSkewStillAcceptsTheWindow() {
        ReplayGuard g = new ReplayGuard(1, 0, 4);
        assertEquals(FRESH, g.admit(1, NOW - 1, NOW));
        assertEquals(STALE, g.admit(2, NOW - 2, NOW));
    }

    @Test
    void sameIdIsADuplicateForAsLongAsItsTimestampIsInTheWindow() {
        ReplayGuard g = new ReplayGuard(WINDOW, SKEW, 16);
        long sent = NOW;
        assertEquals(FRESH, g.admit(42, sent, NOW - TOLERANCE));
        // Retransmissions carry the same bytes, so the same timestamp; the receiver's clock moves on.
        for (long now = NOW - TOLERANCE; now <= NOW + TOLERANCE; now += 97) {
            assertEquals(DUPLICATE, g.admit(42, sent, now), "now=" + now);
        }
        assertEquals(DUPLICATE, g.admit(42, sent, NOW + TOLERANCE));
        assertEquals(STALE, g.admit(42, sent, NOW + TOLERANCE + 1));
    }

    @Test
    void idsFromOtherSlicesAreIndependentAndOldSlicesAreRecycled() {
        ReplayGuard g = new ReplayGuard(WINDOW, SKEW, 2);
        // Walk the clock across many slices; each slice holds its own ids and is cleared on reuse.
        for (int step = 0; step < 40; step++) {
            long now = NOW + step * TOLERANCE;
            assertEquals(FRESH, g.admit(7, now, now), "step " + step);
            assertEquals(DUPLICATE, g.admit(7, now, now));
            assertEquals(FRESH, g.admit(8, now, now));
            assertEquals(2, g.remembered(now));
        }
    }

    @Test
    void fullSliceFailsClosedAndTheNextSliceStartsEmpty() {
        ReplayGuard g = new ReplayGuard(WINDOW, SKEW, 3);
        long slice0 = (NOW / TOLERANCE) * TOLERANCE;
        assertEquals(FRESH, g.admit(1, slice0, slice0));
        assertEquals(FRESH, g.admit(2, slice0 + 1, slice0));
        assertEquals(FRESH, g.admit(3, slice0 + 2, slice0));
        assertEquals(CAPACITY_EXHAUSTED, g.admit(4, slice0 + 3, slice0));
        // Known ids are still recognised while full.
        assertEquals(DUPLICATE, g.admit(2, slice0 + 1, slice0));
        // The next slice (timestamps one tolerance later) has room.
        assertEquals(FRESH, g.admit(4, slice0 + TOLERANCE, slice0 + TOLERANCE));
    }

    @Test
    void clockSteppingBackReportsStaleRatherThanForgetting() {
        ReplayGuard g = new ReplayGuard(WINDOW, SKEW, 4);
        long later = NOW + 4 * TOLERANCE;
        assertEquals(FRESH, g.admit(1, later, later));
        // Same table index, older slice: the receiver's clock went back four slices.
        assertEquals(STALE, g.admit(2, NOW, NOW));
    }

    @Test
    void idZeroIsTrackedLikeAnyOther() {
        ReplayGuard g = new ReplayGuard(WINDOW, SKEW, 4);
        assertEquals(FRESH, g.admit(0, NOW, NOW));
        assertEquals(DUPLICATE, g.admit(0, NOW, NOW));
    }

    @Test
    void manyIdsWithCollidingLowBitsAreAllKept() {
        ReplayGuard g = new ReplayGuard(WINDOW, SKEW, 10_000);
        for (long i = 1; i <= 10_000; i++) {
            assertEquals(FRESH, g.admit(i << 32, NOW, NOW));
        }
        for (long i = 1; i <= 10_000; i++) {
            assertEquals(DUPLICATE, g.admit(i << 32, NOW, NOW));
        }
        assertEquals(CAPACITY_EXHAUSTED, g.admit(1, NOW, NOW));
    }

    @Test
    void steadyStateAllocatesNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        ReplayGuard g = new ReplayGuard(WINDOW, SKEW, 1 << 16);
        long id = 1;
        for (int i = 0; i < 200_000; i++) {
            long now = NOW + i / 20;
            g.admit(id++, now, now);
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 200_000; i++) {
            long now = NOW + 10_000 + i / 20;
            g.admit(id++, now, now);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 1024, "allocated " + allocated + " bytes for 200000 admits");
    }

    @Test
    void configurationIsValidated() {
        assertThrows(IllegalArgumentException.class, () -> new ReplayGuard(0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new ReplayGuard(1, -1, 1));
        assertThrows(IllegalArgumentException.class, () -> new ReplayGuard(1, 0, 0));
        assertEquals("replay capacity 0 ids per slice (expected: 1..16777216)",
                assertThrows(IllegalArgumentException.class, () -> new ReplayGuard(1, 0, 0)).getMessage());
    }
}
