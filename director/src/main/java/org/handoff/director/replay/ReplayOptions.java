package org.handoff.director.replay;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a replay simulates besides the capture: the agents' behaviour per origin (default:
 * accept at once), the seed that fixes every secret (ISNs, cookies, timestamp offsets, message
 * ids, hand-off keys, loss), and whether packets with a bad checksum are skipped.
 *
 * @param verifyChecksums skip (and count) client packets whose IPv4 header or TCP checksum is
 *     wrong; turn off for captures taken on the sending host with checksum offload
 * @param drainNanos after the last packet the virtual clock keeps running this long, so
 *     pending hand-offs time out or are answered; 0 means the config's hand-off deadline + 1 s
 */
public record ReplayOptions(long seed, Map<String, AgentBehaviour> agents, boolean verifyChecksums, long drainNanos) {
    public static final ReplayOptions DEFAULTS = new ReplayOptions(0, Map.of(), true, 0);

    public ReplayOptions {
        agents = Collections.unmodifiableMap(new TreeMap<>(agents));
        if (drainNanos < 0) {
            throw new IllegalArgumentException("drain=" + drainNanos + "ns (expected: >= 0)");
        }
    }

    public AgentBehaviour behaviour(String origin) {
        return agents.getOrDefault(origin, AgentBehaviour.ACCEPT);
    }

    public ReplayOptions withSeed(long s) {
        return new ReplayOptions(s, agents, verifyChecksums, drainNanos);
    }

    public ReplayOptions withAgents(Map<String, AgentBehaviour> a) {
        return new ReplayOptions(seed, a, verifyChecksums, drainNanos);
    }

    public ReplayOptions withVerifyChecksums(boolean v) {
        return new ReplayOptions(seed, agents, v, drainNanos);
    }
}
