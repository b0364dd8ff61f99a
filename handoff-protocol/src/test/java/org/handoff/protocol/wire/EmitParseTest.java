package org.handoff.protocol.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Emitters write exactly their bytes (a sentinel-filled buffer shows any stray write) and parse back. */
class EmitParseTest {
    private static final byte SENTINEL = (byte) 0xa5;

    @Test
    void everyOptionCombinationRoundTrips() {
        byte[] payload = "GET / HTTP/1.1\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        PacketEmitter emitter = new PacketEmitter();
        for (int mask = 0; mask < 32; mask++) {
            TcpRepr t = new TcpRepr();
            t.sourcePort = 51000;
            t.destinationPort = 80;
            t.seq = 0xfffffff0;
            t.ack = 0x7fffffff;
            t.flags = TcpSegment.ACK | TcpSegment.PSH;
            t.window = 502;
            if ((mask & 1) != 0) t.mss = 1460;
            if ((mask & 2) != 0) t.windowShift = 7;
            if ((mask & 4) != 0) t.sackPermitted = true;
            if ((mask & 8) != 0) {
                t.timestamps = true;
                t.tsVal = 0xdeadbeef;
                t.tsEcr = 0x01020304;
            }
            if ((mask & 16) != 0) {
                t.sackBlock(10, 20);
                if ((mask & 1) == 0) {
                    t.sackBlock(30, 40); // room for a second block without MSS
                }
            }
            t.payload(payload, 0, payload.length);

            byte[] buf = new byte[200];
            Arrays.fill(buf, SENTINEL);
            int off = 7;
            int n = emitter.ipv4Tcp(new Ipv4Repr().set(0xc6120002, 0xc6120101, 6), t, buf, off);
            assertEquals(20 + t.headerLength() + payload.length, n);
            assertEquals(0, t.headerLength() % 4, "options padded to 4 bytes");
            for (int i = 0; i < buf.length; i++) {
                if (i < off || i >= off + n) {
                    assertEquals(SENTINEL, buf[i], "mask " + mask + ": stray write at " + i);
                }
            }

            Ipv4Packet ip = new Ipv4Packet().wrap(buf, off, n);
            assertNull(ip.check());
            assertTrue(ip.verifyHeaderChecksum());
            TcpSegment seg = new TcpSegment().wrap(buf, ip.payloadOffset(), ip.payloadLength());
            assertNull(seg.check(), "mask " + mask);
            assertTrue(seg.verifyChecksum(ip.pseudoHeaderSum()));
            TcpRepr back = new TcpRepr().parse(seg, new TcpOptions());
            assertEquals(t.sourcePort, back.sourcePort);
            assertEquals(t.destinationPort, back.destinationPort);
            assertEquals(t.seq, back.seq);
            assertEquals(t.ack, back.ack);
            assertEquals(t.flags, back.flags);
            assertEquals(t.window, back.window);
            assertEquals(t.mss, back.mss);
            assertEquals(t.windowShift, back.windowShift);
            assertEquals(t.sackPermitted, back.sackPermitted);
            assertEquals(t.timestamps, back.timestamps);
            assertEquals(t.tsVal, back.tsVal);
            assertEquals(t.tsEcr, back.tsEcr);
            assertEquals(t.sackBlockCount, back.sackBlockCount);
            assertArrayEquals(Arrays.copyOf(t.sackEdges, 2 * t.sackBlockCount), Arrays.copyOf(back.sackEdges, 2 * back.sackBlockCount));
            assertArrayEquals(payload, Arrays.copyOfRange(buf, back.payloadOffset, back.payloadOffset + back.payloadLength));
        }
    }

    @Test
    void linuxSynLayoutIsByteExact() {
        // The option bytes Linux puts on a SYN: MSS, SACK-permitted + timestamps, NOP + window scale.
        TcpRepr t = new TcpRepr();
        t.mss = 1460;
        t.sackPermitted = true;
        t.timestamps = true;
        t.tsVal = 0x11223344;
        t.windowShift = 7;
        byte[] b = new byte[40];
        t.emit(b, 0);
        assertEquals("020405b4" + "0402080a1122334400000000" + "01030307", Bytes.hex(b, 20, 20));
    }

    @Test
    void udpEmitAndZeroChecksumRule() {
        byte[] buf = new byte[64];
        Arrays.fill(buf, SENTINEL);
        byte[] payload = {1, 2, 3};
        int n = new PacketEmitter().ipv4Udp(new Ipv4Repr().set(0xc6120002, 0xc6120101, 17), 4000, 5000, payload, 0, 3, buf, 0);
        assertEquals(31, n);
        assertEquals(SENTINEL, buf[31]);
        Ipv4Packet ip = new Ipv4Packet().wrap(buf, 0, n);
        UdpDatagram udp = new UdpDatagram().wrap(buf, ip.payloadOffset(), ip.payloadLength());
        assertNull(udp.check());
        assertTrue(udp.verifyChecksum(ip.pseudoHeaderSum()));
        assertEquals(11, udp.udpLength());
        assertTrue(udp.checksum() != 0, "a computed zero is sent as 0xffff");
    }

    @Test
    void ipv6TcpEmitVerifies() {
        byte[] src = Bytes.fromHex("fd000198001800000000000000000002");
        byte[] dst = Bytes.fromHex("fd000198001800000000000000000001");
        TcpRepr t = new TcpRepr();
        t.sourcePort = 40000;
        t.destinationPort = 80;
        t.flags = TcpSegment.SYN;
        t.mss = 1440;
        byte[] buf = new byte[100];
        Arrays.fill(buf, SENTINEL);
        int n = new PacketEmitter().ipv6Tcp(src, dst, 64, t, buf, 0);
        assertEquals(64, n);
        assertEquals(SENTINEL, buf[64]);
        Ipv6Packet ip6 = new Ipv6Packet().wrap(buf, 0, n);
        assertNull(ip6.checkTransport());
        TcpSegment seg = new TcpSegment().wrap(buf, ip6.payloadOffset(), ip6.payloadLength());
        assertNull(seg.check());
        assertTrue(seg.verifyChecksum(ip6.pseudoHeaderSum()));
    }
}
