package org.handoff.protocol.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.handoff.protocol.testing.PacketBuilder;
import org.junit.jupiter.api.Test;

/** Truncated and impossible inputs for every view: each yields its typed error, never an exception. */
class MalformedInputTest {
    /** A valid IPv4/TCP SYN with MSS, SACK-permitted, timestamps and window scale (Linux layout). */
    private static byte[] syn() {
        return PacketBuilder.tcp().from(0xc6120002, 40000).to(0xc6120101, 80).seq(0x01020304).flags(TcpSegment.SYN)
                .window(64240).linuxSynOptions().timestamps(1, 0).build();
    }

    @Test
    void ipv4TruncatedAtEveryLength() {
        byte[] p = syn();
        Ipv4Packet ip = new Ipv4Packet();
        for (int len = 0; len < Ipv4Packet.MIN_HEADER_LENGTH; len++) {
            assertEquals(WireError.TRUNCATED_IP_HEADER, ip.wrap(p, 0, len).check(), "length " + len);
        }
        for (int len = Ipv4Packet.MIN_HEADER_LENGTH; len < p.length; len++) {
            assertEquals(WireError.BAD_TOTAL_LENGTH, ip.wrap(p, 0, len).check(), "length " + len);
        }
        assertNull(ip.wrap(p, 0, p.length).check());
    }

    @Test
    void ipv4ImpossibleFields() throws Exception {
        Ipv4Packet ip = new Ipv4Packet();
        byte[] p = syn();
        p[0] = 0x55;
        assertEquals(WireError.BAD_IP_VERSION, ip.wrap(p, 0, p.length).check());

        p = syn();
        p[0] = 0x44; // IHL 16 bytes: shorter than the fixed header
        assertEquals(WireError.BAD_IHL, ip.wrap(p, 0, p.length).check());

        p = syn();
        Bytes.putU16(p, Ipv4Packet.TOTAL_LENGTH_OFFSET, 19);
        assertEquals(WireError.BAD_TOTAL_LENGTH, ip.wrap(p, 0, p.length).check());

        p = syn();
        Bytes.putU16(p, Ipv4Packet.TOTAL_LENGTH_OFFSET, p.length + 1);
        MalformedPacketException e = assertThrows(MalformedPacketException.class, () -> ip.wrap(syn(), 0, 40).checkOrThrow());
        assertEquals("IP total length against the buffer: 60 (expected: 20..40 bytes)", e.getMessage());
        assertEquals(WireError.BAD_TOTAL_LENGTH, e.error());
        assertEquals(60, e.measured());
    }

    @Test
    void ipv4PaddingBeyondTotalLengthIsAccepted() {
        // Ethernet pads short frames to 60 bytes: the IP packet ends at its total length.
        byte[] p = Arrays.copyOf(syn(), 100);
        Ipv4Packet ip = new Ipv4Packet().wrap(p, 0, p.length);
        assertNull(ip.check());
        assertEquals(60, ip.totalLength());
        assertEquals(40, ip.payloadLength());
    }

    @Test
    void tcpTruncatedAndBadDataOffset() {
        byte[] p = syn();
        TcpSegment tcp = new TcpSegment();
        for (int len = 0; len < TcpSegment.MIN_HEADER_LENGTH; len++) {
            assertEquals(WireError.TRUNCATED_TCP_HEADER, tcp.wrap(p, 20, len).check(), "length " + len);
        }
        for (int len = TcpSegment.MIN_HEADER_LENGTH; len < 40; len++) {
            assertEquals(WireError.BAD_DATA_OFFSET, tcp.wrap(p, 20, len).check(), "length " + len);
        }
        p[20 + TcpSegment.DATA_OFFSET_OFFSET] = 0x40; // 16 bytes
        assertEquals(WireError.BAD_DATA_OFFSET, tcp.wrap(p, 20, 40).check());
    }

    private static WireError optionsError(String optionsHex) {
        byte[] opts = Bytes.fromHex(optionsHex);
        byte[] seg = new byte[20 + opts.length];
        seg[TcpSegment.DATA_OFFSET_OFFSET] = (byte) ((seg.length / 4) << 4);
        System.arraycopy(opts, 0, seg, 20, opts.length);
        return new TcpSegment().wrap(seg, 0, seg.length).check();
    }

