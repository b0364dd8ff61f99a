package org.handoff.agent.config;

import java.util.Locale;

/**
 * {@code link.offload}: whether the agent's TUN hands over TSO super-segments with partial
 * checksums, and how they leave (docs/agent-link.md, "Offloads"; docs/configuration.md).
 */
public enum LinkOffload {
    /**
     * Offloads when the kernel accepts them; super-segments are written back into the TUN and
     * forwarded by the kernel when {@code handoff agent check} finds that path ready, else cut
     * in the agent and sent through the raw socket. The set-up enables forwarding on the TUN.
     */
    AUTO,
    /** Offloads on the TUN, super-segments always cut in the agent; no forwarding set-up. */
    SPLIT,
    /** No offloads: one MTU-sized packet per read, one raw send per packet. */
    OFF;

    /** The YAML spelling: {@code auto}, {@code split}, {@code off}. */
    public String yaml() {
        return name().toLowerCase(Locale.ROOT);
    }
}
