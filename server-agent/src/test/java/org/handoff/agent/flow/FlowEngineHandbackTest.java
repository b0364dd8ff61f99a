package org.handoff.agent.flow;

import static org.handoff.agent.flow.GoldenFlow.assertValidChecksums;
import static org.handoff.agent.flow.GoldenFlow.toConnectionA;
import static org.handoff.agent.flow.GoldenFlow.tsEcr;
import static org.handoff.agent.flow.GoldenFlow.tsVal;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.handoff.protocol.message.Closed;
import org.handoff.protocol.message.FlowIdentity;
import org.handoff.protocol.message.Handback;
import org.handoff.protocol.message.Handoff;
import org.handoff.protocol.message.HandoffAck;
import org.handoff.protocol.message.NegotiatedOptions;
import org.handoff.protocol.message.Recall;
import org.handoff.protocol.message.RecallNack;
import org.handoff.protocol.message.RecallNackReason;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.testing.PacketBuilder;
import org.handoff.protocol.transform.FlowTransform;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.TcpSegment;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hand-back on the agent (docs/agent.md, "Hand-back"), in memory with the golden flow: a RECALL
 * for an idle connection gets a HANDBACK with connection A's state and ends connection B with a
 * RST the client never sees; each reason to refuse; a retransmitted RECALL gets the same bytes
 * after the flow is gone; and the same client endpoint handed off again in mid-stream (Client
 * ISN = the byte before its next request) opens B from there and rewrites both ways, timestamps
 * and a different window scale included.
 */
class FlowEngineHandbackTest {
    private static final int RESPONSE_LENGTH = 1278;

    private final GoldenFlow g = new GoldenFlow();
    private final List<byte[]> golden = g.golden;
    private EngineHarness t;

    @BeforeEach
    void setUp() {
        t = new EngineHarness(g.h);
    }

    private RecallNackReason refusal() {
        return assertInstanceOf(RecallNack.class, t.lastControlMessage().body()).reason();
    }

    @Test
    void idleConnectionIsHandedBackWithConnectionAsStateAndBEndsSilently() {
        long handoffId = g.idle(t);
        int nextRequestStart = g.nextRequestStart();
        AgentFlow f = t.engine.flow(g.client, g.clientPort);
        int si = g.si();
        assertEquals(SeqNumber.add(si, 1 + RESPONSE_LENGTH), f.serverNext());
        assertEquals(SeqNumber.add(si, 1), f.serverNextAtLastClientData(), "nothing from the client since the request");
        assertEquals(nextRequestStart, f.serverAcked());
        byte[] response = t.egress.get(0);
        t.advance(Duration.ofMillis(250));
        int injectedBefore = t.injected.size();

        byte[] recall = g.recallOfIdle(t, handoffId);
        long recallId = t.decode(recall).messageId();
        t.deliver(recall);

        Handback back = assertInstanceOf(Handback.class, t.lastControlMessage().body());
        assertEquals(g.flow, back.flow());
        assertEquals(recallId, back.recallMessageId());
        assertEquals(SeqNumber.add(GoldenFlow.DI, 1 + RESPONSE_LENGTH), back.serverNextSeq().bits(),
                "the origin's next byte in A's numbering: the director's SND.NXT");
        assertTrue(back.timestamps());
        assertEquals(tsVal(response), back.lastTsVal(), "the TSval the client last got");
        assertEquals(SeqNumber.add(tsVal(golden.get(5)), g.tOffset()), back.lastTsVal());
        assertEquals(Bytes.u16(response, 20 + TcpSegment.WINDOW_OFFSET), back.serverWindow(), "the window the client last got");
        assertEquals(FlowTransform.rescaleWindow(Bytes.u16(golden.get(5), 20 + TcpSegment.WINDOW_OFFSET), 10, GoldenFlow.WD),
                back.serverWindow());
        assertEquals(g.request.length, back.bytesClientToServer());
        assertEquals(RESPONSE_LENGTH, back.bytesServerToClient());
        assertEquals(250, back.durationMillis());

        // Connection B ends with a RST at the stack's RCV.NXT, so the stack takes it silently.
        assertEquals(injectedBefore + 1, t.injected.size());
        byte[] rst = t.injected.get(injectedBefore);
        assertValidChecksums(rst);
        assertEquals(TcpSegment.RST, rst[20 + TcpSegment.FLAGS_OFFSET] & 0xff);
        assertEquals(nextRequestStart, Bytes.i32(rst, 24), "seq = the stack's RCV.NXT");
        assertEquals(g.client, Bytes.i32(rst, 12));
        assertEquals(g.h, Bytes.i32(rst, 16));
        assertEquals(g.clientPort, Bytes.u16(rst, 20));
        assertEquals(80, Bytes.u16(rst, 22));

        assertNull(t.engine.flow(g.client, g.clientPort), "the flow is forgotten");
        assertEquals(0, t.budget.inUse());
        assertEquals(1, t.counters.recalled(AgentCounters.Recall.HANDED_BACK));
        assertEquals(1, t.egress.size(), "the client saw nothing of the hand-back");
        // A late stack packet of connection B is reset into the stack, never sent to the client.
        t.stack(golden.get(8));
        assertEquals(1, t.egress.size());
        assertEquals(TcpSegment.RST, t.injected.get(t.injected.size() - 1)[20 + TcpSegment.FLAGS_OFFSET] & 0xff);
        t.advance(Duration.ofSeconds(31)); // past the idle timeout: nothing of the flow was left behind
        assertEquals(2, t.control.size(), "HANDOFF_ACK and HANDBACK: no CLOSED for a handed-back flow");
        assertTrue(t.controlMessages().stream().noneMatch(m -> m.body() instanceof Closed));
    }

