package org.handoff.agent.flow;

import static org.handoff.agent.flow.GoldenFlow.DI;
import static org.handoff.agent.flow.GoldenFlow.DIRECTOR_TS;
import static org.handoff.agent.flow.GoldenFlow.WD;
import static org.handoff.agent.flow.GoldenFlow.assertValidChecksums;
import static org.handoff.agent.flow.GoldenFlow.tcpBytes;
import static org.handoff.agent.flow.GoldenFlow.toConnectionA;
import static org.handoff.agent.flow.GoldenFlow.tsEcr;
import static org.handoff.agent.flow.GoldenFlow.tsVal;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.handoff.protocol.message.AbortReason;
import org.handoff.protocol.message.CloseReason;
import org.handoff.protocol.message.Closed;
import org.handoff.protocol.message.DecodeResult;
import org.handoff.protocol.message.Handoff;
import org.handoff.protocol.message.HandoffAck;
import org.handoff.protocol.message.HandoffNack;
import org.handoff.protocol.message.HealthState;
import org.handoff.protocol.message.Heartbeat;
import org.handoff.protocol.message.Message;
import org.handoff.protocol.message.NackReason;
import org.handoff.protocol.message.NegotiatedOptions;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.transform.FlowTransform;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.TcpSegment;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The flow engine driven in memory with real packets: the handshake, request and response of
 * {@code ipv4-http-all-options.pcap} (a real Linux client and nginx) replayed with the engine
 * in the client's place, then the failure paths with packets built by the project's emitters.
 */
class FlowEngineTest {
    private final GoldenFlow g = new GoldenFlow();
    private final List<byte[]> golden = g.golden;
    private EngineHarness t;

    @BeforeEach
    void setUp() {
        t = new EngineHarness(g.h);
    }

