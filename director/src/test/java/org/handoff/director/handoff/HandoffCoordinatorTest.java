package org.handoff.director.handoff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.handoff.director.DirectorPipeline;
import org.handoff.director.WorkerSettings;
import org.handoff.director.config.ConfigLoader;
import org.handoff.director.config.DirectorConfig;
import org.handoff.director.routing.LoadCounter;
import org.handoff.director.routing.RoutingTable;
import org.handoff.director.tcp.TcpCounters;
import org.handoff.director.tcp.TcpFlow;
import org.handoff.director.tcp.TcpSettings;
import org.handoff.director.tcp.TcpTerminator;
import org.handoff.director.testing.ClientPackets;
import org.handoff.director.testing.SentSegment;
import org.handoff.protocol.message.CloseReason;
import org.handoff.protocol.message.Closed;
import org.handoff.protocol.message.DecodeResult;
import org.handoff.protocol.message.FlowIdentity;
import org.handoff.protocol.message.ForwardPacketCursor;
import org.handoff.protocol.message.Handoff;
import org.handoff.protocol.message.HandoffAck;
import org.handoff.protocol.message.HandoffKeys;
import org.handoff.protocol.message.HandoffNack;
import org.handoff.protocol.message.MessageBody;
import org.handoff.protocol.message.MessageDecoder;
import org.handoff.protocol.message.MessageEncoder;
import org.handoff.protocol.message.MessageIdGenerator;
import org.handoff.protocol.message.MessageSealer;
import org.handoff.protocol.message.MessageType;
import org.handoff.protocol.message.NackReason;
import org.handoff.protocol.message.TunnelFrameWriter;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.TcpSegment;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The director's hand-off layer against a scripted agent: the lab's routing config, real
 * messages (sealed and decoded with a test key), client packets built with the emitters.
 */
class HandoffCoordinatorTest {
    static final int VIP = Bytes.parseIpv4("198.18.1.1");
    static final int CLIENT = Bytes.parseIpv4("198.18.2.7");
    static final long MS = 1_000_000L;
    static final InetSocketAddress ORIGIN1 = new InetSocketAddress("198.18.0.11", 7070);
    static final InetSocketAddress ORIGIN2 = new InetSocketAddress("198.18.0.12", 7070);

    record Datagram(InetSocketAddress to, byte[] bytes) {
    }

    final HandoffKeys keys = HandoffKeys.of(1, 1L, new byte[32]);
    final List<Datagram> toAgents = new ArrayList<>();
    final List<byte[]> toClient = new ArrayList<>();
    final LoadCounter load = new LoadCounter();
    long now = 5_000_000 * MS;
    long wallMillis = 1_800_000_000_000L;
    TcpTerminator<?> terminator;
    /** Read by the pipeline at each use: a test may swap it (as a reload does). */
    WorkerSettings settings;
    DirectorPipeline pipeline;
    HandoffCoordinator coordinator;
    /** The agent's view: decodes what the director sent. */
    MessageDecoder agentSide;
    /** The director's view of the agent's answers. */
    MessageDecoder directorSide;
    MessageEncoder agentEncoder;

    @BeforeEach
    void setUp() throws Exception {
        DirectorConfig config = ConfigLoader.DIRECTOR.load(Path.of("../examples/lab/director.yaml"));
        // No grace for lost agents here: their clients are reset at once (the grace has tests of its own).
        settings = new WorkerSettings(RoutingTable.of(config, load), TcpSettings.DEFAULTS,
                HandoffSettings.DEFAULTS.withAgentRestartGrace(java.time.Duration.ZERO), keys);
        pipeline = DirectorPipeline.builder(config, () -> settings, load).secrets(3, 4)
                .messageIds(MessageIdGenerator.withBootId(7)).flowTokens(FlowTokens.seeded(5, 6)).wallClock(() -> wallMillis)
                .agents((to, b, off, len) -> toAgents.add(new Datagram(to, Arrays.copyOfRange(b, off, off + len))))
                .output((b, off, len) -> toClient.add(Arrays.copyOfRange(b, off, off + len))).build(now);
        coordinator = pipeline.coordinator();
        terminator = pipeline.terminator();
        agentSide = new MessageDecoder(() -> keys, null, () -> wallMillis);
        directorSide = pipeline.decoder();
        agentEncoder = new MessageEncoder(new MessageSealer(() -> keys, MessageIdGenerator.withBootId(9), () -> wallMillis));
    }

