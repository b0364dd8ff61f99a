package org.handoff.director.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code handoff.*}: the HAND-OFF datagram is retransmitted until the agent acknowledges it,
 * first after {@code retransmitInitial}, doubling up to {@code retransmitMax}; at
 * {@code deadline} after the first send the director gives up on the request (each origin
 * tried gets a share of it; when none is left, the client gets a 503). {@code keyFile}
 * (resolved against the config file's folder) holds the shared key ring that authenticates the
 * datagrams; null when the config does not name one (replay).
 */
public record Handoff(Duration retransmitInitial, Duration retransmitMax, Duration deadline, Path keyFile) {
    public static Handoff defaults() {
        return new Handoff(Duration.ofMillis(50), Duration.ofMillis(800), Duration.ofSeconds(2), null);
    }
}
