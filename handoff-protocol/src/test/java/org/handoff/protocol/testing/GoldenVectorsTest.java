package org.handoff.protocol.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.handoff.protocol.checksum.InternetChecksum;
import org.handoff.protocol.wire.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * What the committed captures hold (README.md next to them) and that every checksum in them
 * verifies: the offload settings worked, and {@link InternetChecksum} agrees with the kernel on
 * real packets.
 */
class GoldenVectorsTest {
    private static final int TCP_OPT_END = 0;
    private static final int TCP_OPT_NOP = 1;
    private static final int TCP_OPT_MSS = 2;
    private static final int TCP_OPT_WSCALE = 3;
    private static final int TCP_OPT_SACK_PERMITTED = 4;
    private static final int TCP_OPT_SACK = 5;
    private static final int TCP_OPT_TIMESTAMPS = 8;
    private static final int SYN = 0x02;

    private static final Map<String, Integer> RECORD_COUNTS = Map.of(
            GoldenVectors.IPV4_HTTP_ALL_OPTIONS, 10,
            GoldenVectors.IPV4_HTTP_NO_TS, 10,
            GoldenVectors.IPV4_HTTP_NO_SACK, 10,
            GoldenVectors.IPV4_HTTP_NO_WSCALE, 10,
            GoldenVectors.IPV4_HTTP_NO_OPTIONS, 10,
            GoldenVectors.IPV4_HTTP_POST, 38,
            GoldenVectors.IPV6_HTTP_ALL_OPTIONS, 10,
            GoldenVectors.IPV4_SACK_BLOCKS, 494,
            GoldenVectors.IPV4_SACK_BLOCKS_NO_TS, 177,
            GoldenVectors.IPV4_UDP, 6);

    @Test
    void everyCommittedFileIsListed() {
        assertEquals(RECORD_COUNTS.keySet(), Set.copyOf(GoldenVectors.ALL));
    }

    @ParameterizedTest
    @FieldSource("org.handoff.protocol.testing.GoldenVectors#ALL")
    void headerAndRecords(String name) {
        PcapFile f = GoldenVectors.load(name);
        assertEquals(PcapFile.LINKTYPE_ETHERNET, f.linkType());
        assertEquals(PcapFile.DEFAULT_SNAP_LENGTH, f.snapLength());
        assertEquals(2, f.versionMajor());
        assertEquals(4, f.versionMinor());
        assertEquals(name.equals(GoldenVectors.IPV4_UDP) ? PcapFile.Resolution.NANOS : PcapFile.Resolution.MICROS,
                f.resolution());
        assertEquals(RECORD_COUNTS.get(name), f.records().size());
        long previous = 0;
        for (PcapRecord r : f.records()) {
            assertFalse(r.truncated(), r.toString());
            assertTrue(r.epochNanos() >= previous, "timestamps in order");
            assertTrue(r.capturedLength() <= 1514, "MTU-sized frames (no TSO/GRO): " + r.capturedLength());
            previous = r.epochNanos();
        }
    }

    @ParameterizedTest
    @FieldSource("org.handoff.protocol.testing.GoldenVectors#ALL")
    void everyChecksumVerifies(String name) {
        List<PcapRecord> records = GoldenVectors.records(name);
        int verified = 0;
        for (int i = 0; i < records.size(); i++) {
            byte[] frame = records.get(i).data();
            byte[] ip = GoldenVectors.ipPacket(frame);
            assertEquals(frame.length - GoldenVectors.ETHERNET_HEADER_LENGTH, ip.length, "no Ethernet padding");
            String where = name + " record " + i;
            int version = ip[0] >>> 4 & 0xf;
            int l4Off;
            int protocol;
            long pseudo;
            if (version == 4) {
                int ihl = (ip[0] & 0xf) * 4;
                assertTrue(ihl >= 20 && ihl <= 60, where);
                assertTrue(InternetChecksum.verify(ip, 0, ihl, 0), where + ": IPv4 header checksum");
                // Computing it afresh over the header with the field zeroed gives the stored value.
                byte[] zeroed = ip.clone();
                Bytes.putU16(zeroed, 10, 0);
                assertEquals(Bytes.u16(ip, 10), InternetChecksum.compute(zeroed, 0, ihl), where);
                protocol = Bytes.u8(ip, 9);
                l4Off = ihl;
                pseudo = InternetChecksum.ipv4PseudoHeader(Bytes.i32(ip, 12), Bytes.i32(ip, 16), protocol,
                        ip.length - l4Off);
            } else {
                assertEquals(6, version, where);
                protocol = Bytes.u8(ip, 6); // no extension headers in these captures
                l4Off = GoldenVectors.IPV6_HEADER_LENGTH;
                pseudo = InternetChecksum.ipv6PseudoHeader(ip, 8, 24, protocol, ip.length - l4Off);
            }
            int l4Len = ip.length - l4Off;
            assertTrue(protocol == InternetChecksum.PROTO_TCP || protocol == InternetChecksum.PROTO_UDP, where);
            assertTrue(InternetChecksum.verify(ip, l4Off, l4Len, pseudo), where + ": transport checksum");
            int checksumField = l4Off + (protocol == InternetChecksum.PROTO_TCP ? 16 : 6);
            assertEquals(Bytes.u16(ip, checksumField),
                    InternetChecksum.transport(ip, l4Off, l4Len, checksumField, pseudo), where);
            verified++;
        }
        assertEquals(RECORD_COUNTS.get(name), verified);
    }

