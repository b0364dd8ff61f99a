package org.handoff.director;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.handoff.director.handoff.HandoffCounters;
import org.handoff.director.tcp.FlowListener;
import org.handoff.director.tcp.TcpFlow;
import org.handoff.director.testing.ClientPackets;
import org.handoff.director.testing.SentSegment;
import org.handoff.protocol.message.CloseReason;
import org.handoff.protocol.message.Closed;
import org.handoff.protocol.message.DecodeResult;
import org.handoff.protocol.message.FlowIdentity;
import org.handoff.protocol.message.Handback;
import org.handoff.protocol.message.Handoff;
import org.handoff.protocol.message.HandoffAck;
import org.handoff.protocol.message.HandoffNack;
import org.handoff.protocol.message.MessageHeaderFlyweight;
import org.handoff.protocol.message.MessageType;
import org.handoff.protocol.message.NackReason;
import org.handoff.protocol.message.Recall;
import org.handoff.protocol.message.RecallNack;
import org.handoff.protocol.message.RecallNackReason;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.wire.TcpSegment;
import org.junit.jupiter.api.Test;

/**
 * Every request on a keep-alive connection routed by the rules (docs/architecture.md,
 * "Hand-back"), on one worker in memory with a scripted agent: a later request for the same
 * origin goes on to it; one for another origin takes the connection back (RECALL, HANDBACK) and
 * hands it off there; a pipelined one stays and pins the connection; and each failure ends in a
 * defined answer to the client.
 */
class DirectorHandbackTest extends WorkerTestBase {
    static final InetSocketAddress ORIGIN1 = new InetSocketAddress("198.18.0.11", 7070);
    /** What the scripted origin "sends" per response: the client's ack moves by this much. */
    static final int RESPONSE = 5_000;

    ClientPackets c;
    FlowIdentity flow;
    long firstHandoff;

    /** A connection whose first request went to origin2 (/video/) and was accepted there. */
    void handedOffToOrigin2(int port) throws Exception {
        handedOffToOrigin2(port, "GET /video/a.mp4 HTTP/1.1\r\nHost: lab\r\n\r\n");
    }

    /** The same with {@code first} as its first request (a /video/ one). */
    void handedOffToOrigin2(int port, String first) throws Exception {
        c = connect(port);
        flow = FlowIdentity.ipv4(CLIENT, port, VIP, 80);
        request(c, first);
        Datagram handoff = toAgents.remove(0);
        assertEquals(ORIGIN2, handoff.to());
        firstHandoff = handoffMessageId(handoff);
        agentAnswers(HandoffAck.of(flow, firstHandoff));
        cycle();
        assertEquals(TcpFlow.State.FORWARDING, flowState());
    }

    TcpFlow.State flowState() {
        TcpFlow<?> f = worker.terminator().flow(CLIENT, c.port, 0);
        return f == null ? null : f.state();
    }

    /** The client got the whole response (its ack moved past it), then sends {@code text} in one segment. */
    void nextRequestAfterTheResponse(String text) throws Exception {
        c.ack = SeqNumber.add(c.ack, RESPONSE);
        request(c, text);
    }

    /** Client packets sent to one agent since the last look, and where. */
    record Forwarded(InetSocketAddress to, List<byte[]> packets) {
    }

    /**
     * What went to the agents since the last look, all of it client packets for one agent: one
     * FORWARD (the user path), or a TUNNEL per packet (a flow with a kernel entry).
     */
    Forwarded forwardedOnly() {
        assertFalse(toAgents.isEmpty(), "no datagram to an agent");
        InetSocketAddress to = toAgents.get(0).to();
        List<byte[]> packets = new ArrayList<>();
        for (Datagram d : toAgents) {
            assertEquals(to, d.to(), "every datagram to one agent");
            if (d.bytes()[MessageHeaderFlyweight.TYPE_OFFSET] == MessageType.FORWARD.code()) {
                assertEquals(1, toAgents.size(), "one FORWARD");
            }
            packets.addAll(forwarded(d));
        }
        toAgents.clear();
        return new Forwarded(to, packets);
    }

