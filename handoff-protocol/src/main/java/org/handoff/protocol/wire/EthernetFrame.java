package org.handoff.protocol.wire;

/**
 * A view over an Ethernet II frame.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  Destination MAC (6 bytes)                    |
 * +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               |                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+      Source MAC (6 bytes)     +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           EtherType           |   Payload ...
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * VLAN tags are not parsed: the director and agent bind to untagged interfaces, and a tagged
 * frame is reported as an unsupported EtherType rather than misread.
 */
public final class EthernetFrame extends WireView<EthernetFrame> {
    public static final int DESTINATION_OFFSET = 0;
    public static final int SOURCE_OFFSET = 6;
    public static final int ETHERTYPE_OFFSET = 12;
    public static final int HEADER_LENGTH = 14;

    public static final int ETHERTYPE_IPV4 = 0x0800;
    public static final int ETHERTYPE_IPV6 = 0x86dd;

    /** Length and EtherType checks; {@code null} when the frame carries IPv4 or IPv6. */
    @Override
    public WireError check() {
        if (length < HEADER_LENGTH) {
            return fail(WireError.TRUNCATED_ETHERNET, length, HEADER_LENGTH + "+ bytes");
        }
        int type = etherType();
        if (type != ETHERTYPE_IPV4 && type != ETHERTYPE_IPV6) {
            return fail(WireError.UNSUPPORTED_ETHERTYPE, type, "0x0800 or 0x86dd");
        }
        return null;
    }

    public int etherType() {
        return Bytes.u16(buffer, offset + ETHERTYPE_OFFSET);
    }

    public EthernetFrame etherType(int type) {
        Bytes.putU16(buffer, offset + ETHERTYPE_OFFSET, type);
        return this;
    }

    public EthernetFrame destination(byte[] mac) {
        System.arraycopy(mac, 0, buffer, offset + DESTINATION_OFFSET, 6);
        return this;
    }

    public EthernetFrame source(byte[] mac) {
        System.arraycopy(mac, 0, buffer, offset + SOURCE_OFFSET, 6);
        return this;
    }

    /** Sets the destination from a MAC held in the low 48 bits, as {@link #destinationMac()} returns it. */
    public EthernetFrame destinationMac(long mac) {
        Bytes.putU16(buffer, offset + DESTINATION_OFFSET, (int) (mac >>> 32));
        Bytes.putI32(buffer, offset + DESTINATION_OFFSET + 2, (int) mac);
        return this;
    }

    /** Sets the source from a MAC held in the low 48 bits, as {@link #sourceMac()} returns it. */
    public EthernetFrame sourceMac(long mac) {
        Bytes.putU16(buffer, offset + SOURCE_OFFSET, (int) (mac >>> 32));
        Bytes.putI32(buffer, offset + SOURCE_OFFSET + 2, (int) mac);
        return this;
    }

    public long destinationMac() {
        return ((long) Bytes.u16(buffer, offset) << 32) | (Bytes.i32(buffer, offset + 2) & 0xffffffffL);
    }

    public long sourceMac() {
        return ((long) Bytes.u16(buffer, offset + 6) << 32) | (Bytes.i32(buffer, offset + 8) & 0xffffffffL);
    }

    /** Absolute index of the payload (the IP header) in {@link #buffer()}. */
    public int payloadOffset() {
        return offset + HEADER_LENGTH;
    }

    public int payloadLength() {
        return length - HEADER_LENGTH;
    }

    @Override
    public String toString() {
        if (length < HEADER_LENGTH) {
            return "Ethernet[truncated " + length + " bytes]";
        }
        return String.format("Ethernet[%012x > %012x type=0x%04x len=%d]", sourceMac(), destinationMac(), etherType(), length);
    }
}
