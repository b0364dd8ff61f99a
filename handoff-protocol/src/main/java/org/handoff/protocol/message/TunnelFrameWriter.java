package org.handoff.protocol.message;

import org.handoff.protocol.checksum.InternetChecksum;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.TcpSegment;
import org.handoff.protocol.wire.UdpDatagram;

/**
 * Builds the whole IPv4 packet the director's XDP program sends for a client packet of a
 * handed-off flow (docs/handoff-protocol.md section 3.11): outer IPv4, UDP to the agent's
 * control port, the TUNNEL header, the client's packet unchanged. The Java side of the
 * encapsulation golden vectors (vectors/tunnel/), byte for byte what the kernel program must
 * emit after its Ethernet header. Allocates nothing; not thread-safe.
 *
 * <pre>
 *  offset  0  outer IPv4: 0x45, TOS 0, Total Length, Identification 0, DF, TTL 64, UDP,
 *             header checksum, source = director, destination = agent     (20 bytes)
 *         20  UDP: source port = {@link #sourcePort}, destination = agent port,
 *             length = 8 + 16 + inner, checksum 0 (none)                     (8 bytes)
 *         28  TUNNEL header: magic, version, type 11, 16 + inner, flags 0, token (16 bytes)
 *         44  inner packet (the client's IPv4/TCP packet as it arrived)
 * </pre>
 */
public final class TunnelFrameWriter {
    public static final int OUTER_IPV4_OFFSET = 0;
    public static final int UDP_OFFSET = OUTER_IPV4_OFFSET + Ipv4Packet.MIN_HEADER_LENGTH;
    public static final int TUNNEL_OFFSET = UDP_OFFSET + UdpDatagram.HEADER_LENGTH;
    public static final int INNER_OFFSET = TUNNEL_OFFSET + TunnelFlyweight.HEADER_LENGTH;
    /** What encapsulation adds to a packet: {@code TUNNEL_OVERHEAD}, 44 bytes. */
    public static final int OVERHEAD = INNER_OFFSET;
    /** The largest inner packet: the frame stays one 65,535-byte IPv4 packet. */
    public static final int MAX_INNER_LENGTH = TunnelFlyweight.MAX_INNER_LENGTH;
    public static final int TTL = 64;
    /** The source port's top two bits, always set: the port lies in 49152..65535 (RFC 6335 dynamic ports). */
    public static final int SOURCE_PORT_BASE = 0xC000;

    private final Ipv4Packet outer = new Ipv4Packet();
    private final UdpDatagram udp = new UdpDatagram();
    private final TunnelFlyweight tunnel = new TunnelFlyweight();
    private final DecodeFailure failure = new DecodeFailure();

    /**
     * Writes the frame for {@code inner[innerOffset, innerOffset + innerLength)} at
     * {@code frame[offset..]} and returns its length ({@link #OVERHEAD} + innerLength).
     *
     * @param directorAddress the outer source (the director's address towards the agent)
     * @param agentAddress    the outer destination
     * @param agentPort       the agent's control port
     * @param flowToken       the flow's token from its HANDOFF; not 0
     * @throws IllegalArgumentException if the inner bytes are not one IPv4/TCP packet a TUNNEL may
     *     carry (the decoder's body rules), the token is 0, or the frame does not fit
     */
    public int write(byte[] frame, int offset, int directorAddress, int agentAddress, int agentPort, long flowToken,
                     byte[] inner, int innerOffset, int innerLength) {
        requireTunnelable(inner, innerOffset, innerLength);
        if (flowToken == 0) {
            throw new IllegalArgumentException("flow token 0 (expected: the flow's token, not 0)");
        }
        if (agentPort < 1 || agentPort > 0xffff) {
            throw new IllegalArgumentException("agent port " + agentPort + " (expected: 1..65535)");
        }
        int length = OVERHEAD + innerLength;
        if (offset < 0 || offset > frame.length - length) {
            throw new IllegalArgumentException("frame of " + length + " bytes at offset " + offset + " (expected: a buffer of "
                    + (Math.max(offset, 0) + length) + "+ bytes, got " + frame.length + ")");
        }
        // Copied first, so that an inner packet already in place at INNER_OFFSET (the kernel's
        // way: room made in front of it) is left as it is.
        System.arraycopy(inner, innerOffset, frame, offset + INNER_OFFSET, innerLength);
        outer.wrap(frame, offset + OUTER_IPV4_OFFSET, length)
                .versionAndHeaderLength(Ipv4Packet.MIN_HEADER_LENGTH)
                .tos(0)
                .totalLength(length)
                .identification(0)
                .flagsAndFragmentOffset(Ipv4Packet.FLAG_DONT_FRAGMENT)
                .ttl(TTL)
                .protocol(InternetChecksum.PROTO_UDP)
                .headerChecksum(0)
                .source(directorAddress)
                .destination(agentAddress)
                .fillHeaderChecksum();
        udp.wrap(frame, offset + UDP_OFFSET, length - UDP_OFFSET)
                .sourcePort(sourcePort(frame, offset + INNER_OFFSET))
                .destinationPort(agentPort)
                .udpLength(length - UDP_OFFSET)
                .checksum(0);
        tunnel.wrap(frame, offset + TUNNEL_OFFSET).writeHeader(innerLength, flowToken);
        return length;
    }

    /**
     * The outer UDP source port for an inner IPv4/TCP packet, so that RSS and ECMP spread the
     * flows over queues and paths while each flow keeps one. With the inner fields read as
     * big-endian numbers (as {@link Bytes#i32} and {@link Bytes#u16} read them):
     * <pre>
     *   h = client address ^ VIP address ^ (client port &lt;&lt; 16 | VIP port)   (32 bits)
     *   source port = ((h &gt;&gt;&gt; 16) ^ (h &amp; 0xffff)) | 0xC000
     * </pre>
     * The director's XDP program computes the same (docs/handoff-protocol.md 3.11 gives the C).
     */
    public static int sourcePort(int clientAddress, int vipAddress, int clientPort, int vipPort) {
        int h = clientAddress ^ vipAddress ^ (clientPort << 16 | vipPort);
        return ((h >>> 16) ^ (h & 0xffff)) | SOURCE_PORT_BASE;
    }

    /** {@link #sourcePort(int, int, int, int)} of the IPv4/TCP packet at {@code packet[offset..]} (trusted). */
    public static int sourcePort(byte[] packet, int offset) {
        int tcp = offset + (packet[offset] & 0xf) * 4;
        return sourcePort(Bytes.i32(packet, offset + Ipv4Packet.SOURCE_OFFSET), Bytes.i32(packet, offset + Ipv4Packet.DESTINATION_OFFSET),
                Bytes.u16(packet, tcp + TcpSegment.SOURCE_PORT_OFFSET), Bytes.u16(packet, tcp + TcpSegment.DESTINATION_PORT_OFFSET));
    }

    /** The decoder's TUNNEL body rules for the inner packet, as a caller error: a frame the agent would refuse is never built. */
    private void requireTunnelable(byte[] inner, int off, int len) {
        if (len < TunnelFlyweight.MIN_INNER_LENGTH || len > MAX_INNER_LENGTH || off < 0 || off > inner.length - len) {
            throw new IllegalArgumentException("inner packet " + len + " bytes at offset " + off + " (expected: "
                    + TunnelFlyweight.MIN_INNER_LENGTH + ".." + MAX_INNER_LENGTH + " bytes inside a buffer of " + inner.length + ")");
        }
        failure.clear();
        if (!TunnelFlyweight.checkInner(inner, off, len, failure)) {
            throw new IllegalArgumentException("inner packet " + failure.describe());
        }
    }
}