    Datagram only(MessageType type) {
        assertEquals(1, toAgents.size(), "datagrams to agents: " + toAgents.size());
        Datagram d = toAgents.remove(0);
        assertEquals(DecodeResult.ACCEPTED, agentSide.decode(d.bytes(), 0, d.bytes().length), agentSide.describe());
        assertEquals(type, agentSide.type());
        return d;
    }

    /** No flow holds bytes: what the worker buffers is only the receive arrays it keeps for reuse. */
    void assertNothingBuffered() {
        assertEquals(worker.terminator().spareBytes(), worker.terminator().bufferedBytes());
    }

    long outcomes(HandoffCounters.RequestOutcome o) {
        return worker.coordinator().counters().outcome(o);
    }

    @Test
    void aLaterRequestForTheSameOriginGoesOnToItOnceItsHeadIsRead() throws Exception {
        handedOffToOrigin2(41000);
        String second = "GET /video/b.mp4 HTTP/1.1\r\nHost: lab\r\n\r\n";
        nextRequestAfterTheResponse(second);
        Forwarded d = forwardedOnly();
        assertEquals(ORIGIN2, d.to());
        List<byte[]> packets = d.packets();
        assertEquals(1, packets.size());
        assertTrue(new String(packets.get(0), StandardCharsets.ISO_8859_1).endsWith(second), "the request, as the client sent it");
        assertEquals(1, outcomes(HandoffCounters.RequestOutcome.KEPT));
        assertEquals(TcpFlow.State.FORWARDING, flowState());

        // And the next one again: each request is read and routed.
        nextRequestAfterTheResponse("GET /video/c.mp4 HTTP/1.1\r\nHost: lab\r\n\r\n");
        assertEquals(ORIGIN2, forwardedOnly().to());
        assertEquals(2, outcomes(HandoffCounters.RequestOutcome.KEPT));
        assertEquals(0, worker.coordinator().counters().origin("origin2", HandoffCounters.OriginEvent.RECALLED));
        assertEquals(0, worker.terminator().counters().originProven, "a proof only a hand-off in progress needs");
        assertNothingBuffered();
    }

