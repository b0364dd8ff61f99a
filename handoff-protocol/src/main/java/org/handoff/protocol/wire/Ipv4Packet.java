package org.handoff.protocol.wire;

import org.handoff.protocol.checksum.InternetChecksum;

/**
 * A view over an IPv4 header and its payload (RFC 791).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |Type of Service|          Total Length         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Identification        |Flags|      Fragment Offset    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Source Address                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Destination Address                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options (IHL > 5)          |    Padding    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * Wrap, then {@link #check()} once on untrusted input; after a {@code null} result every
 * accessor is within bounds. {@link #check()} accepts frames longer than the total length
 * (Ethernet padding) and reports the IP packet's own extent through {@link #totalLength()}.
 */
public final class Ipv4Packet extends WireView<Ipv4Packet> {
    /** The version nibble of every IPv4 header. */
    public static final int VERSION = 4;

    public static final int VERSION_IHL_OFFSET = 0;
    public static final int TOS_OFFSET = 1;
    public static final int TOTAL_LENGTH_OFFSET = 2;
    public static final int IDENTIFICATION_OFFSET = 4;
    public static final int FLAGS_FRAGMENT_OFFSET = 6;
    public static final int TTL_OFFSET = 8;
    public static final int PROTOCOL_OFFSET = 9;
    public static final int CHECKSUM_OFFSET = 10;
    public static final int SOURCE_OFFSET = 12;
    public static final int DESTINATION_OFFSET = 16;
    public static final int MIN_HEADER_LENGTH = 20;
    public static final int MAX_HEADER_LENGTH = 60;
    public static final int MAX_TOTAL_LENGTH = 65535;

    public static final int FLAG_DONT_FRAGMENT = 0x4000;
    public static final int FLAG_MORE_FRAGMENTS = 0x2000;
    public static final int FRAGMENT_OFFSET_MASK = 0x1fff;

    /**
     * Checks version, header length and total length against the buffer. Fragments pass:
     * whether to accept one is the caller's policy ({@link #isFragment()}).
     *
     * @return {@code null} when valid, else the reason, with {@link #errorMeasured()} and
     *     {@link #errorExpected()} describing it
     */
    @Override
    public WireError check() {
        if (length < MIN_HEADER_LENGTH) {
            return fail(WireError.TRUNCATED_IP_HEADER, length, MIN_HEADER_LENGTH + "+ bytes");
        }
        if (version() != VERSION) {
            return fail(WireError.BAD_IP_VERSION, version(), "4");
        }
        int hl = headerLength();
        if (hl < MIN_HEADER_LENGTH || hl > length) {
            return fail(WireError.BAD_IHL, hl, MIN_HEADER_LENGTH + ".." + Math.min(MAX_HEADER_LENGTH, length) + " bytes");
        }
        int total = totalLength();
        if (total < hl || total > length) {
            return fail(WireError.BAD_TOTAL_LENGTH, total, hl + ".." + length + " bytes");
        }
        return null;
    }

    public int version() {
        return versionOf(buffer[offset + VERSION_IHL_OFFSET]);
    }

    /**
     * The IP version in a header's first byte, for code that holds only that byte (a native
     * buffer) or must tell IPv4 from anything else before wrapping a view.
     */
    public static int versionOf(byte versionAndHeaderLength) {
        return (versionAndHeaderLength >> 4) & 0xf;
    }

    public int headerLength() {
        return (buffer[offset] & 0xf) * 4;
    }

    public Ipv4Packet versionAndHeaderLength(int headerLength) {
        buffer[offset] = (byte) (0x40 | (headerLength / 4));
        return this;
    }

    public int tos() {
        return Bytes.u8(buffer, offset + TOS_OFFSET);
    }

    public Ipv4Packet tos(int tos) {
        Bytes.putU8(buffer, offset + TOS_OFFSET, tos);
        return this;
    }

    public int totalLength() {
        return Bytes.u16(buffer, offset + TOTAL_LENGTH_OFFSET);
    }

