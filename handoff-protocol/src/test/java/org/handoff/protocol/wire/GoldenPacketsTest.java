package org.handoff.protocol.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.testing.GoldenVectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Golden vectors from real captures (handoff-protocol/src/test/resources/vectors/README.md
 * says how each was made), both ways: every captured frame decodes through the views to the
 * values the kernel put there, and the values, emitted into a buffer pre-filled with a
 * sentinel, give back the captured bytes exactly, checksums included.
 */
class GoldenPacketsTest {
    private static final byte SENTINEL = (byte) 0xa5;
    private static final int CLIENT = Bytes.parseIpv4(GoldenVectors.CLIENT_IPV4);
    private static final int SERVER = Bytes.parseIpv4(GoldenVectors.SERVER_IPV4);

    private final EthernetFrame eth = new EthernetFrame();
    private final Ipv4Packet ip = new Ipv4Packet();
    private final Ipv6Packet ip6 = new Ipv6Packet();
    private final TcpSegment tcp = new TcpSegment();
    private final UdpDatagram udp = new UdpDatagram();
    private final TcpOptions options = new TcpOptions();
    private final PacketEmitter emitter = new PacketEmitter();

    @ParameterizedTest
    @ValueSource(strings = {
        GoldenVectors.IPV4_HTTP_ALL_OPTIONS, GoldenVectors.IPV4_HTTP_NO_TS, GoldenVectors.IPV4_HTTP_NO_SACK,
        GoldenVectors.IPV4_HTTP_NO_WSCALE, GoldenVectors.IPV4_HTTP_NO_OPTIONS, GoldenVectors.IPV4_HTTP_POST,
        GoldenVectors.IPV4_SACK_BLOCKS, GoldenVectors.IPV4_SACK_BLOCKS_NO_TS, GoldenVectors.IPV6_HTTP_ALL_OPTIONS})
    void everyTcpFrameDecodesAndReEncodesByteExact(String file) {
        List<byte[]> frames = GoldenVectors.records(file).stream().map(r -> r.data()).toList();
        assertFalse(frames.isEmpty());
        int n = 0;
        for (byte[] frame : frames) {
            String ctx = file + " frame " + n++;
            assertNull(eth.wrap(frame, 0, frame.length).check(), ctx);
            int l3 = eth.payloadOffset();
            byte[] rebuilt = new byte[frame.length + 16];
            Arrays.fill(rebuilt, SENTINEL);
            int written;
            TcpRepr repr = new TcpRepr();
            if (eth.etherType() == EthernetFrame.ETHERTYPE_IPV4) {
                assertNull(ip.wrap(frame, l3, eth.payloadLength()).check(), ctx);
                assertTrue(ip.verifyHeaderChecksum(), ctx);
                assertEquals(6, ip.protocol(), ctx);
                assertNull(tcp.wrap(frame, ip.payloadOffset(), ip.payloadLength()).check(), ctx);
                assertTrue(tcp.verifyChecksum(ip.pseudoHeaderSum()), ctx);
                assertFalse(tcp.hasPartialChecksum(ip.pseudoHeaderSum()), ctx + ": a full checksum is not a partial one");
                repr.parse(tcp, options);
                Ipv4Repr ipRepr = new Ipv4Repr().set(ip.source(), ip.destination(), ip.protocol());
                ipRepr.ttl = ip.ttl();
                ipRepr.tos = ip.tos();
                ipRepr.identification = ip.identification();
                ipRepr.dontFragment = ip.dontFragment();
                written = emitter.ipv4Tcp(ipRepr, repr, rebuilt, 3);
                assertEquals(ip.totalLength(), written, ctx);
            } else {
                assertNull(ip6.wrap(frame, l3, eth.payloadLength()).checkTransport(), ctx);
                assertNull(tcp.wrap(frame, ip6.payloadOffset(), ip6.payloadLength()).check(), ctx);
                assertTrue(tcp.verifyChecksum(ip6.pseudoHeaderSum()), ctx);
                repr.parse(tcp, options);
                written = emitter.ipv6Tcp(Arrays.copyOfRange(frame, ip6.sourceOffset(), ip6.sourceOffset() + 16),
                        Arrays.copyOfRange(frame, ip6.destinationOffset(), ip6.destinationOffset() + 16),
                        ip6.hopLimit(), ip6.trafficClass(), ip6.flowLabel(), repr, rebuilt, 3);
                assertEquals(ip6.totalLength(), written, ctx);
            }
            assertArrayEquals(Arrays.copyOfRange(frame, l3, l3 + written), Arrays.copyOfRange(rebuilt, 3, 3 + written),
                    ctx + ": emitting the decoded values gives the captured bytes");
            for (int i = 0; i < rebuilt.length; i++) {
                if (i < 3 || i >= 3 + written) {
                    assertEquals(SENTINEL, rebuilt[i], ctx + ": stray write at " + i);
                }
            }
        }
    }

