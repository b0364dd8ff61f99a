package org.handoff.protocol.transform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.handoff.protocol.checksum.InternetChecksum;
import org.handoff.protocol.testing.GoldenVectors;
import org.handoff.protocol.testing.RandomTcpPackets;
import org.handoff.protocol.testing.Seeds;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.TcpSegment;
import org.handoff.protocol.wire.VirtioNetHeader;
import org.junit.jupiter.api.Test;

/**
 * {@link ChecksumState#PARTIAL}: a packet whose TCP checksum field holds only the pseudo-header
 * sum (the kernel's CHECKSUM_PARTIAL, a TUN with offloads) is rewritten so that whoever completes
 * the checksum later (the kernel's GSO, a NIC, {@link InternetChecksum#completePartial} here)
 * gets exactly the checksum a full recompute of the rewritten packet gives.
 *
 * <p>Golden: the real super-segments in {@code tun-vnet-tso.pcap}. Each is rewritten, then
 * completed, and compared with a full recompute; and cut with {@link TcpSegmentSplitter} after
 * the rewrite, which must give byte for byte what cutting first and rewriting each piece gives.
 */
class PartialChecksumRewriteTest {
    private static final int C = Bytes.parseIpv4("198.18.0.2");
    private static final int H = Bytes.parseIpv4("198.18.1.1");
    private static final int VIP = Bytes.parseIpv4("198.18.2.1");

    private final PacketRewriter rewriter = new PacketRewriter();
    private final VirtioNetHeader vnet = new VirtioNetHeader();
    private final Ipv4Packet ip = new Ipv4Packet();
    private final TcpSegment tcp = new TcpSegment();

    /** The golden connection's transform: every rewritten field changes (seq, port, TSval, window). */
    private static FlowTransform goldenFlow(byte[] synAck) {
        int si = Bytes.i32(synAck, VirtioNetHeader.LENGTH + 20 + TcpSegment.SEQ_OFFSET);
        return FlowTransform.builder().client(C, 40_001).vip(VIP, 8080).server(H, 80)
                .isns(0x0bad_f00d, si).timestamps(123_456_789, 5).windowShifts(7, 3).build();
    }

    /** The checksum a device would complete from the partial value in {@code packet} (a copy is completed). */
    private static int completed(byte[] packet) {
        byte[] copy = packet.clone();
        int ihl = (copy[0] & 0xf) * 4;
        InternetChecksum.completePartial(copy, ihl, Bytes.u16(copy, 2), ihl + TcpSegment.CHECKSUM_OFFSET);
        return Bytes.u16(copy, ihl + TcpSegment.CHECKSUM_OFFSET);
    }

    /** The checksum a full recompute gives. */
    private int full(byte[] packet) {
        ip.wrap(packet, 0, packet.length);
        return tcp.wrap(packet, ip.payloadOffset(), ip.payloadLength()).computeChecksum(ip.pseudoHeaderSum());
    }

    /** 0 and 0xffff are the same ones' complement zero; Linux stores the latter when it completes. */
    private static int norm(int checksum) {
        return checksum == 0xffff ? 0 : checksum;
    }

    @Test
    void goldenSuperSegmentsRewrittenPartialCompleteToTheFullChecksum() {
        List<byte[]> frames = GoldenVectors.vnetFrames();
        FlowTransform flow = goldenFlow(frames.get(0));
        for (int i = 1; i < frames.size(); i++) {
            byte[] f = frames.get(i);
            byte[] packet = Arrays.copyOfRange(f, VirtioNetHeader.LENGTH, f.length);
            String where = "frame " + i + " (" + packet.length + " bytes)";
            assertEquals(RewriteResult.OK, rewriter.serverToClient(packet, 0, packet.length, flow, ChecksumState.PARTIAL), where);
            ip.wrap(packet, 0, packet.length);
            tcp.wrap(packet, ip.payloadOffset(), ip.payloadLength());
            assertEquals(VIP, ip.source(), where);
            assertTrue(ip.verifyHeaderChecksum(), where + ": the IPv4 checksum is updated in full");
            assertEquals(InternetChecksum.partial(ip.pseudoHeaderSum()), tcp.checksum(),
                    where + ": still exactly the pseudo-header sum, now of the VIP");
            int done = completed(packet);
            assertEquals(norm(full(packet)), norm(done), where);
            Bytes.putU16(packet, ip.payloadOffset() + TcpSegment.CHECKSUM_OFFSET, done);
            assertTrue(tcp.verifyChecksum(ip.pseudoHeaderSum()), where);
        }
    }