    @Test
    void aRetransmittedRecallGetsTheSameBytesAfterTheFlowIsGone() {
        long handoffId = g.idle(t);
        byte[] recall = g.recallOfIdle(t, handoffId);
        t.deliver(recall);
        byte[] first = t.lastControl();
        assertNull(t.engine.flow(g.client, g.clientPort));
        int injected = t.injected.size();
        t.advance(Duration.ofMillis(100));
        t.deliver(recall); // the HANDBACK was lost: the director sends the same RECALL again
        t.deliver(recall);
        assertEquals(4, t.control.size());
        assertArrayEquals(first, t.control.get(2), "the remembered HANDBACK, byte for byte");
        assertArrayEquals(first, t.control.get(3));
        assertEquals(injected, t.injected.size(), "no second RST");
        assertEquals(2, t.counters.recalled(AgentCounters.Recall.DUPLICATE));
        assertEquals(1, t.counters.recalled(AgentCounters.Recall.HANDED_BACK));

        // A refusal is remembered the same way.
        byte[] unknown = t.encode(new Recall(EngineHarness.flow(g.client, g.clientPort + 1), 1, SeqNumber.of(1), SeqNumber.of(1)));
        t.deliver(unknown);
        t.deliver(unknown);
        assertArrayEquals(t.control.get(4), t.control.get(5));
        assertEquals(RecallNackReason.UNKNOWN_FLOW, refusal());
        assertEquals(0, t.counters.recalled(AgentCounters.Recall.DUPLICATE_UNANSWERED));
    }

    @Test
    void aResponseTheClientHasNotAcknowledgedIsPending() {
        long handoffId = t.decode(g.establish(t)).messageId();
        t.stack(golden.get(5));
        t.deliver(g.recall(t, handoffId, g.nextRequestStart(), SeqNumber.add(GoldenFlow.DI, 1)));
        assertEquals(RecallNackReason.RESPONSE_PENDING, refusal());
        // Partly acknowledged is still pending.
        t.deliver(g.recall(t, handoffId, g.nextRequestStart(), SeqNumber.sub(g.clientAckOfResponse(), 1)));
        assertEquals(RecallNackReason.RESPONSE_PENDING, refusal());
        assertStillForwarding();
    }

