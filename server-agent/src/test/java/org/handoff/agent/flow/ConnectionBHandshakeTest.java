package org.handoff.agent.flow;

import static org.handoff.agent.flow.GoldenFlow.assertValidChecksums;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.Arrays;
import org.handoff.protocol.message.FlowIdentity;
import org.handoff.protocol.message.HandoffAck;
import org.handoff.protocol.message.NegotiatedOptions;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.testing.PacketBuilder;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.TcpSegment;
import org.junit.jupiter.api.Test;

/**
 * Connection B's handshake and the request's delivery, packet by packet (docs/agent.md, "A
 * flow's life", steps 3 and 4): the handshake's ACK rides on the first request segment, a pure
 * ACK goes only when no request byte can; partial ACKs of the request are swallowed and the one
 * that completes it goes to the client; a SYN-ACK handled at its SYN's time is counted.
 */
class ConnectionBHandshakeTest {
    private static final int H = Bytes.parseIpv4("198.18.0.11");
    private static final int CLIENT = Bytes.parseIpv4("198.18.2.9");
    private static final int PORT = 41_000;
    private static final int CI = 0x1000_0000;
    private static final int DI = 0x2000_0000;
    private static final int SI = 0x3000_0000;
    /** No window scaling, SACK or timestamps: headers of 40 bytes, payloads of the MSS. */
    private static final NegotiatedOptions PLAIN = new NegotiatedOptions(1460, NegotiatedOptions.NO_WINDOW_SCALING,
            NegotiatedOptions.NO_WINDOW_SCALING, false, false, 0, 0);
    private static final FlowIdentity FLOW = EngineHarness.flow(CLIENT, PORT);

    private final EngineHarness t = new EngineHarness(H);

    private static byte[] request(int length) {
        byte[] r = new byte[length];
        for (int i = 0; i < length; i++) {
            r[i] = (byte) ('a' + i % 26);
        }
        return r;
    }

    private void handoff(byte[] request) {
        t.deliver(t.encode(EngineHarness.handoff(FLOW, CI, DI, 65_535, PLAIN, request)));
    }

    private static PacketBuilder fromStack() {
        return PacketBuilder.tcp().from(H, 80).to(CLIENT, PORT).noOptions();
    }

    private void synAck(int window) {
        t.stack(fromStack().flags(TcpSegment.SYN | TcpSegment.ACK).seq(SI).ack(SeqNumber.add(CI, 1)).window(window).mss(1460)
                .build());
    }

    private void stackAcks(int ack, int window) {
        t.stack(fromStack().flags(TcpSegment.ACK).seq(SeqNumber.add(SI, 1)).ack(ack).window(window).build());
    }

    private static int flags(byte[] p) {
        return p[20 + TcpSegment.FLAGS_OFFSET] & 0xff;
    }

    private static int payloadLength(byte[] p) {
        return p.length - 20 - ((p[20 + TcpSegment.DATA_OFFSET_OFFSET] >> 4) & 0xf) * 4;
    }

    /** Asserts {@code p} is a segment of B from the client's side at {@code seq} acknowledging the SYN-ACK. */
    private static void assertAcksTheSynAck(byte[] p, int seq, int flags, String what) {
        assertValidChecksums(p);
        assertEquals(seq, Bytes.i32(p, 24), what + ": seq");
        assertEquals(SeqNumber.add(SI, 1), Bytes.i32(p, 28), what + ": ack si+1, the handshake's");
        assertEquals(flags, flags(p), what + ": flags");
    }

    @Test
    void aRequestThatFitsOneSegmentCompletesTheHandshakeInOneWrite() {
        byte[] request = request(300);
        handoff(request);
        synAck(65_535);
        assertEquals(2, t.injected.size(), "the SYN, then one segment");
        byte[] segment = t.injected.get(1);
        assertAcksTheSynAck(segment, SeqNumber.add(CI, 1), TcpSegment.ACK | TcpSegment.PSH, "the request");
        assertArrayEquals(request, Arrays.copyOfRange(segment, 40, segment.length));
    }

    @Test
    void aLongerRequestCarriesTheHandshakesAckOnItsFirstSegment() {
        byte[] request = request(3_000);
        handoff(request);
        synAck(65_535);
        assertEquals(4, t.injected.size(), "the SYN, then 1460 + 1460 + 80 bytes");
        assertAcksTheSynAck(t.injected.get(1), SeqNumber.add(CI, 1), TcpSegment.ACK, "first segment");
        assertEquals(1460, payloadLength(t.injected.get(1)));
        assertAcksTheSynAck(t.injected.get(2), SeqNumber.add(CI, 1 + 1460), TcpSegment.ACK, "second segment");
        assertAcksTheSynAck(t.injected.get(3), SeqNumber.add(CI, 1 + 2920), TcpSegment.ACK | TcpSegment.PSH, "last segment");
        assertEquals(80, payloadLength(t.injected.get(3)));
    }

