package org.handoff.director.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code handoff.*}: the HAND-OFF datagram is retransmitted until the agent acknowledges it,
 * first after {@code retransmitInitial}, doubling up to {@code retransmitMax}; at
 * {@code deadline} after the first send the director gives up on the request (each origin
 * tried gets a share of it; when none is left, the client gets a 503). {@code keyFile}
 * (resolved against the config file's folder) holds the shared key ring that authenticates the
 * datagrams; null when the config does not name one (replay). An agent found unreachable (its
 * port closed) keeps its handed-off flows for {@code agentRestartGrace}, so a restarting agent
 * finds them (the kernel path keeps moving their packets meanwhile); still unreachable after it,
 * its clients are reset. Once a request's hand-off starts, the ACK of its last segment waits up
 * to {@code requestAckDelay} and is not sent when the agent accepts first (its origin's ACK
 * reaches the client instead); 0 sends it at once.
 */
public record Handoff(Duration retransmitInitial, Duration retransmitMax, Duration deadline, Path keyFile,
                      Duration agentRestartGrace, Duration requestAckDelay) {
    public static final Duration DEFAULT_AGENT_RESTART_GRACE = Duration.ofSeconds(5);
    /** As a delayed ACK: Linux's least delayed-ACK timeout. */
    public static final Duration DEFAULT_REQUEST_ACK_DELAY = Duration.ofMillis(40);

    public static Handoff defaults() {
        return new Handoff(Duration.ofMillis(50), Duration.ofMillis(800), Duration.ofSeconds(2), null,
                DEFAULT_AGENT_RESTART_GRACE, DEFAULT_REQUEST_ACK_DELAY);
    }
}
