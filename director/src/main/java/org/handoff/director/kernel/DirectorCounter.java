package org.handoff.director.kernel;

import java.util.List;
import java.util.Optional;

/**
 * The indices of {@code director_counters} ({@code enum director_counter} in
 * bpf/src/main/c/director_maps.h), in the same order: what the XDP program did with each frame.
 * Every frame counts once. {@link #metricName()} is the name bpf/README.md uses, for the
 * Prometheus label.
 */
public enum DirectorCounter {
    /** Encapsulated and sent to the agent (XDP_TX or redirect). */
    TUNNELLED("tunnelled"),
    /** Not Ethernet + IPv4 + TCP (ARP, IPv6, VLAN, UDP, ...). */
    PASSED_NOT_IPV4_TCP("passed_not_ipv4_tcp"),
    /** Truncated, or lengths that contradict each other. */
    PASSED_MALFORMED("passed_malformed"),
    /** An IPv4 header longer than 20 bytes. */
    PASSED_IP_OPTIONS("passed_ip_options"),
    /** MF set or a fragment offset. */
    PASSED_FRAGMENT("passed_fragment"),
    /** No entry in director_flows. */
    PASSED_NO_FLOW("passed_no_flow"),
    /** SYN set (any flow: a reused client port's new connection); FIN or RST set, or ACK not set, on a flow without TUNNEL_ALL. */
    PASSED_CONTROL("passed_control"),
    /** Carries bytes, on a flow without TUNNEL_ALL. */
    PASSED_PAYLOAD("passed_payload"),
    /** Encapsulated, it would exceed the egress MTU (or 65,535). */
    PASSED_TOO_BIG("passed_too_big"),
    /** No entry in director_next_hops for the flow's agent (no route or resolved neighbour yet). */
    PASSED_NO_NEXT_HOP("passed_no_next_hop"),
    /** The frame could not be grown by the tunnel overhead or trimmed. */
    PASSED_NO_HEADROOM("passed_no_headroom"),
    /** A SYN answered in the kernel with a cookie SYN-ACK (XDP_TX). */
    SYN_ANSWERED("syn_answered"),
    /** A SYN without timestamps, left to Java: a cookie without them would lose window scaling. */
    SYN_PASSED_NO_TIMESTAMPS("syn_passed_no_timestamps"),
    /** A SYN to an address and port not in director_vips. */
    SYN_PASSED_NOT_SERVED("syn_passed_not_served"),
    /** A SYN carrying bytes. */
    SYN_PASSED_PAYLOAD("syn_passed_payload"),
    /** A SYN whose TCP options are malformed (Java drops and counts it). */
    SYN_PASSED_MALFORMED("syn_passed_malformed"),
    /** The frame could not be resized to the SYN-ACK's length. */
    SYN_PASSED_NO_ROOM("syn_passed_no_room"),
    /**
     * The client's pure ACK ending a cookie handshake, dropped: the request's segment carries the
     * same state and makes the flow in Java, one wake-up instead of two.
     */
    HANDSHAKE_ACK_DROPPED("handshake_ack_dropped");

    private static final List<DirectorCounter> ALL = List.of(values());

    private final String metricName;

    DirectorCounter(String metricName) {
        this.metricName = metricName;
    }

    /** The number of indices: the map's max_entries (DIRECTOR_COUNTER_COUNT). */
    public static int count() {
        return ALL.size();
    }

    /** The array index in director_counters. */
    public int index() {
        return ordinal();
    }

    public String metricName() {
        return metricName;
    }

    /** The C enumerator, e.g. {@code DIRECTOR_PASSED_NO_FLOW}. */
    public String cName() {
        return "DIRECTOR_" + name();
    }

    public static DirectorCounter ofIndex(int index) {
        if (index < 0 || index >= ALL.size()) {
            throw new IllegalArgumentException("director counter index " + index + " (expected: 0.." + (ALL.size() - 1) + ")");
        }
        return ALL.get(index);
    }

    public static Optional<DirectorCounter> byMetricName(String name) {
        for (DirectorCounter c : ALL) {
            if (c.metricName.equals(name)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}
