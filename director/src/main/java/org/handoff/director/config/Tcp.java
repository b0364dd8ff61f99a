package org.handoff.director.config;

import java.time.Duration;

/**
 * {@code tcp.*}: connection A as the director runs it before the hand-off. What it offers in
 * its SYN-ACK: the MSS, its window-scale shift, and its initial receive window in bytes (the
 * 16-bit window field of the SYN-ACK, never scaled). How it retransmits what it sends itself
 * (SYN-ACKs and its own 400/431/503 answers): first after {@code retransmitInitial} (SYN-ACKs
 * after five times that: 1 s at the default, Linux's initial RTO), doubling, at most
 * {@code maxRetransmits} times for an answer before the flow is reset; and how long a closed
 * answer's flow lingers ({@code closeLinger}) to acknowledge the client's late FIN or
 * retransmissions.
 */
public record Tcp(int mss, int windowShift, int initialWindow, Duration retransmitInitial, int maxRetransmits,
        Duration closeLinger) {
    public static Tcp defaults() {
        return new Tcp(1460, 7, 65535, Duration.ofMillis(200), 6, Duration.ofSeconds(2));
    }
}
