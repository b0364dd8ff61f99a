package org.handoff.agent.runtime;

import java.util.Locale;

/**
 * How the running agent moves the server's packets (docs/agent-link.md, "Offloads"): chosen at
 * start from {@code link.offload}, what the kernel accepts and what {@code agent check} finds;
 * logged, and exported as {@code handoff_agent_link_mode}.
 */
public enum LinkMode {
    /** TSO super-segments read from the TUN, rewritten, written back into it; the kernel forwards and cuts them. */
    FORWARD("offloads on: super-segments written back into the tun and forwarded by the kernel"),
    /** Super-segments read from the TUN, cut into MTU-sized segments by the agent, one raw send each. */
    SPLIT("offloads on the tun: super-segments cut in the agent, sent through the raw socket"),
    /** No offloads: one MTU-sized packet per read, one raw send per packet. */
    OFF("no offloads: one packet per read, sent through the raw socket");

    private final String description;

    LinkMode(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    /** The metric label: {@code forward}, {@code split}, {@code off}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
