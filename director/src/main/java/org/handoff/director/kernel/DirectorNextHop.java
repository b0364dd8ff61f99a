package org.handoff.director.kernel;

import java.nio.ByteBuffer;
import org.handoff.bpf.MapBytes;
import org.handoff.bpf.MapRecord;
import org.handoff.protocol.wire.Bytes;

/**
 * The value of {@code director_next_hops} ({@code struct director_next_hop} in
 * bpf/src/main/c/director_maps.h), field for field: how the XDP program reaches one agent on
 * the link. The key is the agent's IPv4 address in network order (a {@link DirectorFlowEntry}'s
 * agent address, as the program reads it).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 Egress ifindex (u32, host order)              |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  Egress MTU (u32, host order)                 |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Destination MAC (the agent's or its gateway's)       |  8
 * +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               |  Source MAC (the egress       | 12
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * |                    interface's)                               | 16
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * A view over a {@link ByteBuffer}, like {@link DirectorFlowEntry}: nothing is allocated per use.
 */
public final class DirectorNextHop extends MapRecord {
    public static final int IFINDEX_OFFSET = 0;
    public static final int MTU_OFFSET = 4;
    public static final int DEST_MAC_OFFSET = 8;
    public static final int SOURCE_MAC_OFFSET = 14;
    public static final int MAC_LENGTH = 6;
    /** sizeof(struct director_next_hop): the map's value size. */
    public static final int LENGTH = 20;
    /** The map's key: the agent's IPv4 address. */
    public static final int KEY_LENGTH = 4;

    /** A value over its own {@value #LENGTH}-byte direct buffer, to be reused. */
    public static DirectorNextHop allocate() {
        return new DirectorNextHop().wrap(ByteBuffer.allocateDirect(LENGTH), 0);
    }

    public DirectorNextHop wrap(ByteBuffer buffer, int offset) {
        point(buffer, offset, LENGTH, "director_next_hop");
        return this;
    }

    /** Every field of one next hop. */
    public DirectorNextHop set(int ifindex, int mtu, byte[] destMac, byte[] sourceMac) {
        MapBytes.putHostI32(buffer, offset + IFINDEX_OFFSET, ifindex);
        MapBytes.putHostI32(buffer, offset + MTU_OFFSET, mtu);
        putMac(DEST_MAC_OFFSET, destMac, "destination MAC");
        putMac(SOURCE_MAC_OFFSET, sourceMac, "source MAC");
        return this;
    }

    private void putMac(int at, byte[] mac, String what) {
        if (mac.length != MAC_LENGTH) {
            throw new IllegalArgumentException(what + " of " + mac.length + " bytes (expected: " + MAC_LENGTH + ")");
        }
        for (int i = 0; i < MAC_LENGTH; i++) {
            buffer.put(offset + at + i, mac[i]);
        }
    }

    public int ifindex() {
        return MapBytes.hostI32(buffer, offset + IFINDEX_OFFSET);
    }

    public int mtu() {
        return MapBytes.hostI32(buffer, offset + MTU_OFFSET);
    }

    public String destMac() {
        return mac(DEST_MAC_OFFSET);
    }

    public String sourceMac() {
        return mac(SOURCE_MAC_OFFSET);
    }

    private String mac(int at) {
        StringBuilder s = new StringBuilder(17);
        for (int i = 0; i < MAC_LENGTH; i++) {
            s.append(i == 0 ? "" : ":").append(String.format("%02x", buffer.get(offset + at + i) & 0xff));
        }
        return s.toString();
    }

    /** Writes {@code agentAddress} as the map's key (network order) at {@code key}'s position 0. */
    public static ByteBuffer key(ByteBuffer key, int agentAddress) {
        MapBytes.putWireI32(key, 0, agentAddress);
        return key;
    }

    @Override
    public String toString() {
        return "director_next_hop{ifindex=" + ifindex() + ", mtu=" + mtu() + ", dest=" + destMac() + ", source=" + sourceMac() + "}";
    }

    /** For logs: {@code address -> this}. */
    public String toString(int agentAddress) {
        return Bytes.ipv4ToString(agentAddress) + " -> " + this;
    }
}
