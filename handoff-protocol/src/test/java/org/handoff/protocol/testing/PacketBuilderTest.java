package org.handoff.protocol.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.handoff.protocol.checksum.InternetChecksum;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.EthernetFrame;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.Ipv6Packet;
import org.handoff.protocol.wire.TcpOptions;
import org.handoff.protocol.wire.TcpRepr;
import org.handoff.protocol.wire.TcpSegment;
import org.handoff.protocol.wire.UdpDatagram;
import org.handoff.protocol.wire.VirtioNetHeader;
import org.junit.jupiter.api.Test;

/** What {@link PacketBuilder} builds parses back through the views to what was set, checksums as asked. */
class PacketBuilderTest {
    private final Ipv4Packet ip = new Ipv4Packet();
    private final Ipv6Packet ip6 = new Ipv6Packet();
    private final TcpSegment tcp = new TcpSegment();
    private final TcpOptions options = new TcpOptions();

    @Test
    void aLinuxSynParsesBackWithValidChecksums() {
        byte[] p = PacketBuilder.tcp().from("198.18.0.1", 40000).to("198.18.1.1", 80).id(7).flags(TcpSegment.SYN)
                .seq(0xfffffff0).window(64240).linuxSynOptions().timestamps(1000, 0).build();
        assertNull(ip.wrap(p, 0, p.length).check());
        assertEquals(Bytes.parseIpv4("198.18.0.1"), ip.source());
        assertEquals(Bytes.parseIpv4("198.18.1.1"), ip.destination());
        assertEquals(7, ip.identification());
        assertTrue(ip.verifyHeaderChecksum());
        TcpRepr r = new TcpRepr().parse(tcp.wrap(p, ip.payloadOffset(), ip.payloadLength()), options);
        assertTrue(tcp.verifyChecksum(ip.pseudoHeaderSum()));
        assertEquals(40000, r.sourcePort);
        assertEquals(80, r.destinationPort);
        assertEquals(TcpSegment.SYN, r.flags);
        assertEquals(0xfffffff0, r.seq);
        assertEquals(64240, r.window);
        assertEquals(1460, r.mss);
        assertEquals(7, r.windowShift);
        assertTrue(r.sackPermitted);
        assertTrue(r.timestamps);
        assertEquals(1000, r.tsVal);
        assertEquals(60, p.length, "20 + 20 + 20 bytes of options, as Linux sends a SYN");
    }

    @Test
    void synOnlyOptionsGoOnTheSynAlone() {
        PacketBuilder b = PacketBuilder.tcp().from("198.18.0.1", 40000).to("198.18.1.1", 80).linuxSynOptions().timestamps(1, 0);
        byte[] ack = b.flags(TcpSegment.ACK).build();
        ip.wrap(ack, 0, ack.length);
        assertNull(tcp.wrap(ack, ip.payloadOffset(), ip.payloadLength()).parseOptions(options));
        assertFalse(options.hasMss() || options.hasWindowScale() || options.hasSackPermitted());
        assertTrue(options.hasTimestamps());
        assertEquals(52, ack.length);
        byte[] synAck = b.flags(TcpSegment.SYN | TcpSegment.ACK).build();
        assertEquals(synAck.length, b.length());
        assertNull(tcp.wrap(synAck, 20, synAck.length - 20).parseOptions(options));
        assertTrue(options.hasMss() && options.hasWindowScale() && options.hasSackPermitted() && options.hasTimestamps());
    }

    @Test
    void payloadSackBlocksAndReuse() {
        byte[] data = "GET / HTTP/1.1\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        PacketBuilder b = PacketBuilder.tcp().from(0xc6120002, 40000).to(0xc6120101, 80).flags(TcpSegment.ACK)
                .timestamps(5, 6).sackBlock(100, 200).sackBlock(300, 400).payload(data, 4, 5);
        byte[] p = b.build();
        ip.wrap(p, 0, p.length);
        tcp.wrap(p, ip.payloadOffset(), ip.payloadLength()).parseOptions(options);
        assertEquals(2, options.sackBlockCount);
        assertEquals(300, Bytes.i32(p, options.sackBlockOffset(1)));
        assertEquals("/ HTT", new String(p, tcp.payloadOffset(), tcp.payloadLength(), java.nio.charset.StandardCharsets.US_ASCII));
        assertTrue(tcp.verifyChecksum(ip.pseudoHeaderSum()));

        // The same builder again, into a sentinel-filled buffer at an odd offset: same bytes, nothing else written.
        byte[] buffer = new byte[7 + p.length + 9];
        Arrays.fill(buffer, (byte) 0x5a);
        assertEquals(p.length, b.buildInto(buffer, 7));
        assertArrayEquals(p, Arrays.copyOfRange(buffer, 7, 7 + p.length));
        for (int i : new int[] {0, 6, 7 + p.length, buffer.length - 1}) {
            assertEquals(0x5a, buffer[i]);
        }
        byte[] next = b.seq(99).noPayload().noOptions().build();
        assertEquals(40, next.length);
        assertEquals(99, tcp.wrap(next, 20, 20).seq());
    }

