package org.handoff.protocol.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;
import org.handoff.protocol.transform.FlowTransform;
import org.handoff.protocol.transform.PacketRewriter;
import org.handoff.protocol.transform.RewriteResult;
import org.handoff.protocol.transform.TcpSegmentSplitter;
import org.handoff.protocol.wire.EthernetFrame;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.Ipv6Packet;
import org.handoff.protocol.wire.TcpOptions;
import org.handoff.protocol.wire.TcpSegment;
import org.handoff.protocol.wire.UdpDatagram;
import org.handoff.protocol.wire.WireError;

/**
 * Fuzz targets for the packet views and the transform core: no input makes them throw, a
 * packet that passes {@code check()} is safe to read in full, and a rewrite of a packet with
 * valid checksums leaves valid checksums on the incremental path.
 *
 * <p>{@code mvn test} replays the committed seeds under
 * {@code src/test/resources/org/handoff/protocol/fuzz/PacketViewsFuzzTestInputs/} as regression
 * tests; {@code docs/fuzzing.md} gives the command that fuzzes for real.
 */
class PacketViewsFuzzTest {
    private static final FlowTransform FLOW = FlowTransform.builder()
            .client(0xc6120002, 40000).vip(0xc6120101, 80).server(0xc6130005, 8080)
            .isns(0xfffffff0, 0x10).timestamps(0x7fffffff, 0x80000001).windowShifts(10, 7).build();

    private final EthernetFrame eth = new EthernetFrame();
    private final Ipv4Packet ip = new Ipv4Packet();
    private final Ipv6Packet ip6 = new Ipv6Packet();
    private final TcpSegment tcp = new TcpSegment();
    private final UdpDatagram udp = new UdpDatagram();
    private final TcpOptions options = new TcpOptions();
    private final PacketRewriter rewriter = new PacketRewriter();
    private final TcpSegmentSplitter splitter = new TcpSegmentSplitter();

    @FuzzTest(maxDuration = "5m")
    void ipv4Packet(byte[] data) {
        readIpv4(data, 0, data.length);
        for (int direction = 0; direction < 2; direction++) {
            for (int trusted = 0; trusted < 2; trusted++) {
                byte[] copy = data.clone();
                boolean valid = checksumsValid(copy);
                RewriteResult r = direction == 0
                        ? rewriter.serverToClient(copy, 0, copy.length, FLOW, trusted == 1)
                        : rewriter.clientToServer(copy, 0, copy.length, FLOW, trusted == 1);
                if (r == RewriteResult.OK && (trusted == 0 || valid)) {
                    assertTrue(checksumsValid(copy), "checksums valid after rewrite, direction " + direction);
                }
                if (r != RewriteResult.OK) {
                    assertTrue(Arrays.equals(copy, data), "a refused packet is left untouched");
                }
            }
        }
        // A packet that fits is handed over as it is; real pieces carry fresh checksums.
        boolean cut = ip.wrap(data, 0, data.length).check() == null && ip.totalLength() > 600;
        splitter.split(data.clone(), 0, data.length, 600, (b, off, len) -> {
            assertTrue(len <= 600);
            if (cut) {
                assertTrue(checksumsValid(Arrays.copyOfRange(b, off, off + len)), "a cut piece has valid checksums");
            }
        });
    }

    @FuzzTest(maxDuration = "5m")
    void ethernetFrame(byte[] data) {
        if (eth.wrap(data, 0, data.length).check() != null) {
            return;
        }
        eth.toString();
        int off = eth.payloadOffset();
        int len = eth.payloadLength();
        if (eth.etherType() == EthernetFrame.ETHERTYPE_IPV4) {
            readIpv4(data, off, len);
        } else if (ip6.wrap(data, off, len).checkTransport() == null) {
            ip6.toString();
            readTransport(data, ip6.payloadOffset(), ip6.payloadLength(), ip6.nextHeader());
        }
    }

    private void readIpv4(byte[] data, int off, int len) {
        WireError e = ip.wrap(data, off, len).check();
        ip.toString();
        if (e != null) {
            return;
        }
        assertTrue(ip.totalLength() <= len && ip.headerLength() <= ip.totalLength());
        ip.verifyHeaderChecksum();
        readTransport(data, ip.payloadOffset(), ip.payloadLength(), ip.protocol());
    }

    private void readTransport(byte[] data, int off, int len, int protocol) {
        if (protocol == 6 && tcp.wrap(data, off, len).check() == null) {
            tcp.toString();
            assertNull(tcp.parseOptions(options), "options that passed check() parse");
            assertTrue(tcp.payloadOffset() + tcp.payloadLength() == off + len);
            for (int i = 0; i < options.sackBlockCount; i++) {
                assertTrue(options.sackBlockOffset(i) + 8 <= tcp.payloadOffset());
            }
            if (options.hasTimestamps()) {
                assertTrue(options.timestampsOffset + 10 <= tcp.payloadOffset());
            }
            tcp.computeChecksum(0);
        } else if (protocol == 17 && udp.wrap(data, off, len).check() == null) {
            udp.toString();
            assertEquals(udp.payloadOffset() + udp.payloadLength(), off + udp.udpLength());
            udp.computeChecksum(0);
        }
    }

    private boolean checksumsValid(byte[] p) {
        if (ip.wrap(p, 0, p.length).check() != null || !ip.verifyHeaderChecksum() || ip.protocol() != 6) {
            return false;
        }
        return tcp.wrap(p, ip.payloadOffset(), ip.payloadLength()).check() == null && tcp.verifyChecksum(ip.pseudoHeaderSum());
    }
}
