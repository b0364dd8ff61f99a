package org.handoff.protocol.wire;

/**
 * A view over the 10-byte {@code struct virtio_net_hdr} that a Linux TUN device opened with
 * {@code IFF_VNET_HDR} puts in front of every packet it hands out and expects in front of every
 * packet written to it (include/uapi/linux/virtio_net.h; docs/agent-link.md, "The vnet header").
 *
 * <pre>
 *  0               1               2               3
 *  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
 * +---------------+---------------+-------------------------------+
 * |     flags     |   gso_type    |        hdr_len (LE16)         |
 * +---------------+---------------+-------------------------------+
 * |        gso_size (LE16)        |       csum_start (LE16)       |
 * +-------------------------------+-------------------------------+
 * |       csum_offset (LE16)      |  the IP packet follows ...
 * +-------------------------------+
 * </pre>
 *
 * <ul>
 *   <li><b>flags</b>: {@link #F_NEEDS_CSUM} means the checksum at {@code csum_start +
 *       csum_offset} is <em>partial</em> (the kernel's {@code CHECKSUM_PARTIAL}): the field holds
 *       only the folded pseudo-header sum, and whoever sends the packet completes it by summing
 *       from {@code csum_start} to the end. {@link #F_DATA_VALID}: the checksum was verified.
 *   <li><b>gso_type</b>: {@link #GSO_NONE} for one packet; {@link #GSO_TCPV4} for a TCP
 *       super-segment the receiver of it cuts into {@code gso_size}-byte payloads (TSO), with
 *       {@link #GSO_ECN} or-ed in when CWR must go on the first piece only.
 *   <li><b>hdr_len</b>: the length of the headers (for a packet the kernel hands out it may be
 *       larger: the linear part of its buffer); never more than the packet.
 *   <li>Multi-byte fields are little-endian: the TUN uses the host's byte order for the legacy
 *       header unless told otherwise, and the agent runs on little-endian hosts only.
 * </ul>
 *
 * <p>{@link #wrap} covers the header <em>and</em> the packet after it, so {@link #check()} can
 * relate the header's lengths to the packet's; {@link #checkTcpv4} then relates them to the
 * parsed IPv4/TCP headers. A header that fails either is dropped and counted by reason: it would
 * make the rewriter change the wrong bytes or the kernel refuse or mis-cut the packet.
 */
public final class VirtioNetHeader extends WireView<VirtioNetHeader> {
    public static final int LENGTH = 10;

    public static final int FLAGS_OFFSET = 0;
    public static final int GSO_TYPE_OFFSET = 1;
    public static final int HDR_LEN_OFFSET = 2;
    public static final int GSO_SIZE_OFFSET = 4;
    public static final int CSUM_START_OFFSET = 6;
    public static final int CSUM_OFFSET_OFFSET = 8;

    public static final int F_NEEDS_CSUM = 0x01;
    public static final int F_DATA_VALID = 0x02;
    /** Flags a header from a TUN may carry; {@code VIRTIO_NET_HDR_F_RSC_INFO} (4) never comes from one. */
    public static final int KNOWN_FLAGS = F_NEEDS_CSUM | F_DATA_VALID;

    public static final int GSO_NONE = 0;
    public static final int GSO_TCPV4 = 1;
    public static final int GSO_UDP = 3;
    public static final int GSO_TCPV6 = 4;
    public static final int GSO_UDP_L4 = 5;
    public static final int GSO_ECN = 0x80;

    /** The packet after the header: its absolute offset in {@link #buffer()}. */
    public int packetOffset() {
        return offset + LENGTH;
    }

    /** The packet after the header: its length (the wrapped length less the header). */
    public int packetLength() {
        return length - LENGTH;
    }

    /**
     * The header's own consistency and its lengths against the packet that follows it.
     *
     * @return {@code null} when valid, else the reason
     */
    @Override
    public WireError check() {
        if (length < LENGTH) {
            return fail(WireError.TRUNCATED_VNET_HEADER, length, LENGTH + "+ bytes");
        }
        int flags = flags();
        if ((flags & ~KNOWN_FLAGS) != 0 || flags == (F_NEEDS_CSUM | F_DATA_VALID)) {
            return fail(WireError.BAD_VNET_FLAGS, flags, "0, NEEDS_CSUM (1) or DATA_VALID (2)");
        }
        int packet = packetLength();
        int gso = gsoKind();
        if (gso != GSO_NONE && gso != GSO_TCPV4 || gso == GSO_NONE && ecn()) {
            return fail(WireError.UNSUPPORTED_GSO_TYPE, gsoType(), "NONE (0), TCPV4 (1), TCPV4|ECN (0x81)");
        }
        if (gso != GSO_NONE) {
            if (gsoSize() == 0) {
                return fail(WireError.GSO_SIZE_ZERO, 0, "1+ for a GSO packet");
            }
            if (!needsChecksum()) {
                return fail(WireError.GSO_WITHOUT_PARTIAL_CHECKSUM, flags, "NEEDS_CSUM set on a GSO packet");
            }
        }
        if (hdrLen() > packet) {
            return fail(WireError.VNET_HDR_LEN_BEYOND_PACKET, hdrLen(), "at most the packet's " + packet + " bytes");
        }
        if (needsChecksum() && csumStart() + csumOffset() + 2 > packet) {
            return fail(WireError.CHECKSUM_START_OUT_OF_RANGE, csumStart() + csumOffset() + 2L,
                    "at most the packet's " + packet + " bytes");
        }
        return null;
    }