    @Test
    void noResponseSinceTheRequestIsPending() {
        // The origin has the request and has sent nothing since: the client's ack covers "all of
        // it" trivially, yet the response has not even started.
        long handoffId = t.decode(g.establish(t)).messageId();
        t.deliver(g.recall(t, handoffId, g.nextRequestStart(), SeqNumber.add(GoldenFlow.DI, 1)));
        assertEquals(RecallNackReason.RESPONSE_PENDING, refusal());
        assertStillForwarding();
    }

    @Test
    void clientBytesTheOriginHasNotAcknowledgedArePending() {
        // A pipelined request reached the origin (forwarded before the director held the next
        // one) and the origin sent more of the first response without acknowledging it yet.
        long handoffId = g.idle(t);
        int nextRequestStart = g.nextRequestStart();
        byte[] pipelined = "GET /2 HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        int responseEnd = SeqNumber.add(GoldenFlow.DI, 1 + RESPONSE_LENGTH);
        t.forward(g.flow, PacketBuilder.tcp().from(g.client, g.clientPort).to(EngineHarness.VIP, EngineHarness.VIP_PORT)
                .flags(TcpSegment.ACK | TcpSegment.PSH).seq(nextRequestStart).ack(responseEnd).window(63)
                .payload(pipelined).build());
        AgentFlow f = t.engine.flow(g.client, g.clientPort);
        assertEquals(f.serverNext(), f.serverNextAtLastClientData(), "new client bytes");
        int si = g.si();
        byte[] more = g.stackSegment(TcpSegment.ACK, SeqNumber.add(si, 1 + RESPONSE_LENGTH), nextRequestStart, 64, new byte[100]);
        t.stack(more);
        int afterPipelined = SeqNumber.add(nextRequestStart, pipelined.length);
        t.deliver(g.recall(t, handoffId, afterPipelined, SeqNumber.add(responseEnd, 100)));
        assertEquals(RecallNackReason.RESPONSE_PENDING, refusal(), "the origin has not acknowledged the pipelined request");
        // Once it does (and answers), the connection is idle again.
        t.stack(g.stackSegment(TcpSegment.ACK, SeqNumber.add(si, 1 + RESPONSE_LENGTH + 100), afterPipelined, 64, new byte[50]));
        t.deliver(g.recall(t, handoffId, afterPipelined, SeqNumber.add(responseEnd, 150)));
        assertInstanceOf(Handback.class, t.lastControlMessage().body());
        assertEquals(1, t.counters.recalled(AgentCounters.Recall.RESPONSE_PENDING));
        assertEquals(1, t.counters.recalled(AgentCounters.Recall.HANDED_BACK));
    }

    @Test
    void aRetransmittedClientSegmentDoesNotHideACompleteResponse() {
        long handoffId = g.idle(t);
        // The client sends its request's last segment again (its ACK was lost): old bytes.
        t.forward(g.flow, toConnectionA(golden.get(3), g.d(), g.tOffset()));
        AgentFlow f = t.engine.flow(g.client, g.clientPort);
        assertFalse(f.serverNext() == f.serverNextAtLastClientData());
        t.deliver(g.recallOfIdle(t, handoffId));
        assertInstanceOf(Handback.class, t.lastControlMessage().body());
    }

    @Test
    void aFinEitherWayIsClosing() {
        long handoffId = g.idle(t);
        t.stack(golden.get(8)); // the server's FIN
        t.deliver(g.recallOfIdle(t, handoffId));
        assertEquals(RecallNackReason.CLOSING, refusal());
        assertNotNull(t.engine.flow(g.client, g.clientPort), "the flow goes on closing");

        t = new EngineHarness(g.h);
        handoffId = g.idle(t);
        t.forward(g.flow, toConnectionA(golden.get(7), g.d(), g.tOffset())); // the client's FIN
        t.deliver(g.recallOfIdle(t, handoffId));
        assertEquals(RecallNackReason.CLOSING, refusal());
        assertEquals(1, t.counters.recalled(AgentCounters.Recall.CLOSING));
    }

