package org.handoff.agent.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.handoff.protocol.message.FlowIdentity;
import org.handoff.protocol.message.Handoff;
import org.handoff.protocol.message.NegotiatedOptions;
import org.handoff.protocol.message.Recall;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.testing.GoldenVectors;
import org.handoff.protocol.testing.PacketBuilder;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.PacketEmitter;
import org.handoff.protocol.wire.TcpOptions;
import org.handoff.protocol.wire.TcpSegment;
import org.handoff.protocol.wire.VirtioNetHeader;

/**
 * The flow of {@code ipv4-http-all-options.pcap} (a real Linux client and nginx) as the engine
 * tests hand it off: the capture's packets, which are connection B with the engine in the
 * client's place, the HANDOFF a director would send for it, the flow established and idle, a
 * RECALL for it, and the packet helpers the tests share (connection A's view of a client packet,
 * options, checksums).
 */
final class GoldenFlow {
    static final int DI = 0x0bad_f00d;
    static final int DIRECTOR_TS = 1_000_000;
    static final int WD = 7;

    /** The capture: SYN, SYN-ACK, ACK, request, ACK, response, ACK, FIN (client), FIN, ACK. */
    final List<byte[]> golden = GoldenVectors.ipPackets(GoldenVectors.IPV4_HTTP_ALL_OPTIONS);
    final int client = Bytes.parseIpv4(GoldenVectors.CLIENT_IPV4);
    final int h = Bytes.parseIpv4(GoldenVectors.SERVER_IPV4);
    final int clientPort = Bytes.u16(golden.get(0), 20);
    final int ci = Bytes.i32(golden.get(0), 24);
    final int tsRecent = tsVal(golden.get(0));
    final byte[] request = Arrays.copyOfRange(golden.get(3), 20 + tcpHeaderLength(golden.get(3)), golden.get(3).length);
    final FlowIdentity flow = EngineHarness.flow(client, clientPort);

    /** The HANDOFF of the golden flow: the client's window 63 << 10, director shift 7. */
    Handoff handoff() {
        NegotiatedOptions options = new NegotiatedOptions(1460, 10, WD, true, true, tsRecent, DIRECTOR_TS);
        return EngineHarness.handoff(flow, ci, DI, 63, options, request);
    }

    /**
     * Hands off the golden flow and answers with the captured SYN-ACK and request ACK; returns the
     * HANDOFF's bytes. The request ACK goes to the client (the director may have left the request
     * unacknowledged: handoff.request-ack-delay); checked here and taken out of what the harness
     * collected, so a test counts what the flow sends after it.
     */
    byte[] establish(EngineHarness t) {
        return establish(t, handoff(), UnaryOperator.identity());
    }

    /**
     * Hands off the golden flow with {@code handoff} and answers with the captured SYN-ACK and
     * request ACK, each as {@code asTheStackSendsIt} makes it (a virtio-net frame for a TUN with
     * offloads); returns the HANDOFF's bytes.
     */
    byte[] establish(EngineHarness t, Handoff handoff, UnaryOperator<byte[]> asTheStackSendsIt) {
        byte[] datagram = t.encode(handoff);
        t.deliver(datagram);
        t.stack(asTheStackSendsIt.apply(golden.get(1)));
        int sentBefore = t.egress.size() + t.egressFrames.size();
        long requestAcksBefore = t.counters.requestAcksToClient;
        t.stack(asTheStackSendsIt.apply(golden.get(4)));
        assertEquals(AgentFlow.State.ESTABLISHED, t.engine.flow(client, clientPort).state());
        assertEquals(sentBefore + 1, t.egress.size() + t.egressFrames.size(), "the request's ACK, to the client");
        assertEquals(requestAcksBefore + 1, t.counters.requestAcksToClient);
        boolean framed = t.egressFrames.size() > 0; // the FORWARD egress: behind a virtio-net header
        byte[] ack = framed ? t.egressFrames.remove(t.egressFrames.size() - 1) : t.egress.remove(t.egress.size() - 1);
        int ip = framed ? VirtioNetHeader.LENGTH : 0;
        assertEquals(EngineHarness.VIP, Bytes.i32(ack, ip + 12), "from the VIP");
        assertEquals(TcpSegment.ACK, ack[ip + 20 + TcpSegment.FLAGS_OFFSET] & 0xff, "a pure ACK");
        assertEquals(Bytes.i32(golden.get(4), 28), Bytes.i32(ack, ip + 20 + TcpSegment.ACK_OFFSET), "of the whole request");
        assertEquals(golden.get(4).length, ack.length - ip, "no payload");
        return datagram;
    }

