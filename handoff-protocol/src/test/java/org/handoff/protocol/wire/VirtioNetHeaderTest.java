package org.handoff.protocol.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.handoff.protocol.checksum.InternetChecksum;
import org.handoff.protocol.testing.GoldenVectors;
import org.junit.jupiter.api.Test;

/**
 * The virtio-net header view: the real frames a TUN with offloads handed over (golden file
 * {@code tun-vnet-tso.pcap}), the byte layout of what we write, and one test per impossible header.
 */
class VirtioNetHeaderTest {
    private final VirtioNetHeader vnet = new VirtioNetHeader();
    private final Ipv4Packet ip = new Ipv4Packet();
    private final TcpSegment tcp = new TcpSegment();

    @Test
    void everyFrameTheKernelHandedOverPassesAndCarriesAPartialTcpChecksum() {
        List<byte[]> frames = GoldenVectors.vnetFrames();
        assertEquals(12, frames.size());
        int gso = 0;
        for (int i = 0; i < frames.size(); i++) {
            byte[] f = frames.get(i);
            String where = "frame " + i;
            assertNull(vnet.wrap(f, 0, f.length).check(), where);
            assertNull(ip.wrap(f, vnet.packetOffset(), vnet.packetLength()).check(), where);
            assertEquals(f.length - VirtioNetHeader.LENGTH, ip.totalLength(), where);
            assertNull(tcp.wrap(f, ip.payloadOffset(), ip.payloadLength()).check(), where);
            assertNull(vnet.checkTcpv4(true, ip.headerLength()), where);
            // Locally generated TCP under TUN_F_CSUM: every one partial, the field the pseudo-header sum.
            assertTrue(vnet.needsChecksum(), where);
            assertEquals(20, vnet.csumStart(), where);
            assertEquals(16, vnet.csumOffset(), where);
            assertEquals(InternetChecksum.partial(ip.pseudoHeaderSum()), tcp.checksum(), where);
            assertTrue(tcp.hasPartialChecksum(ip.pseudoHeaderSum()), where);
            assertFalse(tcp.verifyChecksum(ip.pseudoHeaderSum()), where + ": a partial checksum does not verify");
            assertTrue(ip.verifyHeaderChecksum(), where + ": the IPv4 header checksum is complete");
            if (vnet.isGso()) {
                gso++;
                assertEquals(VirtioNetHeader.GSO_TCPV4, vnet.gsoType(), where);
                assertEquals(1448, vnet.gsoSize(), where);
                assertEquals(52, vnet.hdrLen(), where + ": IPv4 20 + TCP 32");
                assertTrue(tcp.payloadLength() > vnet.gsoSize(), where);
            } else {
                assertEquals(0, vnet.gsoSize(), where);
                assertTrue(ip.totalLength() <= 1500, where);
            }
        }
        assertEquals(7, gso, "super-segments in the capture");
        // The first is the SYN-ACK, the last a super-segment carrying the FIN.
        assertEquals(TcpSegment.SYN | TcpSegment.ACK, flagsOf(frames.get(0)));
        byte[] last = frames.get(frames.size() - 1);
        assertTrue((flagsOf(last) & TcpSegment.FIN) != 0);
        assertTrue(vnet.wrap(last, 0, last.length).isGso());
    }

    private int flagsOf(byte[] frame) {
        ip.wrap(frame, VirtioNetHeader.LENGTH, frame.length - VirtioNetHeader.LENGTH);
        return tcp.wrap(frame, ip.payloadOffset(), ip.payloadLength()).flags();
    }