    /** tcpdump on a client host with checksum offload: the client's checksums partial, the server's full. */
    @Test
    void aCaptureOnTheClientHostHoldsPartialChecksumsOnEveryClientPacket() {
        int partial = 0;
        int full = 0;
        int superSegments = 0;
        for (byte[] frame : GoldenVectors.records(GoldenVectors.IPV4_HTTP_OFFLOAD).stream().map(r -> r.data()).toList()) {
            assertNull(eth.wrap(frame, 0, frame.length).check());
            assertNull(ip.wrap(frame, eth.payloadOffset(), eth.payloadLength()).check());
            assertTrue(ip.verifyHeaderChecksum(), "the IPv4 header checksum is always complete");
            assertNull(tcp.wrap(frame, ip.payloadOffset(), ip.payloadLength()).check());
            String ctx = ip + " " + tcp;
            if (ip.source() == CLIENT) {
                assertTrue(tcp.hasPartialChecksum(ip.pseudoHeaderSum()), ctx);
                assertFalse(tcp.verifyChecksum(ip.pseudoHeaderSum()), ctx);
                partial++;
                superSegments += ip.totalLength() > 1500 ? 1 : 0;
            } else {
                assertTrue(tcp.verifyChecksum(ip.pseudoHeaderSum()), ctx);
                assertFalse(tcp.hasPartialChecksum(ip.pseudoHeaderSum()), ctx);
                full++;
            }
        }
        assertEquals(14, partial, "client packets (README)");
        assertEquals(10, full, "server packets (README)");
        assertEquals(3, superSegments, "the POST body's TSO super-segments (README)");
    }

    @Test
    void handshakeWithAllOptionsDecodesToTheKernelsValues() {
        List<byte[]> packets = GoldenVectors.ipPackets(GoldenVectors.IPV4_HTTP_ALL_OPTIONS);
        byte[] syn = packets.get(0);
        ip.wrap(syn, 0, syn.length);
        tcp.wrap(syn, ip.payloadOffset(), ip.payloadLength()).parseOptions(options);
        assertEquals(CLIENT, ip.source());
        assertEquals(SERVER, ip.destination());
        assertEquals(80, tcp.destinationPort());
        assertEquals(TcpSegment.SYN, tcp.flags());
        assertEquals(1460, options.mss);
        assertEquals(10, options.windowShift);
        assertTrue(options.hasSackPermitted());
        assertTrue(options.hasTimestamps());
        assertEquals(0, options.tsEcr);
        int clientIsn = tcp.seq();
        int clientTsVal = options.tsVal;

        byte[] synAck = packets.get(1);
        ip.wrap(synAck, 0, synAck.length);
        tcp.wrap(synAck, ip.payloadOffset(), ip.payloadLength()).parseOptions(options);
        assertEquals(TcpSegment.SYN | TcpSegment.ACK, tcp.flags());
        assertEquals(SeqNumber.add(clientIsn, 1), tcp.ack());
        assertEquals(clientTsVal, options.tsEcr, "the SYN-ACK echoes the SYN's TSval");
        int serverIsn = tcp.seq();

        byte[] request = packets.get(3);
        ip.wrap(request, 0, request.length);
        tcp.wrap(request, ip.payloadOffset(), ip.payloadLength());
        assertEquals(SeqNumber.add(clientIsn, 1), tcp.seq());
        assertEquals(SeqNumber.add(serverIsn, 1), tcp.ack());
        String head = new String(request, tcp.payloadOffset(), tcp.payloadLength(), StandardCharsets.US_ASCII);
        assertTrue(head.startsWith("GET /"), head);
    }