    /**
     * The header against the parsed packet after {@link #check()}: a partial checksum must be
     * the TCP checksum (csum_start at the TCP header, csum_offset 16), which is the only one the
     * transform core knows how to keep right, and a TCPV4 super-segment must be IPv4/TCP.
     *
     * @param isIpv4Tcp        the packet is an unfragmented IPv4/TCP packet
     * @param ipHeaderLength   its IPv4 header length (where TCP starts)
     */
    public WireError checkTcpv4(boolean isIpv4Tcp, int ipHeaderLength) {
        if (gsoKind() == GSO_TCPV4 && !isIpv4Tcp) {
            return fail(WireError.GSO_NOT_TCPV4, gsoType(), "an IPv4/TCP packet");
        }
        if (needsChecksum() && (!isIpv4Tcp || csumStart() != ipHeaderLength || csumOffset() != TcpSegment.CHECKSUM_OFFSET)) {
            return fail(WireError.PARTIAL_CHECKSUM_NOT_TCP, ((long) csumStart() << 16) | csumOffset(),
                    "csum_start " + ipHeaderLength + ", csum_offset " + TcpSegment.CHECKSUM_OFFSET);
        }
        return null;
    }

    public int flags() {
        return buffer[offset + FLAGS_OFFSET] & 0xff;
    }

    public VirtioNetHeader flags(int flags) {
        buffer[offset + FLAGS_OFFSET] = (byte) flags;
        return this;
    }

    public boolean needsChecksum() {
        return (flags() & F_NEEDS_CSUM) != 0;
    }

    /** The raw gso_type byte, ECN bit included. */
    public int gsoType() {
        return buffer[offset + GSO_TYPE_OFFSET] & 0xff;
    }

    public VirtioNetHeader gsoType(int gsoType) {
        buffer[offset + GSO_TYPE_OFFSET] = (byte) gsoType;
        return this;
    }

    /** The GSO type without the ECN bit. */
    public int gsoKind() {
        return gsoType() & ~GSO_ECN;
    }

    public boolean ecn() {
        return (gsoType() & GSO_ECN) != 0;
    }

    public boolean isGso() {
        return gsoKind() != GSO_NONE;
    }

    public int hdrLen() {
        return le16(HDR_LEN_OFFSET);
    }

    public VirtioNetHeader hdrLen(int v) {
        return putLe16(HDR_LEN_OFFSET, v);
    }

    public int gsoSize() {
        return le16(GSO_SIZE_OFFSET);
    }

    public VirtioNetHeader gsoSize(int v) {
        return putLe16(GSO_SIZE_OFFSET, v);
    }

    /** Where the checksummed range starts, from the start of the packet (the IP header). */
    public int csumStart() {
        return le16(CSUM_START_OFFSET);
    }

    public VirtioNetHeader csumStart(int v) {
        return putLe16(CSUM_START_OFFSET, v);
    }

    /** Where the checksum field is, from {@link #csumStart()}. */
    public int csumOffset() {
        return le16(CSUM_OFFSET_OFFSET);
    }

    public VirtioNetHeader csumOffset(int v) {
        return putLe16(CSUM_OFFSET_OFFSET, v);
    }

    /** All ten bytes zero: one packet, checksums complete (what an injected packet carries). */
    public VirtioNetHeader clear() {
        for (int i = 0; i < LENGTH; i++) {
            buffer[offset + i] = 0;
        }
        return this;
    }

    private int le16(int at) {
        return (buffer[offset + at] & 0xff) | (buffer[offset + at + 1] & 0xff) << 8;
    }

    private VirtioNetHeader putLe16(int at, int v) {
        buffer[offset + at] = (byte) v;
        buffer[offset + at + 1] = (byte) (v >>> 8);
        return this;
    }

    @Override
    public String toString() {
        if (length < LENGTH) {
            return "VirtioNetHeader[truncated " + length + " bytes]";
        }
        return "VirtioNetHeader[flags=" + flags() + " gso_type=" + gsoType() + " hdr_len=" + hdrLen() + " gso_size=" + gsoSize()
                + " csum_start=" + csumStart() + " csum_offset=" + csumOffset() + " packet=" + packetLength() + "]";
    }
}