    @Test
    void goldenHandshakeRequestResponseAndFinTeardown() {
        byte[] handoffBytes = t.encode(g.handoff());
        long handoffId = t.decode(handoffBytes).messageId();
        t.deliver(handoffBytes);

        // The SYN looks like the client's own: every field of the captured SYN but the window
        // (the HANDOFF carries the client's latest window, 63 << 10, not its SYN's 64240).
        assertEquals(1, t.injected.size());
        byte[] syn = t.injected.get(0);
        byte[] realSyn = golden.get(0);
        assertValidChecksums(syn);
        assertEquals(g.client, Bytes.i32(syn, 12));
        assertEquals(g.h, Bytes.i32(syn, 16));
        assertEquals(TcpSegment.SYN, syn[20 + TcpSegment.FLAGS_OFFSET] & 0xff, "SYN only: no ECE/CWR");
        assertEquals(63 << 10, Bytes.u16(syn, 20 + TcpSegment.WINDOW_OFFSET), "the client's window in bytes");
        byte[] synTcp = tcpBytes(syn);
        byte[] realSynTcp = tcpBytes(realSyn);
        for (byte[] s : List.of(synTcp, realSynTcp)) {
            Bytes.putU16(s, TcpSegment.WINDOW_OFFSET, 0);
            Bytes.putU16(s, TcpSegment.CHECKSUM_OFFSET, 0);
        }
        assertArrayEquals(realSynTcp, synTcp, "ports, ISN, MSS, SACK-permitted, timestamps (TSval = TS.Recent), wscale");

        // The stack's real SYN-ACK: swallowed; the engine completes the handshake with the
        // request, byte for byte the real client's request segment (same TSval, window, echo):
        // its ACK (seq ci+1, ack si+1) is the handshake's, so the real client's separate final
        // ACK (golden packet 2, the same bar the payload and PSH) is not sent: one write.
        t.stack(golden.get(1));
        assertEquals(2, t.injected.size());
        assertArrayEquals(tcpBytes(golden.get(3)), tcpBytes(t.injected.get(1)), "request segment, completing the handshake");
        byte[] handshakeAck = tcpBytes(golden.get(2));
        assertArrayEquals(Arrays.copyOfRange(handshakeAck, 4, 12), Arrays.copyOfRange(tcpBytes(t.injected.get(1)), 4, 12),
                "the final ACK's seq and ack");
        assertEquals(0, t.egress.size(), "the SYN-ACK never reaches the client");
        assertEquals(0, t.control.size(), "no answer before the stack accepts the request");
        assertEquals(1, t.counters.swallowed(AgentCounters.Swallow.SYN_ACK));
        assertEquals(1, t.counters.synAcksInSynCycle, "the harness's stack answered at the SYN's time");

        // The stack acknowledges the request: the hand-off is acknowledged, and the ACK goes to
        // the client (the director may have left the request unacknowledged).
        t.stack(golden.get(4));
        assertEquals(0, t.counters.swallowed(AgentCounters.Swallow.REQUEST_ACK));
        assertEquals(1, t.counters.requestAcksToClient);
        assertEquals(1, t.egress.size());
        byte[] requestAck = t.egress.remove(0);
        assertValidChecksums(requestAck);
        assertEquals(EngineHarness.VIP, Bytes.i32(requestAck, 12), "source: the VIP");
        assertEquals(SeqNumber.add(Bytes.i32(golden.get(4), 24), g.d()), Bytes.i32(requestAck, 24), "seq + d");
        assertEquals(Bytes.i32(golden.get(4), 28), Bytes.i32(requestAck, 28), "ack unchanged: every request byte");
        assertEquals(TcpSegment.ACK, requestAck[20 + TcpSegment.FLAGS_OFFSET] & 0xff);
        Message ack = t.controlMessages().get(0);
        HandoffAck body = (HandoffAck) ack.body();
        assertEquals(handoffId, body.handoffMessageId());
        assertEquals(g.flow, body.flow());
        int si = g.si();
        assertEquals(si, body.serverIsn().getAsInt());
        assertEquals(10, body.serverShift().getAsInt());

        // The response, rewritten per the transform table.
        int d = g.d();
        int tOffset = g.tOffset();
        byte[] response = golden.get(5);
        t.stack(response);
        assertEquals(1, t.egress.size());
        byte[] out = t.egress.get(0);
        assertValidChecksums(out);
        assertEquals(EngineHarness.VIP, Bytes.i32(out, 12), "source: the VIP");
        assertEquals(g.client, Bytes.i32(out, 16));
        assertEquals(EngineHarness.VIP_PORT, Bytes.u16(out, 20));
        assertEquals(g.clientPort, Bytes.u16(out, 22));
        assertEquals(SeqNumber.add(Bytes.i32(response, 24), d), Bytes.i32(out, 24), "seq + d");
        assertEquals(Bytes.i32(response, 28), Bytes.i32(out, 28), "ack unchanged");
        assertEquals(FlowTransform.rescaleWindow(64, 10, WD), Bytes.u16(out, 20 + TcpSegment.WINDOW_OFFSET), "window ws -> wd");
        assertEquals(SeqNumber.add(tsVal(response), tOffset), tsVal(out), "TSval + t");
        assertEquals(tsEcr(response), tsEcr(out), "TSecr unchanged");
        assertArrayEquals(Arrays.copyOfRange(response, 52, response.length), Arrays.copyOfRange(out, 52, out.length), "payload");

        // The client's packets, as the director captured them on connection A (ack + d, TSecr
        // + t, to the VIP, with a partial checksum), come out exactly as the capture has them on B.
        for (int i : new int[] {6, 7}) {
            t.forward(g.flow, toConnectionA(golden.get(i), d, tOffset));
            assertArrayEquals(golden.get(i), t.injected.get(t.injected.size() - 1), "client packet " + i);
        }
        t.stack(golden.get(8)); // the server's FIN
        assertEquals(2, t.egress.size());
        t.forward(g.flow, toConnectionA(golden.get(9), d, tOffset)); // the client acknowledges it
        assertArrayEquals(golden.get(9), t.injected.get(t.injected.size() - 1));
        assertEquals(AgentFlow.State.LINGER, t.engine.flow(g.client, g.clientPort).state(), "both FINs sent and acknowledged");
        assertEquals(1, t.controlMessages().size(), "CLOSED only after the linger");

        t.advance(Duration.ofMillis(600));
        assertNull(t.engine.flow(g.client, g.clientPort));
        Closed closed = (Closed) t.controlMessages().get(1).body();
        assertEquals(CloseReason.FIN, closed.reason());
        assertEquals(g.request.length, closed.bytesClientToServer());
        assertEquals(1278, closed.bytesServerToClient());
        assertEquals(0, t.budget.inUse());
        assertEquals(3, t.counters.packetsServerToClient, "the request's ACK, the response, the FIN");
        assertEquals(3, t.counters.packetsClientToServer);
        assertEquals(1278, t.counters.bytesServerToClient);
    }