    @Test
    void noOptionsCaptureHasBareHeadersAfterTheSyn() {
        List<byte[]> packets = GoldenVectors.ipPackets(GoldenVectors.IPV4_HTTP_NO_OPTIONS);
        for (int i = 2; i < packets.size(); i++) {
            byte[] p = packets.get(i);
            ip.wrap(p, 0, p.length);
            assertEquals(TcpSegment.MIN_HEADER_LENGTH, tcp.wrap(p, ip.payloadOffset(), ip.payloadLength()).headerLength(), "packet " + i);
        }
    }

    @Test
    void sackCapturesCarryOneToFourBlocks() {
        int[] byCount = new int[5];
        for (byte[] p : GoldenVectors.ipPackets(GoldenVectors.IPV4_SACK_BLOCKS_NO_TS)) {
            ip.wrap(p, 0, p.length);
            assertNull(tcp.wrap(p, ip.payloadOffset(), ip.payloadLength()).parseOptions(options));
            byCount[options.sackBlockCount]++;
            for (int k = 0; k < options.sackBlockCount; k++) {
                int left = Bytes.i32(p, options.sackBlockOffset(k));
                int right = Bytes.i32(p, options.sackBlockOffset(k) + 4);
                assertTrue(SeqNumber.lt(left, right), "a SACK block is non-empty");
                assertTrue(SeqNumber.gt(left, tcp.ack()), "a SACK block lies above the cumulative ACK");
            }
        }
        for (int k = 1; k <= 4; k++) {
            assertTrue(byCount[k] > 0, "ACKs with " + k + " SACK blocks: " + byCount[k]);
        }
    }

    @Test
    void udpDatagramsDecodeAndReEncode() {
        int n = 0;
        for (byte[] p : GoldenVectors.ipPackets(GoldenVectors.IPV4_UDP)) {
            assertNull(ip.wrap(p, 0, p.length).check());
            assertNull(udp.wrap(p, ip.payloadOffset(), ip.payloadLength()).check());
            assertTrue(udp.verifyChecksum(ip.pseudoHeaderSum()));
            assertTrue(udp.checksum() != 0, "Linux sends UDP checksums");
            Ipv4Repr ipRepr = new Ipv4Repr().set(ip.source(), ip.destination(), 17);
            ipRepr.ttl = ip.ttl();
            ipRepr.identification = ip.identification();
            ipRepr.dontFragment = ip.dontFragment();
            ipRepr.tos = ip.tos();
            byte[] rebuilt = new byte[p.length];
            int written = emitter.ipv4Udp(ipRepr, udp.sourcePort(), udp.destinationPort(), p, udp.payloadOffset(),
                    udp.payloadLength(), rebuilt, 0);
            assertEquals(p.length, written);
            assertArrayEquals(p, rebuilt, "datagram " + n++);
        }
        assertEquals(6, n);
    }

    @Test
    void everyCapturedPacketTruncatedAnywhereIsRejectedNotThrown() {
        for (byte[] p : GoldenVectors.ipPackets(GoldenVectors.IPV4_HTTP_ALL_OPTIONS)) {
            for (int len = 0; len < p.length; len++) {
                WireError e = ip.wrap(p, 0, len).check();
                if (e == null) {
                    // Only possible if the cut falls in Ethernet padding, which ipPackets removed.
                    throw new AssertionError("truncated to " + len + " of " + p.length + " passed");
                }
            }
        }
    }
}