    void in(byte[] packet) {
        terminator.onPacket(packet, 0, packet.length, now);
        coordinator.flush();
    }

    void advance(long nanos) {
        for (long step = 0; step < nanos; step += 5 * MS) {
            now += 5 * MS;
            terminator.onTick(now);
            coordinator.onTick(now);
        }
    }

    ClientPackets connect(int port) {
        ClientPackets c = new ClientPackets(CLIENT, VIP, port, 0x7ffffff0 + port);
        in(c.syn());
        c.synAck(new SentSegment(toClient.get(toClient.size() - 1), VIP, 80));
        in(c.ack());
        return c;
    }

    void request(ClientPackets c, String text) {
        byte[] r = text.getBytes(StandardCharsets.US_ASCII);
        in(c.data(r, 0, r.length));
        c.seq = SeqNumber.add(c.seq, r.length);
    }

    Handoff decodeHandoff(Datagram d) {
        assertEquals(DecodeResult.ACCEPTED, agentSide.decode(d.bytes, 0, d.bytes.length), agentSide.describe());
        assertEquals(MessageType.HANDOFF, agentSide.type());
        return (Handoff) agentSide.message().body();
    }

    void agentAnswers(MessageBody body) {
        byte[] b = new byte[512];
        int n = agentEncoder.encode(body, b, 0);
        assertEquals(DecodeResult.ACCEPTED, directorSide.decode(b, 0, n), directorSide.describe());
        coordinator.onAgentMessage(directorSide, now);
    }

    long messageId(Datagram d) {
        agentSide.decode(d.bytes, 0, d.bytes.length);
        return agentSide.header().messageId();
    }

    @Test
    void handoffCarriesTheConnectionStateAndTheRequest() {
        ClientPackets c = connect(40000);
        request(c, "GET /static/logo.png HTTP/1.1\r\nHost: lab\r\n\r\n");
        assertEquals(1, toAgents.size());
        Datagram d = toAgents.get(0);
        assertEquals(ORIGIN1, d.to(), "/static/ goes to origin1");
        Handoff h = decodeHandoff(d);
        TcpFlow<?> f = terminator.flow(CLIENT, 40000, 0);
        assertEquals(FlowIdentity.ipv4(CLIENT, 40000, VIP, 80), h.flow());
        assertEquals(SeqNumber.of(c.isn), h.clientIsn());
        assertEquals(SeqNumber.of(f.directorIsn()), h.directorIsn());
        assertEquals(SeqNumber.of(c.seq), h.clientNextSeq(), "every request byte is in the hand-off");
        assertEquals(SeqNumber.of(f.directorIsn()).plus(1), h.directorNextSeq());
        assertEquals(1460, h.options().clientMss());
        assertEquals(7, h.options().clientShift());
        assertEquals(7, h.options().directorShift());
        assertTrue(h.options().sackPermitted() && h.options().timestamps());
        assertEquals("GET /static/logo.png HTTP/1.1\r\nHost: lab\r\n\r\n", new String(h.request(), StandardCharsets.US_ASCII));
        assertEquals(1, h.attempt());
        assertEquals(80, h.originPort());
        assertEquals(TcpFlow.State.HANDING_OFF, f.state());
    }

    @Test
    void ackedHandoffForwardsHeldAndLaterPacketsVerbatim() {
        ClientPackets c = connect(40001);
        request(c, "GET /video/a.mp4 HTTP/1.1\r\nHost: lab\r\n\r\n");
        Datagram d = toAgents.remove(0);
        assertEquals(ORIGIN2, d.to());
        byte[] held = c.ack();
        in(held);
        assertTrue(toAgents.isEmpty(), "held until the agent answers");
        agentAnswers(HandoffAck.of(FlowIdentity.ipv4(CLIENT, 40001, VIP, 80), messageId(d)));
        byte[] later = c.ack();
        in(later);
        List<byte[]> forwarded = forwardedPackets(ORIGIN2);
        assertEquals(2, forwarded.size());
        assertArrayEquals(held, forwarded.get(0));
        assertArrayEquals(later, forwarded.get(1));
        assertEquals(1, load.openFlows(server("origin2")));
        assertEquals(1, coordinator.counters().outcome(HandoffCounters.RequestOutcome.HANDED_OFF));

        agentAnswers(new Closed(FlowIdentity.ipv4(CLIENT, 40001, VIP, 80), 100, 5000, 20, CloseReason.FIN));
        assertNull(terminator.flow(CLIENT, 40001, 0), "CLOSED frees the flow");
        assertEquals(0, load.openFlows(server("origin2")));
    }