    /** The check above is not vacuous: one flipped bit anywhere in a segment fails it. */
    @Test
    void aFlippedBitFailsTheTransportChecksum() {
        for (String name : List.of(GoldenVectors.IPV4_HTTP_POST, GoldenVectors.IPV6_HTTP_ALL_OPTIONS)) {
            for (byte[] ip : GoldenVectors.ipPackets(name)) {
                int l4Off = l4Offset(ip);
                int l4Len = ip.length - l4Off;
                long pseudo = (ip[0] >>> 4 & 0xf) == 4
                        ? InternetChecksum.ipv4PseudoHeader(Bytes.i32(ip, 12), Bytes.i32(ip, 16), 6, l4Len)
                        : InternetChecksum.ipv6PseudoHeader(ip, 8, 24, 6, l4Len);
                int at = l4Off + (l4Len - 1) * 7 / 13; // some byte of the segment, header or payload
                ip[at] ^= 0x10;
                assertFalse(InternetChecksum.verify(ip, l4Off, l4Len, pseudo), name + " byte " + at);
            }
        }
    }

    @Test
    void synOptionsMatchTheClientSysctls() {
        assertSynOptions(GoldenVectors.IPV4_HTTP_ALL_OPTIONS,
                Set.of(TCP_OPT_MSS, TCP_OPT_SACK_PERMITTED, TCP_OPT_TIMESTAMPS, TCP_OPT_WSCALE));
        assertSynOptions(GoldenVectors.IPV6_HTTP_ALL_OPTIONS,
                Set.of(TCP_OPT_MSS, TCP_OPT_SACK_PERMITTED, TCP_OPT_TIMESTAMPS, TCP_OPT_WSCALE));
        assertSynOptions(GoldenVectors.IPV4_HTTP_POST,
                Set.of(TCP_OPT_MSS, TCP_OPT_SACK_PERMITTED, TCP_OPT_TIMESTAMPS, TCP_OPT_WSCALE));
        assertSynOptions(GoldenVectors.IPV4_HTTP_NO_TS, Set.of(TCP_OPT_MSS, TCP_OPT_SACK_PERMITTED, TCP_OPT_WSCALE));
        assertSynOptions(GoldenVectors.IPV4_HTTP_NO_SACK, Set.of(TCP_OPT_MSS, TCP_OPT_TIMESTAMPS, TCP_OPT_WSCALE));
        assertSynOptions(GoldenVectors.IPV4_HTTP_NO_WSCALE,
                Set.of(TCP_OPT_MSS, TCP_OPT_SACK_PERMITTED, TCP_OPT_TIMESTAMPS));
        assertSynOptions(GoldenVectors.IPV4_HTTP_NO_OPTIONS, Set.of(TCP_OPT_MSS));
    }

    /** Both the SYN and the SYN-ACK carry exactly these; later segments carry timestamps iff agreed. */
    private static void assertSynOptions(String name, Set<Integer> expected) {
        List<byte[]> packets = GoldenVectors.ipPackets(name);
        int syns = 0;
        for (byte[] ip : packets) {
            int tcp = l4Offset(ip);
            Set<Integer> kinds = optionKinds(ip, tcp);
            if ((Bytes.u8(ip, tcp + 13) & SYN) != 0) {
                assertEquals(expected, kinds, name + " SYN flags " + Bytes.u8(ip, tcp + 13));
                syns++;
            } else {
                Set<Integer> want = expected.contains(TCP_OPT_TIMESTAMPS) ? Set.of(TCP_OPT_TIMESTAMPS) : Set.of();
                assertEquals(want, kinds, name + " non-SYN segment options");
            }
        }
        assertEquals(2, syns, name + ": SYN and SYN-ACK");
    }

