package org.handoff.protocol.message;

import static org.handoff.protocol.message.HandoffProtocol.MAX_DATAGRAM_LENGTH;

import org.handoff.protocol.checksum.InternetChecksum;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.TcpSegment;

/**
 * View over a TUNNEL (type 11, docs/handoff-protocol.md section 3.11): a client packet of a
 * handed-off flow that the director's kernel program carries to the owning agent inside UDP,
 * outside the sealed messages. Field for field the {@code struct handoff_tunnel_hdr} of
 * bpf/src/main/c/handoff_tunnel.h. Offsets are from the start of the UDP payload.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Magic (0x484F)        |  Version (1)  |  Type (11)    |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Total Length (16 + inner)    |       Flags (reserved, 0)     |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |  8
 * +                    Flow Token (64 bits, not 0)                +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        Inner packet: the client's IPv4/TCP packet, unchanged  | 16
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * No message id, key id, timestamp or MAC: the token, which only the sealed HANDOFF and these
 * packets carry, is the authentication, and the flow's owner compares it with the token of the
 * HANDOFF it accepted. The first 8 bytes are the common header ({@link CommonHeaderFlyweight}),
 * so {@link MessageDecoder} runs its steps 1-5 on a TUNNEL as on any message, then only this
 * type's body rules ({@link #checkBody}). After the decoder accepted a datagram, the accessors are trusted: the
 * inner packet is IPv4 with its TCP ports inside it, and {@link #innerLength()} is its total
 * length. Setters write the header for encoders ({@link TunnelFrameWriter}).
 */
public final class TunnelFlyweight extends CommonHeaderFlyweight {
    public static final int FLOW_TOKEN_OFFSET = COMMON_HEADER_LENGTH;
    public static final int INNER_OFFSET = 16;
    /** The header before the inner packet: {@code TUNNEL_HEADER_LEN}. */
    public static final int HEADER_LENGTH = INNER_OFFSET;
    /** IPv4 and TCP headers without options: {@code TUNNEL_MIN_INNER_LEN}. */
    public static final int MIN_INNER_LENGTH = Ipv4Packet.MIN_HEADER_LENGTH + TcpSegment.MIN_HEADER_LENGTH;
    /** The largest inner packet one UDP datagram carries (65,507 - 16). */
    public static final int MAX_INNER_LENGTH = MAX_DATAGRAM_LENGTH - HEADER_LENGTH;

    /** Points the view at a TUNNEL's first byte (the magic); no check, no allocation. */
    @Override
    public TunnelFlyweight wrap(byte[] buffer, int offset) {
        super.wrap(buffer, offset);
        return this;
    }

    /**
     * The flow token: 64 opaque bits. Read big-endian, so two tokens are equal exactly when their
     * 8 bytes are, as the kernel compares them.
     */
    public long flowToken() {
        return Bytes.i64(buffer, offset + FLOW_TOKEN_OFFSET);
    }

    /** Absolute offset of the inner packet's IPv4 header in {@link #buffer()}. */
    public int innerOffset() {
        return offset + INNER_OFFSET;
    }

    public int innerLength() {
        return totalLength() - HEADER_LENGTH;
    }

    /** The inner IPv4 header's length in bytes (IHL x 4). */
    public int innerHeaderLength() {
        return (buffer[offset + INNER_OFFSET] & 0xf) * 4;
    }

    /** The client's address: the inner packet's source. */
    public int innerClientIpv4() {
        return Bytes.i32(buffer, offset + INNER_OFFSET + Ipv4Packet.SOURCE_OFFSET);
    }

    /** The VIP: the inner packet's destination. */
    public int innerVipIpv4() {
        return Bytes.i32(buffer, offset + INNER_OFFSET + Ipv4Packet.DESTINATION_OFFSET);
    }

    public int innerClientPort() {
        return Bytes.u16(buffer, offset + INNER_OFFSET + innerHeaderLength() + TcpSegment.SOURCE_PORT_OFFSET);
    }

    public int innerVipPort() {
        return Bytes.u16(buffer, offset + INNER_OFFSET + innerHeaderLength() + TcpSegment.DESTINATION_PORT_OFFSET);
    }

    // Setters, for encoders.

    /** Writes the whole header for an inner packet of {@code innerLength} bytes: magic, version, type, length, zero flags, token. */
    public TunnelFlyweight writeHeader(int innerLength, long flowToken) {
        writeFixedHeader(MessageType.TUNNEL, HEADER_LENGTH + innerLength);
        Bytes.putI64(buffer, offset + FLOW_TOKEN_OFFSET, flowToken);
        return this;
    }

    /**
     * The body rules of a TUNNEL whose header passed the decoder's steps 1-5 ({@code length} =
     * Total Length, 56..65,507): a token, and an inner packet that is one whole IPv4/TCP packet
     * whose ports lie inside it, so that the agent can find its flow and the views need no
     * further check. Whether the inner checksums are right is the receiving stack's business.
     */
    boolean checkBody(int length, DecodeFailure failure) {
        return (flowToken() != 0 || failure.body(BodyError.BAD_TOKEN, 0))
                && checkInner(buffer, offset + INNER_OFFSET, length - HEADER_LENGTH, failure);
    }

    /** The inner packet's rules, for the decoder and for {@link TunnelFrameWriter}; {@code innerLength} is at least 40. */
    static boolean checkInner(byte[] buffer, int inner, int innerLength, DecodeFailure failure) {
        int version = Ipv4Packet.versionOf(buffer[inner]);
        int headerLength = (buffer[inner] & 0xf) * 4;
        int maxHeaderLength = Math.min(Ipv4Packet.MAX_HEADER_LENGTH, innerLength - TcpSegment.MIN_HEADER_LENGTH);
        int flagsAndFragment = Bytes.u16(buffer, inner + Ipv4Packet.FLAGS_FRAGMENT_OFFSET);
        int protocol = Bytes.u8(buffer, inner + Ipv4Packet.PROTOCOL_OFFSET);
        return (version == Ipv4Packet.VERSION || failure.body(BodyError.BAD_INNER_VERSION, version))
                && ((headerLength >= Ipv4Packet.MIN_HEADER_LENGTH && headerLength <= maxHeaderLength)
                        || failure.body(BodyError.BAD_INNER_HEADER_LENGTH, headerLength, Ipv4Packet.MIN_HEADER_LENGTH, maxHeaderLength))
                && (Bytes.u16(buffer, inner + Ipv4Packet.TOTAL_LENGTH_OFFSET) == innerLength
                        || failure.body(BodyError.BAD_INNER_LENGTH, Bytes.u16(buffer, inner + Ipv4Packet.TOTAL_LENGTH_OFFSET),
                                innerLength, innerLength))
                && (protocol == InternetChecksum.PROTO_TCP || failure.body(BodyError.BAD_INNER_PROTOCOL, protocol))
                && ((flagsAndFragment & (Ipv4Packet.FLAG_MORE_FRAGMENTS | Ipv4Packet.FRAGMENT_OFFSET_MASK)) == 0
                        || failure.body(BodyError.INNER_FRAGMENT, flagsAndFragment));
    }

    @Override
    public String toString() {
        // Never the token: it authenticates the flow's packets, and logs travel further.
        return "TUNNEL{length=" + totalLength() + ", inner " + Bytes.ipv4ToString(innerClientIpv4()) + ":" + innerClientPort()
                + "->" + Bytes.ipv4ToString(innerVipIpv4()) + ":" + innerVipPort() + " " + innerLength() + "B}";
    }
}
