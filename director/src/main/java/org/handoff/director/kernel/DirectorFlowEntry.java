package org.handoff.director.kernel;

import java.nio.ByteBuffer;
import org.handoff.bpf.MapBytes;
import org.handoff.bpf.MapRecord;
import org.handoff.protocol.wire.Bytes;

/**
 * The value of {@code director_flows} ({@code struct director_flow} in
 * bpf/src/main/c/director_maps.h), field for field: where the XDP program sends a handed-off
 * flow's packets, and what it counted.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                   Agent Address (network)                     |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |            Source Address (network): the outer source         |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Agent Port (network)      |         Flags (host)          |  8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |       Last ACK (network): the last tunnelled packet's ack     | 12
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                Flow Token (8 bytes, as in TUNNEL)             | 16
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |              Packets tunnelled (u64, host order)              | 24
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           Inner bytes tunnelled (u64, host order)             | 32
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * The token is written big-endian, so the TUNNEL header the program copies it into carries
 * the same bytes as a HANDOFF with that token. A map update replaces the whole value: {@link #clear()}
 * before filling a new entry, and carry the counters over when rewriting one. A view over a
 * {@link ByteBuffer} like {@link DirectorFlowKey}: nothing is allocated per use.
 */
public final class DirectorFlowEntry extends MapRecord {
    public static final int AGENT_ADDRESS_OFFSET = 0;
    public static final int SOURCE_ADDRESS_OFFSET = 4;
    public static final int AGENT_PORT_OFFSET = 8;
    public static final int FLAGS_OFFSET = 10;
    public static final int LAST_ACK_OFFSET = 12;
    public static final int TOKEN_OFFSET = 16;
    public static final int PACKETS_OFFSET = 24;
    public static final int BYTES_OFFSET = 32;
    /** sizeof(struct director_flow): the map's value size. */
    public static final int LENGTH = 40;

    /** DIRECTOR_FLOW_TUNNEL_ALL: every packet of the flow is tunnelled, not only its pure ACKs (flows pinned to one origin). */
    public static final int FLAG_TUNNEL_ALL = 1;

    /** An entry over its own {@value #LENGTH}-byte direct buffer, to be reused. */
    public static DirectorFlowEntry allocate() {
        return new DirectorFlowEntry().wrap(ByteBuffer.allocateDirect(LENGTH), 0);
    }

    /** Views {@code buffer} from {@code offset}; the buffer's own byte order is never used or changed. */
    public DirectorFlowEntry wrap(ByteBuffer buffer, int offset) {
        point(buffer, offset, LENGTH, "director_flow");
        return this;
    }

    /** Zeroes every field: flags, the last ack and the counters start at 0. */
    public DirectorFlowEntry clear() {
        for (int i = 0; i < LENGTH; i += 8) {
            buffer.putLong(offset + i, 0L);
        }
        return this;
    }

    public int agentAddress() {
        return MapBytes.wireI32(buffer, offset + AGENT_ADDRESS_OFFSET);
    }

    public DirectorFlowEntry agentAddress(int address) {
        MapBytes.putWireI32(buffer, offset + AGENT_ADDRESS_OFFSET, address);
        return this;
    }

    /** The outer IPv4 source: the address the worker's socket to this agent sends from. */
    public int sourceAddress() {
        return MapBytes.wireI32(buffer, offset + SOURCE_ADDRESS_OFFSET);
    }

    public DirectorFlowEntry sourceAddress(int address) {
        MapBytes.putWireI32(buffer, offset + SOURCE_ADDRESS_OFFSET, address);
        return this;
    }

    /** The outer UDP destination: the agent's control port. */
    public int agentPort() {
        return MapBytes.wireU16(buffer, offset + AGENT_PORT_OFFSET);
    }

    public DirectorFlowEntry agentPort(int port) {
        MapBytes.putWirePort(buffer, offset + AGENT_PORT_OFFSET, "agent port", port);
        return this;
    }

    public int flags() {
        return MapBytes.hostU16(buffer, offset + FLAGS_OFFSET);
    }

    public DirectorFlowEntry flags(int flags) {
        if ((flags & ~FLAG_TUNNEL_ALL) != 0) {
            throw new IllegalArgumentException("flags=0x" + Integer.toHexString(flags) + " (expected: FLAG_TUNNEL_ALL or 0)");
        }
        MapBytes.putHostU16(buffer, offset + FLAGS_OFFSET, flags);
        return this;
    }

    public boolean tunnelAll() {
        return (flags() & FLAG_TUNNEL_ALL) != 0;
    }

    public DirectorFlowEntry tunnelAll(boolean all) {
        return flags(all ? flags() | FLAG_TUNNEL_ALL : flags() & ~FLAG_TUNNEL_ALL);
    }

    /**
     * The ack field of the last packet the program tunnelled: the client's RCV.NXT as far as its
     * ACKs tell, where a RST must sit. The worker writes the flow's last known one with the entry.
     */
    public int lastAck() {
        return MapBytes.wireI32(buffer, offset + LAST_ACK_OFFSET);
    }

    public DirectorFlowEntry lastAck(int ack) {
        MapBytes.putWireI32(buffer, offset + LAST_ACK_OFFSET, ack);
        return this;
    }

    /** The flow token, as a HANDOFF carries it (big-endian). */
    public long token() {
        return MapBytes.wireI64(buffer, offset + TOKEN_OFFSET);
    }

    public DirectorFlowEntry token(long token) {
        MapBytes.putWireI64(buffer, offset + TOKEN_OFFSET, token);
        return this;
    }

    /** Packets the program tunnelled since the entry was written. */
    public long packets() {
        return MapBytes.hostI64(buffer, offset + PACKETS_OFFSET);
    }

    public DirectorFlowEntry packets(long packets) {
        MapBytes.putHostI64(buffer, offset + PACKETS_OFFSET, packets);
        return this;
    }

    /** Inner IPv4 bytes the program tunnelled since the entry was written. */
    public long bytes() {
        return MapBytes.hostI64(buffer, offset + BYTES_OFFSET);
    }

    public DirectorFlowEntry bytes(long bytes) {
        MapBytes.putHostI64(buffer, offset + BYTES_OFFSET, bytes);
        return this;
    }

    /** Leaves the token out: it is what authenticates the flow's TUNNEL datagrams. */
    @Override
    public String toString() {
        return "director_flow{agent=" + Bytes.ipv4ToString(agentAddress()) + ":" + agentPort()
                + ", source=" + Bytes.ipv4ToString(sourceAddress()) + ", flags=" + flags()
                + ", packets=" + packets() + ", bytes=" + bytes() + "}";
    }
}
