package org.handoff.director.kernel;

/**
 * Names and limits of the director's XDP program (bpf/src/main/c/director_xdp.bpf.c), as the
 * loader finds them in the object the bpf module ships.
 */
public final class DirectorXdp {
    /** The compiled object's file name in the bpf module's jar (org/handoff/bpf/). */
    public static final String OBJECT = "director_xdp.bpf.o";
    /** The XDP program, attached to the capture interface. */
    public static final String PROGRAM = "director_xdp";
    /** LRU hash: {@link DirectorFlowKey} to {@link DirectorFlowEntry}. */
    public static final String FLOWS_MAP = "director_flows";
    /** Per-CPU array of u64, indexed by {@link DirectorCounter}. */
    public static final String COUNTERS_MAP = "director_counters";
    /** DIRECTOR_FLOW_MAX_ENTRIES: beyond it the least recently used flow goes back to Java's FORWARD path. */
    public static final int FLOW_MAX_ENTRIES = 262_144;
    /** Outer IPv4 + UDP + TUNNEL header: what encapsulation adds to a client packet (TUNNEL_OVERHEAD). */
    public static final int TUNNEL_OVERHEAD = 44;
    /** The outer UDP source port is {@code fold16(...) | this}: always in the dynamic range. */
    public static final int TUNNEL_SOURCE_PORT_BASE = 0xC000;

    private DirectorXdp() {
    }

    /**
     * The outer UDP source port the program writes for a flow: the inner 4-tuple, read as the
     * big-endian numbers it is on the wire, folded to 16 bits, in the dynamic range. Provisional
     * until docs/handoff-protocol.md section 3.11 defines it.
     */
    public static int tunnelSourcePort(int clientAddress, int clientPort, int vipAddress, int vipPort) {
        int h = clientAddress ^ vipAddress ^ (clientPort << 16 | vipPort);
        return ((h >>> 16) ^ (h & 0xffff)) | TUNNEL_SOURCE_PORT_BASE;
    }
}
