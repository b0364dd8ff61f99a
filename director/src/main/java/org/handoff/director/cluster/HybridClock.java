package org.handoff.director.cluster;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Versions of ownership announcements: a hybrid logical clock, {@code ms << 16 | n}. Every
 * version this director draws is greater than every version it drew or saw before, and close
 * to wall-clock time, so "apply only if newer" orders one flow's announcements whoever sent
 * them: the owner's STARTED, HANDED_OFF after a RECALL's new hand-off, an ENDED from another
 * director for an orphaned flow. A counter per flow would need the owner to keep one per flow,
 * and two directors' counters could not be compared. Thread-safe (one CAS a draw).
 */
final class HybridClock {
    static final int COUNTER_BITS = 16;
    private final AtomicLong last = new AtomicLong();

    /** A version greater than any drawn or observed, at least {@code nowMillis << 16}. */
    long next(long nowMillis) {
        long floor = nowMillis << COUNTER_BITS;
        while (true) {
            long prev = last.get();
            long v = Math.max(prev + 1, floor);
            if (last.compareAndSet(prev, v)) {
                return v;
            }
        }
    }

    /** Remembers a version seen from another director, so the next draw is greater. */
    void observe(long version) {
        last.accumulateAndGet(version, Math::max);
    }

    /** The wall-clock millisecond a version was drawn at. */
    static long millisOf(long version) {
        return version >>> COUNTER_BITS;
    }
}
