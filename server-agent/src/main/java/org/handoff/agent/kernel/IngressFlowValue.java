package org.handoff.agent.kernel;

import java.nio.ByteBuffer;
import org.handoff.bpf.MapBytes;
import org.handoff.bpf.MapRecord;
import org.handoff.protocol.transform.FlowTransform;
import org.handoff.protocol.wire.Bytes;

/**
 * View of {@code struct agent_ingress_value} (bpf/src/main/c/agent_maps.h): the flow's token and
 * what the ingress program needs to rewrite a TUNNEL's inner packet onto connection B as
 * {@code PacketRewriter.clientToServer} does, then the state word the program keeps of what it
 * delivered and of the flow's close. 48 bytes; the token, address and port in network order, the
 * rest in the host's order.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |  0
 * +        Flow token (64 bits, as the TUNNEL header has it)      +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |             Server address (H, the new destination)           |  8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Server port (new dest.)     |0 0 0 0 0 0 0|T| Reserved (0)  | 12
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     d: sequence offset (host order, ack - d, SACK - d)        | 16
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          t: timestamp offset (host order, TSecr - t)          | 20
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  delivered: u64, host order; high 32 bits highest client ack   | 24
 * +  (B's numbering), low 32 bits segments delivered (mod 2^32)   +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  client_close: u64, host order; bits 0-31 the client's FIN's  | 32
 * +  end (B's numbering), bit 32 FIN seen, 33 acknowledged by the +
 * |  stack, 34 the close was reported (agent_events)              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  server_close: u64, host order; bits 0-31 the server's FIN's  | 40
 * +  end (B's numbering), bit 32 FIN seen, 33 acknowledged by the +
 * |  client                                                       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * T (0x01): timestamps on both connections.
 * </pre>
 */
public final class IngressFlowValue extends MapRecord {
    public static final int TOKEN_OFFSET = 0;
    public static final int SERVER_ADDRESS_OFFSET = 8;
    public static final int SERVER_PORT_OFFSET = 12;
    public static final int FLAGS_OFFSET = 14;
    public static final int RESERVED_OFFSET = 15;
    public static final int SEQ_OFFSET_OFFSET = 16;
    public static final int TS_OFFSET_OFFSET = 20;
    public static final int DELIVERED_OFFSET = 24;
    public static final int CLIENT_CLOSE_OFFSET = 32;
    public static final int SERVER_CLOSE_OFFSET = 40;
    public static final int LENGTH = 48;

    /** {@code AGENT_CLOSE_FIN}: the close word's FIN went through (its end in bits 0-31). */
    public static final long CLOSE_FIN = 1L << 32;
    /** {@code AGENT_CLOSE_ACKED}: the other side acknowledged that FIN. */
    public static final long CLOSE_ACKED = 1L << 33;
    /** {@code AGENT_CLOSE_REPORTED}: the close event was sent (client word only). */
    public static final long CLOSE_REPORTED = 1L << 34;

    /** {@code AGENT_FLOW_TIMESTAMPS} */
    public static final int FLAG_TIMESTAMPS = 0x01;

    /** Wraps a map value buffer of at least {@link #LENGTH} bytes, reused for every flow. */
    public IngressFlowValue wrap(ByteBuffer buffer) {
        point(buffer, 0, LENGTH, "agent_ingress_value");
        return this;
    }

    /** Fills the whole value for a flow: its token from the HANDOFF and its transform; nothing delivered yet. */
    public IngressFlowValue entry(FlowTransform f, long token) {
        return entry(f, token, 0, 0, 0);
    }