    @Test
    void aLaterRequestForAnotherOriginTakesTheConnectionBackAndHandsItThere() throws Exception {
        handedOffToOrigin2(41001);
        int requestStart = c.seq;
        String second = "GET /static/b.txt HTTP/1.1\r\nHost: lab\r\n\r\n";
        nextRequestAfterTheResponse(second);

        // Held, and the agent asked for the connection back.
        assertEquals(ORIGIN2, only(MessageType.RECALL).to());
        Recall recall = (Recall) agentSide.message().body();
        long recallId = agentSide.header().messageId();
        assertEquals(firstHandoff, recall.handoffMessageId());
        assertEquals(requestStart, recall.requestStart().bits());
        assertEquals(c.ack, recall.clientAck().bits());
        assertEquals(TcpFlow.State.NEXT_REQUEST, flowState());
        toClient.clear();

        // HANDBACK: the director owns connection A again at the origin's next byte.
        int serverNext = c.ack;
        int lastTsVal = c.tsEcr + 4_000; // the origin's clock ran ahead of the director's
        agentAnswers(new Handback(flow, recallId, SeqNumber.of(serverNext), true, lastTsVal, 500, 40, RESPONSE, 3));
        cycle();
        SentSegment ack = new SentSegment(toClient.get(0), VIP, 80);
        assertEquals(serverNext, ack.tcp.seq(), "the director sends from where the origin stopped");
        assertEquals(SeqNumber.add(requestStart, second.length()), ack.tcp.ack(), "and acknowledges the request");
        assertTrue(SeqNumber.gt(ack.options.tsVal, lastTsVal), "its TSval goes on above the origin's last");

        // ... and hands the request to origin1, numbers in step with connection A.
        Datagram d = only(MessageType.HANDOFF);
        assertEquals(ORIGIN1, d.to());
        Handoff h = (Handoff) agentSide.message().body();
        assertEquals(SeqNumber.sub(requestStart, 1), h.clientIsn().bits());
        assertEquals(SeqNumber.sub(serverNext, 1), h.directorIsn().bits());
        assertEquals(SeqNumber.add(requestStart, second.length()), h.clientNextSeq().bits());
        assertEquals(serverNext, h.directorNextSeq().bits());
        assertEquals(second, new String(h.request(), StandardCharsets.US_ASCII));
        assertEquals(SeqNumber.sub(c.tsVal, 1), h.options().tsRecent(), "the client's latest TSval, from the held request");
        assertEquals(SeqNumber.sub(c.tsVal, 1), ack.options.tsEcr, "echoed in the director's ACK");
        agentAnswers(HandoffAck.of(flow, agentSide.header().messageId()));
        cycle();
        assertEquals(TcpFlow.State.FORWARDING, flowState());
        assertEquals(0, toAgents.size(), "the held request's bytes went in the HANDOFF: not sent to origin1 again");
        assertEquals(1, worker.coordinator().counters().origin("origin2", HandoffCounters.OriginEvent.HANDED_BACK));
        assertEquals(1, worker.terminator().counters().resumed);
        assertEquals(0, worker.terminator().counters().resumedWindowShrunk, "500 << 7 fits the director's buffer");

        // The client's later packets go to origin1 now.
        c.ack = SeqNumber.add(c.ack, RESPONSE);
        in(c.ack());
        assertEquals(ORIGIN1, forwardedOnly().to());
        assertNothingBuffered();
    }

    @Test
    void aPipelinedRequestStaysWithTheOriginAndPinsTheConnection() throws Exception {
        handedOffToOrigin2(41002);
        // Sent before any of the response came back: the same ack as the first request.
        request(c, "GET /static/p.txt HTTP/1.1\r\nHost: lab\r\n\r\n");
        assertEquals(ORIGIN2, forwardedOnly().to(), "no RECALL: forwarded to the connection's origin");
        assertEquals(1, worker.coordinator().counters().pinned(HandoffCounters.PinReason.PIPELINED));
        assertEquals(1, outcomes(HandoffCounters.RequestOutcome.PINNED));

        // Pinned: a later request for origin1 is not even read, it goes on as it came.
        nextRequestAfterTheResponse("GET /static/q.txt HTTP/1.1\r\nHost: lab\r\n\r\n");
        assertEquals(ORIGIN2, forwardedOnly().to());
        assertEquals(TcpFlow.State.FORWARDING, flowState());
    }

    @Test
    void aRecallRefusedForAPendingResponseKeepsTheRequestWithItsOrigin() throws Exception {
        handedOffToOrigin2(41003);
        String second = "GET /static/b.txt HTTP/1.1\r\nHost: lab\r\n\r\n";
        nextRequestAfterTheResponse(second);
        only(MessageType.RECALL);
        agentAnswers(new RecallNack(flow, agentSide.header().messageId(), RecallNackReason.RESPONSE_PENDING));
        cycle();
        Forwarded d = forwardedOnly();
        assertEquals(ORIGIN2, d.to());
        assertTrue(new String(d.packets().get(0), StandardCharsets.ISO_8859_1).endsWith(second));
        assertEquals(1, worker.coordinator().counters().pinned(HandoffCounters.PinReason.PIPELINED));
        assertEquals(TcpFlow.State.FORWARDING, flowState());
    }

