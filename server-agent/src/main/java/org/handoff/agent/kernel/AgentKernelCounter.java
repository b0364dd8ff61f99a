package org.handoff.agent.kernel;

/**
 * {@code enum agent_counter} (bpf/src/main/c/agent_maps.h): one index of the per-CPU array
 * {@code agent_counters} per outcome of the agent's programs, in the header's order (the
 * ordinal is the index; a test holds the two to each other).
 */
public enum AgentKernelCounter {
    /** Rewritten and sent out, no user space. */
    EGRESS_REWRITTEN,
    /** IPv4/TCP but not in the egress map: to the TUN reader. */
    EGRESS_NO_FLOW,
    /** SYN or RST of a flow whose entry sends them to the agent. */
    EGRESS_CONTROL_PASSED,
    EGRESS_NOT_IPV4,
    EGRESS_NOT_TCP,
    EGRESS_FRAGMENT,
    /** Bad IPv4 or TCP header or options: passed, untouched. */
    EGRESS_MALFORMED,
    /** In the map, but the FIB has no way out: passed, untouched. */
    EGRESS_NO_ROUTE,
    /** A state word lost its compare-and-swap races and was not moved. */
    EGRESS_STATE_CONTENDED,
    /** Decapsulated, rewritten, delivered to the stack. */
    INGRESS_DELIVERED,
    /** A valid TUNNEL whose flow is not in the map: passed up to the agent. */
    INGRESS_NO_FLOW,
    /** Dropped: the token is not the flow's. */
    INGRESS_BAD_TOKEN,
    /** Dropped: a TUNNEL whose length, flags or UDP length is wrong. */
    INGRESS_MALFORMED_TUNNEL,
    /** Dropped: the inner packet is not a whole IPv4/TCP packet. */
    INGRESS_MALFORMED_INNER,
    /** Dropped: the inner packet is IPv4 but not TCP, or a fragment. */
    INGRESS_INNER_NOT_TCP,
    /** Datagrams coalesced by GRO: passed up untouched. */
    INGRESS_GRO_PASSED,
    /** The decapsulation helper refused: dropped. */
    INGRESS_DECAP_FAILED,
    /** The delivered word lost its compare-and-swap races and was not moved. */
    INGRESS_STATE_CONTENDED,
    /** A datagram for the agent while it restarts: dropped, so its closed port sends no ICMP. */
    INGRESS_HELD_RESTARTING,
    /** A flow's SYN or RST: passed up untouched. */
    INGRESS_CONTROL_PASSED,
    /** A flow's close (both FINs acknowledged) sent to the agent in {@code agent_events}. */
    CLOSES_REPORTED,
    /** {@code agent_events} was full: the agent finds that close at the flow's idle timer. */
    CLOSE_EVENTS_LOST;

    /** Its index in the counter array. */
    public int index() {
        return ordinal();
    }
}