    /**
     * Fills the whole value for a new entry, the state words from the agent's own view.
     *
     * @param clientAck   B's numbering: the highest ack of a client segment the agent gave the stack
     * @param clientClose the client's FIN as the agent saw it ({@link #closeWord}), 0 if none
     * @param serverClose the server's FIN as the agent saw it, 0 if none
     */
    public IngressFlowValue entry(FlowTransform f, long token, int clientAck, long clientClose, long serverClose) {
        MapBytes.putWireI64(buffer, TOKEN_OFFSET, token);
        MapBytes.putWireI32(buffer, SERVER_ADDRESS_OFFSET, f.serverAddress());
        MapBytes.putWireU16(buffer, SERVER_PORT_OFFSET, f.serverPort());
        MapBytes.putU8(buffer, FLAGS_OFFSET, f.timestamps() ? FLAG_TIMESTAMPS : 0);
        MapBytes.putU8(buffer, RESERVED_OFFSET, 0);
        MapBytes.putHostI32(buffer, SEQ_OFFSET_OFFSET, f.seqOffset());
        MapBytes.putHostI32(buffer, TS_OFFSET_OFFSET, f.tsOffset());
        MapBytes.putHostI64(buffer, DELIVERED_OFFSET, (long) clientAck << 32);
        MapBytes.putHostI64(buffer, CLIENT_CLOSE_OFFSET, clientClose);
        MapBytes.putHostI64(buffer, SERVER_CLOSE_OFFSET, serverClose);
        return this;
    }

    /** A close word: no FIN (0), or a FIN ending at {@code finEnd} (B's numbering), acknowledged or not. */
    public static long closeWord(boolean fin, int finEnd, boolean acked) {
        return fin ? CLOSE_FIN | (acked ? CLOSE_ACKED : 0) | (finEnd & 0xffffffffL) : 0;
    }

    /** The client's FIN: {@link #CLOSE_FIN}, {@link #CLOSE_ACKED}, {@link #CLOSE_REPORTED} and its end in bits 0-31. */
    public long clientClose() {
        return MapBytes.hostI64(buffer, CLIENT_CLOSE_OFFSET);
    }

    /** The server's FIN: {@link #CLOSE_FIN}, {@link #CLOSE_ACKED} and its end in bits 0-31. */
    public long serverClose() {
        return MapBytes.hostI64(buffer, SERVER_CLOSE_OFFSET);
    }

    /** The token as the TUNNEL header carries it (its 8 bytes read big-endian). */
    public long token() {
        return MapBytes.wireI64(buffer, TOKEN_OFFSET);
    }

    public int serverAddress() {
        return MapBytes.wireI32(buffer, SERVER_ADDRESS_OFFSET);
    }

    public int serverPort() {
        return MapBytes.wireU16(buffer, SERVER_PORT_OFFSET);
    }

    public int flags() {
        return MapBytes.u8(buffer, FLAGS_OFFSET);
    }

    public int seqOffset() {
        return MapBytes.hostI32(buffer, SEQ_OFFSET_OFFSET);
    }

    public int tsOffset() {
        return MapBytes.hostI32(buffer, TS_OFFSET_OFFSET);
    }

    /** B's numbering: the highest ack of a segment the program delivered (or the start value). */
    public int clientAck() {
        return (int) (MapBytes.hostI64(buffer, DELIVERED_OFFSET) >>> 32);
    }

    /** Segments the program delivered since the entry was written, mod 2^32. */
    public int packetsDelivered() {
        return (int) MapBytes.hostI64(buffer, DELIVERED_OFFSET);
    }

    /** Never prints the token: it is the flow's only authentication. */
    @Override
    public String toString() {
        return "agent_ingress_value[server=" + Bytes.ipv4ToString(serverAddress()) + ":" + serverPort() + " flags=0x"
                + Integer.toHexString(flags()) + " d=" + Integer.toUnsignedString(seqOffset())
                + " t=" + Integer.toUnsignedString(tsOffset()) + " ack=" + Integer.toUnsignedString(clientAck())
                + " delivered=" + Integer.toUnsignedString(packetsDelivered()) + " client_close=0x" + Long.toHexString(clientClose())
                + " server_close=0x" + Long.toHexString(serverClose()) + "]";
    }
}
