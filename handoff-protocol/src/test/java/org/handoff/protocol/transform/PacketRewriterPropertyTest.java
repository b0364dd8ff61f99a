package org.handoff.protocol.transform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.testing.PacketBuilder;
import org.handoff.protocol.testing.RandomTcpPackets;
import org.handoff.protocol.testing.Seeds;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.TcpOptions;
import org.handoff.protocol.wire.TcpSegment;
import org.junit.jupiter.api.Test;

/**
 * Random flows through the rewriter: every rewritten field equals the table's formula, every
 * other byte is untouched, checksums equal a full recompute on both the incremental and the
 * recompute path, and a client's acknowledgement of rewritten server data maps back to the
 * server's own sequence space.
 */
class PacketRewriterPropertyTest {
    private static final int FLOWS = 3_000;

    private final PacketRewriter rewriter = new PacketRewriter();
    private final Ipv4Packet ip = new Ipv4Packet();
    private final TcpSegment tcp = new TcpSegment();
    private final TcpOptions options = new TcpOptions();

    /** A random flow; ISNs and clocks are drawn near 2^32 half the time so offsets wrap. */
    private static final class Flow {
        int client = 0xc6120000 | 0x200;
        int clientPort;
        int vip = 0xc6120101;
        int vipPort = 80;
        int server = 0xc6130005;
        int serverPort;
        int di;
        int si;
        int ci;
        boolean timestamps;
        int directorTs;
        int serverTs;
        int ws;
        int wd;
        FlowTransform transform;
    }

    private static int nearWrap(Random r) {
        return r.nextBoolean() ? r.nextInt() : (int) (0xffffffffL - r.nextInt(1 << 16));
    }

    private static Flow randomFlow(Random r) {
        Flow f = new Flow();
        f.client += r.nextInt(200);
        f.clientPort = 1024 + r.nextInt(64000);
        f.serverPort = 1 + r.nextInt(65535);
        f.di = nearWrap(r);
        f.si = nearWrap(r);
        f.ci = nearWrap(r);
        f.timestamps = r.nextInt(4) != 0;
        f.directorTs = nearWrap(r);
        f.serverTs = nearWrap(r);
        f.ws = r.nextInt(15);
        f.wd = r.nextInt(15);
        FlowTransform.Builder b = FlowTransform.builder()
                .client(f.client, f.clientPort).vip(f.vip, f.vipPort).server(f.server, f.serverPort)
                .isns(f.di, f.si).windowShifts(f.ws, f.wd);
        if (f.timestamps) {
            b.timestamps(f.directorTs, f.serverTs);
        }
        f.transform = b.build();
        return f;
    }

