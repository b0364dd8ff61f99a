package org.handoff.agent.flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.handoff.protocol.checksum.InternetChecksum;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.testing.PacketBuilder;
import org.handoff.protocol.transform.TcpSegmentSplitter;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.TcpSegment;
import org.handoff.protocol.wire.VirtioNetHeader;
import org.handoff.protocol.wire.WireError;
import org.junit.jupiter.api.Test;

/**
 * The engine with a TUN that has offloads: stack packets arrive behind a virtio-net header, with
 * partial checksums, and as TSO super-segments. The golden flow of {@code ipv4-http-all-options.pcap}
 * is established with its packets turned into such frames (as the real TUN hands them over, see
 * {@code tun-vnet-tso.pcap}); then a super-segment of the response goes out:
 *
 * <ul>
 *   <li>to an egress that takes offloads (LinkMode FORWARD): whole, rewritten, its checksum still
 *       partial and completing to the full one, its header kept with hdr_len set to the headers;
 *   <li>to an egress without (LinkMode SPLIT): cut into gso_size pieces with full checksums, byte
 *       for byte the FORWARD frame cut the way the kernel would;
 * </ul>
 * and impossible headers are counted by reason and dropped, never answered, never crashing.
 */
class FlowEngineOffloadTest {
    private static final int MSS = 1448;

    private final GoldenFlow g = new GoldenFlow();
    private final List<byte[]> golden = g.golden;

    /** The golden flow established through a TUN with offloads: its stack packets as virtio-net frames. */
    private EngineHarness establish(EngineHarness.Link link) {
        EngineHarness t = new EngineHarness(g.h, 100, EngineHarness.settings(g.h, Duration.ofMillis(300), Duration.ofSeconds(30),
                Duration.ofMillis(500)), link);
        g.establish(t, g.handoff(), PacketBuilder::vnetFrame);
        return t;
    }

    /**
     * A TSO super-segment of the golden response: its headers (timestamps, window) with
     * {@code payload} and {@code flags}, a partial checksum, gso_size {@link #MSS}; hdr_len as
     * the kernel may report it (the linear part, more than the headers).
     */
    private byte[] superSegment(int seq, byte[] payload, int flags) {
        byte[] response = golden.get(5);
        int headers = 52;
        byte[] p = new byte[headers + payload.length];
        System.arraycopy(response, 0, p, 0, headers);
        System.arraycopy(payload, 0, p, headers, payload.length);
        Ipv4Packet ip = new Ipv4Packet().wrap(p, 0, p.length).totalLength(p.length).fillHeaderChecksum();
        new TcpSegment().wrap(p, 20, p.length - 20).seq(seq).flags(flags);
        byte[] f = PacketBuilder.vnetFrame(p);
        new VirtioNetHeader().wrap(f, 0, f.length).gsoType(VirtioNetHeader.GSO_TCPV4).gsoSize(MSS).hdrLen(headers + 200);
        assertTrue(ip.verifyHeaderChecksum());
        return f;
    }