    /** The golden flow established, its response sent to the client and acknowledged by it: idle. Returns the HANDOFF's id. */
    long idle(EngineHarness t) {
        long handoffId = t.decode(establish(t)).messageId();
        t.stack(golden.get(5));
        t.forward(flow, toConnectionA(golden.get(6), d(), tOffset()));
        assertEquals(1, t.egress.size(), "the response, sent to the client");
        return handoffId;
    }

    /** The first byte of the client's next request: right after the first request. */
    int nextRequestStart() {
        return SeqNumber.add(ci, 1 + request.length);
    }

    /** Connection A's numbering of the client's ACK of the whole response (golden packet 6). */
    int clientAckOfResponse() {
        return SeqNumber.add(Bytes.i32(golden.get(6), 28), d());
    }

    /** A RECALL of the golden flow, encoded by the harness's director (keep the bytes to retransmit them). */
    byte[] recall(EngineHarness t, long handoffId, int requestStart, int clientAck) {
        return t.encode(new Recall(flow, handoffId, SeqNumber.of(requestStart), SeqNumber.of(clientAck)));
    }

    /**
     * The RECALL a director sends for the {@link #idle} flow when its next request comes: Request
     * Start right after the first request, Client Ack all of the response.
     */
    byte[] recallOfIdle(EngineHarness t, long handoffId) {
        return recall(t, handoffId, nextRequestStart(), clientAckOfResponse());
    }

    /** The server's ISN in the capture. */
    int si() {
        return Bytes.i32(golden.get(1), 24);
    }

    /** d = di - si for the golden HANDOFF. */
    int d() {
        return SeqNumber.diff(DI, si());
    }

    /** t = director TSval - the SYN-ACK's TSval for the golden HANDOFF. */
    int tOffset() {
        return SeqNumber.diff(DIRECTOR_TS, tsVal(golden.get(1)));
    }

    /** A segment from the stack (H:80) to the client, connection B. */
    byte[] stackSegment(int flags, int seq, int ack, int window, byte[] payload) {
        PacketBuilder b = PacketBuilder.tcp().from(h, 80).to(client, clientPort).flags(flags).seq(seq).ack(ack).window(window);
        return (payload == null ? b : b.payload(payload)).build();
    }

    /** A segment from the client to the VIP, connection A, without options. */
    byte[] clientSegment(int flags, int seq, int ack) {
        return PacketBuilder.tcp().from(client, clientPort).to(EngineHarness.VIP, EngineHarness.VIP_PORT).flags(flags).seq(seq)
                .ack(ack).build();
    }

    /** A client packet of connection B turned into what the director captured on A. */
    static byte[] toConnectionA(byte[] onB, int d, int tOffset) {
        byte[] p = onB.clone();
        int tcpOff = 20;
        Bytes.putI32(p, 16, EngineHarness.VIP);
        Bytes.putU16(p, tcpOff + 2, EngineHarness.VIP_PORT);
        Bytes.putI32(p, tcpOff + 8, SeqNumber.add(Bytes.i32(p, tcpOff + 8), d));
        TcpSegment s = new TcpSegment().wrap(p, tcpOff, p.length - tcpOff);
        TcpOptions o = new TcpOptions();
        s.parseOptions(o);
        if (o.hasTimestamps()) {
            Bytes.putI32(p, o.timestampsOffset + 6, SeqNumber.add(o.tsEcr, tOffset));
        }
        new PacketEmitter().fillIpv4TcpChecksums(p, 0);
        Bytes.putU16(p, tcpOff + TcpSegment.CHECKSUM_OFFSET, 0x1234); // partial, as under checksum offload
        return p;
    }

    static int tcpHeaderLength(byte[] p) {
        return ((p[20 + TcpSegment.DATA_OFFSET_OFFSET] & 0xff) >> 4) * 4;
    }

    static byte[] tcpBytes(byte[] p) {
        return Arrays.copyOfRange(p, 20, p.length);
    }

    static TcpOptions options(byte[] p) {
        TcpOptions o = new TcpOptions();
        assertNull(new TcpSegment().wrap(p, 20, p.length - 20).parseOptions(o));
        return o;
    }

    static int tsVal(byte[] p) {
        TcpOptions o = options(p);
        assertTrue(o.hasTimestamps());
        return o.tsVal;
    }

    static int tsEcr(byte[] p) {
        return options(p).tsEcr;
    }

    static void assertValidChecksums(byte[] p) {
        Ipv4Packet ip = new Ipv4Packet().wrap(p, 0, p.length);
        assertNull(ip.check());
        assertTrue(ip.verifyHeaderChecksum(), "IPv4 header checksum");
        assertTrue(new TcpSegment().wrap(p, ip.payloadOffset(), ip.payloadLength()).verifyChecksum(ip.pseudoHeaderSum()),
                "TCP checksum");
        assertFalse(ip.isFragment());
    }
}
