package org.handoff.director.handoff;

import java.time.Duration;

/**
 * Timing of hand-offs: the first retransmission after {@code retransmitInitial}, doubling up to
 * {@code retransmitMax}; every origin tried for a flow shares one {@code deadline}, and each
 * candidate gets at most {@code deadline / candidates} (at least one retransmission) before
 * the next is tried. An agent found unreachable keeps its handed-off flows for
 * {@code agentRestartGrace} before their clients are reset (0: at once). The ACK of the segment
 * that completes a request waits up to {@code requestAckDelay} once its hand-off starts, and is
 * not sent when the agent accepts first (0: sent at once).
 */
public record HandoffSettings(Duration retransmitInitial, Duration retransmitMax, Duration deadline,
                              Duration agentRestartGrace, Duration requestAckDelay) {
    public static final HandoffSettings DEFAULTS = new HandoffSettings(Duration.ofMillis(50), Duration.ofMillis(800),
            Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofMillis(40));

    /** These settings with another grace for unreachable agents. */
    public HandoffSettings withAgentRestartGrace(Duration grace) {
        return new HandoffSettings(retransmitInitial, retransmitMax, deadline, grace, requestAckDelay);
    }

    /** These settings with another wait for the request's ACK (0: sent with the segment, as before). */
    public HandoffSettings withRequestAckDelay(Duration delay) {
        return new HandoffSettings(retransmitInitial, retransmitMax, deadline, agentRestartGrace, delay);
    }

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
        if (agentRestartGrace.isNegative()) {
            throw new IllegalArgumentException("handoff.agent-restart-grace=" + agentRestartGrace + " (expected: >= 0)");
        }
        if (requestAckDelay.isNegative()) {
            throw new IllegalArgumentException("handoff.request-ack-delay=" + requestAckDelay + " (expected: >= 0)");
        }
    }
}
