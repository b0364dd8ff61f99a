package org.handoff.director.io;

import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.EthernetFrame;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.Ipv6Packet;

/**
 * Finds the IP packet inside a captured frame: strips the link header of the capture's link
 * type, keeps only frames addressed to this host when asked to, and cuts the frame to the IP
 * packet's own length (Ethernet pads short frames to 60 bytes). Frames it cannot use are
 * counted by reason and dropped; checksums are never looked at.
 *
 * <p>Usage per frame: {@code if (decoder.decode(frame, 0, caplen)) handler.onPacket(frame,
 * decoder.ipOffset(), decoder.ipLength(), ts)}. One decoder per source; not thread-safe.
 *
 * <h2>"Addressed to this host" (the kernel's PACKET_HOST)</h2>
 * A packet socket also sees the host's own output and, on a bridge port or a promiscuous NIC,
 * frames flooded to other hosts. The kernel marks each frame's type, but libpcap only exposes
 * it in the Linux cooked headers, so:
 * <ul>
 *   <li>Ethernet: the destination MAC must be the interface's own ({@code hostMac}); TCP to a
 *       VIP is never broadcast or multicast. Live captures also put {@code ether dst MAC} in
 *       the BPF filter so other hosts' frames never reach user space, and capture only inbound
 *       frames ({@code PCAP_D_IN}), which removes the host's own output;</li>
 *   <li>Linux cooked (SLL, SLL2): the header's packet type must be 0 (PACKET_HOST);</li>
 *   <li>raw IP (a TUN device): everything read is for this host.</li>
 * </ul>
 */
public final class LinkDecoder {
    /** libpcap DLT values as {@code pcap_datalink()} reports them on Linux. */
    public static final int DLT_EN10MB = 1;
    public static final int DLT_RAW = 12;
    public static final int DLT_RAW_BSD = 14;
    public static final int LINKTYPE_RAW = 101;
    public static final int DLT_LINUX_SLL = 113;
    public static final int DLT_IPV4 = 228;
    public static final int DLT_IPV6 = 229;
    public static final int DLT_LINUX_SLL2 = 276;

    public static final int ETHERNET_HEADER_LENGTH = EthernetFrame.HEADER_LENGTH;
    /**
     * Linux cooked capture (SLL), libpcap's pseudo link header: packet type (2 bytes), ARPHRD
     * type (2), link-layer address length (2) and address (8), protocol as an EtherType (2).
     */
    public static final int SLL_HEADER_LENGTH = 16;
    static final int SLL_PACKET_TYPE_OFFSET = 0;
    static final int SLL_PROTOCOL_OFFSET = 14;
    /**
     * Linux cooked capture v2 (SLL2): protocol as an EtherType (2 bytes), reserved (2),
     * interface index (4), ARPHRD type (2), packet type (1), address length (1), address (8).
     */
    public static final int SLL2_HEADER_LENGTH = 20;
    static final int SLL2_PROTOCOL_OFFSET = 0;
    static final int SLL2_PACKET_TYPE_OFFSET = 10;
    /** No MAC check ({@code hostMac} argument). */
    public static final long ANY_MAC = -1L;

    /** The cooked headers' packet type of a frame addressed to this host. */
    private static final int PACKET_HOST = 0;

    private final int linkType;
    private final boolean hostOnly;
    private final long hostMac;
    private final EthernetFrame ethernet = new EthernetFrame();
    private final Ipv4Packet ipv4 = new Ipv4Packet();
    private final Ipv6Packet ipv6 = new Ipv6Packet();

    private int ipOffset;
    private int ipLength;

    private long notIp;
    private long notForHost;
    private long truncated;
    private long malformedIp;

    /**
     * @param linkType the capture's DLT ({@link #isSupported(int)} must hold)
     * @param hostOnly keep only frames addressed to this host (see the class comment)
     * @param hostMac the interface's MAC as 48 bits, or {@link #ANY_MAC}; used for Ethernet
     *     when {@code hostOnly}
     */
    public LinkDecoder(int linkType, boolean hostOnly, long hostMac) {
        if (!isSupported(linkType)) {
            throw new IllegalArgumentException("link type=" + linkType + " " + describe(linkType)
                    + " (expected: Ethernet 1, Linux cooked 113 or 276, raw IP 12, 14, 101, 228, 229)");
        }
        this.linkType = linkType;
        this.hostOnly = hostOnly;
        this.hostMac = hostMac;
    }

    public static boolean isSupported(int linkType) {
        switch (linkType) {
            case DLT_EN10MB, DLT_RAW, DLT_RAW_BSD, LINKTYPE_RAW, DLT_LINUX_SLL, DLT_IPV4, DLT_IPV6, DLT_LINUX_SLL2:
                return true;
            default:
                return false;
        }
    }

    public static String describe(int linkType) {
        switch (linkType) {
            case DLT_EN10MB: return "(Ethernet)";
            case DLT_RAW, DLT_RAW_BSD, LINKTYPE_RAW: return "(raw IP)";
            case DLT_IPV4: return "(raw IPv4)";
            case DLT_IPV6: return "(raw IPv6)";
            case DLT_LINUX_SLL: return "(Linux cooked)";
            case DLT_LINUX_SLL2: return "(Linux cooked v2)";
            default: return "(unsupported)";
        }
    }