    @Test
    void lostHandoffIsRetransmittedWithTheSameIdAndBytes() {
        ClientPackets c = connect(40002);
        request(c, "GET /static/x HTTP/1.1\r\nHost: lab\r\n\r\n");
        advance(60 * MS);
        advance(110 * MS);
        assertEquals(3, toAgents.size());
        assertArrayEquals(toAgents.get(0).bytes(), toAgents.get(1).bytes());
        assertArrayEquals(toAgents.get(0).bytes(), toAgents.get(2).bytes());
        agentAnswers(HandoffAck.of(FlowIdentity.ipv4(CLIENT, 40002, VIP, 80), messageId(toAgents.get(0))));
        agentAnswers(HandoffAck.of(FlowIdentity.ipv4(CLIENT, 40002, VIP, 80), messageId(toAgents.get(0)))); // duplicate ack
        assertEquals(TcpFlow.State.FORWARDING, terminator.flow(CLIENT, 40002, 0).state());
        assertEquals(1, coordinator.counters().origin("origin1", HandoffCounters.OriginEvent.ACKED));
        toAgents.clear();
        advance(500 * MS);
        assertTrue(toAgents.isEmpty(), "no retransmission after the ack");
    }

    @Test
    void nackFailsOverToTheNextOriginOfThePool() {
        ClientPackets c = connect(40003);
        request(c, "GET /some/other/object HTTP/1.1\r\nHost: lab\r\n\r\n"); // default pool: both origins
        Datagram first = toAgents.remove(0);
        agentAnswers(new HandoffNack(FlowIdentity.ipv4(CLIENT, 40003, VIP, 80), messageId(first), NackReason.SERVER_REFUSED));
        Datagram second = toAgents.remove(0);
        assertTrue(!second.to().equals(first.to()), "the other origin");
        Handoff h = decodeHandoff(second);
        assertEquals(2, h.attempt());
        assertTrue(messageId(second) != messageId(first), "a new attempt has a new id");
        agentAnswers(HandoffAck.of(FlowIdentity.ipv4(CLIENT, 40003, VIP, 80), messageId(second)));
        assertEquals(TcpFlow.State.FORWARDING, terminator.flow(CLIENT, 40003, 0).state());
    }

    @Test
    void everyAttemptDrawsItsOwnTokenAndTheFlowKeepsIt() {
        ClientPackets c = connect(40013);
        request(c, "GET /some/other/object HTTP/1.1\r\nHost: lab\r\n\r\n"); // default pool: both origins
        Datagram first = toAgents.remove(0);
        long firstToken = decodeHandoff(first).flowToken();
        HandoffCoordinator.Attempt a = pipeline.terminator().flow(CLIENT, 40013, 0).attachment();
        assertNotEquals(0, firstToken);
        assertEquals(firstToken, a.flowToken(), "the flow keeps the token its kernel entry needs");
        advance(60 * MS);
        assertArrayEquals(first.bytes(), toAgents.remove(0).bytes(), "a retransmission repeats the token with every byte");
        agentAnswers(new HandoffNack(FlowIdentity.ipv4(CLIENT, 40013, VIP, 80), messageId(first), NackReason.SERVER_REFUSED));
        Handoff second = decodeHandoff(toAgents.remove(0));
        assertEquals(2, second.attempt());
        assertNotEquals(firstToken, second.flowToken(), "a new attempt draws a new token");
        assertEquals(second.flowToken(), a.flowToken());
    }

    @Test
    void aTunnelArrivingFromAnAgentIsDroppedNotDispatched() {
        ClientPackets c = connect(40014);
        byte[] inner = c.ack();
        byte[] frame = new byte[TunnelFrameWriter.OVERHEAD + inner.length];
        int n = new TunnelFrameWriter().write(frame, 0, Bytes.parseIpv4("198.18.0.11"), Bytes.parseIpv4("198.18.0.1"), 7070,
                0x1234, inner, 0, inner.length);
        assertFalse(pipeline.onAgentDatagram(frame, TunnelFrameWriter.TUNNEL_OFFSET, n - TunnelFrameWriter.TUNNEL_OFFSET, now),
                "TUNNEL goes director to agent only, and is not sealed");
        assertEquals(MessageType.TUNNEL, directorSide.type());
    }