    public Ipv4Packet totalLength(int totalLength) {
        Bytes.putU16(buffer, offset + TOTAL_LENGTH_OFFSET, totalLength);
        return this;
    }

    public int identification() {
        return Bytes.u16(buffer, offset + IDENTIFICATION_OFFSET);
    }

    public Ipv4Packet identification(int id) {
        Bytes.putU16(buffer, offset + IDENTIFICATION_OFFSET, id);
        return this;
    }

    public int flagsAndFragmentOffset() {
        return Bytes.u16(buffer, offset + FLAGS_FRAGMENT_OFFSET);
    }

    public Ipv4Packet flagsAndFragmentOffset(int v) {
        Bytes.putU16(buffer, offset + FLAGS_FRAGMENT_OFFSET, v);
        return this;
    }

    public boolean dontFragment() {
        return (flagsAndFragmentOffset() & FLAG_DONT_FRAGMENT) != 0;
    }

    /** True for any piece of a fragmented datagram: MF set or a non-zero offset. */
    public boolean isFragment() {
        return (flagsAndFragmentOffset() & (FLAG_MORE_FRAGMENTS | FRAGMENT_OFFSET_MASK)) != 0;
    }

    public int ttl() {
        return Bytes.u8(buffer, offset + TTL_OFFSET);
    }

    public Ipv4Packet ttl(int ttl) {
        Bytes.putU8(buffer, offset + TTL_OFFSET, ttl);
        return this;
    }

    public int protocol() {
        return Bytes.u8(buffer, offset + PROTOCOL_OFFSET);
    }

    public Ipv4Packet protocol(int protocol) {
        Bytes.putU8(buffer, offset + PROTOCOL_OFFSET, protocol);
        return this;
    }

    public int headerChecksum() {
        return Bytes.u16(buffer, offset + CHECKSUM_OFFSET);
    }

    public Ipv4Packet headerChecksum(int checksum) {
        Bytes.putU16(buffer, offset + CHECKSUM_OFFSET, checksum);
        return this;
    }

    public int source() {
        return Bytes.i32(buffer, offset + SOURCE_OFFSET);
    }

    public Ipv4Packet source(int address) {
        Bytes.putI32(buffer, offset + SOURCE_OFFSET, address);
        return this;
    }

    public int destination() {
        return Bytes.i32(buffer, offset + DESTINATION_OFFSET);
    }

    public Ipv4Packet destination(int address) {
        Bytes.putI32(buffer, offset + DESTINATION_OFFSET, address);
        return this;
    }

    /** Absolute index of the payload (the transport header) in {@link #buffer()}. */
    public int payloadOffset() {
        return offset + headerLength();
    }

    /** Payload length by the total length field, not the wrapped length. */
    public int payloadLength() {
        return totalLength() - headerLength();
    }

    /** The checksum this header should carry (its own checksum field counts as zero). */
    public int computeHeaderChecksum() {
        long sum = InternetChecksum.sum(buffer, offset, headerLength(), 0);
        sum -= headerChecksum();
        return InternetChecksum.fold(sum);
    }

    public Ipv4Packet fillHeaderChecksum() {
        return headerChecksum(computeHeaderChecksum());
    }

    public boolean verifyHeaderChecksum() {
        return InternetChecksum.verify(buffer, offset, headerLength(), 0);
    }

    /** The TCP/UDP pseudo-header sum for this packet's addresses, protocol and payload length. */
    public long pseudoHeaderSum() {
        return InternetChecksum.ipv4PseudoHeader(source(), destination(), protocol(), payloadLength());
    }

    @Override
    public String toString() {
        if (check() != null) {
            return "IPv4[malformed " + length + " bytes]";
        }
        return "IPv4[" + Bytes.ipv4ToString(source()) + " > " + Bytes.ipv4ToString(destination())
                + " proto=" + protocol() + " len=" + totalLength() + " id=" + identification()
                + " ttl=" + ttl() + (isFragment() ? " frag" : "") + "]";
    }
}
