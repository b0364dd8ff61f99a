package org.handoff.agent.kernel;

import java.nio.ByteBuffer;
import org.handoff.bpf.MapBytes;
import org.handoff.bpf.MapRecord;
import org.handoff.protocol.transform.FlowTransform;
import org.handoff.protocol.wire.Bytes;

/**
 * View of {@code struct agent_egress_value} (bpf/src/main/c/agent_maps.h): what the egress
 * program needs to rewrite connection B's packets onto A as {@code PacketRewriter.serverToClient}
 * does, then two state words the program keeps and the agent reads back for a HANDBACK. 40
 * bytes; addresses and ports in network order, the rest in the host's order.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 VIP address (the new source)                  |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |    VIP port (the new source)  |0 0 0 0 0 0|C|T|  ws (0..14)   |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  wd (0..14)   |0 0 0 0 0 0 0|F|          Reserved (0)         |  8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |            d: sequence offset (host order, seq + d)           | 12
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |            t: timestamp offset (host order, TSval + t)        | 16
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          TSval floor (host order, the director's TSval)       | 20
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  sent: u64, host order; high 32 bits server next (B's         | 24
 * +  numbering), low 32 bits largest TSval written (A's clock)    +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  acked: u64, host order; high 32 bits highest server ack (B's | 32
 * +  numbering), bits 16-23 TCP flags seen, bits 0-15 last window +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * T (0x01): timestamps on both connections. C (0x02): the flow's SYN and RST go to the agent.
 * F (client_fin): the ingress program saw the client's FIN (the egress program then looks for
 * the stack's ACK of it).
 * </pre>
 *
 * The agent writes an entry once, state words included (its own view so far), and never again:
 * from then on the program is their only writer, by compare-and-swap of each whole word.
 */
public final class EgressFlowValue extends MapRecord {
    public static final int VIP_ADDRESS_OFFSET = 0;
    public static final int VIP_PORT_OFFSET = 4;
    public static final int FLAGS_OFFSET = 6;
    public static final int SERVER_SHIFT_OFFSET = 7;
    public static final int DIRECTOR_SHIFT_OFFSET = 8;
    public static final int CLIENT_FIN_OFFSET = 9;
    public static final int RESERVED_OFFSET = 10;
    public static final int RESERVED_LENGTH = 2;
    public static final int SEQ_OFFSET_OFFSET = 12;
    public static final int TS_OFFSET_OFFSET = 16;
    public static final int TS_FLOOR_OFFSET = 20;
    public static final int SENT_OFFSET = 24;
    public static final int ACKED_OFFSET = 32;
    public static final int LENGTH = 40;

    /** {@code AGENT_FLOW_TIMESTAMPS} */
    public static final int FLAG_TIMESTAMPS = 0x01;
    /** {@code AGENT_FLOW_CONTROL_TO_AGENT} */
    public static final int FLAG_CONTROL_TO_AGENT = 0x02;

    /** {@code acked}: the window in bits 0-15, the flags seen in bits 16-23. */
    static final int ACKED_FLAGS_SHIFT = 16;

    /** Wraps a map value buffer of at least {@link #LENGTH} bytes, reused for every flow. */
    public EgressFlowValue wrap(ByteBuffer buffer) {
        point(buffer, 0, LENGTH, "agent_egress_value");
        return this;
    }

    /** As the seven-argument form, for a flow whose client has not closed. */
    public EgressFlowValue entry(FlowTransform f, boolean controlToAgent, int serverNext, int lastTsVal, int serverAck, int window) {
        return entry(f, controlToAgent, false, serverNext, lastTsVal, serverAck, window);
    }