    @Test
    void noAnswerFromAnyOriginGivesACleanServiceUnavailable() {
        ClientPackets c = connect(40004);
        request(c, "GET /static/x HTTP/1.1\r\nHost: lab\r\n\r\n"); // one-origin pool
        toClient.clear();
        advance(2100 * MS);
        long aborts = toAgents.stream().filter(d -> {
            agentSide.decode(d.bytes(), 0, d.bytes().length);
            return agentSide.type() == MessageType.ABORT;
        }).count();
        assertEquals(1, aborts, "the silent agent is told to drop the flow");
        String answer = toClient.stream().map(b -> new SentSegment(b, VIP, 80).payload()).reduce("", String::concat);
        assertTrue(answer.startsWith("HTTP/1.1 503 Service Unavailable\r\n"), answer);
        assertEquals(1, coordinator.counters().outcome(HandoffCounters.RequestOutcome.NO_ORIGIN));
    }

    @Test
    void aFlowWhoseOriginIsAlreadySendingIsNeverMoved() {
        ClientPackets c = connect(40005);
        request(c, "GET /other/object HTTP/1.1\r\nHost: lab\r\n\r\n");
        Datagram first = toAgents.remove(0);
        c.ack = SeqNumber.add(c.ack, 1448); // the client got the origin's first segment: the ack was lost
        in(c.ack());
        advance(2100 * MS);
        TcpFlow<?> f = terminator.flow(CLIENT, 40005, 0);
        assertEquals(TcpFlow.State.FORWARDING, f.state(), "accepted, not failed over");
        assertTrue(toAgents.stream().allMatch(d -> d.to().equals(first.to())), "nothing went to the other origin");
        assertEquals(1, forwardedPackets(first.to()).size(), "the held ACK reached the agent");
    }

    @Test
    void malformedAndOversizeRequestsAreAnsweredByTheDirector() {
        ClientPackets c = connect(40006);
        toClient.clear();
        request(c, "GET /\u0001bad HTTP/1.1 junk\r\nHost: lab\r\n\r\n");
        assertTrue(answerText().startsWith("HTTP/1.1 400 Bad Request"), answerText());
        assertTrue(toAgents.isEmpty());

        ClientPackets big = connect(40007);
        toClient.clear();
        String head = "GET / HTTP/1.1\r\nHost: lab\r\nX-Pad: " + "a".repeat(17_000) + "\r\n\r\n";
        byte[] r = head.getBytes(StandardCharsets.US_ASCII);
        for (int at = 0; at < r.length; at += 1400) {
            in(big.data(r, at, Math.min(r.length, at + 1400)));
        }
        assertTrue(answerText().startsWith("HTTP/1.1 431 Request Header Fields Too Large"), answerText());
        assertEquals(1, coordinator.counters().outcome(HandoffCounters.RequestOutcome.HEAD_TOO_LARGE));
        assertEquals(1, coordinator.counters().outcome(HandoffCounters.RequestOutcome.BAD_REQUEST));
    }

    @Test
    void aFrameLargerThanADatagramIsSplitIntoForwardedSegments() {
        ClientPackets c = connect(40008);
        request(c, "POST /static/upload HTTP/1.1\r\nHost: lab\r\nContent-Length: 200000\r\n\r\n");
        Datagram d = toAgents.remove(0);
        agentAnswers(HandoffAck.of(FlowIdentity.ipv4(CLIENT, 40008, VIP, 80), messageId(d)));
        byte[] body = new byte[65_480]; // an IP packet of 65,532 bytes: more than a FORWARD datagram holds
        Arrays.fill(body, (byte) 'b');
        byte[] gro = c.packet(TcpSegment.ACK, c.seq, body, 0, body.length);
        in(gro);
        List<byte[]> pieces = forwardedPackets(ORIGIN1);
        assertTrue(pieces.size() >= 2, "split: " + pieces.size());
        int total = 0;
        for (byte[] p : pieces) {
            total += p.length - 20 - 32;
        }
        assertEquals(65_480, total);
        assertEquals(1, coordinator.counters().forwardSplit);
    }

    // ---- the request's ACK (handoff.request-ack-delay) -------------------------------------

