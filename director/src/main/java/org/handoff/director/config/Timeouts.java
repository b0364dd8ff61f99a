package org.handoff.director.config;

import java.time.Duration;

/**
 * {@code timeouts.*}: handshake (SYN-ACK sent, waiting for the client's ACK), request (from the
 * end of the handshake to a complete request head: a total, not restarted by new bytes, so a
 * trickling client cannot hold a flow), flow-idle (after the hand-off, no packet from the
 * client: the flow is forgotten).
 */
public record Timeouts(Duration handshake, Duration request, Duration flowIdle) {
    public static Timeouts defaults() {
        return new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofMinutes(5));
    }
}