    /**
     * Fills the whole value for a new entry: the transform, the flags, and the state words from
     * what the agent itself has sent so far.
     *
     * @param controlToAgent the flow's SYN and RST go to the agent untouched
     * @param clientFin      the agent already passed the client's FIN to the stack
     * @param serverNext     B's numbering: the stack's next sequence number as the agent saw it
     * @param lastTsVal      the largest TSval the client got (the director's TSval at hand-off at first)
     * @param serverAck      B's numbering: the stack's highest acknowledgment
     * @param window         the window field of the last segment the client got (rescaled)
     */
    public EgressFlowValue entry(FlowTransform f, boolean controlToAgent, boolean clientFin, int serverNext, int lastTsVal,
                                 int serverAck, int window) {
        MapBytes.putWireI32(buffer, VIP_ADDRESS_OFFSET, f.vipAddress());
        MapBytes.putWireU16(buffer, VIP_PORT_OFFSET, f.vipPort());
        MapBytes.putU8(buffer, FLAGS_OFFSET, (f.timestamps() ? FLAG_TIMESTAMPS : 0) | (controlToAgent ? FLAG_CONTROL_TO_AGENT : 0));
        MapBytes.putU8(buffer, SERVER_SHIFT_OFFSET, f.serverShift());
        MapBytes.putU8(buffer, DIRECTOR_SHIFT_OFFSET, f.directorShift());
        MapBytes.putU8(buffer, CLIENT_FIN_OFFSET, clientFin ? 1 : 0);
        for (int i = 0; i < RESERVED_LENGTH; i++) {
            MapBytes.putU8(buffer, RESERVED_OFFSET + i, 0);
        }
        MapBytes.putHostI32(buffer, SEQ_OFFSET_OFFSET, f.seqOffset());
        MapBytes.putHostI32(buffer, TS_OFFSET_OFFSET, f.tsOffset());
        MapBytes.putHostI32(buffer, TS_FLOOR_OFFSET, f.tsFloor());
        MapBytes.putHostI64(buffer, SENT_OFFSET, ((long) serverNext << 32) | (lastTsVal & 0xffffffffL));
        MapBytes.putHostI64(buffer, ACKED_OFFSET, ((long) serverAck << 32) | (window & 0xffff));
        return this;
    }

    public int vipAddress() {
        return MapBytes.wireI32(buffer, VIP_ADDRESS_OFFSET);
    }

    public int vipPort() {
        return MapBytes.wireU16(buffer, VIP_PORT_OFFSET);
    }

    public int flags() {
        return MapBytes.u8(buffer, FLAGS_OFFSET);
    }

    public int serverShift() {
        return MapBytes.u8(buffer, SERVER_SHIFT_OFFSET);
    }

    public int directorShift() {
        return MapBytes.u8(buffer, DIRECTOR_SHIFT_OFFSET);
    }

    /** The ingress program saw the client's FIN (or the agent had passed it on before the entry). */
    public boolean clientFin() {
        return MapBytes.u8(buffer, CLIENT_FIN_OFFSET) != 0;
    }

    public int seqOffset() {
        return MapBytes.hostI32(buffer, SEQ_OFFSET_OFFSET);
    }

    public int tsOffset() {
        return MapBytes.hostI32(buffer, TS_OFFSET_OFFSET);
    }

    public int tsFloor() {
        return MapBytes.hostI32(buffer, TS_FLOOR_OFFSET);
    }

    /** B's numbering: the highest seq + payload (+ SYN, + FIN) sent; SeqNumber bits. */
    public int serverNext() {
        return (int) (MapBytes.hostI64(buffer, SENT_OFFSET) >>> 32);
    }

    /** The largest TSval the client was sent, on the director's clock. */
    public int lastTsVal() {
        return (int) MapBytes.hostI64(buffer, SENT_OFFSET);
    }

    /** B's numbering: the highest acknowledgment of a segment sent with ACK. */
    public int serverAck() {
        return (int) (MapBytes.hostI64(buffer, ACKED_OFFSET) >>> 32);
    }

    /** The window field of the last segment sent, as the client got it. */
    public int window() {
        return (int) MapBytes.hostI64(buffer, ACKED_OFFSET) & 0xffff;
    }

    /** Every TCP flag of the segments sent, or-ed together (FIN 0x01 and RST 0x04 say B is closing). */
    public int tcpFlagsSeen() {
        return (int) (MapBytes.hostI64(buffer, ACKED_OFFSET) >>> ACKED_FLAGS_SHIFT) & 0xff;
    }

    @Override
    public String toString() {
        return "agent_egress_value[vip=" + Bytes.ipv4ToString(vipAddress()) + ":" + vipPort() + " flags=0x"
                + Integer.toHexString(flags()) + " ws=" + serverShift() + " wd=" + directorShift()
                + " d=" + Integer.toUnsignedString(seqOffset()) + " t=" + Integer.toUnsignedString(tsOffset())
                + " floor=" + Integer.toUnsignedString(tsFloor()) + " next=" + Integer.toUnsignedString(serverNext())
                + " tsval=" + Integer.toUnsignedString(lastTsVal()) + " ack=" + Integer.toUnsignedString(serverAck())
                + " window=" + window() + " seen=0x" + Integer.toHexString(tcpFlagsSeen()) + (clientFin() ? " client_fin" : "") + "]";
    }
}