    @Test
    void aRecallForAnotherHandoffOfTheFlowIsBadState() {
        long handoffId = g.idle(t);
        t.deliver(g.recall(t, handoffId + 1, g.nextRequestStart(), g.clientAckOfResponse()));
        assertEquals(RecallNackReason.BAD_STATE, refusal());
        assertEquals(1, t.counters.recalled(AgentCounters.Recall.BAD_STATE));
        assertStillForwarding();
    }

    @Test
    void aRecallForNoFlowIsUnknownFlow() {
        long handoffId = g.idle(t);
        FlowIdentity otherPort = EngineHarness.flow(g.client, g.clientPort + 1);
        t.deliver(t.encode(new Recall(otherPort, handoffId, SeqNumber.of(g.nextRequestStart()),
                SeqNumber.of(g.clientAckOfResponse()))));
        RecallNack nack = assertInstanceOf(RecallNack.class, t.lastControlMessage().body());
        assertEquals(RecallNackReason.UNKNOWN_FLOW, nack.reason());
        assertEquals(otherPort, nack.flow());
        FlowIdentity otherVip = FlowIdentity.ipv4(g.client, g.clientPort, EngineHarness.VIP, 8080);
        t.deliver(t.encode(new Recall(otherVip, handoffId, SeqNumber.of(g.nextRequestStart()),
                SeqNumber.of(g.clientAckOfResponse()))));
        assertEquals(RecallNackReason.UNKNOWN_FLOW, refusal());
        assertEquals(2, t.counters.recalled(AgentCounters.Recall.UNKNOWN_FLOW));
        assertStillForwarding();
    }

    /** A refused RECALL leaves the flow as it was: still established, client packets still go in. */
    private void assertStillForwarding() {
        AgentFlow f = t.engine.flow(g.client, g.clientPort);
        assertNotNull(f);
        assertEquals(AgentFlow.State.ESTABLISHED, f.state());
        int injected = t.injected.size();
        t.forward(g.flow, toConnectionA(golden.get(6), g.d(), g.tOffset()));
        assertEquals(injected + 1, t.injected.size());
        assertEquals(0, t.counters.recalled(AgentCounters.Recall.HANDED_BACK));
    }

    /** The largest TSval (mod 2^32) of the packets the agent sent the client, from egress packet {@code from} on. */
    private int largestTsValSent(int from) {
        int largest = tsVal(t.egress.get(from));
        for (int i = from + 1; i < t.egress.size(); i++) {
            largest = SeqNumber.max(largest, tsVal(t.egress.get(i)));
        }
        return largest;
    }