    /**
     * Decodes one frame of {@code length} captured bytes at {@code frame[offset]}.
     *
     * @return true when it carries an IP packet for us: then {@link #ipOffset()} and
     *     {@link #ipLength()} locate it; false when dropped (and counted)
     */
    public boolean decode(byte[] frame, int offset, int length) {
        int l3;
        switch (linkType) {
            case DLT_EN10MB: {
                if (length < EthernetFrame.HEADER_LENGTH) {
                    truncated++;
                    return false;
                }
                ethernet.wrap(frame, offset, length);
                if (hostOnly && hostMac != ANY_MAC && ethernet.destinationMac() != hostMac) {
                    notForHost++;
                    return false;
                }
                if (!isIp(ethernet.etherType())) {
                    notIp++;
                    return false;
                }
                l3 = EthernetFrame.HEADER_LENGTH;
                break;
            }
            case DLT_LINUX_SLL: {
                if (length < SLL_HEADER_LENGTH) {
                    truncated++;
                    return false;
                }
                if (hostOnly && Bytes.u16(frame, offset + SLL_PACKET_TYPE_OFFSET) != PACKET_HOST) {
                    notForHost++;
                    return false;
                }
                if (!isIp(Bytes.u16(frame, offset + SLL_PROTOCOL_OFFSET))) {
                    notIp++;
                    return false;
                }
                l3 = SLL_HEADER_LENGTH;
                break;
            }
            case DLT_LINUX_SLL2: {
                if (length < SLL2_HEADER_LENGTH) {
                    truncated++;
                    return false;
                }
                if (hostOnly && Bytes.u8(frame, offset + SLL2_PACKET_TYPE_OFFSET) != PACKET_HOST) {
                    notForHost++;
                    return false;
                }
                if (!isIp(Bytes.u16(frame, offset + SLL2_PROTOCOL_OFFSET))) {
                    notIp++;
                    return false;
                }
                l3 = SLL2_HEADER_LENGTH;
                break;
            }
            default: // the raw IP types
                l3 = 0;
        }
        return cutIp(frame, offset + l3, length - l3);
    }

    private static boolean isIp(int etherType) {
        return etherType == EthernetFrame.ETHERTYPE_IPV4 || etherType == EthernetFrame.ETHERTYPE_IPV6;
    }

    private boolean cutIp(byte[] b, int off, int avail) {
        if (avail < 1) {
            truncated++;
            return false;
        }
        // The version nibble is the first of both headers: read it through the IPv4 view.
        int version = ipv4.wrap(b, off, avail).version();
        int total;
        if (version == 4) {
            if (avail < Ipv4Packet.MIN_HEADER_LENGTH) {
                truncated++;
                return false;
            }
            total = ipv4.totalLength();
            if (total < Ipv4Packet.MIN_HEADER_LENGTH || total < ipv4.headerLength()) {
                malformedIp++;
                return false;
            }
        } else if (version == 6) {
            if (avail < Ipv6Packet.HEADER_LENGTH) {
                truncated++;
                return false;
            }
            int payload = ipv6.wrap(b, off, avail).payloadLength();
            if (payload == 0) { // a jumbogram (hop-by-hop option) or nonsense: not ours either way
                malformedIp++;
                return false;
            }
            total = Ipv6Packet.HEADER_LENGTH + payload;
        } else {
            notIp++;
            return false;
        }
        if (total > avail) {
            truncated++; // snaplen or ring frame shorter than the packet: never hand on a part
            return false;
        }
        ipOffset = off;
        ipLength = total;
        return true;
    }

    /** Parses "aa:bb:cc:dd:ee:ff" into 48 bits. */
    public static long parseMac(String mac) {
        String[] parts = mac.split(":", -1);
        if (parts.length != 6) {
            throw new IllegalArgumentException("MAC '" + mac + "' (expected: aa:bb:cc:dd:ee:ff)");
        }
        long v = 0;
        for (String p : parts) {
            if (p.length() != 2) {
                throw new IllegalArgumentException("MAC '" + mac + "' (expected: aa:bb:cc:dd:ee:ff)");
            }
            try {
                v = (v << 8) | Integer.parseInt(p, 16);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("MAC '" + mac + "' (expected: aa:bb:cc:dd:ee:ff)");
            }
        }
        return v;
    }

    public static long macFromBytes(byte[] mac) {
        if (mac == null || mac.length != 6) {
            throw new IllegalArgumentException("MAC of " + (mac == null ? "no" : mac.length) + " bytes (expected: 6)");
        }
        long v = 0;
        for (byte x : mac) {
            v = (v << 8) | (x & 0xff);
        }
        return v;
    }

    public static String macToString(long mac) {
        return String.format("%02x:%02x:%02x:%02x:%02x:%02x", (mac >>> 40) & 0xff, (mac >>> 32) & 0xff,
                (mac >>> 24) & 0xff, (mac >>> 16) & 0xff, (mac >>> 8) & 0xff, mac & 0xff);
    }

    public static void putMac(byte[] b, int off, long mac) {
        for (int i = 0; i < 6; i++) {
            b[off + i] = (byte) (mac >>> (40 - 8 * i));
        }
    }

    public int linkType() {
        return linkType;
    }

    /** Absolute index of the IP header of the last frame accepted. */
    public int ipOffset() {
        return ipOffset;
    }

    /** IP length of the last frame accepted (the frame's padding excluded). */
    public int ipLength() {
        return ipLength;
    }

    /** Frames that are not IPv4/IPv6 (ARP, VLAN-tagged, other EtherTypes, bad version). */
    public long notIp() {
        return notIp;
    }

    /** Frames for another host or from this host (wrong MAC, SLL packet type not HOST). */
    public long notForHost() {
        return notForHost;
    }

    /** Frames shorter than their headers or than the IP total length (snaplen, ring slot). */
    public long truncated() {
        return truncated;
    }

    /** IP headers whose length fields are impossible. */
    public long malformedIp() {
        return malformedIp;
    }

    public long dropped() {
        return notIp + notForHost + truncated + malformedIp;
    }
}