    /** The director's segments to the client since {@code from}, read. */
    private List<SentSegment> sentToClient(int from) {
        List<SentSegment> out = new ArrayList<>();
        for (byte[] b : toClient.subList(from, toClient.size())) {
            out.add(new SentSegment(b, VIP, 80));
        }
        return out;
    }

    private long requestAcks(TcpCounters.RequestAck outcome) {
        return terminator.counters().requestAcks(outcome);
    }

    private void assertRequestAcks(long sentAtOnce, long deferredSent, long cancelled) {
        assertEquals(List.of(sentAtOnce, deferredSent, cancelled), List.of(requestAcks(TcpCounters.RequestAck.SENT_AT_ONCE),
                requestAcks(TcpCounters.RequestAck.DEFERRED_SENT), requestAcks(TcpCounters.RequestAck.CANCELLED)),
                "request ACKs: sent at once, deferred and sent, cancelled");
    }

    @Test
    void aQuickHandoffAckLeavesTheRequestsAckToTheOrigin() {
        ClientPackets c = connect(40020);
        int sent = toClient.size();
        long acks = terminator.counters().acksSent;
        request(c, "GET /static/a HTTP/1.1\r\nHost: lab\r\n\r\n");
        assertEquals(sent, toClient.size(), "the ACK of the request waits for the hand-off");
        assertTrue(terminator.flow(CLIENT, 40020, 0).requestAckDeferred());
        agentAnswers(HandoffAck.of(FlowIdentity.ipv4(CLIENT, 40020, VIP, 80), messageId(toAgents.get(0))));
        advance(200 * MS);
        assertEquals(sent, toClient.size(), "the agent's side acknowledges the request: the director sends nothing");
        assertEquals(acks, terminator.counters().acksSent);
        assertRequestAcks(0, 0, 1);
    }

    @Test
    void aSlowAgentLeavesTheRequestAcknowledgedAtTheDelay() {
        ClientPackets c = connect(40021);
        int sent = toClient.size();
        request(c, "GET /static/a HTTP/1.1\r\nHost: lab\r\n\r\n");
        advance(35 * MS);
        assertEquals(sent, toClient.size(), "before handoff.request-ack-delay (40 ms)");
        advance(15 * MS); // the terminator's timers tick every 10 ms
        List<SentSegment> acks = sentToClient(sent);
        assertEquals(1, acks.size(), "the ACK, once the delay passed");
        SentSegment ack = acks.get(0);
        assertEquals(TcpSegment.ACK, ack.tcp.flags());
        assertEquals(c.seq, ack.tcp.ack(), "every request byte");
        assertEquals(SeqNumber.add(terminator.flow(CLIENT, 40021, 0).directorIsn(), 1), ack.tcp.seq());
        assertEquals(0, ack.tcp.payloadLength());
        assertRequestAcks(0, 1, 0);
        agentAnswers(HandoffAck.of(FlowIdentity.ipv4(CLIENT, 40021, VIP, 80), messageId(toAgents.get(0))));
        advance(100 * MS);
        assertEquals(sent + 1, toClient.size(), "acknowledged once");
        assertEquals(TcpFlow.State.FORWARDING, terminator.flow(CLIENT, 40021, 0).state());
        assertRequestAcks(0, 1, 0);
    }

    @Test
    void aNackAndAQuickAckFromTheNextOriginLeaveTheAckToThatOrigin() {
        ClientPackets c = connect(40022);
        int sent = toClient.size();
        request(c, "GET /some/other/object HTTP/1.1\r\nHost: lab\r\n\r\n"); // default pool: both origins
        Datagram first = toAgents.remove(0);
        agentAnswers(new HandoffNack(FlowIdentity.ipv4(CLIENT, 40022, VIP, 80), messageId(first), NackReason.SERVER_REFUSED));
        assertEquals(sent, toClient.size(), "a retry keeps the ACK waiting");
        agentAnswers(HandoffAck.of(FlowIdentity.ipv4(CLIENT, 40022, VIP, 80), messageId(toAgents.remove(0))));
        advance(100 * MS);
        assertEquals(sent, toClient.size());
        assertRequestAcks(0, 0, 1);
    }