    @Test
    void goldenSuperSegmentsRewriteThenCutEqualsCutThenRewrite() {
        List<byte[]> frames = GoldenVectors.vnetFrames();
        FlowTransform flow = goldenFlow(frames.get(0));
        TcpSegmentSplitter splitter = new TcpSegmentSplitter();
        int superSegments = 0;
        for (int i = 1; i < frames.size(); i++) {
            byte[] f = frames.get(i);
            vnet.wrap(f, 0, f.length);
            if (!vnet.isGso()) {
                continue;
            }
            superSegments++;
            int max = vnet.hdrLen() + vnet.gsoSize();
            byte[] packet = Arrays.copyOfRange(f, VirtioNetHeader.LENGTH, f.length);

            // The agent's order: rewrite the super-segment keeping its checksum partial, then cut.
            byte[] rewritten = packet.clone();
            assertEquals(RewriteResult.OK, rewriter.serverToClient(rewritten, 0, rewritten.length, flow, ChecksumState.PARTIAL));
            List<byte[]> a = new ArrayList<>();
            int n = splitter.split(rewritten, 0, rewritten.length, max, (b, off, len) -> a.add(Arrays.copyOfRange(b, off, off + len)));

            // The reference: cut the original as the kernel would, then rewrite each complete piece.
            List<byte[]> b = new ArrayList<>();
            splitter.split(packet, 0, packet.length, max, (buf, off, len) -> b.add(Arrays.copyOfRange(buf, off, off + len)));
            for (byte[] piece : b) {
                ip.wrap(piece, 0, piece.length);
                assertTrue(tcp.wrap(piece, ip.payloadOffset(), ip.payloadLength()).verifyChecksum(ip.pseudoHeaderSum()));
                assertEquals(RewriteResult.OK, rewriter.serverToClient(piece, 0, piece.length, flow, ChecksumState.VALID));
            }
            assertEquals(b.size(), n, "frame " + i);
            assertEquals((packet.length - 52 + vnet.gsoSize() - 1) / vnet.gsoSize(), n, "frame " + i + ": gso_size pieces");
            for (int k = 0; k < n; k++) {
                assertArrayEquals(b.get(k), a.get(k), "frame " + i + " piece " + k);
                ip.wrap(a.get(k), 0, a.get(k).length);
                assertTrue(ip.totalLength() <= 1500, "frame " + i + " piece " + k);
                assertTrue(tcp.wrap(a.get(k), ip.payloadOffset(), ip.payloadLength()).verifyChecksum(ip.pseudoHeaderSum()));
            }
        }
        assertEquals(7, superSegments);
    }

    @Test
    void onlyThePseudoHeaderIsFoldedIn() {
        // Same address in and out: every other change (port, seq, TSval, window) is left to the completion.
        List<byte[]> frames = GoldenVectors.vnetFrames();
        int si = Bytes.i32(frames.get(0), VirtioNetHeader.LENGTH + 20 + TcpSegment.SEQ_OFFSET);
        FlowTransform sameAddress = FlowTransform.builder().client(C, 40_001).vip(H, 8080).server(H, 80)
                .isns(0x0bad_f00d, si).timestamps(123_456_789, 5).windowShifts(7, 3).build();
        byte[] f = frames.get(3);
        byte[] packet = Arrays.copyOfRange(f, VirtioNetHeader.LENGTH, f.length);
        int before = Bytes.u16(packet, 20 + TcpSegment.CHECKSUM_OFFSET);
        assertEquals(RewriteResult.OK, rewriter.serverToClient(packet, 0, packet.length, sameAddress, ChecksumState.PARTIAL));
        assertTrue(Bytes.i32(packet, 20 + TcpSegment.SEQ_OFFSET) != Bytes.i32(f, VirtioNetHeader.LENGTH + 20 + TcpSegment.SEQ_OFFSET));
        assertEquals(before, Bytes.u16(packet, 20 + TcpSegment.CHECKSUM_OFFSET), "nothing but the pseudo-header changes a partial sum");
        assertEquals(norm(full(packet)), norm(completed(packet)));
    }