    /** A director's liveness probe is answered to its sender with this agent's HEARTBEAT: the director's sign it is back. */
    @Test
    void aDirectorsProbeIsAnsweredWithTheAgentsHeartbeat() {
        g.establish(t);
        int before = t.control.size();
        t.advance(Duration.ofSeconds(3));
        t.deliver(t.encode(new Heartbeat("director", 1, 0, 0, HealthState.OK, 0)));
        assertEquals(before + 1, t.control.size(), "one answer");
        Message answer = t.controlMessages().get(before);
        Heartbeat h = (Heartbeat) answer.body();
        assertEquals("agent@" + Bytes.ipv4ToString(t.handoffAddress), h.agentId());
        assertEquals(1, h.openFlows(), "the established flow");
        assertEquals(t.budget.limit(), h.flowLimit());
        assertEquals(HealthState.OK, h.health());
        assertEquals(3_000, h.uptimeMillis());
        assertEquals("198.18.0.1:40000", t.controlTo.get(before), "to the probe's sender");
        assertEquals(1, t.counters.probesAnswered);
    }

    @Test
    void duplicateHandoffIsAnsweredAgainAndOpensNothing() {
        byte[] handoff = t.encode(g.handoff());
        t.deliver(handoff);
        t.deliver(handoff); // retransmitted before the stack answered: nothing to say yet
        assertEquals(1, t.injected.size(), "one SYN");
        assertEquals(0, t.control.size());
        t.stack(golden.get(1));
        t.stack(golden.get(4));
        assertEquals(1, t.control.size());
        t.deliver(handoff); // the ACK was lost: the same bytes again
        assertEquals(2, t.control.size());
        assertArrayEquals(t.control.get(0), t.control.get(1), "the same HANDOFF_ACK datagram");
        assertEquals(1, t.engine.flowCount());
        assertEquals(1, t.counters.synsSent);
        assertEquals(1, t.counters.handoffsReanswered);
        assertEquals(1, t.counters.handoffsDuplicateUnanswered);
        assertEquals(2, t.counters.decoded(DecodeResult.DUPLICATE));
    }

    @Test
    void aNewAttemptForAnEndpointAlreadyHeldIsRefused() {
        g.establish(t);
        Handoff h2 = g.handoff();
        t.deliver(t.encode(h2)); // new id, same endpoint
        HandoffNack nack = (HandoffNack) t.controlMessages().get(1).body();
        assertEquals(NackReason.BAD_STATE, nack.reason());
        assertEquals(1, t.engine.flowCount());
    }