    @Test
    void aRecallNobodyAnswersEndsInAResetNotAHang() throws Exception {
        handedOffToOrigin2(41004);
        nextRequestAfterTheResponse("GET /static/b.txt HTTP/1.1\r\nHost: lab\r\n\r\n");
        byte[] recall = only(MessageType.RECALL).bytes();
        toClient.clear();
        clock.advance(60_000_000L); // past handoff.retransmit-initial (50ms)
        cycle();
        assertArrayEquals(recall, toAgents.remove(0).bytes(), "the RECALL again, the same bytes");
        assertEquals(1, worker.coordinator().counters().origin("origin2", HandoffCounters.OriginEvent.RETRANSMITTED),
                "counted like a HANDOFF sent again");
        clock.advance(2_100_000_000L); // past handoff.deadline (2s)
        cycle();
        assertEquals(1, toAgents.stream().filter(d -> d.to().equals(ORIGIN2) && d.bytes()[3] == MessageType.ABORT.code()).count(),
                "the agent is told to drop its side");
        SentSegment rst = toClient.stream().map(b -> new SentSegment(b, VIP, 80)).filter(s -> s.tcp.rst()).findFirst().orElseThrow();
        assertEquals(c.ack, rst.tcp.seq(), "the client is reset at its own ack: exactly its RCV.NXT");
        assertEquals(TcpFlow.State.RESETTING, flowState());
        assertEquals(1, outcomes(HandoffCounters.RequestOutcome.RESET));
        assertNothingBuffered();
    }

    @Test
    void aRecallForAFlowTheAgentNoLongerHasResetsTheClient() throws Exception {
        handedOffToOrigin2(41005);
        nextRequestAfterTheResponse("GET /static/b.txt HTTP/1.1\r\nHost: lab\r\n\r\n");
        only(MessageType.RECALL);
        toClient.clear();
        agentAnswers(new RecallNack(flow, agentSide.header().messageId(), RecallNackReason.UNKNOWN_FLOW));
        cycle();
        SentSegment rst = new SentSegment(toClient.get(0), VIP, 80);
        assertTrue(rst.tcp.rst());
        assertEquals(c.ack, rst.tcp.seq(), "at the client's own ack: exactly its RCV.NXT");
        assertEquals(TcpFlow.State.RESETTING, flowState());
    }

    @Test
    void whenTheNewOriginRefusesTheClientGetsA503OnItsConnection() throws Exception {
        handedOffToOrigin2(41006);
        nextRequestAfterTheResponse("GET /static/b.txt HTTP/1.1\r\nHost: lab\r\n\r\n");
        only(MessageType.RECALL);
        int serverNext = c.ack;
        agentAnswers(new Handback(flow, agentSide.header().messageId(), SeqNumber.of(serverNext), false, 0, 0, 0, 0, 0));
        cycle();
        only(MessageType.HANDOFF);
        toClient.clear();
        agentAnswers(new HandoffNack(flow, agentSide.header().messageId(), NackReason.SERVER_REFUSED));
        cycle();
        SentSegment answer = new SentSegment(toClient.get(0), VIP, 80);
        assertTrue(answer.payload().startsWith("HTTP/1.1 503 Service Unavailable"), answer.payload());
        assertEquals(serverNext, answer.tcp.seq(), "on the connection, right after the first response");
        assertEquals(1, outcomes(HandoffCounters.RequestOutcome.NO_ORIGIN));
    }

    @Test
    void aBodyWithContentLengthIsForwardedAndTheRequestAfterItIsRouted() throws Exception {
        handedOffToOrigin2(41007, "PUT /video/up.bin HTTP/1.1\r\nHost: lab\r\nContent-Length: 10\r\n\r\n0123");
        request(c, "456789"); // the rest of the body: forwarded, not read as a request
        assertEquals(ORIGIN2, forwardedOnly().to());
        nextRequestAfterTheResponse("GET /static/after.txt HTTP/1.1\r\nHost: lab\r\n\r\n");
        only(MessageType.RECALL);
        assertEquals(SeqNumber.add(c.isn, 1 + "PUT /video/up.bin HTTP/1.1\r\nHost: lab\r\nContent-Length: 10\r\n\r\n".length() + 10),
                ((Recall) agentSide.message().body()).requestStart().bits(), "the request after the body");
    }