    @Test
    void partialAndWrongChecksumsOnRequest() {
        PacketBuilder b = PacketBuilder.tcp().from("198.18.0.2", 1).to("198.18.1.1", 2).flags(TcpSegment.ACK).payloadLength(33);
        byte[] partial = b.partialChecksum().build();
        ip.wrap(partial, 0, partial.length);
        assertTrue(ip.verifyHeaderChecksum());
        assertEquals(InternetChecksum.partial(ip.pseudoHeaderSum()), tcp.wrap(partial, 20, partial.length - 20).checksum());
        byte[] wrong = b.transportChecksum(0x1234).build();
        assertEquals(0x1234, tcp.wrap(wrong, 20, wrong.length - 20).checksum());
        assertFalse(tcp.verifyChecksum(ip.wrap(wrong, 0, wrong.length).pseudoHeaderSum()));
        byte[] valid = b.validChecksum().build();
        assertTrue(tcp.wrap(valid, 20, valid.length - 20).verifyChecksum(ip.wrap(valid, 0, valid.length).pseudoHeaderSum()));
    }

    @Test
    void rawOptionsKeepTheirLayout() {
        byte[] raw = {TcpOptions.KIND_NOP, TcpOptions.KIND_TIMESTAMPS, 10, 0, 0, 0, 1, 0, 0, 0, 2, TcpOptions.KIND_EOL};
        byte[] p = PacketBuilder.tcp().from("198.18.0.2", 1).to("198.18.1.1", 2).flags(TcpSegment.ACK).rawOptions(raw)
                .payloadLength(3).build();
        ip.wrap(p, 0, p.length);
        assertEquals(32, tcp.wrap(p, 20, p.length - 20).headerLength());
        assertArrayEquals(raw, Arrays.copyOfRange(p, 40, 52));
        assertNull(tcp.parseOptions(options));
        assertEquals(20 + 21, options.timestampsOffset, "odd offset kept");
        assertEquals(3, tcp.payloadLength());
        assertTrue(tcp.verifyChecksum(ip.pseudoHeaderSum()));
        assertThrows(IllegalArgumentException.class, () -> PacketBuilder.tcp().rawOptions(new byte[3]));
    }

    @Test
    void ipv6AndUdp() {
        byte[] p6 = PacketBuilder.tcp().from("2001:2::1", 40000).to("2001:2::2", 80).flags(TcpSegment.SYN).mss(1440).build();
        assertNull(ip6.wrap(p6, 0, p6.length).check());
        assertEquals(24, ip6.payloadLength());
        assertTrue(tcp.wrap(p6, Ipv6Packet.HEADER_LENGTH, 24).verifyChecksum(ip6.pseudoHeaderSum()));
        assertThrows(IllegalStateException.class, () -> PacketBuilder.tcp().from("2001:2::1", 1).to("198.18.0.1", 2).build());

        byte[] u = PacketBuilder.udp().from("198.18.0.1", 5000).to("198.18.1.1", 6000).id(5).payload(new byte[] {1, 2, 3}).build();
        ip.wrap(u, 0, u.length);
        assertEquals(InternetChecksum.PROTO_UDP, ip.protocol());
        UdpDatagram udp = new UdpDatagram().wrap(u, 20, u.length - 20);
        assertEquals(11, udp.udpLength());
        assertEquals(6000, udp.destinationPort());
        assertTrue(InternetChecksum.verify(u, 20, 11, ip.pseudoHeaderSum()));
        assertEquals(28, PacketBuilder.udp().from("198.18.0.1", 1).to("198.18.1.1", 2).build().length, "no payload");
    }

    @Test
    void framesAndVnetHeaders() {
        PacketBuilder b = PacketBuilder.tcp().from("198.18.0.1", 40000).to("198.18.1.1", 80).flags(TcpSegment.SYN);
        byte[] f = b.frame(0x0200_0000_0001L, 0x0200_0000_0002L);
        EthernetFrame e = new EthernetFrame().wrap(f, 0, f.length);
        assertNull(e.check());
        assertEquals(0x0200_0000_0001L, e.destinationMac());
        assertEquals(0x0200_0000_0002L, e.sourceMac());
        assertArrayEquals(b.build(), Arrays.copyOfRange(f, 14, f.length));
        assertArrayEquals(f, PacketBuilder.ethernet(0x0200_0000_0001L, 0x0200_0000_0002L, b.build()));
        assertEquals(60, PacketBuilder.ethernet(1, 2, 0x0806, new byte[28], 60).length, "padded to the minimum");
        byte[] v6 = PacketBuilder.tcp().from("2001:2::1", 1).to("2001:2::2", 2).frame(1, 2);
        assertEquals(EthernetFrame.ETHERTYPE_IPV6, new EthernetFrame().wrap(v6, 0, v6.length).etherType());

        for (byte[] golden : List.of(GoldenVectors.ipPackets(GoldenVectors.IPV4_HTTP_ALL_OPTIONS).get(5), b.build())) {
            byte[] v = PacketBuilder.vnetFrame(golden);
            VirtioNetHeader h = new VirtioNetHeader().wrap(v, 0, v.length);
            assertNull(h.check());
            assertTrue(h.needsChecksum());
            assertEquals(20, h.csumStart());
            ip.wrap(v, VirtioNetHeader.LENGTH, golden.length);
            assertEquals(InternetChecksum.partial(ip.pseudoHeaderSum()), Bytes.u16(v, VirtioNetHeader.LENGTH + 20 + 16));
        }
    }
}