    private static byte[] randomPayload(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    @Test
    void aSuperSegmentGoesToTheForwardEgressWholeWithItsChecksumStillPartial() {
        EngineHarness t = establish(EngineHarness.Link.VNET_FORWARD);
        int seq = Bytes.i32(golden.get(5), 24);
        byte[] payload = randomPayload(10 * MSS + 300);
        t.stack(superSegment(seq, payload, TcpSegment.ACK | TcpSegment.PSH));

        assertEquals(0, t.egress.size(), "nothing through the plain path");
        assertEquals(1, t.egressFrames.size());
        byte[] out = t.egressFrames.get(0);
        VirtioNetHeader vnet = new VirtioNetHeader().wrap(out, 0, out.length);
        assertEquals(null, vnet.check());
        assertEquals(VirtioNetHeader.GSO_TCPV4, vnet.gsoType());
        assertEquals(MSS, vnet.gsoSize());
        assertEquals(VirtioNetHeader.F_NEEDS_CSUM, vnet.flags());
        assertEquals(52, vnet.hdrLen(), "hdr_len: the headers, not the kernel's linear part");
        Ipv4Packet ip = new Ipv4Packet().wrap(out, VirtioNetHeader.LENGTH, out.length - VirtioNetHeader.LENGTH);
        TcpSegment tcp = new TcpSegment().wrap(out, ip.payloadOffset(), ip.payloadLength());
        assertEquals(EngineHarness.VIP, ip.source());
        assertEquals(g.client, ip.destination());
        assertEquals(EngineHarness.VIP_PORT, tcp.sourcePort());
        assertEquals(SeqNumber.add(seq, g.d()), tcp.seq(), "seq + d");
        assertTrue(ip.verifyHeaderChecksum());
        assertEquals(InternetChecksum.partial(ip.pseudoHeaderSum()), tcp.checksum(), "partial: the pseudo-header of the VIP");
        byte[] completed = out.clone();
        InternetChecksum.completePartial(completed, ip.payloadOffset(), out.length, ip.payloadOffset() + TcpSegment.CHECKSUM_OFFSET);
        assertTrue(new TcpSegment().wrap(completed, ip.payloadOffset(), ip.payloadLength()).verifyChecksum(ip.pseudoHeaderSum()));
        assertArrayEquals(payload, Arrays.copyOfRange(out, out.length - payload.length, out.length));

        assertEquals(2, t.counters.packetsServerToClient, "the request's ACK (GoldenFlow.establish), then the super-segment");
        assertEquals(payload.length, t.counters.bytesServerToClient);
        assertEquals(1, t.counters.gsoFramesServerToClient);
        assertEquals(11, t.counters.gsoSegmentsServerToClient);
        assertEquals(SeqNumber.add(seq, payload.length), t.engine.flow(g.client, g.clientPort).serverEnd, "the flow saw it all");
        assertEquals(512, tcp.window(), "64 rescaled 10 -> 7");
        assertEquals(tcp.window(), t.engine.flow(g.client, g.clientPort).windowToClient,
                "the window the client got, for a hand-back");
    }

    @Test
    void withoutOffloadsOnTheEgressItIsCutAsTheKernelWouldHaveCutIt() {
        int seq = Bytes.i32(golden.get(5), 24);
        byte[] payload = randomPayload(10 * MSS + 300);
        byte[] frame = superSegment(seq, payload, TcpSegment.ACK | TcpSegment.PSH | TcpSegment.FIN);
        EngineHarness forward = establish(EngineHarness.Link.VNET_FORWARD);
        forward.stack(frame);
        EngineHarness split = establish(EngineHarness.Link.VNET_SPLIT);
        split.stack(frame);

        List<byte[]> expected = new ArrayList<>();
        byte[] whole = forward.egressFrames.get(0);
        new TcpSegmentSplitter().split(whole, VirtioNetHeader.LENGTH, whole.length - VirtioNetHeader.LENGTH, 52 + MSS,
                (b, off, len) -> expected.add(Arrays.copyOfRange(b, off, off + len)));
        assertEquals(11, split.egress.size());
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (int i = 0; i < split.egress.size(); i++) {
            byte[] p = split.egress.get(i);
            assertArrayEquals(expected.get(i), p, "piece " + i);
            Ipv4Packet ip = new Ipv4Packet().wrap(p, 0, p.length);
            TcpSegment tcp = new TcpSegment().wrap(p, ip.payloadOffset(), ip.payloadLength());
            assertTrue(p.length <= 1500);
            assertTrue(ip.verifyHeaderChecksum() && tcp.verifyChecksum(ip.pseudoHeaderSum()), "piece " + i + ": complete checksums");
            assertEquals(i == 10, tcp.fin(), "FIN on the last piece only");
            assertEquals(tcp.window(), split.engine.flow(g.client, g.clientPort).windowToClient,
                    "piece " + i + ": the window the client got");
            joined.write(p, tcp.payloadOffset(), tcp.payloadLength());
        }
        assertArrayEquals(payload, joined.toByteArray());
        assertEquals(2, split.counters.packetsServerToClient, "the request's ACK (GoldenFlow.establish), then the super-segment");
        assertEquals(1, split.counters.gsoFramesServerToClient);
        assertEquals(11, split.counters.gsoSegmentsServerToClient);
        assertTrue(split.engine.flow(g.client, g.clientPort).serverFin, "the FIN inside a super-segment counts");
    }

    @Test
    void aLonePartialChecksumIsCompletedForTheRawSocket() {
        EngineHarness t = establish(EngineHarness.Link.VNET_SPLIT);
        t.stack(PacketBuilder.vnetFrame(golden.get(5)));
        assertEquals(1, t.egress.size());
        byte[] out = t.egress.get(0);
        Ipv4Packet ip = new Ipv4Packet().wrap(out, 0, out.length);
        TcpSegment tcp = new TcpSegment().wrap(out, 20, ip.payloadLength());
        assertTrue(tcp.verifyChecksum(ip.pseudoHeaderSum()));
        assertEquals(0, t.counters.gsoFramesServerToClient);
        assertEquals(tcp.window(), t.engine.flow(g.client, g.clientPort).windowToClient, "the window the client got");
    }

    @Test
    void aSuperSegmentNoLargerThanOneSegmentIsSentAsOne() {
        EngineHarness t = establish(EngineHarness.Link.VNET_SPLIT);
        t.stack(superSegment(Bytes.i32(golden.get(5), 24), randomPayload(MSS), TcpSegment.ACK));
        assertEquals(1, t.egress.size());
        byte[] out = t.egress.get(0);
        Ipv4Packet ip = new Ipv4Packet().wrap(out, 0, out.length);
        assertTrue(new TcpSegment().wrap(out, 20, ip.payloadLength()).verifyChecksum(ip.pseudoHeaderSum()), "completed, not partial");
    }

    @Test
    void aCompleteChecksumStaysCompleteOnTheForwardEgress() {
        EngineHarness t = establish(EngineHarness.Link.VNET_FORWARD);
        byte[] f = new byte[VirtioNetHeader.LENGTH + golden.get(5).length];
        System.arraycopy(golden.get(5), 0, f, VirtioNetHeader.LENGTH, golden.get(5).length); // header all zero
        t.stack(f);
        byte[] out = t.egressFrames.get(0);
        assertEquals(0, out[0], "no NEEDS_CSUM");
        Ipv4Packet ip = new Ipv4Packet().wrap(out, VirtioNetHeader.LENGTH, out.length - VirtioNetHeader.LENGTH);
        assertTrue(new TcpSegment().wrap(out, ip.payloadOffset(), ip.payloadLength()).verifyChecksum(ip.pseudoHeaderSum()));
    }

    @Test
    void impossibleHeadersAreCountedByReasonAndDropped() {
        for (EngineHarness.Link link : List.of(EngineHarness.Link.VNET_FORWARD, EngineHarness.Link.VNET_SPLIT)) {
            EngineHarness t = establish(link);
            int seq = Bytes.i32(golden.get(5), 24);
            byte[] good = superSegment(seq, randomPayload(3 * MSS), TcpSegment.ACK);
            int injectedBefore = t.injected.size();

            t.stack(new byte[0]);
            t.stack(Arrays.copyOf(good, 9));
            expect(t, WireError.TRUNCATED_VNET_HEADER, 2);
            t.stack(with(good, v -> v.gsoSize(0)));
            expect(t, WireError.GSO_SIZE_ZERO, 1);
            t.stack(with(good, v -> v.hdrLen(good.length)));
            expect(t, WireError.VNET_HDR_LEN_BEYOND_PACKET, 1);
            t.stack(with(good, v -> v.csumStart(good.length)));
            expect(t, WireError.CHECKSUM_START_OUT_OF_RANGE, 1);
            t.stack(with(good, v -> v.csumOffset(6)));
            expect(t, WireError.PARTIAL_CHECKSUM_NOT_TCP, 1);
            t.stack(with(good, v -> v.gsoType(VirtioNetHeader.GSO_TCPV6)));
            expect(t, WireError.UNSUPPORTED_GSO_TYPE, 1);
            t.stack(with(good, v -> v.flags(0)));
            expect(t, WireError.GSO_WITHOUT_PARTIAL_CHECKSUM, 1);
            t.stack(with(good, v -> v.flags(0x10)));
            expect(t, WireError.BAD_VNET_FLAGS, 1);
            byte[] cutShort = Arrays.copyOf(good, good.length - 100); // the IP total length says more than arrived
            t.stack(cutShort);

            assertEquals(9, t.counters.dropped(AgentCounters.Drop.BAD_VNET_HEADER), link.toString());
            assertEquals(1, t.counters.dropped(AgentCounters.Drop.MALFORMED), link + ": the short frame's packet");
            assertEquals(0, t.egress.size() + t.egressFrames.size(), link + ": nothing sent");
            assertEquals(injectedBefore, t.injected.size(), link + ": nothing answered into the stack");
            assertEquals(0, t.counters.internalErrors);
            t.stack(good);
            assertEquals(2, t.counters.packetsServerToClient, link + ": the flow goes on (after the request's ACK, GoldenFlow.establish)");
        }
    }

    private static void expect(EngineHarness t, WireError e, long count) {
        assertEquals(count, t.counters.vnetHeaderErrors[e.ordinal()], e.toString());
    }

    private interface Edit {
        void apply(VirtioNetHeader v);
    }

    private static byte[] with(byte[] frame, Edit edit) {
        byte[] f = frame.clone();
        edit.apply(new VirtioNetHeader().wrap(f, 0, f.length));
        return f;
    }
}