    @Test
    void serverToClientThenClientAckRoundTrip() {
        long seed = Seeds.seed("serverToClientThenClientAckRoundTrip");
        Random r = new Random(seed);
        RandomTcpPackets gen = new RandomTcpPackets(r);
        for (int n = 0; n < FLOWS; n++) {
            Flow f = randomFlow(r);
            String ctx = "seed " + seed + " flow " + n + " " + f.transform;

            // A server data segment, some way into the flow.
            RandomTcpPackets.Spec s = new RandomTcpPackets.Spec();
            s.source = f.server;
            s.destination = f.client;
            s.sourcePort = f.serverPort;
            s.destinationPort = f.clientPort;
            s.seq = SeqNumber.add(f.si, 1 + r.nextInt(1 << 20));
            s.ack = SeqNumber.add(f.ci, 1 + r.nextInt(1 << 12));
            s.flags = TcpSegment.ACK | (r.nextBoolean() ? TcpSegment.PSH : 0) | (r.nextInt(8) == 0 ? TcpSegment.FIN : 0);
            s.window = r.nextInt(0x10000);
            s.timestamps = f.timestamps;
            s.tsVal = SeqNumber.add(f.serverTs, r.nextInt(1 << 20));
            s.tsEcr = r.nextInt();
            s.payloadLength = r.nextInt(1449);
            byte[] original = gen.build(s);
            byte[] packet = original.clone();
            boolean trusted = r.nextBoolean();
            if (!trusted) {
                corruptTcpChecksum(packet, r);
            }

            assertEquals(RewriteResult.OK, rewriter.serverToClient(packet, 0, packet.length, f.transform, trusted), ctx);
            assertChecksumsValid(packet, ctx);
            ip.wrap(packet, 0, packet.length);
            tcp.wrap(packet, ip.payloadOffset(), ip.payloadLength());
            tcp.parseOptions(options);
            assertEquals(f.vip, ip.source(), ctx);
            assertEquals(f.client, ip.destination(), ctx);
            assertEquals(f.vipPort, tcp.sourcePort(), ctx);
            assertEquals(f.clientPort, tcp.destinationPort(), ctx);
            int expectedSeq = SeqNumber.add(s.seq, SeqNumber.diff(f.di, f.si));
            assertEquals(expectedSeq, tcp.seq(), ctx);
            assertEquals(s.ack, tcp.ack(), ctx);
            assertEquals(FlowTransform.rescaleWindow(s.window, f.ws, f.wd), tcp.window(), ctx);
            assertEquals(f.timestamps, rewriter.wroteTsVal(), ctx);
            int sentTsVal = s.tsVal;
            if (f.timestamps) {
                // The server clock runs forward from its SYN-ACK, so the floor never binds here.
                sentTsVal = SeqNumber.add(s.tsVal, SeqNumber.diff(f.directorTs, f.serverTs));
                assertEquals(sentTsVal, options.tsVal, ctx);
                assertEquals(s.tsEcr, options.tsEcr, ctx);
                assertEquals(sentTsVal, rewriter.writtenTsVal(), ctx);
            }
            assertUnchangedExcept(original, packet, ctx, Ipv4Packet.SOURCE_OFFSET, 4, Ipv4Packet.CHECKSUM_OFFSET, 2,
                    20 + TcpSegment.SOURCE_PORT_OFFSET, 2, 20 + TcpSegment.SEQ_OFFSET, 4, 20 + TcpSegment.WINDOW_OFFSET, 2,
                    20 + TcpSegment.CHECKSUM_OFFSET, 2, options.timestampsOffset + 2, f.timestamps ? 4 : 0);

            // The client acknowledges all of it, SACKs it, and echoes its TSval.
            int end = SeqNumber.add(expectedSeq, tcp.sequenceLength());
            RandomTcpPackets.Spec c = new RandomTcpPackets.Spec();
            c.source = f.client;
            c.destination = f.vip;
            c.sourcePort = f.clientPort;
            c.destinationPort = f.vipPort;
            c.seq = s.ack;
            c.ack = end;
            c.flags = TcpSegment.ACK;
            c.window = r.nextInt(0x10000);
            c.timestamps = f.timestamps;
            c.tsVal = r.nextInt();
            c.tsEcr = sentTsVal;
            int blocks = r.nextInt(f.timestamps ? 4 : 5);
            c.sackEdges = new int[2 * blocks];
            for (int k = 0; k < blocks; k++) {
                c.sackEdges[2 * k] = SeqNumber.add(expectedSeq, -r.nextInt(1 << 16));
                c.sackEdges[2 * k + 1] = SeqNumber.add(end, r.nextInt(1 << 16));
            }
            c.payloadLength = r.nextInt(4) == 0 ? r.nextInt(600) : 0;
            byte[] ackOriginal = gen.build(c);
            byte[] ack = ackOriginal.clone();
            boolean ackTrusted = r.nextBoolean();
            if (!ackTrusted) {
                corruptTcpChecksum(ack, r);
            }

            assertEquals(RewriteResult.OK, rewriter.clientToServer(ack, 0, ack.length, f.transform, ackTrusted), ctx);
            assertChecksumsValid(ack, ctx);
            ip.wrap(ack, 0, ack.length);
            tcp.wrap(ack, ip.payloadOffset(), ip.payloadLength());
            tcp.parseOptions(options);
            assertEquals(f.client, ip.source(), ctx);
            assertEquals(f.server, ip.destination(), ctx);
            assertEquals(f.clientPort, tcp.sourcePort(), ctx);
            assertEquals(f.serverPort, tcp.destinationPort(), ctx);
            assertEquals(c.seq, tcp.seq(), ctx + " client seq unchanged");
            assertEquals(SeqNumber.add(s.seq, SeqNumber.diff(end, expectedSeq)), tcp.ack(), ctx + " ack maps to server space");
            assertEquals(blocks, options.sackBlockCount, ctx);
            for (int k = 0; k < 2 * blocks; k++) {
                int edge = Bytes.i32(ack, options.sackBlockOffset(k / 2) + 4 * (k % 2));
                assertEquals(SeqNumber.sub(c.sackEdges[k], SeqNumber.diff(f.di, f.si)), edge, ctx + " SACK edge " + k);
            }
            if (f.timestamps) {
                assertEquals(s.tsVal, options.tsEcr, ctx + " TSecr maps back to the server clock");
                assertEquals(c.tsVal, options.tsVal, ctx);
            }
            int sackLen = blocks > 0 ? 8 * blocks : 0;
            assertUnchangedExcept(ackOriginal, ack, ctx, Ipv4Packet.DESTINATION_OFFSET, 4, Ipv4Packet.CHECKSUM_OFFSET, 2,
                    20 + TcpSegment.DESTINATION_PORT_OFFSET, 2, 20 + TcpSegment.ACK_OFFSET, 4,
                    20 + TcpSegment.CHECKSUM_OFFSET, 2, options.timestampsOffset + 6, f.timestamps ? 4 : 0,
                    options.sackOffset + 2, sackLen);
        }
    }