    @Test
    void theSameEndpointHandedOffAgainInMidStreamOpensBFromTheNextRequest() {
        long handoffId = g.idle(t);
        int nextRequestStart = g.nextRequestStart();
        t.deliver(g.recallOfIdle(t, handoffId));
        Handback back = assertInstanceOf(Handback.class, t.lastControlMessage().body());
        int sndNxt = back.serverNextSeq().bits();
        int clientSaw = largestTsValSent(0);
        assertEquals(clientSaw, back.lastTsVal(), "Last TSval: the largest the agent sent the client");

        // The director hands the next request off again, as docs/handoff-protocol.md 3.1 says.
        byte[] request2 = "GET /second HTTP/1.1\r\nHost: lab\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        int ci2 = SeqNumber.sub(nextRequestStart, 1);
        int clientTsVal = SeqNumber.add(tsVal(golden.get(6)), 40);
        int directorTsVal = SeqNumber.add(back.lastTsVal(), 30); // the director's clock goes on above Last TSval
        Handoff again = new Handoff(g.flow, EngineHarness.address(Bytes.parseIpv4("198.18.0.11")), 80, 1, SeqNumber.of(ci2),
                SeqNumber.of(SeqNumber.sub(sndNxt, 1)), SeqNumber.of(SeqNumber.add(nextRequestStart, request2.length)),
                SeqNumber.of(sndNxt), 63, new NegotiatedOptions(1460, 10, GoldenFlow.WD, true, true, clientTsVal, directorTsVal),
                EngineHarness.FLOW_TOKEN + 1, request2); // a new HANDOFF draws a new token
        byte[] handoff2 = t.encode(again);
        int injected = t.injected.size();
        t.deliver(handoff2);
        assertEquals(0, t.counters.endpointsReused, "nothing was held for the endpoint");
        byte[] syn = t.injected.get(injected);
        assertValidChecksums(syn);
        TcpSegment synTcp = new TcpSegment().wrap(syn, 20, syn.length - 20);
        assertEquals(TcpSegment.SYN, synTcp.flags());
        assertEquals(ci2, synTcp.seq(), "B starts at the byte before the next request, not at the client's SYN");
        assertEquals(clientTsVal, tsVal(syn));

        // A new stack connection: its own ISN, timestamp clock and a window scale unlike the first (9).
        int si2 = 0x7000_0000;
        int stackTs = 5_555;
        t.stack(PacketBuilder.tcp().from(g.h, 80).to(g.client, g.clientPort).flags(TcpSegment.SYN | TcpSegment.ACK)
                .seq(si2).ack(SeqNumber.add(ci2, 1)).window(65_535).mss(1460).windowShift(9).sackPermitted(true)
                .timestamps(stackTs, clientTsVal).build());
        assertEquals(injected + 2, t.injected.size(), "the SYN, then the request carrying the handshake's ACK");
        byte[] sent = t.injected.get(injected + 1);
        assertValidChecksums(sent);
        assertEquals(nextRequestStart, Bytes.i32(sent, 24), "the request's first byte keeps its client sequence number");
        assertEquals(SeqNumber.add(si2, 1), Bytes.i32(sent, 28), "the handshake's ACK");
        assertArrayEquals(request2, Arrays.copyOfRange(sent, sent.length - request2.length, sent.length));
        assertEquals(clientTsVal, tsVal(sent));
        assertEquals(stackTs, tsEcr(sent));

        int requestEnd2 = SeqNumber.add(nextRequestStart, request2.length);
        t.stack(PacketBuilder.tcp().from(g.h, 80).to(g.client, g.clientPort).flags(TcpSegment.ACK).seq(SeqNumber.add(si2, 1))
                .ack(requestEnd2).window(100).timestamps(stackTs + 1, clientTsVal).build());
        HandoffAck ack = assertInstanceOf(HandoffAck.class, t.lastControlMessage().body());
        assertEquals(t.decode(handoff2).messageId(), ack.handoffMessageId());
        assertEquals(si2, ack.serverIsn().getAsInt());

        // The first hand-off's token died with its flow: a TUNNEL still carrying it is refused.
        int beforeTunnel = t.injected.size();
        byte[] clientAck2 = PacketBuilder.tcp().from(g.client, g.clientPort).to(EngineHarness.VIP, EngineHarness.VIP_PORT)
                .flags(TcpSegment.ACK).seq(requestEnd2).ack(sndNxt).window(63).build();
        t.tunnel(EngineHarness.FLOW_TOKEN, clientAck2);
        assertEquals(1, t.counters.tunnelDropped(AgentCounters.TunnelDrop.TOKEN));
        assertEquals(beforeTunnel, t.injected.size());
        assertEquals(EngineHarness.FLOW_TOKEN + 1, t.engine.flow(g.client, g.clientPort).flowToken());

        // The second response: seq lands on the director's SND.NXT, TSval continues above what the
        // client saw, window rescaled from 9 to 7.
        byte[] body2 = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII);
        int egress = t.egress.size();
        int body2End = SeqNumber.add(si2, 1 + body2.length);
        t.stack(PacketBuilder.tcp().from(g.h, 80).to(g.client, g.clientPort).flags(TcpSegment.ACK | TcpSegment.PSH)
                .seq(SeqNumber.add(si2, 1)).ack(requestEnd2).window(100).timestamps(stackTs + 45, clientTsVal)
                .payload(body2).build());
        byte[] out = t.egress.get(egress);
        assertValidChecksums(out);
        assertEquals(EngineHarness.VIP, Bytes.i32(out, 12));
        assertEquals(sndNxt, Bytes.i32(out, 24), "the origin's first byte is the director's SND.NXT");
        assertEquals(requestEnd2, Bytes.i32(out, 28));
        assertEquals(SeqNumber.add(directorTsVal, 45), tsVal(out), "t = director TSval - the new SYN-ACK's TSval");
        assertEquals(FlowTransform.rescaleWindow(100, 9, GoldenFlow.WD), Bytes.u16(out, 20 + TcpSegment.WINDOW_OFFSET));
        assertArrayEquals(body2, Arrays.copyOfRange(out, out.length - body2.length, out.length));
        // A window update stamped 100 ticks before the SYN-ACK (a stack clock behind it): + t alone
        // would put it 70 below what the client saw before the hand-back, and the client would drop
        // it (PAWS, RFC 7323). It leaves at the floor, the director's TSval in the HANDOFF.
        t.stack(PacketBuilder.tcp().from(g.h, 80).to(g.client, g.clientPort).flags(TcpSegment.ACK).seq(body2End)
                .ack(requestEnd2).window(120).timestamps(stackTs - 100, clientTsVal).build());
        assertEquals(egress + 2, t.egress.size());
        for (int i = egress; i < t.egress.size(); i++) {
            assertTrue(SeqNumber.gt(tsVal(t.egress.get(i)), clientSaw),
                    "packet " + (i - egress) + " after the second hand-off: TSval " + (tsVal(t.egress.get(i)) & 0xffffffffL)
                            + " not above " + (clientSaw & 0xffffffffL) + ", the largest the client saw before the hand-back");
        }
        assertEquals(directorTsVal, tsVal(t.egress.get(egress + 1)));

