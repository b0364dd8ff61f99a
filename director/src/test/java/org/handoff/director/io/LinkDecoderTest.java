package org.handoff.director.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.handoff.protocol.testing.PacketBuilder;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.EthernetFrame;
import org.handoff.protocol.wire.TcpSegment;
import org.junit.jupiter.api.Test;

class LinkDecoderTest {
    static final long MAC = LinkDecoder.parseMac("02:00:00:00:00:01");
    static final long OTHER = LinkDecoder.parseMac("02:00:00:00:00:02");
    final byte[] syn = PacketBuilder.tcp().from("198.18.0.1", 40000).to("198.18.1.1", 80).flags(TcpSegment.SYN).id(1).build();

    @Test
    void ethernetIsStrippedAndPaddingCut() {
        byte[] small = PacketBuilder.tcp().from("198.18.0.1", 40000).to("198.18.1.1", 80).flags(TcpSegment.ACK).id(2).build(); // 40 bytes
        byte[] f = PacketBuilder.ethernet(MAC, OTHER, EthernetFrame.ETHERTYPE_IPV4, small, 200);
        LinkDecoder d = new LinkDecoder(LinkDecoder.DLT_EN10MB, true, MAC);
        assertTrue(d.decode(f, 0, f.length));
        assertEquals(14, d.ipOffset());
        assertEquals(small.length, d.ipLength());
    }

    @Test
    void ethernetForAnotherMacIsDroppedWhenHostOnly() {
        byte[] f = PacketBuilder.ethernet(OTHER, MAC, syn);
        LinkDecoder d = new LinkDecoder(LinkDecoder.DLT_EN10MB, true, MAC);
        assertFalse(d.decode(f, 0, f.length));
        assertEquals(1, d.notForHost());
        LinkDecoder all = new LinkDecoder(LinkDecoder.DLT_EN10MB, false, MAC);
        assertTrue(all.decode(f, 0, f.length));
    }

    @Test
    void nonIpAndTruncatedAndMalformedAreCountedByReason() {
        LinkDecoder d = new LinkDecoder(LinkDecoder.DLT_EN10MB, false, LinkDecoder.ANY_MAC);
        byte[] arp = PacketBuilder.ethernet(MAC, OTHER, syn);
        arp[12] = 0x08;
        arp[13] = 0x06;
        assertFalse(d.decode(arp, 0, arp.length));
        assertEquals(1, d.notIp());
        byte[] f = PacketBuilder.ethernet(MAC, OTHER, syn);
        assertFalse(d.decode(f, 0, f.length - 1)); // snaplen cut one byte short
        assertFalse(d.decode(f, 0, 10));
        assertFalse(d.decode(f, 0, 14 + 19));
        assertEquals(3, d.truncated());
        Bytes.putU16(f, 14 + 2, 12); // total length below the header length
        assertFalse(d.decode(f, 0, f.length));
        assertEquals(1, d.malformedIp());
        f[14] = 0x55; // version 5
        assertFalse(d.decode(f, 0, f.length));
        assertEquals(2, d.notIp());
        assertEquals(6, d.dropped());
    }

    @Test
    void badChecksumIsNotADrop() {
        byte[] p = syn.clone();
        p[10] ^= 0x55; // IP checksum
        p[36] ^= 0x55; // TCP checksum
        LinkDecoder d = new LinkDecoder(LinkDecoder.DLT_RAW, true, LinkDecoder.ANY_MAC);
        assertTrue(d.decode(p, 0, p.length));
        assertEquals(p.length, d.ipLength());
    }

    @Test
    void linuxCookedKeepsOnlyPacketHost() {
        byte[] f = new byte[16 + syn.length];
        Bytes.putU16(f, 0, 0); // PACKET_HOST
        Bytes.putU16(f, 2, 1);
        Bytes.putU16(f, 4, 6);
        Bytes.putU16(f, 14, 0x0800);
        System.arraycopy(syn, 0, f, 16, syn.length);
        LinkDecoder d = new LinkDecoder(LinkDecoder.DLT_LINUX_SLL, true, LinkDecoder.ANY_MAC);
        assertTrue(d.decode(f, 0, f.length));
        assertEquals(16, d.ipOffset());
        Bytes.putU16(f, 0, 4); // PACKET_OUTGOING
        assertFalse(d.decode(f, 0, f.length));
        Bytes.putU16(f, 0, 3); // PACKET_OTHERHOST
        assertFalse(d.decode(f, 0, f.length));
        assertEquals(2, d.notForHost());
    }

    @Test
    void linuxCookedV2KeepsOnlyPacketHost() {
        byte[] f = new byte[20 + syn.length];
        Bytes.putU16(f, 0, 0x0800);
        f[10] = 0;
        System.arraycopy(syn, 0, f, 20, syn.length);
        LinkDecoder d = new LinkDecoder(LinkDecoder.DLT_LINUX_SLL2, true, LinkDecoder.ANY_MAC);
        assertTrue(d.decode(f, 0, f.length));
        assertEquals(20, d.ipOffset());
        f[10] = 4;
        assertFalse(d.decode(f, 0, f.length));
    }

    @Test
    void ipv6IsCutToItsPayloadLength() {
        byte[] syn = PacketBuilder.tcp().from("2001:2::1", 40000).to("2001:2::2", 80).flags(TcpSegment.SYN).build();
        byte[] p = Arrays.copyOf(syn, 40 + 20 + 7); // 7 bytes after the packet
        LinkDecoder d = new LinkDecoder(LinkDecoder.DLT_RAW, false, LinkDecoder.ANY_MAC);
        assertTrue(d.decode(p, 0, p.length));
        assertEquals(60, d.ipLength());
    }

    @Test
    void unsupportedLinkTypeIsRefusedWithTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new LinkDecoder(127, true, 0));
        assertTrue(e.getMessage().contains("link type=127"), e.getMessage());
    }

    @Test
    void macHelpers() {
        assertEquals("02:00:00:00:00:01", LinkDecoder.macToString(MAC));
        assertEquals(MAC, LinkDecoder.macFromBytes(new byte[] {2, 0, 0, 0, 0, 1}));
        assertThrows(IllegalArgumentException.class, () -> LinkDecoder.parseMac("02:00:00:00:00"));
    }
}