    @Test
    void aNewConnectionFromAHeldClientPortReplacesTheOldFlow() {
        g.establish(t);
        int injectedBefore = t.injected.size();
        int controlBefore = t.control.size();
        NegotiatedOptions options = new NegotiatedOptions(1460, 10, WD, true, true, g.tsRecent + 1000, DIRECTOR_TS + 1000);
        Handoff next = EngineHarness.handoff(g.flow, g.ci + 5_000_000, DI + 7_000_000, 63, options, g.request); // a new ISN
        t.deliver(t.encode(next));

        assertEquals(1, t.counters.endpointsReused);
        assertEquals(0, t.counters.refused(NackReason.BAD_STATE));
        assertEquals(1, t.engine.flowCount(), "the new flow replaced the old one");
        assertEquals(injectedBefore + 2, t.injected.size(), "a RST for the old connection B, then the new SYN");
        byte[] rst = t.injected.get(injectedBefore);
        assertValidChecksums(rst);
        TcpSegment reset = new TcpSegment().wrap(rst, 20, rst.length - 20);
        assertEquals(TcpSegment.RST, reset.flags());
        byte[] syn = t.injected.get(injectedBefore + 1);
        TcpSegment open = new TcpSegment().wrap(syn, 20, syn.length - 20);
        assertEquals(TcpSegment.SYN, open.flags());
        assertEquals(g.ci + 5_000_000, open.seq(), "connection B starts again at the client's new ISN");
        assertEquals(controlBefore, t.control.size(), "no CLOSED for the old flow: the director would match it to the new one");
    }

    @Test
    void abortResetsTheStackSideAndFreesTheFlow() {
        g.establish(t);
        int before = t.injected.size();
        t.abort(g.flow, AbortReason.HANDOFF_TIMEOUT);
        assertEquals(before + 1, t.injected.size());
        byte[] rst = t.injected.get(before);
        assertValidChecksums(rst);
        assertEquals(TcpSegment.RST, rst[20 + TcpSegment.FLAGS_OFFSET] & 0xff);
        assertEquals(Bytes.i32(golden.get(4), 28), Bytes.i32(rst, 24), "seq = the stack's last ACK (its RCV.NXT)");
        assertEquals(g.clientPort, Bytes.u16(rst, 20));
        assertEquals(80, Bytes.u16(rst, 22));
        assertNull(t.engine.flow(g.client, g.clientPort));
        assertEquals(0, t.budget.inUse());
        assertEquals(1, t.counters.aborted(AbortReason.HANDOFF_TIMEOUT));
        assertEquals(1, t.control.size(), "no CLOSED for a flow the director aborted");
        // Late stack packets of the aborted flow get a RST, never reach the client.
        t.stack(golden.get(5));
        assertEquals(0, t.egress.size());
        byte[] rst2 = t.injected.get(t.injected.size() - 1);
        assertEquals(TcpSegment.RST, rst2[20 + TcpSegment.FLAGS_OFFSET] & 0xff);
        assertEquals(Bytes.i32(golden.get(5), 28), Bytes.i32(rst2, 24));
    }

    @Test
    void stackResetRefusesWithServerRefusedAndDuplicatesGetTheSameNack() {
        byte[] handoff = t.encode(g.handoff());
        t.deliver(handoff);
        t.stack(g.stackSegment(TcpSegment.RST | TcpSegment.ACK, 0, SeqNumber.add(g.ci, 1), 0, null));
        HandoffNack nack = (HandoffNack) t.controlMessages().get(0).body();
        assertEquals(NackReason.SERVER_REFUSED, nack.reason());
        assertEquals(t.decode(handoff).messageId(), nack.handoffMessageId());
        assertNull(t.engine.flow(g.client, g.clientPort));
        assertEquals(1, t.injected.size(), "no RST answers a RST");
        t.deliver(handoff);
        assertArrayEquals(t.control.get(0), t.control.get(1));
        assertEquals(1, t.counters.refused(NackReason.SERVER_REFUSED));
        assertEquals(0, t.budget.inUse());
    }