    @Test
    void aServiceUnavailableAfterANackAcknowledgesTheRequestItself() {
        ClientPackets c = connect(40023);
        int sent = toClient.size();
        request(c, "GET /static/a HTTP/1.1\r\nHost: lab\r\n\r\n"); // one-origin pool
        agentAnswers(new HandoffNack(FlowIdentity.ipv4(CLIENT, 40023, VIP, 80), messageId(toAgents.remove(0)),
                NackReason.SERVER_REFUSED));
        List<SentSegment> answer = sentToClient(sent);
        assertTrue(answerText().contains("HTTP/1.1 503 Service Unavailable\r\n"), answerText());
        assertTrue(answer.stream().allMatch(a -> a.tcp.payloadLength() > 0 || (a.tcp.flags() & TcpSegment.FIN) != 0),
                "the answer's segments only: no separate ACK");
        assertTrue(answer.stream().allMatch(a -> (a.tcp.flags() & TcpSegment.ACK) != 0 && a.tcp.ack() == c.seq),
                "each acknowledges every request byte");
        assertFalse(terminator.flow(CLIENT, 40023, 0).requestAckDeferred());
        advance(100 * MS);
        assertRequestAcks(0, 0, 1);
    }

    @Test
    void aDelayOfZeroAcknowledgesTheRequestAtOnceAsBefore() {
        settings = new WorkerSettings(settings.routing(), settings.tcp(), settings.handoff().withRequestAckDelay(java.time.Duration.ZERO),
                keys);
        ClientPackets c = connect(40024);
        int sent = toClient.size();
        request(c, "GET /static/a HTTP/1.1\r\nHost: lab\r\n\r\n");
        List<SentSegment> acks = sentToClient(sent);
        assertEquals(1, acks.size(), "the ACK, with the segment");
        assertEquals(TcpSegment.ACK, acks.get(0).tcp.flags());
        assertEquals(c.seq, acks.get(0).tcp.ack());
        assertEquals(1, toAgents.size(), "and the HANDOFF");
        assertFalse(terminator.flow(CLIENT, 40024, 0).requestAckDeferred());
        agentAnswers(HandoffAck.of(FlowIdentity.ipv4(CLIENT, 40024, VIP, 80), messageId(toAgents.get(0))));
        advance(100 * MS);
        assertEquals(sent + 1, toClient.size());
        assertRequestAcks(1, 0, 0);
    }

    @Test
    void onlyTheSegmentThatCompletesTheRequestWaitsForItsAck() {
        ClientPackets c = connect(40025);
        int sent = toClient.size();
        request(c, "GET /static/a HTTP/1.1\r\n");
        List<SentSegment> acks = sentToClient(sent);
        assertEquals(1, acks.size(), "a partial request is acknowledged at once");
        assertEquals(c.seq, acks.get(0).tcp.ack());
        assertTrue(toAgents.isEmpty());
        request(c, "Host: lab\r\n\r\n");
        assertEquals(sent + 1, toClient.size(), "the segment that completes it waits");
        assertEquals(1, toAgents.size());
    }

    @Test
    void aMalformedRequestIsAcknowledgedThenAnsweredAsBefore() {
        ClientPackets c = connect(40026);
        int sent = toClient.size();
        request(c, "GET /\u0001bad HTTP/1.1 junk\r\nHost: lab\r\n\r\n");
        List<SentSegment> out = sentToClient(sent);
        assertEquals(TcpSegment.ACK, out.get(0).tcp.flags(), "the ACK first, as before");
        assertEquals(0, out.get(0).tcp.payloadLength());
        assertTrue(out.get(1).payload().startsWith("HTTP/1.1 400 Bad Request"), out.get(1).payload());
        assertRequestAcks(0, 0, 0); // no hand-off: not a request ACK of the metric
    }

    private String answerText() {
        return toClient.stream().map(b -> new SentSegment(b, VIP, 80).payload()).reduce("", String::concat);
    }

    private List<byte[]> forwardedPackets(InetSocketAddress agent) {
        List<byte[]> out = new ArrayList<>();
        for (Datagram d : toAgents) {
            if (!d.to().equals(agent)) {
                continue;
            }
            assertEquals(DecodeResult.ACCEPTED, agentSide.decode(d.bytes(), 0, d.bytes().length), agentSide.describe());
            if (agentSide.type() != MessageType.FORWARD) {
                continue;
            }
            ForwardPacketCursor cursor = agentSide.forwardPackets();
            while (cursor.next()) {
                out.add(Arrays.copyOfRange(cursor.buffer(), cursor.packetOffset(), cursor.packetOffset() + cursor.packetLength()));
            }
        }
        return out;
    }

