package org.handoff.protocol.wire;

import org.handoff.protocol.checksum.InternetChecksum;

/**
 * A view over an IPv6 fixed header and its payload (RFC 8200).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version| Traffic Class |           Flow Label                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Payload Length        |  Next Header  |   Hop Limit   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |
 * +                     Source Address (16 bytes)                 +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |
 * +                  Destination Address (16 bytes)               +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * Extension headers are not walked: a TCP or UDP payload must follow the fixed header
 * directly, which is how every TCP flow the director terminates arrives. Anything else is
 * reported by {@link #checkTransport()} rather than misread.
 */
public final class Ipv6Packet extends WireView<Ipv6Packet> {
    public static final int VERSION_CLASS_FLOW_OFFSET = 0;
    public static final int PAYLOAD_LENGTH_OFFSET = 4;
    public static final int NEXT_HEADER_OFFSET = 6;
    public static final int HOP_LIMIT_OFFSET = 7;
    public static final int SOURCE_OFFSET = 8;
    public static final int DESTINATION_OFFSET = 24;
    public static final int HEADER_LENGTH = 40;
    public static final int ADDRESS_LENGTH = 16;

    /** Version and payload length against the buffer; {@code null} when valid. */
    @Override
    public WireError check() {
        if (length < HEADER_LENGTH) {
            return fail(WireError.TRUNCATED_IP_HEADER, length, HEADER_LENGTH + "+ bytes");
        }
        if (version() != 6) {
            return fail(WireError.BAD_IP_VERSION, version(), "6");
        }
        int payload = payloadLength();
        if (HEADER_LENGTH + payload > length) {
            return fail(WireError.BAD_TOTAL_LENGTH, HEADER_LENGTH + payload, HEADER_LENGTH + ".." + length + " bytes");
        }
        return null;
    }

    /** {@link #check()} plus: the next header is TCP or UDP (no extension headers). */
    public WireError checkTransport() {
        WireError e = check();
        if (e != null) {
            return e;
        }
        int next = nextHeader();
        if (next != InternetChecksum.PROTO_TCP && next != InternetChecksum.PROTO_UDP) {
            return fail(WireError.UNSUPPORTED_IPV6_EXTENSION, next, "6 (TCP) or 17 (UDP)");
        }
        return null;
    }

    /** {@link #checkTransport()} as an exception naming the measured against the expected value. */
    public Ipv6Packet checkTransportOrThrow() throws MalformedPacketException {
        if (checkTransport() != null) {
            checkOrThrow(); // reports a failure of the fixed header itself
            throw new MalformedPacketException(WireError.UNSUPPORTED_IPV6_EXTENSION, nextHeader(), "6 (TCP) or 17 (UDP)");
        }
        return this;
    }

    public int version() {
        return (buffer[offset] >> 4) & 0xf;
    }

    public int trafficClass() {
        return (Bytes.u16(buffer, offset) >> 4) & 0xff;
    }

    public int flowLabel() {
        return Bytes.i32(buffer, offset) & 0xfffff;
    }

    public Ipv6Packet versionClassFlow(int trafficClass, int flowLabel) {
        Bytes.putI32(buffer, offset, (6 << 28) | ((trafficClass & 0xff) << 20) | (flowLabel & 0xfffff));
        return this;
    }

    public int payloadLength() {
        return Bytes.u16(buffer, offset + PAYLOAD_LENGTH_OFFSET);
    }

    public Ipv6Packet payloadLength(int v) {
        Bytes.putU16(buffer, offset + PAYLOAD_LENGTH_OFFSET, v);
        return this;
    }

    public int nextHeader() {
        return Bytes.u8(buffer, offset + NEXT_HEADER_OFFSET);
    }

    public Ipv6Packet nextHeader(int v) {
        Bytes.putU8(buffer, offset + NEXT_HEADER_OFFSET, v);
        return this;
    }

    public int hopLimit() {
        return Bytes.u8(buffer, offset + HOP_LIMIT_OFFSET);
    }

    public Ipv6Packet hopLimit(int v) {
        Bytes.putU8(buffer, offset + HOP_LIMIT_OFFSET, v);
        return this;
    }

    /** Absolute index of the source address (16 bytes) in {@link #buffer()}. */
    public int sourceOffset() {
        return offset + SOURCE_OFFSET;
    }

    public int destinationOffset() {
        return offset + DESTINATION_OFFSET;
    }

    public Ipv6Packet source(byte[] address16) {
        System.arraycopy(address16, 0, buffer, offset + SOURCE_OFFSET, ADDRESS_LENGTH);
        return this;
    }

    public Ipv6Packet destination(byte[] address16) {
        System.arraycopy(address16, 0, buffer, offset + DESTINATION_OFFSET, ADDRESS_LENGTH);
        return this;
    }

    public int payloadOffset() {
        return offset + HEADER_LENGTH;
    }

    /** Total length of the IPv6 packet: header plus payload length. */
    public int totalLength() {
        return HEADER_LENGTH + payloadLength();
    }

    /** The TCP/UDP pseudo-header sum (RFC 8200 8.1). */
    public long pseudoHeaderSum() {
        return InternetChecksum.ipv6PseudoHeader(buffer, sourceOffset(), destinationOffset(), nextHeader(), payloadLength());
    }

    private static String address(byte[] b, int off) {
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 16; i += 2) {
            if (i > 0) {
                sb.append(':');
            }
            sb.append(Integer.toHexString(Bytes.u16(b, off + i)));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        if (check() != null) {
            return "IPv6[malformed " + length + " bytes]";
        }
        return "IPv6[" + address(buffer, sourceOffset()) + " > " + address(buffer, destinationOffset())
                + " next=" + nextHeader() + " plen=" + payloadLength() + " hlim=" + hopLimit() + "]";
    }
}
