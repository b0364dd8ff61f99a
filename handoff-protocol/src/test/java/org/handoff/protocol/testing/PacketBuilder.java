package org.handoff.protocol.testing;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import org.handoff.protocol.checksum.InternetChecksum;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.EthernetFrame;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.Ipv4Repr;
import org.handoff.protocol.wire.Ipv6Packet;
import org.handoff.protocol.wire.PacketEmitter;
import org.handoff.protocol.wire.TcpRepr;
import org.handoff.protocol.wire.TcpSegment;
import org.handoff.protocol.wire.UdpDatagram;
import org.handoff.protocol.wire.VirtioNetHeader;

/**
 * The one builder of test packets: IPv4 or IPv6 TCP with options and payload, IPv4 UDP, in an
 * Ethernet frame or behind a virtio-net header when asked. It writes through the protocol
 * module's own emitter and views ({@link PacketEmitter}, {@link TcpRepr}, {@link Ipv4Repr},
 * {@link EthernetFrame}, {@link VirtioNetHeader}), so every checksum is valid unless a test asks
 * for a partial or a wrong one.
 *
 * <pre>
 * byte[] syn = PacketBuilder.tcp().from("198.18.0.1", 40000).to("198.18.1.1", 80)
 *         .flags(TcpSegment.SYN).seq(isn).linuxSynOptions().timestamps(1000, 0).build();
 * </pre>
 *
 * <p>Unset fields are zero and no option is present, as in a fresh {@link TcpRepr}; the IPv4
 * header is {@link Ipv4Repr}'s (TTL 64, don't-fragment, ID 0). MSS, window scale and
 * SACK-permitted are written only when SYN is set, as TCP sends them (RFC 9293 3.7.1, RFC 7323
 * 2.2, RFC 2018 2), so one builder serves a whole connection; lay out {@link #rawOptions} for
 * anything else. A builder is mutable and reusable: set what changes and build again.
 * {@link #build} returns a new array; {@link #buildInto} and {@link #frameInto} write into the
 * caller's buffer and allocate nothing, for benchmarks that build packets in their measured loop.
 */
public final class PacketBuilder {
    private static final byte[] NO_BYTES = new byte[0];

    private final Ipv4Repr ip = new Ipv4Repr();
    /** The TCP header's value; for UDP only its payload is used. */
    private final TcpRepr tcp = new TcpRepr();
    private final PacketEmitter emitter = new PacketEmitter();
    private final Ipv4Packet ipView = new Ipv4Packet();
    private final Ipv6Packet ip6View = new Ipv6Packet();
    private final TcpSegment tcpView = new TcpSegment();
    private final EthernetFrame ethernet = new EthernetFrame();
    private final boolean isTcp;
    private byte[] source6;
    private byte[] destination6;
    private int sourcePort;
    private int destinationPort;
    private int mss = -1;
    private int windowShift = -1;
    private boolean sackPermitted;
    private byte[] rawOptions;
    private Checksum checksum = Checksum.VALID;
    private int fixedChecksum;

    private enum Checksum { VALID, PARTIAL, FIXED }

    private PacketBuilder(boolean isTcp) {
        this.isTcp = isTcp;
    }

    /** A TCP segment: no flags, no options, no payload until set. */
    public static PacketBuilder tcp() {
        return new PacketBuilder(true);
    }

    /** A UDP datagram (IPv4). */
    public static PacketBuilder udp() {
        return new PacketBuilder(false);
    }

    // ---- addresses and the IP header

    /** Source address (dotted IPv4 or an IPv6 literal; never a host name) and port. */
    public PacketBuilder from(String address, int port) {
        byte[] a = parse(address);
        if (a.length == 4) {
            return from(Bytes.i32(a, 0), port);
        }
        source6 = a;
        sourcePort = port;
        return this;
    }

    public PacketBuilder from(int ipv4, int port) {
        ip.source = ipv4;
        source6 = null;
        sourcePort = port;
        return this;
    }

