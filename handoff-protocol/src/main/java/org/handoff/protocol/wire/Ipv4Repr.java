package org.handoff.protocol.wire;

/**
 * An IPv4 header's value for building packets: a 20-byte header (no IP options), don't-fragment
 * set by default as Linux sets it on TCP. Mutable and reusable, like {@link TcpRepr}.
 */
public final class Ipv4Repr {
    public int source;
    public int destination;
    public int protocol;
    public int ttl = 64;
    public int identification;
    public int tos;
    public boolean dontFragment = true;

    public Ipv4Repr set(int source, int destination, int protocol) {
        this.source = source;
        this.destination = destination;
        this.protocol = protocol;
        return this;
    }

    /** Writes the header for a payload of {@code payloadLength} bytes, checksum filled. Returns 20. */
    public int emit(byte[] b, int off, int payloadLength) {
        int total = Ipv4Packet.MIN_HEADER_LENGTH + payloadLength;
        if (total > Ipv4Packet.MAX_TOTAL_LENGTH) {
            throw new IllegalArgumentException("IPv4 total length " + total + " (expected: at most 65535)");
        }
        b[off] = 0x45;
        b[off + Ipv4Packet.TOS_OFFSET] = (byte) tos;
        Bytes.putU16(b, off + Ipv4Packet.TOTAL_LENGTH_OFFSET, total);
        Bytes.putU16(b, off + Ipv4Packet.IDENTIFICATION_OFFSET, identification);
        Bytes.putU16(b, off + Ipv4Packet.FLAGS_FRAGMENT_OFFSET, dontFragment ? Ipv4Packet.FLAG_DONT_FRAGMENT : 0);
        b[off + Ipv4Packet.TTL_OFFSET] = (byte) ttl;
        b[off + Ipv4Packet.PROTOCOL_OFFSET] = (byte) protocol;
        Bytes.putU16(b, off + Ipv4Packet.CHECKSUM_OFFSET, 0);
        Bytes.putI32(b, off + Ipv4Packet.SOURCE_OFFSET, source);
        Bytes.putI32(b, off + Ipv4Packet.DESTINATION_OFFSET, destination);
        Bytes.putU16(b, off + Ipv4Packet.CHECKSUM_OFFSET,
                org.handoff.protocol.checksum.InternetChecksum.compute(b, off, Ipv4Packet.MIN_HEADER_LENGTH));
        return Ipv4Packet.MIN_HEADER_LENGTH;
    }
}