    @Test
    void aHeadSplitOverSegmentsIsReadWhole() throws Exception {
        handedOffToOrigin2(41008);
        c.ack = SeqNumber.add(c.ack, RESPONSE);
        request(c, "GET /static/split.txt HTTP/1.1\r\n");
        assertEquals(0, toAgents.size(), "held while the head is incomplete");
        request(c, "Host: lab\r\n\r\n");
        only(MessageType.RECALL);
    }

    @Test
    void aClientResetWhileItsNextRequestIsHeldGoesToTheAgentAndEndsTheFlow() throws Exception {
        handedOffToOrigin2(41009);
        c.ack = SeqNumber.add(c.ack, RESPONSE);
        request(c, "GET /static/x.txt HTTP/1.1\r\n");
        byte[] rst = c.packet(TcpSegment.RST | TcpSegment.ACK, c.seq, null, 0, 0);
        in(rst);
        Forwarded d = forwardedOnly();
        List<byte[]> packets = d.packets();
        assertEquals(2, packets.size(), "the held head, then the RST");
        assertArrayEquals(rst, packets.get(1));
        assertNull(flowState(), "freed");
        assertEquals(1, worker.terminator().counters().closed(FlowListener.CloseCause.CLIENT_RESET));
    }

    @Test
    void aStaleHandbackChangesNothing() throws Exception {
        handedOffToOrigin2(41010);
        agentAnswers(new Handback(flow, 12345L, SeqNumber.of(c.ack), false, 0, 0, 0, 0, 0));
        cycle();
        assertEquals(TcpFlow.State.FORWARDING, flowState());
        assertEquals(1, worker.coordinator().counters().staleAcks);
        assertEquals(0, toAgents.size(), "nothing sent to any agent");
        assertEquals(0, worker.terminator().counters().resumed);
    }

    @Test
    void aNextRequestWhoseFirstSegmentIsLostStillEndsByTheRequestTimeout() throws Exception {
        handedOffToOrigin2(41011);
        c.ack = SeqNumber.add(c.ack, RESPONSE);
        // Only the second segment arrives: nothing is in order, so nothing can be parsed.
        byte[] tail = "Host: lab\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] late = c.packet(TcpSegment.ACK | TcpSegment.PSH, SeqNumber.add(c.seq, 30), tail, 0, tail.length);
        in(late);
        assertEquals(TcpFlow.State.NEXT_REQUEST, flowState());
        assertEquals(0, toAgents.size(), "held");
        clock.advance(10_100_000_000L); // past timeouts.request (10s)
        cycle();
        toAgents.removeIf(d -> d.bytes()[3] == MessageType.HEARTBEAT.code()); // the agent probe, once a second
        // Its origin gets what was held (the client's retransmission will complete it there).
        Forwarded d = forwardedOnly();
        assertEquals(ORIGIN2, d.to());
        assertArrayEquals(late, d.packets().get(0));
        assertEquals(TcpFlow.State.FORWARDING, flowState());
        assertEquals(1, worker.coordinator().counters().pinned(HandoffCounters.PinReason.UNPARSED_REQUEST));
        assertNothingBuffered();
    }

    @Test
    void aBodyOfAGibibyteOrMoreIsNotFollowedTheConnectionIsPinned() throws Exception {
        // 3 GiB: its end is more than 2^31 ahead, where sequence numbers no longer compare.
        handedOffToOrigin2(41012, "PUT /video/huge.bin HTTP/1.1\r\nHost: lab\r\nContent-Length: 3221225472\r\n\r\n0123");
        assertEquals(1, worker.coordinator().counters().pinned(HandoffCounters.PinReason.LARGE_BODY));
        request(c, "GET /static/looks-like-a-request HTTP/1.1\r\nHost: lab\r\n\r\n"); // body bytes: forwarded as they come
        assertEquals(ORIGIN2, forwardedOnly().to());
        assertEquals(TcpFlow.State.FORWARDING, flowState());
        assertEquals(0, worker.terminator().counters().nextRequests);
    }

