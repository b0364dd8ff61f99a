package org.handoff.director.handoff;

import java.time.Duration;

/**
 * Timing of hand-offs: the first retransmission after {@code retransmitInitial}, doubling up to
 * {@code retransmitMax}; every origin tried for a flow shares one {@code deadline}, and each
 * candidate gets at most {@code deadline / candidates} (at least one retransmission) before
 * the next is tried.
 */
public record HandoffSettings(Duration retransmitInitial, Duration retransmitMax, Duration deadline) {
    public static final HandoffSettings DEFAULTS = new HandoffSettings(Duration.ofMillis(50), Duration.ofMillis(800),
            Duration.ofSeconds(2));

    public HandoffSettings {
        if (retransmitInitial.isNegative() || retransmitInitial.isZero()) {
            throw new IllegalArgumentException("handoff.retransmit-initial=" + retransmitInitial + " (expected: > 0)");
        }
        if (retransmitMax.compareTo(retransmitInitial) < 0) {
            throw new IllegalArgumentException("handoff.retransmit-max=" + retransmitMax
                    + " (expected: >= handoff.retransmit-initial=" + retransmitInitial + ")");
        }
        if (deadline.compareTo(retransmitInitial) <= 0) {
            throw new IllegalArgumentException("handoff.deadline=" + deadline + " (expected: > handoff.retransmit-initial)");
        }
    }
}