    @Test
    void fieldsAreLittleEndianAtTheirOffsets() {
        byte[] b = new byte[VirtioNetHeader.LENGTH + 40];
        Arrays.fill(b, (byte) 0xee);
        vnet.wrap(b, 0, b.length).clear().flags(VirtioNetHeader.F_NEEDS_CSUM).gsoType(VirtioNetHeader.GSO_TCPV4)
                .hdrLen(0x0134).gsoSize(0x05a8).csumStart(20).csumOffset(16);
        assertArrayEquals(new byte[] {1, 1, 0x34, 0x01, (byte) 0xa8, 0x05, 20, 0, 16, 0}, Arrays.copyOf(b, 10));
        assertEquals((byte) 0xee, b[10], "nothing past the header is touched");
        assertEquals(0x0134, vnet.hdrLen());
        assertEquals(1448, vnet.gsoSize());
        assertTrue(vnet.isGso() && vnet.needsChecksum() && !vnet.ecn());
        assertEquals(VirtioNetHeader.LENGTH, vnet.packetOffset());
        assertEquals(40, vnet.packetLength());
        vnet.gsoType(VirtioNetHeader.GSO_TCPV4 | VirtioNetHeader.GSO_ECN);
        assertTrue(vnet.ecn());
        assertEquals(VirtioNetHeader.GSO_TCPV4, vnet.gsoKind());
    }

    /** A frame: header fields as given, then a 1500-byte IPv4/TCP packet (20 + 20 + 1460). */
    private byte[] frame(int flags, int gsoType, int hdrLen, int gsoSize, int csumStart, int csumOffset) {
        byte[] b = new byte[VirtioNetHeader.LENGTH + 1500];
        b[10] = 0x45;
        Bytes.putU16(b, 12, 1500);
        b[19] = InternetChecksum.PROTO_TCP;
        b[10 + 20 + 12] = 0x50;
        vnet.wrap(b, 0, b.length).flags(flags).gsoType(gsoType).hdrLen(hdrLen).gsoSize(gsoSize).csumStart(csumStart)
                .csumOffset(csumOffset);
        return b;
    }

    private WireError check(byte[] b) {
        return vnet.wrap(b, 0, b.length).check();
    }

    @Test
    void validHeaders() {
        assertNull(check(frame(0, 0, 0, 0, 0, 0)), "what an injected packet carries");
        assertNull(check(frame(VirtioNetHeader.F_DATA_VALID, 0, 0, 0, 0, 0)));
        assertNull(check(frame(1, 0, 0, 0, 20, 16)));
        assertNull(check(frame(1, 1, 40, 1448, 20, 16)));
        assertNull(check(frame(1, 0x81, 40, 1448, 20, 16)), "TCPV4 with ECN");
        assertNull(check(frame(1, 1, 1500, 1448, 20, 16)), "hdr_len may count the whole packet (the kernel's linear part)");
        assertNull(check(frame(1, 0, 0, 0, 1498 - 16, 16)), "checksum field in the last two bytes");
    }

    @Test
    void truncatedHeader() {
        for (int len = 0; len < VirtioNetHeader.LENGTH; len++) {
            assertEquals(WireError.TRUNCATED_VNET_HEADER, vnet.wrap(new byte[len], 0, len).check(), "length " + len);
        }
        assertNull(vnet.wrap(new byte[10], 0, 10).check(), "a header alone is valid; the packet checks come next");
    }

    @Test
    void impossibleFlags() {
        assertEquals(WireError.BAD_VNET_FLAGS, check(frame(4, 0, 0, 0, 0, 0)), "RSC_INFO never comes from a TUN");
        assertEquals(WireError.BAD_VNET_FLAGS, check(frame(0x80, 0, 0, 0, 0, 0)));
        assertEquals(WireError.BAD_VNET_FLAGS, check(frame(3, 0, 0, 0, 20, 16)), "NEEDS_CSUM and DATA_VALID at once");
    }

    @Test
    void gsoTypesOtherThanTcpv4() {
        for (int t : new int[] {VirtioNetHeader.GSO_UDP, VirtioNetHeader.GSO_TCPV6, VirtioNetHeader.GSO_UDP_L4, 2, 6, 0x7f}) {
            assertEquals(WireError.UNSUPPORTED_GSO_TYPE, check(frame(1, t, 40, 1448, 20, 16)), "gso_type " + t);
        }
        assertEquals(WireError.UNSUPPORTED_GSO_TYPE, check(frame(1, VirtioNetHeader.GSO_ECN, 40, 0, 20, 16)), "ECN with no GSO");
    }