    /** Destination address (dotted IPv4 or an IPv6 literal) and port. */
    public PacketBuilder to(String address, int port) {
        byte[] a = parse(address);
        if (a.length == 4) {
            return to(Bytes.i32(a, 0), port);
        }
        destination6 = a;
        destinationPort = port;
        return this;
    }

    public PacketBuilder to(int ipv4, int port) {
        ip.destination = ipv4;
        destination6 = null;
        destinationPort = port;
        return this;
    }

    /** The IPv4 identification (a raw socket sends a non-zero one unchanged). */
    public PacketBuilder id(int identification) {
        ip.identification = identification;
        return this;
    }

    public PacketBuilder ttl(int ttl) {
        ip.ttl = ttl;
        return this;
    }

    // ---- the TCP header and options

    public PacketBuilder seq(int seq) {
        tcp.seq = seq;
        return this;
    }

    public PacketBuilder ack(int ack) {
        tcp.ack = ack;
        return this;
    }

    /** {@link TcpSegment#SYN}, {@link TcpSegment#ACK}, ... or'ed. */
    public PacketBuilder flags(int flags) {
        tcp.flags = flags;
        return this;
    }

    /** The raw window field. */
    public PacketBuilder window(int window) {
        tcp.window = window;
        return this;
    }

    /** MSS option on SYN segments; -1 for none. */
    public PacketBuilder mss(int mss) {
        this.mss = mss;
        return this;
    }

    /** Window-scale option on SYN segments; -1 for none. */
    public PacketBuilder windowShift(int shift) {
        this.windowShift = shift;
        return this;
    }

    /** SACK-permitted option on SYN segments. */
    public PacketBuilder sackPermitted(boolean permitted) {
        this.sackPermitted = permitted;
        return this;
    }

    /** What Linux puts on a SYN besides timestamps: MSS 1460, SACK-permitted, window shift 7. */
    public PacketBuilder linuxSynOptions() {
        return mss(1460).sackPermitted(true).windowShift(7);
    }

    public PacketBuilder timestamps(int tsVal, int tsEcr) {
        tcp.timestamps = true;
        tcp.tsVal = tsVal;
        tcp.tsEcr = tsEcr;
        return this;
    }

    /** Appends a SACK block (at most four; three beside timestamps). */
    public PacketBuilder sackBlock(int left, int right) {
        tcp.sackBlock(left, right);
        return this;
    }

    /** Drops every option set so far, the raw ones included. */
    public PacketBuilder noOptions() {
        mss = -1;
        windowShift = -1;
        sackPermitted = false;
        tcp.timestamps = false;
        tcp.sackBlockCount = 0;
        rawOptions = null;
        return this;
    }

    /**
     * Option bytes laid out by the test (any order, NOPs, unknown kinds, EOL padding; a multiple
     * of 4, at most 40), instead of the Linux layout the option setters give.
     */
    public PacketBuilder rawOptions(byte[] options) {
        if (options.length % 4 != 0 || options.length > TcpSegment.MAX_HEADER_LENGTH - TcpSegment.MIN_HEADER_LENGTH) {
            throw new IllegalArgumentException("raw TCP options: " + options.length + " bytes (expected: a multiple of 4, at most 40)");
        }
        noOptions();
        rawOptions = options.clone();
        return this;
    }

    // ---- payload

    /** The payload, by reference: it is read when the packet is built. */
    public PacketBuilder payload(byte[] bytes, int offset, int length) {
        tcp.payload(bytes, offset, length);
        return this;
    }

    public PacketBuilder payload(byte[] bytes) {
        return payload(bytes, 0, bytes.length);
    }

