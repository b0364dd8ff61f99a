package org.handoff.director.kernel;

/**
 * Names and limits of the director's XDP program (bpf/src/main/c/director_xdp.bpf.c), as the
 * loader finds them in the object the bpf module ships. What the program writes is a TUNNEL
 * frame exactly as {@link org.handoff.protocol.message.TunnelFrameWriter} builds it (the
 * overhead, the source-port hash), held to it by DirectorXdpNetnsTest.
 */
public final class DirectorXdp {
    /** The compiled object's file name in the bpf module's jar (org/handoff/bpf/). */
    public static final String OBJECT = "director_xdp.bpf.o";
    /** The XDP program, attached to the capture interface. */
    public static final String PROGRAM = "director_xdp";
    /** LRU hash: {@link DirectorFlowKey} to {@link DirectorFlowEntry}. */
    public static final String FLOWS_MAP = "director_flows";
    /** Hash: the agent's IPv4 address (network order) to {@link DirectorNextHop}; filled by {@link NextHops}. */
    public static final String NEXT_HOPS_MAP = "director_next_hops";
    /** Per-CPU array of u64, indexed by {@link DirectorCounter}. */
    public static final String COUNTERS_MAP = "director_counters";
    /** Array of one {@link DirectorSynConfig}: the SYN path's secret and SYN-ACK settings. */
    public static final String SYN_CONFIG_MAP = "director_syn_config";
    /** Hash: {@link DirectorVipKey} to the VIP's index (u32, host order): the VIP:ports whose SYNs the program answers. */
    public static final String VIPS_MAP = "director_vips";
    /** DIRECTOR_VIP_MAX_ENTRIES. */
    public static final int VIP_MAX_ENTRIES = 4096;
    /** DIRECTOR_FLOW_MAX_ENTRIES: beyond it the least recently used flow goes back to Java's FORWARD path. */
    public static final int FLOW_MAX_ENTRIES = 262_144;
    /** DIRECTOR_NEXT_HOP_MAX_ENTRIES: agents with a next hop at once. */
    public static final int NEXT_HOP_MAX_ENTRIES = 1024;

    private DirectorXdp() {
    }
}