    @Test
    void tsValNeverBelowDirectorsLastTsVal() {
        // A server TSval older than its SYN-ACK's (which real stacks never send) would map below
        // the director's clock; the client's PAWS check would drop it, so it is lifted to the floor.
        FlowTransform f = FlowTransform.builder().client(0xc6120002, 40000).vip(0xc6120101, 80).server(0xc6130005, 8080)
                .isns(1000, 2000).timestamps(0xfffffff0, 500).build();
        RandomTcpPackets.Spec s = new RandomTcpPackets.Spec();
        s.source = 0xc6130005;
        s.destination = 0xc6120002;
        s.sourcePort = 8080;
        s.destinationPort = 40000;
        s.flags = TcpSegment.ACK;
        s.timestamps = true;
        s.tsVal = 400;
        byte[] p = new RandomTcpPackets(new Random(1)).build(s);
        assertEquals(RewriteResult.OK, rewriter.serverToClient(p, 0, p.length, f, true));
        tcp.wrap(p, 20, p.length - 20).parseOptions(options);
        assertEquals(0xfffffff0, options.tsVal);
        assertEquals(0xfffffff0, rewriter.writtenTsVal(), "the TSval the client saw is the floor, not the server's");
        assertChecksumsValid(p, "floor");
    }

    @Test
    void windowRescaleRoundsUpAndClamps() {
        assertEquals(0, FlowTransform.rescaleWindow(0, 10, 7));
        assertEquals(8, FlowTransform.rescaleWindow(1, 10, 7));
        assertEquals(1, FlowTransform.rescaleWindow(1, 7, 10), "a non-zero window never becomes zero");
        assertEquals(65535, FlowTransform.rescaleWindow(65535, 14, 0));
        assertEquals(512, FlowTransform.rescaleWindow(4096, 7, 10));
        assertEquals(513, FlowTransform.rescaleWindow(4097, 7, 10));
        assertEquals(1234, FlowTransform.rescaleWindow(1234, 7, 7));
    }

    @Test
    void refusesWhatItCannotRewrite() {
        FlowTransform f = FlowTransform.builder().client(1, 1).vip(2, 2).server(3, 3).build();
        byte[] udp = PacketBuilder.udp().from(0x01020304, 53).to(0x05060708, 53).payload(new byte[4]).build();
        assertEquals(RewriteResult.NOT_TCP, rewriter.serverToClient(udp, 0, udp.length, f, true));
        assertEquals(RewriteResult.NOT_IPV4, rewriter.serverToClient(new byte[] {0x60, 0, 0}, 0, 3, f, true));
        assertEquals(RewriteResult.NOT_IPV4, rewriter.serverToClient(new byte[0], 0, 0, f, true));

        RandomTcpPackets.Spec s = new RandomTcpPackets.Spec();
        s.source = 3;
        s.destination = 1;
        s.sourcePort = 3;
        s.destinationPort = 1;
        s.flags = TcpSegment.ACK;
        byte[] good = new RandomTcpPackets(new Random(2)).build(s);

        byte[] fragment = good.clone();
        Bytes.putU16(fragment, Ipv4Packet.FLAGS_FRAGMENT_OFFSET, Ipv4Packet.FLAG_MORE_FRAGMENTS);
        assertEquals(RewriteResult.FRAGMENT, rewriter.clientToServer(fragment, 0, fragment.length, f, false));

        byte[] badDoff = good.clone();
        badDoff[20 + TcpSegment.DATA_OFFSET_OFFSET] = (byte) 0xf0; // 60 bytes, more than the segment
        assertEquals(RewriteResult.MALFORMED, rewriter.clientToServer(badDoff, 0, badDoff.length, f, false));

        byte[] truncated = java.util.Arrays.copyOf(good, good.length - 1);
        assertEquals(RewriteResult.MALFORMED, rewriter.clientToServer(truncated, 0, truncated.length, f, false),
                "total length beyond the buffer");
    }

    private void assertChecksumsValid(byte[] p, String ctx) {
        ip.wrap(p, 0, p.length);
        assertTrue(ip.verifyHeaderChecksum(), ctx + " IPv4 header checksum");
        tcp.wrap(p, ip.payloadOffset(), ip.payloadLength());
        assertTrue(tcp.verifyChecksum(ip.pseudoHeaderSum()), ctx + " TCP checksum");
        assertEquals(tcp.computeChecksum(ip.pseudoHeaderSum()), tcp.checksum(), ctx + " TCP checksum equals a full recompute");
    }

    /** Corrupts the TCP checksum the way offload does: a partial (pseudo-header-only) value or noise. */
    private static void corruptTcpChecksum(byte[] p, Random r) {
        Bytes.putU16(p, 20 + TcpSegment.CHECKSUM_OFFSET, r.nextInt(0x10000));
    }

    /** Asserts {@code after} equals {@code before} outside the listed (offset, length) ranges. */
    private static void assertUnchangedExcept(byte[] before, byte[] after, String ctx, int... ranges) {
        byte[] a = before.clone();
        byte[] b = after.clone();
        for (int i = 0; i < ranges.length; i += 2) {
            for (int k = 0; k < ranges[i + 1]; k++) {
                a[ranges[i] + k] = 0;
                b[ranges[i] + k] = 0;
            }
        }
        assertArrayEquals(a, b, ctx + " bytes outside the rewritten fields");
    }
}
