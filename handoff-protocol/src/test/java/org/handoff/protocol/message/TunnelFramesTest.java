package org.handoff.protocol.message;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.handoff.protocol.checksum.InternetChecksum;
import org.handoff.protocol.testing.TunnelFixtures;
import org.handoff.protocol.testing.TunnelFixtures.Case;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.TcpSegment;
import org.handoff.protocol.wire.UdpDatagram;
import org.junit.jupiter.api.Test;

/**
 * The TUNNEL golden vectors both ways (vectors/tunnel/fixtures.txt): {@link TunnelFrameWriter}
 * builds exactly each committed frame, and each committed frame, read field by field with the
 * packet views and {@link MessageDecoder}, says what the case says. The director's XDP program
 * is held to the same file.
 */
class TunnelFramesTest {
    private static final List<Case> CASES = TunnelFixtures.load();

    @Test
    void theCommittedTableIsWhatTheGeneratorWrites() throws IOException {
        String committed;
        try (InputStream in = TunnelFramesTest.class.getResourceAsStream(TunnelFixtures.RESOURCE)) {
            committed = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
        String[] c = committed.split("\n", -1);
        String[] g = TunnelFixtures.format(TunnelFixtureGenerator.HEADER, TunnelFixtureGenerator.cases()).split("\n", -1);
        for (int i = 0; i < Math.min(c.length, g.length); i++) {
            assertEquals(g[i], c[i], "fixtures.txt line " + (i + 1)
                    + " differs from TunnelFixtureGenerator's output: regenerate (README) and re-run the checker");
        }
        assertEquals(g.length, c.length, "fixtures.txt lines");
        assertEquals(5, CASES.size());
    }

    @Test
    void theWriterBuildsEveryFrameExactly() {
        TunnelFrameWriter writer = new TunnelFrameWriter();
        for (Case k : CASES) {
            int offset = 13;
            byte[] buffer = new byte[offset + k.frame().length + 64];
            Arrays.fill(buffer, Vectors.SENTINEL);
            int length = writer.write(buffer, offset, k.director(), k.agent(), k.agentPort(), k.token(), k.inner(), 0,
                    k.inner().length);
            assertEquals(k.frame().length, length, k.name());
            assertEquals(Bytes.hex(k.frame(), 0, length), Bytes.hex(buffer, offset, length), k.name());
            Vectors.assertSentinel(buffer, 0, offset);
            Vectors.assertSentinel(buffer, offset + length, buffer.length);
        }
    }

    @Test
    void theWriterEncapsulatesAPacketAlreadyInPlace() {
        // The kernel's way: room is made in front of the packet, which does not move.
        TunnelFrameWriter writer = new TunnelFrameWriter();
        for (Case k : CASES) {
            byte[] frame = new byte[k.frame().length];
            System.arraycopy(k.inner(), 0, frame, TunnelFrameWriter.INNER_OFFSET, k.inner().length);
            writer.write(frame, 0, k.director(), k.agent(), k.agentPort(), k.token(), frame, TunnelFrameWriter.INNER_OFFSET,
                    k.inner().length);
            assertArrayEquals(k.frame(), frame, k.name());
        }
    }

    @Test
    void everyFrameReadsFieldByField() {
        MessageDecoder decoder = Vectors.decoder();
        for (Case k : CASES) {
            byte[] f = k.frame();
            String at = k.name();
            assertEquals(TunnelFrameWriter.OVERHEAD + k.inner().length, f.length, at);

            Ipv4Packet outer = new Ipv4Packet().wrap(f, 0, f.length);
            assertNull(outer.check(), at);
            assertEquals(4, outer.version(), at);
            assertEquals(20, outer.headerLength(), at);
            assertEquals(0, outer.tos(), at);
            assertEquals(f.length, outer.totalLength(), at);
            assertEquals(0, outer.identification(), at);
            assertEquals(Ipv4Packet.FLAG_DONT_FRAGMENT, outer.flagsAndFragmentOffset(), at + ": DF set, nothing else");
            assertEquals(64, outer.ttl(), at);
            assertEquals(InternetChecksum.PROTO_UDP, outer.protocol(), at);
            assertTrue(outer.verifyHeaderChecksum(), at);
            assertEquals(k.director(), outer.source(), at);
            assertEquals(k.agent(), outer.destination(), at);

            UdpDatagram udp = new UdpDatagram().wrap(f, outer.payloadOffset(), outer.payloadLength());
            assertNull(udp.check(), at);
            Ipv4Packet inner = new Ipv4Packet().wrap(k.inner(), 0, k.inner().length);
            assertNull(inner.check(), at);
            TcpSegment tcp = new TcpSegment().wrap(k.inner(), inner.payloadOffset(), inner.payloadLength());
            int expectedPort = TunnelFrameWriter.sourcePort(inner.source(), inner.destination(), tcp.sourcePort(),
                    tcp.destinationPort());
            assertEquals(expectedPort, k.sourcePort(), at);
            assertEquals(k.sourcePort(), udp.sourcePort(), at);
            assertTrue(udp.sourcePort() >= 49152, at);
            assertEquals(k.agentPort(), udp.destinationPort(), at);
            assertEquals(f.length - 20, udp.udpLength(), at);
            assertEquals(0, udp.checksum(), at + ": no UDP checksum");

            assertEquals(DecodeResult.ACCEPTED, decoder.decode(f, udp.payloadOffset(), udp.payloadLength()), decoder::describe);
            assertEquals(MessageType.TUNNEL, decoder.type(), at);
            TunnelFlyweight t = decoder.tunnel();
            assertEquals(HandoffProtocol.MAGIC, Bytes.u16(f, udp.payloadOffset()), at);
            assertEquals(1, Bytes.u8(f, udp.payloadOffset() + 2), at);
            assertEquals(11, Bytes.u8(f, udp.payloadOffset() + 3), at);
            assertEquals(16 + k.inner().length, t.totalLength(), at);
            assertEquals(0, Bytes.u16(f, udp.payloadOffset() + TunnelFlyweight.FLAGS_OFFSET), at);
            assertEquals(k.token(), t.flowToken(), at);
            assertEquals(k.inner().length, t.innerLength(), at);
            assertEquals(Bytes.hex(k.inner(), 0, k.inner().length), Bytes.hex(f, t.innerOffset(), t.innerLength()), at);
            assertEquals(inner.headerLength(), t.innerHeaderLength(), at);
            assertEquals(inner.source(), t.innerClientIpv4(), at);
            assertEquals(inner.destination(), t.innerVipIpv4(), at);
            assertEquals(tcp.sourcePort(), t.innerClientPort(), at);
            assertEquals(tcp.destinationPort(), t.innerVipPort(), at);
            // The inner packet is the client's, untouched: its own checksums still hold.
            assertTrue(inner.verifyHeaderChecksum(), at);
            assertTrue(tcp.verifyChecksum(inner.pseudoHeaderSum()), at);
            assertFalse(decoder.describe().contains(Long.toHexString(k.token())), decoder::describe);
            assertFalse(t.toString().contains(Long.toHexString(k.token())), t::toString);
        }
    }

    @Test
    void theSourcePortHashIsTheDocumentedFold() {
        // docs/handoff-protocol.md 3.11, worked example: 198.18.200.1:38708 -> 198.18.200.2:80.
        int h = 0xc612c801 ^ 0xc612c802 ^ (38708 << 16 | 80);
        assertEquals(0x9734_0053, h);
        assertEquals(0xd767, TunnelFrameWriter.sourcePort(0xc612c801, 0xc612c802, 38708, 80));
        assertEquals(55143, CASES.get(0).sourcePort());
        // Every result lies in 49152..65535.
        for (int port = 1; port < 65536; port += 97) {
            int p = TunnelFrameWriter.sourcePort(0x0a000001, 0x0a000002, port, 443);
            assertTrue(p >= 0xc000 && p <= 0xffff, "port " + p);
        }
    }
}