    @Test
    void randomPacketsBothDirections() {
        long seed = Seeds.seed("partialChecksumRandomPacketsBothDirections");
        Random r = new Random(seed);
        RandomTcpPackets gen = new RandomTcpPackets(r);
        for (int n = 0; n < 2_000; n++) {
            FlowTransform.Builder fb = FlowTransform.builder()
                    .client(0xc6120000 | r.nextInt(1 << 16), 1024 + r.nextInt(60_000))
                    .vip(0xc6120100 | r.nextInt(256), 1 + r.nextInt(65_535))
                    .server(0xc6130000 | r.nextInt(1 << 16), 1 + r.nextInt(65_535))
                    .isns(r.nextInt(), r.nextInt()).windowShifts(r.nextInt(15), r.nextInt(15));
            boolean ts = r.nextBoolean();
            if (ts) {
                fb.timestamps(r.nextInt(), r.nextInt());
            }
            FlowTransform f = fb.build();
            String ctx = "seed " + seed + " case " + n;
            boolean toClient = r.nextBoolean();
            RandomTcpPackets.Spec s = new RandomTcpPackets.Spec();
            s.source = toClient ? f.serverAddress() : f.clientAddress();
            s.destination = toClient ? f.clientAddress() : f.vipAddress();
            s.sourcePort = toClient ? f.serverPort() : f.clientPort();
            s.destinationPort = toClient ? f.clientPort() : f.vipPort();
            s.seq = r.nextInt();
            s.ack = r.nextInt();
            s.flags = TcpSegment.ACK | (r.nextBoolean() ? TcpSegment.PSH : 0);
            s.window = r.nextInt(0x10000);
            s.timestamps = ts;
            s.tsVal = r.nextInt();
            s.tsEcr = r.nextInt();
            if (!toClient) {
                int blocks = r.nextInt(ts ? 4 : 5);
                s.sackEdges = new int[2 * blocks];
                for (int k = 0; k < s.sackEdges.length; k++) {
                    s.sackEdges[k] = r.nextInt();
                }
            }
            s.payloadLength = r.nextInt(4) == 0 ? 20_000 + r.nextInt(40_000) : r.nextInt(1449);
            byte[] valid = gen.build(s);
            byte[] partial = valid.clone();
            ip.wrap(partial, 0, partial.length);
            tcp.wrap(partial, ip.payloadOffset(), ip.payloadLength()).checksum(InternetChecksum.partial(ip.pseudoHeaderSum()));

            RewriteResult a = toClient ? rewriter.serverToClient(valid, 0, valid.length, f, ChecksumState.VALID)
                    : rewriter.clientToServer(valid, 0, valid.length, f, ChecksumState.VALID);
            RewriteResult b = toClient ? rewriter.serverToClient(partial, 0, partial.length, f, ChecksumState.PARTIAL)
                    : rewriter.clientToServer(partial, 0, partial.length, f, ChecksumState.PARTIAL);
            assertEquals(RewriteResult.OK, a, ctx);
            assertEquals(RewriteResult.OK, b, ctx);
            int ihl = 20;
            int at = ihl + TcpSegment.CHECKSUM_OFFSET;
            ip.wrap(partial, 0, partial.length);
            assertEquals(InternetChecksum.partial(ip.pseudoHeaderSum()), Bytes.u16(partial, at), ctx);
            assertEquals(norm(Bytes.u16(valid, at)), norm(completed(partial)), ctx);
            byte[] validRest = valid.clone();
            byte[] partialRest = partial.clone();
            Bytes.putU16(validRest, at, 0);
            Bytes.putU16(partialRest, at, 0);
            assertArrayEquals(validRest, partialRest, ctx + ": every other byte as the VALID rewrite made it");
        }
    }

    @Test
    void partialUpdateMatchesAFreshPseudoHeaderSum() {
        Random r = new Random(Seeds.seed("partialUpdateMatchesAFreshPseudoHeaderSum"));
        for (int i = 0; i < 10_000; i++) {
            int src = r.nextInt();
            int dst = r.nextInt();
            int nu = r.nextInt();
            int len = r.nextInt(65_516);
            int before = InternetChecksum.partial(InternetChecksum.ipv4PseudoHeader(src, dst, 6, len));
            int after = InternetChecksum.updatePartial32(before, src, nu);
            assertEquals(norm(InternetChecksum.partial(InternetChecksum.ipv4PseudoHeader(nu, dst, 6, len))), norm(after));
        }
    }
}