    @Test
    void sackBlocksWithTimestampsReachThree() {
        Map<Integer, Integer> blocks = sackBlockCounts(GoldenVectors.IPV4_SACK_BLOCKS);
        assertEquals(Set.of(1, 2, 3), blocks.keySet(), "block counts " + blocks);
        assertEquals(Map.of(1, 147, 2, 100, 3, 96), blocks); // README
    }

    @Test
    void sackBlocksWithoutTimestampsReachFour() {
        Map<Integer, Integer> blocks = sackBlockCounts(GoldenVectors.IPV4_SACK_BLOCKS_NO_TS);
        assertEquals(Set.of(1, 2, 3, 4), blocks.keySet(), "block counts " + blocks);
        assertEquals(Map.of(1, 61, 2, 32, 3, 10, 4, 20), blocks); // README
    }

    /** Block count -> number of ACKs carrying that many; every packet is client -> server. */
    private static Map<Integer, Integer> sackBlockCounts(String name) throws AssertionError {
        int client = Bytes.parseIpv4(GoldenVectors.CLIENT_IPV4);
        int server = Bytes.parseIpv4(GoldenVectors.SERVER_IPV4);
        Map<Integer, Integer> counts = new TreeMap<>();
        for (byte[] ip : GoldenVectors.ipPackets(name)) {
            assertEquals(client, Bytes.i32(ip, 12));
            assertEquals(server, Bytes.i32(ip, 16));
            int tcp = l4Offset(ip);
            for (int[] option : options(ip, tcp)) {
                if (option[0] == TCP_OPT_SACK) {
                    int len = option[2];
                    assertEquals(2, len % 8, "SACK option length " + len + " (expected: 2 + 8n)");
                    counts.merge((len - 2) / 8, 1, Integer::sum);
                    int off = option[1];
                    long ack = Bytes.u32(ip, tcp + 8);
                    for (int b = off + 2; b < off + len; b += 8) {
                        int left = Bytes.i32(ip, b);
                        int right = Bytes.i32(ip, b + 4);
                        assertTrue(right - left > 0, "block [" + Integer.toUnsignedString(left) + ", "
                                + Integer.toUnsignedString(right) + ") is not empty");
                        assertTrue((int) (left - ack) > 0, "block above the cumulative ACK");
                    }
                }
            }
        }
        return counts;
    }

    @Test
    void postCarriesFullSizedClientSegments() {
        int client = Bytes.parseIpv4(GoldenVectors.CLIENT_IPV4);
        List<Integer> clientPayloads = new ArrayList<>();
        for (byte[] ip : GoldenVectors.ipPackets(GoldenVectors.IPV4_HTTP_POST)) {
            int tcp = l4Offset(ip);
            int payload = ip.length - tcp - (Bytes.u8(ip, tcp + 12) >>> 4) * 4;
            if (payload > 0 && Bytes.i32(ip, 12) == client) {
                clientPayloads.add(payload);
            }
        }
        assertEquals(15, clientPayloads.size(), clientPayloads.toString());
        assertEquals(14, clientPayloads.stream().filter(n -> n == 1448).count());
        // 146 bytes of request headers, then the 20480-byte body.
        assertEquals(20626, clientPayloads.stream().mapToInt(Integer::intValue).sum());
    }

    @Test
    void ipv6AddressesAreTheLabUlas() throws UnknownHostException {
        byte[] client = InetAddress.getByName(GoldenVectors.CLIENT_IPV6).getAddress();
        byte[] server = InetAddress.getByName(GoldenVectors.SERVER_IPV6).getAddress();
        for (byte[] ip : GoldenVectors.ipPackets(GoldenVectors.IPV6_HTTP_ALL_OPTIONS)) {
            byte[] src = Arrays.copyOfRange(ip, 8, 24);
            byte[] dst = Arrays.copyOfRange(ip, 24, 40);
            assertTrue(Arrays.equals(src, client) && Arrays.equals(dst, server)
                    || Arrays.equals(src, server) && Arrays.equals(dst, client));
        }
    }