    @Test
    void tcpOptionLengths() {
        assertNull(optionsError("020405b4"));
        assertNull(optionsError("01010402"));
        assertNull(optionsError("00ffffff"), "bytes after EOL are padding");
        assertNull(optionsError("fe04abcd"), "unknown option with a sane length is kept");
        assertEquals(WireError.BAD_TCP_OPTION_LENGTH, optionsError("02000000"), "length 0");
        assertEquals(WireError.BAD_TCP_OPTION_LENGTH, optionsError("02010000"), "length 1");
        assertEquals(WireError.BAD_TCP_OPTION_LENGTH, optionsError("0205b400"), "runs past the header");
        assertEquals(WireError.BAD_TCP_OPTION_LENGTH, optionsError("02030500"), "MSS must be 4");
        assertEquals(WireError.BAD_TCP_OPTION_LENGTH, optionsError("03040700"), "window scale must be 3");
        assertEquals(WireError.BAD_TCP_OPTION_LENGTH, optionsError("04030000"), "SACK-permitted must be 2");
        assertEquals(WireError.BAD_TCP_OPTION_LENGTH, optionsError("080900000000000000000000"), "timestamps must be 10");
        assertEquals(WireError.BAD_TCP_OPTION_LENGTH, optionsError("0102050b0000000000000000"), "SACK 2+8n");
        assertEquals(WireError.BAD_TCP_OPTION_LENGTH, optionsError("01010102"), "kind with no length byte");
        assertEquals(WireError.BAD_TCP_OPTION_LENGTH,
                optionsError("0101052a" + "0".repeat(72)), "SACK claiming five blocks");
    }

    @Test
    void tcpOptionErrorNamesValues() {
        byte[] seg = new byte[24];
        seg[TcpSegment.DATA_OFFSET_OFFSET] = 0x60;
        seg[20] = 2;
        seg[21] = 9;
        MalformedPacketException e = assertThrows(MalformedPacketException.class, () -> new TcpSegment().wrap(seg, 0, 24).checkOrThrow());
        assertEquals("TCP option length: 9 (expected: 2..4 for option kind 2)", e.getMessage());
    }

    @Test
    void windowShiftAbove14IsTreatedAs14() {
        byte[] seg = new byte[24];
        seg[TcpSegment.DATA_OFFSET_OFFSET] = 0x60;
        System.arraycopy(Bytes.fromHex("03031e00"), 0, seg, 20, 4);
        TcpOptions o = new TcpOptions();
        assertNull(new TcpSegment().wrap(seg, 0, 24).parseOptions(o));
        assertEquals(14, o.windowShift);
    }

    @Test
    void udpLengths() {
        UdpDatagram udp = new UdpDatagram();
        byte[] d = Bytes.fromHex("1f9000350010abcd0102030405060708");
        assertNull(udp.wrap(d, 0, d.length).check());
        for (int len = 0; len < UdpDatagram.HEADER_LENGTH; len++) {
            assertEquals(WireError.TRUNCATED_UDP_HEADER, udp.wrap(d, 0, len).check());
        }
        assertEquals(WireError.BAD_UDP_LENGTH, udp.wrap(d, 0, 15).check());
        Bytes.putU16(d, UdpDatagram.LENGTH_OFFSET, 7);
        assertEquals(WireError.BAD_UDP_LENGTH, udp.wrap(d, 0, d.length).check());
    }

    @Test
    void ipv6Checks() {
        byte[] p = new byte[60];
        Ipv6Packet ip6 = new Ipv6Packet().wrap(p, 0, p.length).versionClassFlow(0, 0).payloadLength(20).nextHeader(6);
        assertNull(ip6.checkTransport());
        for (int len = 0; len < Ipv6Packet.HEADER_LENGTH; len++) {
            assertEquals(WireError.TRUNCATED_IP_HEADER, ip6.wrap(p, 0, len).check());
        }
        assertEquals(WireError.BAD_TOTAL_LENGTH, ip6.wrap(p, 0, 59).check());
        ip6.wrap(p, 0, 60).nextHeader(0); // hop-by-hop options
        assertEquals(WireError.UNSUPPORTED_IPV6_EXTENSION, ip6.checkTransport());
        p[0] = 0x40;
        assertEquals(WireError.BAD_IP_VERSION, ip6.check());
    }

    @Test
    void ethernetChecks() {
        EthernetFrame eth = new EthernetFrame();
        byte[] f = new byte[60];
        Bytes.putU16(f, EthernetFrame.ETHERTYPE_OFFSET, EthernetFrame.ETHERTYPE_IPV4);
        assertNull(eth.wrap(f, 0, f.length).check());
        assertEquals(WireError.TRUNCATED_ETHERNET, eth.wrap(f, 0, 13).check());
        Bytes.putU16(f, EthernetFrame.ETHERTYPE_OFFSET, 0x8100);
        assertEquals(WireError.UNSUPPORTED_ETHERTYPE, eth.wrap(f, 0, f.length).check());
    }

    @Test
    void toStringNeverThrowsOnGarbage() {
        byte[] junk = {0x4f, 1, 2};
        assertEquals("IPv4[malformed 3 bytes]", new Ipv4Packet().wrap(junk, 0, 3).toString());
        assertEquals("TCP[malformed 3 bytes]", new TcpSegment().wrap(junk, 0, 3).toString());
        assertEquals("UDP[malformed 3 bytes]", new UdpDatagram().wrap(junk, 0, 3).toString());
        assertEquals("IPv6[malformed 3 bytes]", new Ipv6Packet().wrap(junk, 0, 3).toString());
        assertEquals("Ethernet[truncated 3 bytes]", new EthernetFrame().wrap(junk, 0, 3).toString());
    }
}