    @Test
    void anEmptyRequestGetsAPureAckAndIsReadyAtOnce() {
        handoff(new byte[0]);
        synAck(65_535);
        assertEquals(2, t.injected.size());
        assertAcksTheSynAck(t.injected.get(1), SeqNumber.add(CI, 1), TcpSegment.ACK, "the final ACK");
        assertEquals(0, payloadLength(t.injected.get(1)));
        assertInstanceOf(HandoffAck.class, t.lastControlMessage().body());
    }

    @Test
    void aClosedWindowGetsAPureAckAndTheRequestWhenItOpens() {
        byte[] request = request(300);
        handoff(request);
        synAck(0);
        assertEquals(2, t.injected.size(), "the SYN, then the final ACK alone: no byte may go");
        assertAcksTheSynAck(t.injected.get(1), SeqNumber.add(CI, 1), TcpSegment.ACK, "the final ACK");
        assertEquals(0, payloadLength(t.injected.get(1)));
        stackAcks(SeqNumber.add(CI, 1), 1_000); // the window opens
        assertEquals(3, t.injected.size());
        assertAcksTheSynAck(t.injected.get(2), SeqNumber.add(CI, 1), TcpSegment.ACK | TcpSegment.PSH, "the request");
        assertEquals(1, t.counters.swallowed(AgentCounters.Swallow.REQUEST_ACK), "the window update acknowledged nothing new");
        assertEquals(0, t.egress.size());
    }

    @Test
    void aSynAckSentAgainGetsTheRequestAgainNotAPureAck() {
        byte[] request = request(300);
        handoff(request);
        synAck(65_535);
        synAck(65_535); // our segment was lost, or crossed it
        assertEquals(3, t.injected.size());
        assertArrayEquals(t.injected.get(1), t.injected.get(2), "the request, carrying the ACK, again");
        assertEquals(2, t.counters.swallowed(AgentCounters.Swallow.SYN_ACK));
    }

    @Test
    void partialAcksAreSwallowedAndTheOneThatCompletesTheRequestGoesToTheClient() {
        byte[] request = request(3_000);
        handoff(request);
        synAck(65_535);
        stackAcks(SeqNumber.add(CI, 1 + 1460), 65_535);
        stackAcks(SeqNumber.add(CI, 1 + 2920), 65_535);
        assertEquals(2, t.counters.swallowed(AgentCounters.Swallow.REQUEST_ACK));
        assertEquals(0, t.egress.size(), "the director acknowledged those bytes");
        assertEquals(0, t.control.size());
        int end = SeqNumber.add(CI, 1 + request.length);
        stackAcks(end, 65_535);
        assertInstanceOf(HandoffAck.class, t.lastControlMessage().body());
        assertEquals(1, t.egress.size(), "the ACK of the whole request, to the client");
        byte[] out = t.egress.get(0);
        assertValidChecksums(out);
        assertEquals(EngineHarness.VIP, Bytes.i32(out, 12));
        assertEquals(EngineHarness.VIP_PORT, Bytes.u16(out, 20));
        assertEquals(SeqNumber.add(DI, 1), Bytes.i32(out, 24), "at the director's SND.NXT");
        assertEquals(end, Bytes.i32(out, 28));
        assertEquals(TcpSegment.ACK, flags(out));
        assertEquals(1, t.counters.requestAcksToClient);
        assertEquals(2, t.counters.swallowed(AgentCounters.Swallow.REQUEST_ACK));
    }

    @Test
    void aSynAckHandledAtItsSynsTimeIsCounted() {
        handoff(request(10));
        synAck(65_535);
        assertEquals(1, t.counters.synAcksInSynCycle, "the harness's stack answered in the SYN's cycle");
        t.deliver(t.encode(EngineHarness.handoff(EngineHarness.flow(CLIENT, PORT + 1), CI, DI, 65_535, PLAIN, request(10))));
        t.nowNanos += 1_000_000; // the next cycle
        t.stack(PacketBuilder.tcp().from(H, 80).to(CLIENT, PORT + 1).noOptions().flags(TcpSegment.SYN | TcpSegment.ACK).seq(SI)
                .ack(SeqNumber.add(CI, 1)).window(65_535).mss(1460).build());
        assertEquals(2, t.counters.swallowed(AgentCounters.Swallow.SYN_ACK));
        assertEquals(1, t.counters.synAcksInSynCycle, "a SYN-ACK read in a later cycle is not");
    }
}
