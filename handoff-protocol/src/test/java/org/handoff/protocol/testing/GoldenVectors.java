package org.handoff.protocol.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The golden packet captures under {@code src/test/resources/vectors/} (see the README there for
 * how each was recorded), loaded from the classpath, plus the step every user needs: the IP
 * packet out of an Ethernet frame.
 *
 * <p>Each call reads the file again and returns fresh arrays, so a test may rewrite the packets
 * it gets without affecting another test.
 */
public final class GoldenVectors {
    /** Classpath folder holding the captures. */
    public static final String RESOURCE_DIR = "/vectors/";

    public static final String IPV4_HTTP_ALL_OPTIONS = "ipv4-http-all-options.pcap";
    public static final String IPV4_HTTP_NO_TS = "ipv4-http-no-ts.pcap";
    public static final String IPV4_HTTP_NO_SACK = "ipv4-http-no-sack.pcap";
    public static final String IPV4_HTTP_NO_WSCALE = "ipv4-http-no-wscale.pcap";
    public static final String IPV4_HTTP_NO_OPTIONS = "ipv4-http-no-options.pcap";
    public static final String IPV4_HTTP_POST = "ipv4-http-post.pcap";
    public static final String IPV6_HTTP_ALL_OPTIONS = "ipv6-http-all-options.pcap";
    public static final String IPV4_SACK_BLOCKS = "ipv4-sack-blocks.pcap";
    public static final String IPV4_SACK_BLOCKS_NO_TS = "ipv4-sack-blocks-no-ts.pcap";
    public static final String IPV4_UDP = "ipv4-udp.pcap";

    /**
     * Frames read from a TUN attached with offloads (IFF_VNET_HDR, TUN_F_CSUM|TUN_F_TSO4) during
     * a 64 KB download from nginx: link type {@link #LINKTYPE_VNET_IPV4}, each record the 10-byte
     * virtio-net header then the IPv4 packet (README: "tun-vnet-tso.pcap"). Not in {@link #ALL}.
     */
    public static final String TUN_VNET_TSO = "tun-vnet-tso.pcap";
    /**
     * A GET and a POST recorded with the client's offloads on, as tcpdump on a client host sees
     * them (README: "ipv4-http-offload.pcap"): every client packet carries a partial TCP
     * checksum, the POST's in TSO super-segments. Not in {@link #ALL}, whose checksums all verify.
     */
    public static final String IPV4_HTTP_OFFLOAD = "ipv4-http-offload.pcap";
    /** pcap link type DLT_USER0, used for {@link #TUN_VNET_TSO}: virtio-net header + IPv4 packet. */
    public static final int LINKTYPE_VNET_IPV4 = 147;

    /** Every committed Ethernet capture ({@link #TUN_VNET_TSO} is apart: it holds TUN frames). */
    public static final List<String> ALL = List.of(
            IPV4_HTTP_ALL_OPTIONS, IPV4_HTTP_NO_TS, IPV4_HTTP_NO_SACK, IPV4_HTTP_NO_WSCALE,
            IPV4_HTTP_NO_OPTIONS, IPV4_HTTP_POST, IPV6_HTTP_ALL_OPTIONS, IPV4_SACK_BLOCKS,
            IPV4_SACK_BLOCKS_NO_TS, IPV4_UDP);

    /** Lab addresses the captures were made with (README: "How they were made"). */
    public static final String CLIENT_IPV4 = "198.18.200.1";
    public static final String SERVER_IPV4 = "198.18.200.2";
    public static final String CLIENT_IPV6 = "fd00:198:18::1";
    public static final String SERVER_IPV6 = "fd00:198:18::2";

    public static final int ETHERNET_HEADER_LENGTH = 14;
    public static final int ETHERTYPE_IPV4 = 0x0800;
    public static final int ETHERTYPE_IPV6 = 0x86dd;
    public static final int IPV6_HEADER_LENGTH = 40;

    private GoldenVectors() {
    }