    @Test
    void gsoSizeZeroWithAGsoType() {
        assertEquals(WireError.GSO_SIZE_ZERO, check(frame(1, 1, 40, 0, 20, 16)));
        assertEquals(0, vnet.errorMeasured());
    }

    @Test
    void gsoWithoutAPartialChecksum() {
        assertEquals(WireError.GSO_WITHOUT_PARTIAL_CHECKSUM, check(frame(0, 1, 40, 1448, 0, 0)));
        assertEquals(WireError.GSO_WITHOUT_PARTIAL_CHECKSUM, check(frame(VirtioNetHeader.F_DATA_VALID, 1, 40, 1448, 0, 0)));
    }

    @Test
    void hdrLenBeyondThePacket() {
        assertEquals(WireError.VNET_HDR_LEN_BEYOND_PACKET, check(frame(1, 1, 1501, 1448, 20, 16)));
        assertEquals(1501, vnet.errorMeasured());
        assertEquals(WireError.VNET_HDR_LEN_BEYOND_PACKET, check(frame(0, 0, 0xffff, 0, 0, 0)));
    }

    @Test
    void checksumFieldOutsideThePacket() {
        assertEquals(WireError.CHECKSUM_START_OUT_OF_RANGE, check(frame(1, 0, 0, 0, 1499, 0)));
        assertEquals(WireError.CHECKSUM_START_OUT_OF_RANGE, check(frame(1, 0, 0, 0, 20, 1479)));
        assertEquals(WireError.CHECKSUM_START_OUT_OF_RANGE, check(frame(1, 0, 0, 0, 0xffff, 0xffff)), "no int overflow");
        assertNull(check(frame(0, 0, 0, 0, 0xffff, 0xffff)), "csum_start/offset mean nothing without NEEDS_CSUM");
    }

    @Test
    void partialChecksumThatIsNotTheTcpChecksum() {
        byte[] b = frame(1, 0, 0, 0, 20, 6); // where a UDP checksum would be
        assertNull(check(b));
        assertEquals(WireError.PARTIAL_CHECKSUM_NOT_TCP, vnet.checkTcpv4(true, 20));
        assertEquals((20L << 16) | 6, vnet.errorMeasured());
        b = frame(1, 0, 0, 0, 24, 16); // as if the IP header had options
        assertEquals(WireError.PARTIAL_CHECKSUM_NOT_TCP, vnet.wrap(b, 0, b.length).checkTcpv4(true, 20));
        assertEquals(WireError.PARTIAL_CHECKSUM_NOT_TCP, vnet.checkTcpv4(false, 24), "a partial checksum on a non-TCP packet");
        assertNull(vnet.checkTcpv4(true, 24));
        b = frame(0, 0, 0, 0, 0, 0);
        assertNull(vnet.wrap(b, 0, b.length).checkTcpv4(false, 20), "no offload: anything goes, the packet checks decide");
    }

    @Test
    void gsoOnAPacketThatIsNotIpv4Tcp() {
        byte[] b = frame(1, 1, 40, 1448, 20, 16);
        assertNull(check(b));
        assertEquals(WireError.GSO_NOT_TCPV4, vnet.checkTcpv4(false, 20));
    }

    @Test
    void checkOrThrowNamesMeasuredAndExpected() {
        byte[] b = frame(1, 1, 1600, 1448, 20, 16);
        MalformedPacketException e = assertThrows(MalformedPacketException.class, () -> vnet.wrap(b, 0, b.length).checkOrThrow());
        assertEquals(WireError.VNET_HDR_LEN_BEYOND_PACKET, e.error());
        assertTrue(e.getMessage().contains("1600") && e.getMessage().contains("1500"), e.getMessage());
        assertFalse(vnet.toString().isEmpty());
    }
}