        // The client's ACK on A comes out on B with ack - d and TSecr - t of the new connection.
        int sndNxt2 = SeqNumber.add(sndNxt, body2.length);
        byte[] clientAck = PacketBuilder.tcp().from(g.client, g.clientPort).to(EngineHarness.VIP, EngineHarness.VIP_PORT)
                .flags(TcpSegment.ACK).seq(requestEnd2).ack(sndNxt2).window(63).timestamps(clientTsVal + 1, tsVal(out)).build();
        t.forward(g.flow, clientAck);
        byte[] in = t.injected.get(t.injected.size() - 1);
        assertValidChecksums(in);
        assertEquals(g.h, Bytes.i32(in, 16));
        assertEquals(body2End, Bytes.i32(in, 28), "ack - d");
        assertEquals(stackTs + 45, tsEcr(in), "TSecr - t");

        // And it can go back again: the counts are this hand-off's, from the mid-stream Client ISN.
        t.deliver(g.recall(t, ack.handoffMessageId(), requestEnd2, sndNxt2));
        Handback back2 = assertInstanceOf(Handback.class, t.lastControlMessage().body());
        assertEquals(sndNxt2, back2.serverNextSeq().bits());
        assertEquals(request2.length, back2.bytesClientToServer());
        assertEquals(body2.length, back2.bytesServerToClient());
        assertEquals(largestTsValSent(egress), back2.lastTsVal(),
                "Last TSval: the largest the agent sent the client on this hand-off (not the last: the floor's)");
        assertEquals(SeqNumber.add(directorTsVal, 45), back2.lastTsVal());
        assertEquals(FlowTransform.rescaleWindow(120, 9, GoldenFlow.WD), back2.serverWindow(), "the window the client got last");
        assertEquals(2, t.counters.recalled(AgentCounters.Recall.HANDED_BACK));
    }
}