    @Test
    void aNewSynOnThePortWhileTheNextRequestIsHeldOpensANewConnection() throws Exception {
        handedOffToOrigin2(41013);
        c.ack = SeqNumber.add(c.ack, RESPONSE);
        request(c, "GET /static/x.txt HTTP/1.1\r\n");
        assertEquals(TcpFlow.State.NEXT_REQUEST, flowState());
        toClient.clear();
        ClientPackets again = new ClientPackets(CLIENT, VIP, c.port, c.isn + 1_000_000);
        again.tsVal = c.tsVal + 100; // later than anything the old connection sent (RFC 6191)
        in(again.syn());
        assertEquals(1, worker.terminator().counters().portReuses);
        assertEquals(TcpFlow.State.SYN_RECEIVED, flowState());
        SentSegment synAck = new SentSegment(toClient.get(0), VIP, 80);
        assertTrue(synAck.tcp.syn() && synAck.tcp.ackFlag());
        assertEquals(again.isn + 1, synAck.tcp.ack(), "answers the new SYN");
        assertEquals(1, worker.terminator().counters().closed(FlowListener.CloseCause.PORT_REUSED));
        // The old agent is told to end its connection, so it sends no CLOSED for the endpoint ...
        Datagram abort = only(MessageType.ABORT);
        assertEquals(ORIGIN2, abort.to());
        // ... and one already on its way finds a connection no agent has yet, and leaves it.
        agentAnswers(new Closed(flow, 0, 0, 0, CloseReason.FIN));
        cycle();
        assertEquals(TcpFlow.State.SYN_RECEIVED, flowState());
        assertEquals(1, worker.coordinator().counters().staleAcks);
    }

    @Test
    void aFinHeldWithTheNextRequestGoesToItsNewOrigin() throws Exception {
        handedOffToOrigin2(41014);
        int requestStart = c.seq;
        c.ack = SeqNumber.add(c.ack, RESPONSE);
        byte[] second = "GET /static/last.txt HTTP/1.1\r\nHost: lab\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        // The client's last request and its FIN in one segment (it half-closes: shutdown(SHUT_WR)).
        byte[] withFin = c.packet(TcpSegment.ACK | TcpSegment.PSH | TcpSegment.FIN, c.seq, second, 0, second.length);
        in(withFin);
        only(MessageType.RECALL);
        // The origin offered 1000 << 7 = 128,000 bytes of window, more than the director's buffer.
        agentAnswers(new Handback(flow, agentSide.header().messageId(), SeqNumber.of(c.ack), false, 0, 1000, 0, 0, 0));
        toClient.clear();
        cycle();
        assertEquals(1, worker.terminator().counters().resumedWindowShrunk);
        assertEquals(SeqNumber.add(requestStart, second.length), new SentSegment(toClient.get(0), VIP, 80).tcp.ack(),
                "the director acknowledges the request, not the FIN: the new origin's stack does that");
        assertEquals(ORIGIN1, only(MessageType.HANDOFF).to());
        agentAnswers(HandoffAck.of(flow, agentSide.header().messageId()));
        cycle();
        Forwarded d = forwardedOnly();
        assertEquals(ORIGIN1, d.to());
        assertArrayEquals(withFin, d.packets().get(0), "the FIN reaches origin1 now, not after the client's retransmission");
        assertNothingBuffered();
    }

