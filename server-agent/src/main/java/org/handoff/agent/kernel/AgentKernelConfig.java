package org.handoff.agent.kernel;

import java.nio.ByteBuffer;
import org.handoff.bpf.MapBytes;
import org.handoff.bpf.MapRecord;

/**
 * View of {@code struct agent_config} (bpf/src/main/c/agent_maps.h), entry 0 of the array map
 * {@code agent_config} that both agent programs read: written before they are attached, and again by a stop that leaves
 * the flows to the kernel (its restart hold). 16 bytes.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Tunnel port (network order)  |  Egress mode  | Reserved (0)  |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |             TUN ifindex (host order; 0: none)                 |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Hold until: u64, host order, CLOCK_MONOTONIC nanoseconds;    |  8
 * +  datagrams for the agent dropped until then (0: never)        +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Tunnel port: the agent's UDP port, where TUNNELs arrive; 0 turns the ingress program off.
 * TUN ifindex: decapsulated packets enter the stack through this device's ingress.
 * </pre>
 */
public final class AgentKernelConfig extends MapRecord {
    public static final int TUNNEL_PORT_OFFSET = 0;
    public static final int EGRESS_MODE_OFFSET = 2;
    public static final int RESERVED_OFFSET = 3;
    public static final int TUN_IFINDEX_OFFSET = 4;
    public static final int HOLD_UNTIL_OFFSET = 8;
    public static final int LENGTH = 16;

    /** {@code enum agent_egress_mode}: how a rewritten server packet leaves. */
    public enum EgressMode {
        /** {@code AGENT_EGRESS_FIB}: a FIB lookup as if forwarded from the TUN, out of the route's device. */
        FIB,
        /** {@code AGENT_EGRESS_TUN_INGRESS}: into the TUN's own ingress; the kernel forwards it. */
        TUN_INGRESS
    }

    public AgentKernelConfig wrap(ByteBuffer buffer) {
        point(buffer, 0, LENGTH, "agent_config");
        return this;
    }

    /** Fills the whole entry, with no restart hold. */
    public AgentKernelConfig entry(int tunnelPort, EgressMode egressMode, int tunIfindex) {
        return entry(tunnelPort, egressMode, tunIfindex, 0);
    }

    /**
     * Fills the whole entry.
     *
     * @param holdUntilNanos CLOCK_MONOTONIC ({@code System.nanoTime()} on Linux, the clock of
     *                       {@code bpf_ktime_get_ns}): until then the ingress program drops datagrams
     *                       for the agent instead of passing them to its closed port; 0: never
     */
    public AgentKernelConfig entry(int tunnelPort, EgressMode egressMode, int tunIfindex, long holdUntilNanos) {
        MapBytes.putWireU16(buffer, TUNNEL_PORT_OFFSET, tunnelPort);
        MapBytes.putU8(buffer, EGRESS_MODE_OFFSET, egressMode.ordinal());
        MapBytes.putU8(buffer, RESERVED_OFFSET, 0);
        MapBytes.putHostI32(buffer, TUN_IFINDEX_OFFSET, tunIfindex);
        MapBytes.putHostI64(buffer, HOLD_UNTIL_OFFSET, holdUntilNanos);
        return this;
    }

    public int tunnelPort() {
        return MapBytes.wireU16(buffer, TUNNEL_PORT_OFFSET);
    }

    public EgressMode egressMode() {
        return EgressMode.values()[MapBytes.u8(buffer, EGRESS_MODE_OFFSET)];
    }

    public int tunIfindex() {
        return MapBytes.hostI32(buffer, TUN_IFINDEX_OFFSET);
    }

    public long holdUntilNanos() {
        return MapBytes.hostI64(buffer, HOLD_UNTIL_OFFSET);
    }

    @Override
    public String toString() {
        return "agent_config[port=" + tunnelPort() + " egress=" + egressMode() + " tun=" + tunIfindex()
                + (holdUntilNanos() != 0 ? " hold_until=" + holdUntilNanos() : "") + "]";
    }
}