    private static org.handoff.director.config.Server server(String name) {
        try {
            DirectorConfig config = ConfigLoader.DIRECTOR.load(Path.of("../examples/lab/director.yaml"));
            return config.pool("all").members().stream().map(m -> m.server()).filter(s -> s.name().equals(name)).findFirst().orElseThrow();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aLostAgentsClientsAreResetAtTheSequenceTheyExpect() {
        ClientPackets c = connect(40020);
        request(c, "GET /video/a.mp4 HTTP/1.1\r\nHost: lab\r\n\r\n");
        Datagram d = toAgents.remove(0);
        agentAnswers(HandoffAck.of(FlowIdentity.ipv4(CLIENT, 40020, VIP, 80), messageId(d)));
        c.ack = SeqNumber.add(c.ack, 50_000); // the client got 50 KB from the origin
        in(c.ack());
        toClient.clear();

        coordinator.agentUnreachable(ORIGIN2, now);
        SentSegment rst = new SentSegment(toClient.get(0), VIP, 80);
        assertTrue(rst.tcp.rst(), "the client is reset at once");
        assertEquals(c.ack, rst.tcp.seq(), "at the sequence number the client acknowledged last");
        assertEquals(TcpFlow.State.RESETTING, terminator.flow(CLIENT, 40020, 0).state());
        assertEquals(1, coordinator.counters().origin("origin2", HandoffCounters.OriginEvent.UNREACHABLE));

        c.ack = SeqNumber.add(c.ack, 1448); // it had more than it acknowledged: its next ACK says so
        in(c.ack());
        SentSegment again = new SentSegment(toClient.get(toClient.size() - 1), VIP, 80);
        assertTrue(again.tcp.rst());
        assertEquals(c.ack, again.tcp.seq());

        advance(2100 * MS);
        assertNull(terminator.flow(CLIENT, 40020, 0), "freed after the linger");
        assertEquals(1, terminator.counters().closed(org.handoff.director.tcp.FlowListener.CloseCause.AGENT_LOST));
        assertEquals(0, load.openFlows(server("origin2")));
    }

    @Test
    void losingAnAgentWithAForwardBatchOpenSendsNothingToNowhere() {
        ClientPackets c = connect(40023);
        request(c, "GET /video/b.mp4 HTTP/1.1\r\nHost: lab\r\n\r\n");
        Datagram d = toAgents.remove(0);
        agentAnswers(HandoffAck.of(FlowIdentity.ipv4(CLIENT, 40023, VIP, 80), messageId(d)));
        byte[] ack = c.ack();
        terminator.onPacket(ack, 0, ack.length, now); // batched, not yet flushed
        coordinator.agentUnreachable(ORIGIN2, now);
        assertTrue(toAgents.stream().allMatch(x -> x.to() != null), "every datagram had an address");
        assertEquals(TcpFlow.State.RESETTING, terminator.flow(CLIENT, 40023, 0).state());
    }

    @Test
    void aHandoffWaitingOnALostAgentMovesToTheNextOrigin() {
        ClientPackets c = connect(40021);
        request(c, "GET /some/other/object HTTP/1.1\r\nHost: lab\r\n\r\n");
        Datagram first = toAgents.remove(0);
        coordinator.agentUnreachable(first.to(), now);
        Datagram second = toAgents.remove(0);
        assertTrue(!second.to().equals(first.to()));
        assertEquals(2, decodeHandoff(second).attempt());
    }

    @Test
    void agentsWithFlowsAreProbedOnceASecond() {
        ClientPackets c = connect(40022);
        request(c, "GET /static/x HTTP/1.1\r\nHost: lab\r\n\r\n");
        Datagram d = toAgents.remove(0);
        agentAnswers(HandoffAck.of(FlowIdentity.ipv4(CLIENT, 40022, VIP, 80), messageId(d)));
        advance(1100 * MS);
        long probes = toAgents.stream().filter(x -> {
            agentSide.decode(x.bytes(), 0, x.bytes().length);
            return agentSide.type() == MessageType.HEARTBEAT && x.to().equals(ORIGIN1);
        }).count();
        assertEquals(1, probes, "one probe to the agent holding the flow, none elsewhere: " + toAgents.size());
    }
}