    @Test
    void silenceRetransmitsTheSynThenRefusesWithServerTimeout() {
        t.deliver(t.encode(g.handoff()));
        t.advance(Duration.ofMillis(250));
        assertEquals(3, t.injected.size(), "the SYN and two retransmissions");
        assertArrayEquals(t.injected.get(0), t.injected.get(2));
        assertEquals(0, t.control.size());
        t.advance(Duration.ofMillis(60));
        HandoffNack nack = (HandoffNack) t.controlMessages().get(0).body();
        assertEquals(NackReason.SERVER_TIMEOUT, nack.reason());
        byte[] rst = t.injected.get(3);
        assertEquals(TcpSegment.RST, rst[20 + TcpSegment.FLAGS_OFFSET] & 0xff, "a half-open connection B is reset");
        assertNull(t.engine.flow(g.client, g.clientPort));
        // A SYN-ACK after the timeout is reset, not answered.
        t.stack(golden.get(1));
        byte[] late = t.injected.get(4);
        assertEquals(TcpSegment.RST, late[20 + TcpSegment.FLAGS_OFFSET] & 0xff);
        assertEquals(SeqNumber.add(g.ci, 1), Bytes.i32(late, 24));
        assertEquals(0, t.egress.size());
    }

    @Test
    void overTheFlowLimitIsRefused() {
        t = new EngineHarness(g.h, 1, EngineHarness.settings(g.h, Duration.ofMillis(300), Duration.ofSeconds(30), Duration.ZERO));
        g.establish(t);
        t.deliver(t.encode(EngineHarness.handoff(EngineHarness.flow(g.client, g.clientPort + 1), 5, 6, 100,
                new NegotiatedOptions(1460, NegotiatedOptions.NO_WINDOW_SCALING, NegotiatedOptions.NO_WINDOW_SCALING, false, false,
                        0, 0), "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII))));
        HandoffNack nack = (HandoffNack) t.controlMessages().get(1).body();
        assertEquals(NackReason.OVER_FLOW_LIMIT, nack.reason());
        assertEquals(1, t.engine.flowCount());
        assertEquals(1, t.counters.refused(NackReason.OVER_FLOW_LIMIT));
    }

    @Test
    void unknownServiceAndDrainingAreRefused() {
        Handoff other = new Handoff(g.flow, EngineHarness.address(Bytes.parseIpv4("198.18.0.11")), 8080, 1, SeqNumber.of(g.ci),
                SeqNumber.of(DI), SeqNumber.of(SeqNumber.add(g.ci, 1)), SeqNumber.of(DI + 1), 63,
                new NegotiatedOptions(1460, 10, 7, true, true, g.tsRecent, DIRECTOR_TS), EngineHarness.FLOW_TOKEN, new byte[0]);
        t.deliver(t.encode(other));
        assertEquals(NackReason.BAD_STATE, ((HandoffNack) t.controlMessages().get(0).body()).reason());
        t.engine.startDraining();
        t.deliver(t.encode(g.handoff()));
        assertEquals(NackReason.SHUTTING_DOWN, ((HandoffNack) t.controlMessages().get(1).body()).reason());
        assertEquals(0, t.injected.size());
        assertEquals(0, t.engine.flowCount());
    }

    @Test
    void clientPacketsBeforeConnectionBIsReadyAreHeldThenInjected() {
        t.deliver(t.encode(g.handoff()));
        t.stack(golden.get(1));
        // The client's ACK of the response arrives before the request is acknowledged.
        t.forward(g.flow, toConnectionA(golden.get(6), g.d(), g.tOffset()));
        assertEquals(2, t.injected.size(), "held, not injected (SYN, the request with the handshake's ACK)");
        assertEquals(1, t.counters.packetsBuffered);
        assertEquals(golden.get(6).length, t.counters.bytesBuffered);
        t.stack(golden.get(4));
        assertEquals(3, t.injected.size());
        assertArrayEquals(golden.get(6), t.injected.get(2), "released after the acceptance, rewritten");
    }

    @Test
    void heldClientPacketsAreBoundedAndReleasedInArrivalOrder() {
        t.deliver(t.encode(g.handoff()));
        t.stack(golden.get(1));
        byte[] ack = toConnectionA(golden.get(6), g.d(), g.tOffset());
        int buffered = 8; // EngineHarness.settings: limits.max-buffered-packets
        for (int i = 0; i < buffered + 2; i++) {
            byte[] p = ack.clone();
            new Ipv4Packet().wrap(p, 0, p.length).identification(i).fillHeaderChecksum(); // which one it is; the rewrite keeps it
            t.forward(g.flow, p);
        }
        assertEquals(buffered, t.counters.packetsBuffered);
        assertEquals((long) buffered * ack.length, t.counters.bytesBuffered);
        assertEquals(2, t.counters.dropped(AgentCounters.Drop.BUFFER_FULL));
        assertEquals(2, t.injected.size(), "none injected before the acceptance (SYN, the request with the handshake's ACK)");
        t.stack(golden.get(4));
        assertEquals(2 + buffered, t.injected.size());
        for (int i = 0; i < buffered; i++) {
            assertEquals(i, Bytes.u16(t.injected.get(2 + i), Ipv4Packet.IDENTIFICATION_OFFSET), "packet " + i);
        }
    }

    @Test
    void aHeldClientResetEndsTheFlowAndTheReleaseOfThePacketsHeldAfterIt() {
        t.deliver(t.encode(g.handoff()));
        t.stack(golden.get(1));
        t.forward(g.flow, g.clientSegment(TcpSegment.RST | TcpSegment.ACK, g.nextRequestStart(), SeqNumber.add(DI, 1)));
        t.forward(g.flow, toConnectionA(golden.get(6), g.d(), g.tOffset()));
        assertEquals(2, t.counters.packetsBuffered);
        t.stack(golden.get(4));
        assertEquals(3, t.injected.size(), "SYN, the request with the handshake's ACK, then the held RST only");
        assertEquals(TcpSegment.RST | TcpSegment.ACK, t.injected.get(2)[20 + TcpSegment.FLAGS_OFFSET] & 0xff);
        assertEquals(1, t.counters.packetsClientToServer);
        assertNull(t.engine.flow(g.client, g.clientPort));
        assertEquals(CloseReason.RST, ((Closed) t.controlMessages().get(1).body()).reason());
        assertEquals(0, t.budget.inUse());
    }

    @Test
    void aResponseThatAcceptsTheRequestGoesOutRightWhilePacketsAreHeld() {
        // The stack answers with data that also acknowledges the whole request (no pure ACK
        // first), while a client packet waits: releasing it must not change which packet is sent.
        t.deliver(t.encode(g.handoff()));
        t.stack(golden.get(1));
        int d = g.d();
        t.forward(g.flow, toConnectionA(golden.get(6), d, g.tOffset()));
        byte[] response = golden.get(5);
        t.stack(response);
        assertEquals(AgentFlow.State.ESTABLISHED, t.engine.flow(g.client, g.clientPort).state());
        assertArrayEquals(golden.get(6), t.injected.get(t.injected.size() - 1), "the held packet, released");
        assertEquals(1, t.egress.size());
        byte[] out = t.egress.get(0);
        assertValidChecksums(out);
        assertEquals(EngineHarness.VIP, Bytes.i32(out, 12));
        assertEquals(SeqNumber.add(Bytes.i32(response, 24), d), Bytes.i32(out, 24), "the response, seq + d");
        assertArrayEquals(Arrays.copyOfRange(response, 52, response.length), Arrays.copyOfRange(out, 52, out.length));
        assertEquals(1278, t.counters.bytesServerToClient);
    }

    @Test
    void resetFromTheStackReachesTheClientAndClosesTheFlow() {
        g.establish(t);
        t.stack(g.stackSegment(TcpSegment.RST | TcpSegment.ACK, SeqNumber.add(g.si(), 1), Bytes.i32(golden.get(4), 28), 0, null));
        assertEquals(1, t.egress.size());
        byte[] out = t.egress.get(0);
        assertValidChecksums(out);
        assertEquals(TcpSegment.RST | TcpSegment.ACK, out[20 + TcpSegment.FLAGS_OFFSET] & 0xff);
        assertEquals(SeqNumber.add(DI, 1), Bytes.i32(out, 24), "seq in the director's space");
        Closed closed = (Closed) t.controlMessages().get(1).body();
        assertEquals(CloseReason.RST, closed.reason());
        assertNull(t.engine.flow(g.client, g.clientPort));
    }

    @Test
    void resetFromTheClientIsInjectedAndClosesTheFlow() {
        g.establish(t);
        byte[] rst = g.clientSegment(TcpSegment.RST | TcpSegment.ACK, g.nextRequestStart(), SeqNumber.add(DI, 1));
        t.forward(g.flow, rst);
        byte[] in = t.injected.get(t.injected.size() - 1);
        assertValidChecksums(in);
        assertEquals(g.h, Bytes.i32(in, 16));
        assertEquals(SeqNumber.add(g.si(), 1), Bytes.i32(in, 28), "ack - d");
        assertEquals(CloseReason.RST, ((Closed) t.controlMessages().get(1).body()).reason());
        assertNull(t.engine.flow(g.client, g.clientPort));
    }

    @Test
    void idleFlowsAreResetAndReported() {
        t = new EngineHarness(g.h, 10, EngineHarness.settings(g.h, Duration.ofMillis(300), Duration.ofSeconds(1), Duration.ZERO));
        g.establish(t);
        int before = t.injected.size();
        t.advance(Duration.ofMillis(1_100));
        assertEquals(before + 1, t.injected.size());
        assertEquals(TcpSegment.RST, t.injected.get(before)[20 + TcpSegment.FLAGS_OFFSET] & 0xff);
        assertEquals(CloseReason.IDLE_TIMEOUT, ((Closed) t.controlMessages().get(1).body()).reason());
    }

    @Test
    void garbageAndForgedDatagramsAreCountedAndIgnored() {
        byte[] handoff = t.encode(g.handoff());
        byte[] forged = handoff.clone();
        forged[forged.length - 40] ^= 1; // inside the request: the MAC no longer matches
        t.deliver(forged);
        byte[] noise = new byte[200];
        new Random(1).nextBytes(noise);
        t.deliver(noise);
        t.deliver(new byte[10]);
        t.clockMillis[0] += 10_000; // the director's clock is 10 s behind ours
        t.deliver(handoff);
        assertEquals(1, t.counters.decoded(DecodeResult.BAD_MAC));
        assertEquals(1, t.counters.decoded(DecodeResult.BAD_MAGIC));
        assertEquals(1, t.counters.decoded(DecodeResult.TRUNCATED));
        assertEquals(1, t.counters.decoded(DecodeResult.STALE));
        assertEquals(0, t.injected.size());
        assertEquals(0, t.control.size());
        assertEquals(0, t.counters.handoffsReceived);
        // Stack packets that are not TCP/IPv4 are counted and dropped.
        t.engine.onStackPacket(new byte[] {0x60, 0, 0, 0}, 0, 4, t.nowNanos);
        assertEquals(1, t.counters.dropped(AgentCounters.Drop.NOT_IPV4));
    }

    @Test
    void closeAllResetsEveryFlowAndReportsIt() {
        g.establish(t);
        assertEquals(1, t.engine.closeAll(t.nowNanos));
        assertEquals(CloseReason.ABORTED, ((Closed) t.controlMessages().get(1).body()).reason());
        assertEquals(0, t.engine.flowCount());
        assertEquals(0, t.budget.inUse());
    }
}