    /** {@code length} payload bytes counting up from 0 (mod 256). */
    public PacketBuilder payloadLength(int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) i;
        }
        return payload(b);
    }

    public PacketBuilder noPayload() {
        return payload(null, 0, 0);
    }

    // ---- checksums

    /** The TCP/UDP checksum field holds the pseudo-header sum, as checksum offload leaves it (CHECKSUM_PARTIAL). */
    public PacketBuilder partialChecksum() {
        checksum = Checksum.PARTIAL;
        return this;
    }

    /** The TCP/UDP checksum field holds {@code value}, valid or not. */
    public PacketBuilder transportChecksum(int value) {
        checksum = Checksum.FIXED;
        fixedChecksum = value;
        return this;
    }

    /** Back to a valid, full TCP/UDP checksum. */
    public PacketBuilder validChecksum() {
        checksum = Checksum.VALID;
        return this;
    }

    // ---- output

    /** The IP packet, in a new array. */
    public byte[] build() {
        byte[] b = new byte[length()];
        buildInto(b, 0);
        return b;
    }

    /** The IP packet's length. */
    public int length() {
        prepareTcp();
        int header = source6 != null ? Ipv6Packet.HEADER_LENGTH : Ipv4Packet.MIN_HEADER_LENGTH;
        if (!isTcp) {
            return header + UdpDatagram.HEADER_LENGTH + tcp.payloadLength;
        }
        return header + tcp.bufferLength() + (rawOptions == null ? 0 : rawOptions.length);
    }

    /** Writes the IP packet at {@code b[off]}; returns its length. Allocates nothing (but with raw options). */
    public int buildInto(byte[] b, int off) {
        boolean v6 = source6 != null;
        if (v6 != (destination6 != null)) {
            throw new IllegalStateException("source and destination must both be IPv4 or both IPv6");
        }
        if (!isTcp) {
            if (v6) {
                throw new IllegalStateException("UDP over IPv6: not built (no test needs it)");
            }
            byte[] payload = tcp.payloadLength > 0 ? tcp.payload : NO_BYTES;
            int n = emitter.ipv4Udp(ip, sourcePort, destinationPort, payload, tcp.payloadOffset, tcp.payloadLength, b, off);
            finishChecksum(b, off, n, UdpDatagram.CHECKSUM_OFFSET);
            return n;
        }
        prepareTcp();
        byte[] payload = tcp.payload;
        int payloadOffset = tcp.payloadOffset;
        int payloadLength = tcp.payloadLength;
        if (rawOptions != null) {
            // Emitted as payload right after a bare header, then the data offset is moved past them.
            byte[] optionsAndPayload = Arrays.copyOf(rawOptions, rawOptions.length + payloadLength);
            if (payloadLength > 0) {
                System.arraycopy(payload, payloadOffset, optionsAndPayload, rawOptions.length, payloadLength);
            }
            tcp.payload(optionsAndPayload, 0, optionsAndPayload.length);
        }
        int n;
        try {
            n = v6 ? emitter.ipv6Tcp(source6, destination6, ip.ttl, tcp, b, off) : emitter.ipv4Tcp(ip, tcp, b, off);
        } finally {
            tcp.payload(payload, payloadOffset, payloadLength);
        }
        int l4 = off + (v6 ? Ipv6Packet.HEADER_LENGTH : Ipv4Packet.MIN_HEADER_LENGTH);
        tcpView.wrap(b, l4, off + n - l4);
        if (rawOptions != null) {
            tcpView.headerLength(TcpSegment.MIN_HEADER_LENGTH + rawOptions.length).fillChecksum(pseudoHeaderSum(b, off, n, v6));
        }
        finishChecksum(b, off, n, TcpSegment.CHECKSUM_OFFSET);
        return n;
    }

    /** The header value as this packet needs it: ports, and the SYN-only options on a SYN alone. */
    private void prepareTcp() {
        tcp.sourcePort = sourcePort;
        tcp.destinationPort = destinationPort;
        boolean syn = (tcp.flags & TcpSegment.SYN) != 0;
        tcp.mss = syn ? mss : -1;
        tcp.windowShift = syn ? windowShift : -1;
        tcp.sackPermitted = syn && sackPermitted;
    }

    private void finishChecksum(byte[] b, int off, int n, int checksumOffset) {
        int at = (source6 != null ? Ipv6Packet.HEADER_LENGTH : Ipv4Packet.MIN_HEADER_LENGTH) + off + checksumOffset;
        switch (checksum) {
            case VALID -> { }
            case PARTIAL -> Bytes.putU16(b, at, InternetChecksum.partial(pseudoHeaderSum(b, off, n, source6 != null)));
            case FIXED -> Bytes.putU16(b, at, fixedChecksum);
        }
    }

    private long pseudoHeaderSum(byte[] b, int off, int n, boolean v6) {
        return v6 ? ip6View.wrap(b, off, n).pseudoHeaderSum() : ipView.wrap(b, off, n).pseudoHeaderSum();
    }

    /** The packet in an untagged Ethernet II frame, in a new array. */
    public byte[] frame(long destinationMac, long sourceMac) {
        byte[] f = new byte[EthernetFrame.HEADER_LENGTH + length()];
        frameInto(f, 0, destinationMac, sourceMac);
        return f;
    }

    /** Writes the Ethernet frame at {@code b[off]}; returns its length. Allocates nothing. */
    public int frameInto(byte[] b, int off, long destinationMac, long sourceMac) {
        int n = buildInto(b, off + EthernetFrame.HEADER_LENGTH);
        ethernet.wrap(b, off, EthernetFrame.HEADER_LENGTH + n).destinationMac(destinationMac).sourceMac(sourceMac)
                .etherType(source6 != null ? EthernetFrame.ETHERTYPE_IPV6 : EthernetFrame.ETHERTYPE_IPV4);
        return EthernetFrame.HEADER_LENGTH + n;
    }

    // ---- wrapping packets built elsewhere (a capture's, a test's edit)

    /** An IP packet in an Ethernet II frame; the EtherType follows the IP version. */
    public static byte[] ethernet(long destinationMac, long sourceMac, byte[] ip) {
        int type = (ip[0] >> 4 & 0xf) == 6 ? EthernetFrame.ETHERTYPE_IPV6 : EthernetFrame.ETHERTYPE_IPV4;
        return ethernet(destinationMac, sourceMac, type, ip, 0);
    }

    /**
     * Any payload in an Ethernet II frame of at least {@code minimumLength} bytes, zero-padded as
     * a NIC pads a short frame (60 bytes on the wire without the FCS).
     */
    public static byte[] ethernet(long destinationMac, long sourceMac, int etherType, byte[] payload, int minimumLength) {
        byte[] f = new byte[Math.max(EthernetFrame.HEADER_LENGTH + payload.length, minimumLength)];
        new EthernetFrame().wrap(f, 0, f.length).destinationMac(destinationMac).sourceMac(sourceMac).etherType(etherType);
        System.arraycopy(payload, 0, f, EthernetFrame.HEADER_LENGTH, payload.length);
        return f;
    }

    /**
     * An IPv4/TCP packet as a TUN with offloads hands it over: a virtio-net header with
     * NEEDS_CSUM (csum_start at the TCP header, csum_offset at its checksum) and the TCP checksum
     * field holding the pseudo-header sum. No GSO; set it on the header for a super-segment.
     */
    public static byte[] vnetFrame(byte[] ipv4Tcp) {
        byte[] f = new byte[VirtioNetHeader.LENGTH + ipv4Tcp.length];
        System.arraycopy(ipv4Tcp, 0, f, VirtioNetHeader.LENGTH, ipv4Tcp.length);
        Ipv4Packet ip = new Ipv4Packet().wrap(f, VirtioNetHeader.LENGTH, ipv4Tcp.length);
        new TcpSegment().wrap(f, ip.payloadOffset(), ip.payloadLength()).checksum(InternetChecksum.partial(ip.pseudoHeaderSum()));
        new VirtioNetHeader().wrap(f, 0, f.length).flags(VirtioNetHeader.F_NEEDS_CSUM).csumStart(ip.headerLength())
                .csumOffset(TcpSegment.CHECKSUM_OFFSET);
        return f;
    }

    private static byte[] parse(String literal) {
        if (literal.indexOf(':') < 0) {
            byte[] a = new byte[4];
            Bytes.putI32(a, 0, Bytes.parseIpv4(literal));
            return a;
        }
        try {
            return InetAddress.getByName(literal).getAddress(); // a literal: no name lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + literal + "' is not an IPv6 address", e);
        }
    }
}
