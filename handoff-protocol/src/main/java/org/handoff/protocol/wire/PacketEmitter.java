package org.handoff.protocol.wire;

import org.handoff.protocol.checksum.InternetChecksum;

/**
 * Builds whole IP packets from header values, with every checksum filled. One instance per
 * thread: it holds the views it writes through, so emitting allocates nothing.
 */
public final class PacketEmitter {
    private final Ipv4Packet ip = new Ipv4Packet();
    private final Ipv6Packet ip6 = new Ipv6Packet();
    private final TcpSegment tcp = new TcpSegment();
    private final UdpDatagram udp = new UdpDatagram();

    /** IPv4 + TCP at {@code b[off]}; returns the packet length. */
    public int ipv4Tcp(Ipv4Repr ipRepr, TcpRepr tcpRepr, byte[] b, int off) {
        ipRepr.protocol = InternetChecksum.PROTO_TCP;
        int tcpLength = tcpRepr.bufferLength();
        ipRepr.emit(b, off, tcpLength);
        int l4 = off + Ipv4Packet.MIN_HEADER_LENGTH;
        tcpRepr.emit(b, l4);
        tcp.wrap(b, l4, tcpLength).fillChecksum(
                InternetChecksum.ipv4PseudoHeader(ipRepr.source, ipRepr.destination, InternetChecksum.PROTO_TCP, tcpLength));
        return Ipv4Packet.MIN_HEADER_LENGTH + tcpLength;
    }

    /** IPv4 + UDP at {@code b[off]}; returns the packet length. */
    public int ipv4Udp(Ipv4Repr ipRepr, int sourcePort, int destinationPort, byte[] payload, int payloadOffset,
                       int payloadLength, byte[] b, int off) {
        ipRepr.protocol = InternetChecksum.PROTO_UDP;
        int udpLength = UdpDatagram.HEADER_LENGTH + payloadLength;
        ipRepr.emit(b, off, udpLength);
        int l4 = off + Ipv4Packet.MIN_HEADER_LENGTH;
        udp.wrap(b, l4, udpLength).sourcePort(sourcePort).destinationPort(destinationPort).udpLength(udpLength).checksum(0);
        System.arraycopy(payload, payloadOffset, b, l4 + UdpDatagram.HEADER_LENGTH, payloadLength);
        udp.fillChecksum(InternetChecksum.ipv4PseudoHeader(ipRepr.source, ipRepr.destination, InternetChecksum.PROTO_UDP, udpLength));
        return Ipv4Packet.MIN_HEADER_LENGTH + udpLength;
    }

    /** IPv6 + TCP at {@code b[off]} (addresses 16 bytes each); returns the packet length. */
    public int ipv6Tcp(byte[] source16, byte[] destination16, int hopLimit, TcpRepr tcpRepr, byte[] b, int off) {
        return ipv6Tcp(source16, destination16, hopLimit, 0, 0, tcpRepr, b, off);
    }

    /** IPv6 + TCP with a traffic class and flow label (Linux labels its flows). */
    public int ipv6Tcp(byte[] source16, byte[] destination16, int hopLimit, int trafficClass, int flowLabel,
                       TcpRepr tcpRepr, byte[] b, int off) {
        int tcpLength = tcpRepr.bufferLength();
        ip6.wrap(b, off, Ipv6Packet.HEADER_LENGTH + tcpLength)
                .versionClassFlow(trafficClass, flowLabel)
                .payloadLength(tcpLength)
                .nextHeader(InternetChecksum.PROTO_TCP)
                .hopLimit(hopLimit)
                .source(source16)
                .destination(destination16);
        tcpRepr.emit(b, ip6.payloadOffset());
        tcp.wrap(b, ip6.payloadOffset(), tcpLength).fillChecksum(ip6.pseudoHeaderSum());
        return Ipv6Packet.HEADER_LENGTH + tcpLength;
    }

    /** Recomputes the IPv4 header and TCP checksums of a packet in place (IHL and lengths trusted). */
    public void fillIpv4TcpChecksums(byte[] b, int off) {
        ip.wrap(b, off, Bytes.u16(b, off + Ipv4Packet.TOTAL_LENGTH_OFFSET)).fillHeaderChecksum();
        tcp.wrap(b, ip.payloadOffset(), ip.payloadLength()).fillChecksum(ip.pseudoHeaderSum());
    }
}