    @Test
    void udpDatagramsAreEchoedWithOddAndEvenLengths() {
        List<Integer> payloads = new ArrayList<>();
        for (byte[] ip : GoldenVectors.ipPackets(GoldenVectors.IPV4_UDP)) {
            assertEquals(InternetChecksum.PROTO_UDP, Bytes.u8(ip, 9));
            int udp = l4Offset(ip);
            assertEquals(ip.length - udp, Bytes.u16(ip, udp + 4), "UDP length field");
            assertTrue(Bytes.u16(ip, udp + 6) != 0, "checksum present");
            payloads.add(ip.length - udp - 8);
        }
        assertEquals(List.of(13, 13, 25, 25, 1000, 1000), payloads);
    }

    // ---- ipPacket ----

    @Test
    void ipPacketCutsEthernetPadding() {
        byte[] frame = GoldenVectors.records(GoldenVectors.IPV4_HTTP_NO_OPTIONS).get(2).data(); // bare ACK
        assertEquals(54, frame.length);
        byte[] padded = Arrays.copyOf(frame, 60); // minimum Ethernet frame, zero padding
        assertArrayEquals(Arrays.copyOfRange(frame, 14, 54), GoldenVectors.ipPacket(padded));
    }

    @Test
    void ipPacketRejectsWhatItCannotCut() {
        byte[] frame = GoldenVectors.records(GoldenVectors.IPV4_HTTP_ALL_OPTIONS).get(0).data();
        assertEquals("Ethernet frame: 13 bytes (expected: 14+)",
                assertThrows(IllegalArgumentException.class,
                        () -> GoldenVectors.ipPacket(Arrays.copyOf(frame, 13))).getMessage());
        byte[] vlan = frame.clone();
        Bytes.putU16(vlan, 12, 0x8100);
        assertEquals("EtherType 0x8100 (expected: 0x0800 IPv4 or 0x86dd IPv6)",
                assertThrows(IllegalArgumentException.class, () -> GoldenVectors.ipPacket(vlan)).getMessage());
        byte[] shortIp = Arrays.copyOf(frame, frame.length - 1);
        assertEquals("IP length field 60 against 59 bytes after the Ethernet header (expected: <= 59)",
                assertThrows(IllegalArgumentException.class, () -> GoldenVectors.ipPacket(shortIp)).getMessage());
        byte[] ipv6 = GoldenVectors.records(GoldenVectors.IPV6_HTTP_ALL_OPTIONS).get(0).data();
        assertEquals("IPv6 header: 39 bytes (expected: 40+)",
                assertThrows(IllegalArgumentException.class,
                        () -> GoldenVectors.ipPacket(Arrays.copyOf(ipv6, 14 + 39))).getMessage());
    }

    @Test
    void unknownVectorIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GoldenVectors.load("no-such.pcap"));
        assertTrue(e.getMessage().startsWith("no golden vector '/vectors/no-such.pcap'"), e.getMessage());
    }

    // ---- a minimal option walker, enough to describe the captures ----

    private static int l4Offset(byte[] ip) {
        return (ip[0] >>> 4 & 0xf) == 4 ? (ip[0] & 0xf) * 4 : GoldenVectors.IPV6_HEADER_LENGTH;
    }

    private static Set<Integer> optionKinds(byte[] ip, int tcp) {
        Set<Integer> kinds = new TreeSet<>();
        for (int[] option : options(ip, tcp)) {
            kinds.add(option[0]);
        }
        return kinds;
    }

    /** {kind, offset, length} of each option other than NOP and END, length-checked. */
    private static List<int[]> options(byte[] ip, int tcp) {
        int end = tcp + (Bytes.u8(ip, tcp + 12) >>> 4) * 4;
        List<int[]> out = new ArrayList<>();
        int i = tcp + 20;
        while (i < end) {
            int kind = Bytes.u8(ip, i);
            if (kind == TCP_OPT_END) {
                break;
            }
            if (kind == TCP_OPT_NOP) {
                i++;
                continue;
            }
            assertTrue(i + 1 < end, "option length byte inside the header");
            int len = Bytes.u8(ip, i + 1);
            assertTrue(len >= 2 && i + len <= end, "option " + kind + " length " + len);
            out.add(new int[] {kind, i, len});
            i += len;
        }
        return out;
    }
}