    /**
     * Reads a capture from {@link #RESOURCE_DIR} on the classpath.
     *
     * @throws IllegalArgumentException if there is no such resource
     * @throws UncheckedIOException     if it cannot be read or is not a valid pcap file
     */
    public static PcapFile load(String name) {
        String resource = RESOURCE_DIR + name;
        try (InputStream in = GoldenVectors.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no golden vector '" + resource + "' on the classpath (expected one of " + ALL
                        + ", " + TUN_VNET_TSO + " or " + IPV4_HTTP_OFFLOAD + ")");
            }
            return PcapFile.read(in);
        } catch (IOException e) {
            throw new UncheckedIOException(resource + ": " + e.getMessage(), e);
        }
    }

    /** The frames (virtio-net header + IPv4 packet) of {@link #TUN_VNET_TSO}, fresh arrays. */
    public static List<byte[]> vnetFrames() {
        PcapFile file = load(TUN_VNET_TSO);
        if (file.linkType() != LINKTYPE_VNET_IPV4) {
            throw new IllegalArgumentException(TUN_VNET_TSO + ": link type " + file.linkType() + " (expected: " + LINKTYPE_VNET_IPV4 + ")");
        }
        List<byte[]> frames = new ArrayList<>(file.records().size());
        for (PcapRecord r : file.records()) {
            frames.add(r.copyOfData());
        }
        return frames;
    }

    /** The records of a capture. */
    public static List<PcapRecord> records(String name) {
        return load(name).records();
    }

    /** The IP packet of every frame of an Ethernet capture, in order (see {@link #ipPacket}). */
    public static List<byte[]> ipPackets(String name) {
        PcapFile file = load(name);
        if (file.linkType() != PcapFile.LINKTYPE_ETHERNET) {
            throw new IllegalArgumentException(name + ": link type " + file.linkType()
                    + " (expected: " + PcapFile.LINKTYPE_ETHERNET + ", Ethernet)");
        }
        List<byte[]> packets = new ArrayList<>(file.records().size());
        for (PcapRecord r : file.records()) {
            packets.add(ipPacket(r.data()));
        }
        return packets;
    }

    /**
     * The IPv4 or IPv6 packet inside an untagged Ethernet II frame: the 14-byte header stripped
     * and the result cut to the IPv4 total length (or 40 + the IPv6 payload length), dropping any
     * Ethernet padding. A new array; the frame is not changed.
     *
     * @throws IllegalArgumentException if the frame is too short, is not IPv4/IPv6 (VLAN tags
     *                                  included), or holds fewer bytes than its IP length says
     */
    public static byte[] ipPacket(byte[] frame) {
        if (frame.length < ETHERNET_HEADER_LENGTH) {
            throw new IllegalArgumentException("Ethernet frame: " + frame.length + " bytes (expected: "
                    + ETHERNET_HEADER_LENGTH + "+)");
        }
        int etherType = ((frame[12] & 0xff) << 8) | (frame[13] & 0xff);
        int available = frame.length - ETHERNET_HEADER_LENGTH;
        int ipLength;
        if (etherType == ETHERTYPE_IPV4) {
            if (available < 20) {
                throw new IllegalArgumentException("IPv4 header: " + available + " bytes (expected: 20+)");
            }
            ipLength = ((frame[16] & 0xff) << 8) | (frame[17] & 0xff);
            if (ipLength < 20) {
                throw new IllegalArgumentException("IPv4 total length " + ipLength + " (expected: 20+)");
            }
        } else if (etherType == ETHERTYPE_IPV6) {
            if (available < IPV6_HEADER_LENGTH) {
                throw new IllegalArgumentException("IPv6 header: " + available + " bytes (expected: 40+)");
            }
            ipLength = IPV6_HEADER_LENGTH + (((frame[18] & 0xff) << 8) | (frame[19] & 0xff));
        } else {
            throw new IllegalArgumentException(String.format("EtherType 0x%04x (expected: 0x0800 IPv4 or 0x86dd IPv6)", etherType));
        }
        if (ipLength > available) {
            throw new IllegalArgumentException("IP length field " + ipLength + " against " + available
                    + " bytes after the Ethernet header (expected: <= " + available + ")");
        }
        byte[] packet = new byte[ipLength];
        System.arraycopy(frame, ETHERNET_HEADER_LENGTH, packet, 0, ipLength);
        return packet;
    }
}