    @Test
    void ofThePacketsHeldDuringTheRecallOnlyWhatTheHandoffLacksGoesToTheNewOrigin() throws Exception {
        handedOffToOrigin2(41018);
        c.ack = SeqNumber.add(c.ack, RESPONSE);
        request(c, "GET /static/two-parts.txt HTTP/1.1\r\n");
        request(c, "Host: lab\r\n\r\n");
        only(MessageType.RECALL);
        long recallId = agentSide.header().messageId();
        in(c.ack()); // a pure ACK: nothing the HANDOFF lacks
        byte[] fin = c.packet(TcpSegment.ACK | TcpSegment.FIN, c.seq, null, 0, 0);
        in(fin);
        agentAnswers(new Handback(flow, recallId, SeqNumber.of(c.ack), false, 0, 0, 0, 0, 0));
        cycle();
        assertEquals(ORIGIN1, only(MessageType.HANDOFF).to());
        agentAnswers(HandoffAck.of(flow, agentSide.header().messageId()));
        cycle();
        List<byte[]> sent = forwardedOnly().packets();
        assertEquals(1, sent.size(), "the two request segments and the ACK repeat the HANDOFF: only the FIN goes");
        assertArrayEquals(fin, sent.get(0));
        assertNothingBuffered();
    }

    @Test
    void anAgentFoundUnreachableWhileRecallingResetsTheClientAndSaysSo() throws Exception {
        handedOffToOrigin2(41015);
        nextRequestAfterTheResponse("GET /static/b.txt HTTP/1.1\r\nHost: lab\r\n\r\n");
        only(MessageType.RECALL);
        toClient.clear();
        worker.coordinator().agentUnreachable(ORIGIN2, clock.nanos());
        SentSegment rst = new SentSegment(toClient.isEmpty() ? sink.last() : toClient.get(0), VIP, 80);
        assertTrue(rst.tcp.rst());
        assertEquals(c.ack, rst.tcp.seq());
        assertEquals(TcpFlow.State.RESETTING, flowState());
        assertEquals(1, outcomes(HandoffCounters.RequestOutcome.RESET), "the request has its outcome");
        assertEquals(1, worker.coordinator().counters().origin("origin2", HandoffCounters.OriginEvent.UNREACHABLE));
        assertNothingBuffered();
        // The RECALL's timer went with it: nothing is sent again later.
        clock.advance(3_000_000_000L);
        cycle();
        assertEquals(0, toAgents.size());
    }

    @Test
    void aHandbackWithAnotherRecallIdOrTwiceIsStale() throws Exception {
        handedOffToOrigin2(41016);
        nextRequestAfterTheResponse("GET /static/b.txt HTTP/1.1\r\nHost: lab\r\n\r\n");
        only(MessageType.RECALL);
        long recallId = agentSide.header().messageId();
        agentAnswers(new Handback(flow, recallId + 1, SeqNumber.of(c.ack), false, 0, 0, 0, 0, 0));
        cycle();
        assertEquals(TcpFlow.State.NEXT_REQUEST, flowState(), "not the RECALL that is out: ignored");
        assertEquals(1, worker.coordinator().counters().staleAcks);
        Handback right = new Handback(flow, recallId, SeqNumber.of(c.ack), false, 0, 0, 0, 0, 0);
        agentAnswers(right);
        cycle();
        assertEquals(1, worker.terminator().counters().resumed);
        only(MessageType.HANDOFF);
        agentAnswers(right); // a duplicate, after the director resumed
        cycle();
        assertEquals(2, worker.coordinator().counters().staleAcks);
        assertEquals(1, worker.terminator().counters().resumed);
        assertEquals(TcpFlow.State.HANDING_OFF, flowState());
    }

    @Test
    void theOriginClosingWhileARecallIsOutFreesEverything() throws Exception {
        handedOffToOrigin2(41017);
        nextRequestAfterTheResponse("GET /static/b.txt HTTP/1.1\r\nHost: lab\r\n\r\n");
        only(MessageType.RECALL);
        agentAnswers(new Closed(flow, 0, 0, 0, CloseReason.FIN));
        cycle();
        assertNull(flowState(), "freed");
        assertNothingBuffered();
        clock.advance(3_000_000_000L);
        cycle();
        assertEquals(0, toAgents.size(), "no RECALL sent again for a freed flow");
    }
}
