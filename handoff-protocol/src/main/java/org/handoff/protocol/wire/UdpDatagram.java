package org.handoff.protocol.wire;

import org.handoff.protocol.checksum.InternetChecksum;

/**
 * A view over a UDP header and payload (RFC 768).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |            Length             |           Checksum            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                          Payload ...
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * A transmitted checksum of zero means "none" over IPv4; a computed zero is sent as 0xffff.
 */
public final class UdpDatagram extends WireView<UdpDatagram> {
    public static final int SOURCE_PORT_OFFSET = 0;
    public static final int DESTINATION_PORT_OFFSET = 2;
    public static final int LENGTH_OFFSET = 4;
    public static final int CHECKSUM_OFFSET = 6;
    public static final int HEADER_LENGTH = 8;

    /** The UDP length field against the wrapped length; {@code null} when valid. */
    @Override
    public WireError check() {
        if (length < HEADER_LENGTH) {
            return fail(WireError.TRUNCATED_UDP_HEADER, length, HEADER_LENGTH + "+ bytes");
        }
        int udpLength = udpLength();
        if (udpLength < HEADER_LENGTH || udpLength > length) {
            return fail(WireError.BAD_UDP_LENGTH, udpLength, HEADER_LENGTH + ".." + length + " bytes");
        }
        return null;
    }

    public int sourcePort() {
        return Bytes.u16(buffer, offset + SOURCE_PORT_OFFSET);
    }

    public UdpDatagram sourcePort(int port) {
        Bytes.putU16(buffer, offset + SOURCE_PORT_OFFSET, port);
        return this;
    }

    public int destinationPort() {
        return Bytes.u16(buffer, offset + DESTINATION_PORT_OFFSET);
    }

    public UdpDatagram destinationPort(int port) {
        Bytes.putU16(buffer, offset + DESTINATION_PORT_OFFSET, port);
        return this;
    }

    public int udpLength() {
        return Bytes.u16(buffer, offset + LENGTH_OFFSET);
    }

    public UdpDatagram udpLength(int v) {
        Bytes.putU16(buffer, offset + LENGTH_OFFSET, v);
        return this;
    }

    public int checksum() {
        return Bytes.u16(buffer, offset + CHECKSUM_OFFSET);
    }

    public UdpDatagram checksum(int v) {
        Bytes.putU16(buffer, offset + CHECKSUM_OFFSET, v);
        return this;
    }

    public int payloadOffset() {
        return offset + HEADER_LENGTH;
    }

    public int payloadLength() {
        return udpLength() - HEADER_LENGTH;
    }

    public int computeChecksum(long pseudoHeaderSum) {
        int c = InternetChecksum.transport(buffer, offset, udpLength(), offset + CHECKSUM_OFFSET, pseudoHeaderSum);
        return c == 0 ? 0xffff : c;
    }

    public UdpDatagram fillChecksum(long pseudoHeaderSum) {
        return checksum(computeChecksum(pseudoHeaderSum));
    }

    /** True when the checksum verifies, or is absent (zero) as IPv4 allows. */
    public boolean verifyChecksum(long pseudoHeaderSum) {
        return checksum() == 0 || InternetChecksum.verify(buffer, offset, udpLength(), pseudoHeaderSum);
    }

    @Override
    public String toString() {
        if (check() != null) {
            return "UDP[malformed " + length + " bytes]";
        }
        return "UDP[" + sourcePort() + " > " + destinationPort() + " len=" + udpLength() + "]";
    }
}
