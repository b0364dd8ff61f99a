package org.handoff.director.replay;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a replay simulates besides the capture: the agents' behaviour per origin (default:
 * accept at once), the seed that fixes every secret (ISNs, cookies, timestamp offsets, message
 * ids, hand-off keys, loss), and which packets a bad checksum drops.
 *
 * @param checksums which checksums must verify; a packet that fails is dropped and counted
 * @param drainNanos after the last packet the virtual clock keeps running this long, so
 *     pending hand-offs time out or are answered; 0 means the config's hand-off deadline + 1 s
 */
public record ReplayOptions(long seed, Map<String, AgentBehaviour> agents, ChecksumCheck checksums, long drainNanos) {
    public static final ReplayOptions DEFAULTS = new ReplayOptions(0, Map.of(), ChecksumCheck.ACCEPT_PARTIAL, 0);

    public ReplayOptions {
        agents = Collections.unmodifiableMap(new TreeMap<>(agents));
        Objects.requireNonNull(checksums, "checksums");
        if (drainNanos < 0) {
            throw new IllegalArgumentException("drain=" + drainNanos + "ns (expected: >= 0)");
        }
    }

    public AgentBehaviour behaviour(String origin) {
        return agents.getOrDefault(origin, AgentBehaviour.ACCEPT);
    }

    public ReplayOptions withSeed(long s) {
        return new ReplayOptions(s, agents, checksums, drainNanos);
    }

    public ReplayOptions withAgents(Map<String, AgentBehaviour> a) {
        return new ReplayOptions(seed, a, checksums, drainNanos);
    }

    public ReplayOptions withChecksums(ChecksumCheck c) {
        return new ReplayOptions(seed, agents, c, drainNanos);
    }
}
