package org.handoff.director.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.util.HeldPackets;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.TcpSegment;
import org.handoff.director.testing.ClientPackets;
import org.handoff.director.testing.SentSegment;
import org.junit.jupiter.api.Test;

/** ClientPackets packet sequences, built with the project's emitters, through one worker's terminator. */
class TcpTerminatorTest {
    static final int VIP = 0xc6120101;
    static final int CLIENT = 0xc6120002;
    static final long MS = 1_000_000L;
    static final byte[] REQUEST = "GET /static/a.txt HTTP/1.1\r\nHost: lab\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** Records what the terminator sent and what it told its listener (which attaches nothing to flows). */
    static final class Harness implements FlowListener<Void> {
        final List<byte[]> sent = new ArrayList<>();
        final List<String> events = new ArrayList<>();
        final List<byte[]> forwarded = new ArrayList<>();
        final TcpTerminator<Void> terminator;
        long now = 1_000_000 * MS;
        /** When >= 0, the listener starts a hand-off on request data, with this request-ACK delay (as the coordinator does). */
        long handoffAckDelayNanos = -1;

        Harness(TcpSettings settings) {
            this(() -> settings);
        }

        /** Settings read at each use, as a reload swaps them. */
        Harness(Supplier<TcpSettings> settings) {
            terminator = new TcpTerminator<>(settings, new int[] {VIP}, new int[] {80}, 11, 22, this,
                    (b, off, len) -> sent.add(Arrays.copyOfRange(b, off, off + len)), now);
        }

        Harness() {
            this(TcpSettings.DEFAULTS);
        }

        void in(byte[] packet) {
            terminator.onPacket(packet, 0, packet.length, now);
        }

        void advance(long nanos) {
            now += nanos;
            terminator.onTick(now);
        }

        SentSegment lastSent() {
            return new SentSegment(sent.get(sent.size() - 1), VIP, 80);
        }

        List<SentSegment> drain() {
            List<SentSegment> out = new ArrayList<>();
            for (byte[] b : sent) {
                out.add(new SentSegment(b, VIP, 80));
            }
            sent.clear();
            return out;
        }

        @Override
        public void onRequestData(TcpFlow<Void> flow, long nowNanos) {
            events.add("data " + flow.requestLength());
            if (handoffAckDelayNanos >= 0) {
                terminator.startHandoff(flow, nowNanos, handoffAckDelayNanos);
            }
        }

        @Override
        public void onForward(TcpFlow<Void> flow, byte[] packet, int offset, int length, long nowNanos) {
            forwarded.add(Arrays.copyOfRange(packet, offset, offset + length));
        }

        @Override
        public void onNextRequestData(TcpFlow<Void> flow, long nowNanos) {
            events.add("next request " + flow.requestLength());
        }


        @Override
        public void onClosed(TcpFlow<Void> flow, CloseCause cause, long nowNanos) {
            events.add("closed " + cause);
        }
    }

    private static ClientPackets client(int port, int isn) {
        return new ClientPackets(CLIENT, VIP, port, isn);
    }

    private static ClientPackets connect(Harness h, int port) {
        ClientPackets c = client(port, 0xfffffff0 - port);
        h.in(c.syn());
        c.synAck(h.lastSent());
        h.in(c.ack());
        return c;
    }

    @Test
    void handshakeWithEveryOptionAgreesOnThemAll() {
        Harness h = new Harness();
        ClientPackets c = client(40000, 123456);
        h.in(c.syn());
        SentSegment synAck = h.lastSent();
        assertEquals(1460, synAck.options.mss);
        assertEquals(7, synAck.options.windowShift);
        assertTrue(synAck.options.hasSackPermitted());
        assertTrue(synAck.options.hasTimestamps());
        assertEquals(1000, synAck.options.tsEcr, "echoes the client's TSval");
        assertEquals(1, h.terminator.halfOpenCount());
        c.synAck(synAck);
        h.in(c.ack());
        TcpFlow<Void> f = h.terminator.flow(CLIENT, 40000, 0);
        assertEquals(TcpFlow.State.RECEIVING, f.state());
        assertEquals(0, h.terminator.halfOpenCount());
        assertEquals(7, f.clientShift());
        assertEquals(7, f.directorShift());
        assertTrue(f.sackPermitted() && f.timestamps());
        assertEquals(1, h.terminator.counters().established);
    }

    @Test
    void handshakeWithoutOptionsOffersOnlyMss() {
        Harness h = new Harness();
        ClientPackets c = client(40001, 5);
        c.ts = false;
        c.sack = false;
        c.shift = -1;
        h.in(c.syn());
        SentSegment synAck = h.lastSent();
        assertTrue(synAck.options.hasMss());
        assertFalse(synAck.options.hasWindowScale());
        assertFalse(synAck.options.hasSackPermitted());
        assertFalse(synAck.options.hasTimestamps());
        c.synAck(synAck);
        h.in(c.ack());
        h.in(c.data(REQUEST, 0, REQUEST.length));
        SentSegment ack = h.lastSent();
        assertEquals(SeqNumber.add(c.seq, REQUEST.length), ack.tcp.ack());
        assertTrue(ack.tcp.window() > 0 && ack.tcp.window() <= 0xffff);
    }

    @Test
    void reorderedSplitRequestIsAssembledWithSackBlocksMeanwhile() {
        Harness h = new Harness();
        ClientPackets c = connect(h, 40002);
        h.drain();
        h.in(c.data(REQUEST, 20, 30));
        SentSegment ack1 = h.lastSent();
        assertEquals(c.seq, ack1.tcp.ack(), "the hole is not acknowledged");
        assertEquals(1, ack1.options.sackBlockCount);
        h.in(c.data(REQUEST, 30, REQUEST.length));
        h.in(c.data(REQUEST, 20, 30)); // duplicate
        assertTrue(h.events.isEmpty(), "nothing in order yet");
        h.in(c.data(REQUEST, 0, 20));
        assertEquals(List.of("data " + REQUEST.length), h.events);
        TcpFlow<Void> f = h.terminator.flow(CLIENT, 40002, 0);
        assertArrayEquals(REQUEST, Arrays.copyOf(f.requestBytes(), f.requestLength()));
        SentSegment last = h.lastSent();
        assertEquals(SeqNumber.add(c.seq, REQUEST.length), last.tcp.ack());
        assertEquals(0, last.options.sackBlockCount);
        assertEquals(0, h.terminator.counters().duplicateSegments, "out-of-order is not duplicate");
        h.in(c.data(REQUEST, 0, 20)); // a retransmission of bytes already acknowledged
        assertEquals(1, h.terminator.counters().duplicateSegments);
        assertEquals(SeqNumber.add(c.seq, REQUEST.length), h.lastSent().tcp.ack(), "re-acknowledged");
        assertEquals(List.of("data " + REQUEST.length), h.events, "and not reported as new data");
    }

    @Test
    void firstDataSegmentCompletesHandshakeWhenFinalAckIsLost() {
        Harness h = new Harness();
        ClientPackets c = client(40003, 77);
        h.in(c.syn());
        c.synAck(h.lastSent());
        h.in(c.data(REQUEST, 0, REQUEST.length)); // no bare ACK first
        assertEquals(List.of("data " + REQUEST.length), h.events);
        assertEquals(TcpFlow.State.RECEIVING, h.terminator.flow(CLIENT, 40003, 0).state());
    }

    @Test
    void oneGroFrameOfSixtyFourKilobytes() {
        TcpSettings s = new TcpSettings(1460, 7, 128 * 1024, 1000, 100, 1 << 20, 1L << 30, Duration.ofSeconds(5), Duration.ofSeconds(10),
                Duration.ofMinutes(5), Duration.ofMillis(200), 6, Duration.ofSeconds(2));
        Harness h = new Harness(s);
        ClientPackets c = connect(h, 40004);
        byte[] big = new byte[65_000];
        System.arraycopy(REQUEST, 0, big, 0, REQUEST.length);
        h.in(c.data(big, 0, big.length));
        assertEquals(List.of("data 65000"), h.events);
    }

    @Test
    void retransmittedSynGetsTheSameSynAck() {
        Harness h = new Harness();
        ClientPackets c = client(40005, 9);
        h.in(c.syn());
        SentSegment first = h.lastSent();
        h.in(c.syn());
        SentSegment second = h.lastSent();
        assertEquals(first.tcp.seq(), second.tcp.seq());
        assertEquals(1, h.terminator.halfOpenCount());
    }

    @Test
    void synAckIsRetransmittedThenTheHalfOpenFlowExpires() {
        Harness h = new Harness();
        h.in(client(40006, 1).syn());
        h.drain();
        for (int i = 0; i < 60; i++) {
            h.advance(100 * MS);
        }
        assertTrue(h.terminator.counters().synAckRetransmits >= 2);
        assertEquals(0, h.terminator.flowCount());
        assertEquals(0, h.terminator.halfOpenCount());
        assertTrue(h.events.contains("closed HANDSHAKE_TIMEOUT"));
    }

    @Test
    void synFloodKeepsMemoryBoundedAndALegitimateClientStillConnects() {
        TcpSettings s = new TcpSettings(1460, 7, 64 * 1024, 10_000, 16, 1 << 18, 1L << 30, Duration.ofSeconds(5), Duration.ofSeconds(10),
                Duration.ofMinutes(5), Duration.ofMillis(200), 6, Duration.ofSeconds(2));
        Harness h = new Harness(s);
        for (int port = 1024; port < 1024 + 5000; port++) {
            ClientPackets flood = client(port, port * 7919);
            h.in(flood.syn());
        }
        assertEquals(16, h.terminator.flowCount(), "only the half-open limit holds state");
        assertEquals(5000 - 16, h.terminator.counters().cookiesSent);
        h.drain();

        ClientPackets legit = client(60000, 0x12345678);
        legit.shift = 9;
        h.in(legit.syn());
        SentSegment synAck = h.lastSent();
        assertEquals(16, h.terminator.flowCount(), "the cookie SYN-ACK stored nothing");
        assertEquals(1460, synAck.options.mss);
        legit.synAck(synAck);
        h.in(legit.ack());
        TcpFlow<Void> f = h.terminator.flow(CLIENT, 60000, 0);
        assertNotNull(f, "the cookie ACK created the flow");
        assertTrue(f.cookie());
        assertEquals(9, f.clientShift(), "window shift recovered from the echoed timestamp");
        assertTrue(f.sackPermitted());
        assertEquals(1460, f.mss());
        h.in(legit.data(REQUEST, 0, REQUEST.length));
        assertEquals(List.of("data " + REQUEST.length), h.events);

        ClientPackets forger = client(60001, 42);
        forger.ack = 0xdeadbeef;
        forger.seq = 43;
        h.in(forger.ack());
        assertNull(h.terminator.flow(CLIENT, 60001, 0));
        assertEquals(1, h.terminator.counters().cookiesInvalid);
    }

    @Test
    void onTheKernelSynSettingACookieAckIsCheckedThoughThisWorkerSentNone() {
        TcpSettings flood = new TcpSettings(1400, 7, 64 * 1024, 10_000, 0, 1 << 18, 1L << 30, Duration.ofSeconds(5),
                Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofMillis(200), 6, Duration.ofSeconds(2));
        Harness cookieMaker = new Harness(flood);  // stands in for director_xdp: same secret, cookies only
        ClientPackets c = client(50000, 0x7ffffff0);
        c.mss = 1440;
        c.shift = 12;
        c.sack = false;
        cookieMaker.in(c.syn());
        SentSegment synAck = cookieMaker.lastSent();
        assertEquals(1400, synAck.options.mss, "the director's MSS; the cookie carries the client's");
        c.synAck(synAck);

        Harness plain = new Harness(flood.withKernelAnswersSyns(false));
        plain.in(c.ack());
        assertNull(plain.terminator.flow(CLIENT, 50000, 0), "no cookie sent here, none expected");
        assertEquals(1, plain.terminator.counters().unknownFlow);
        assertEquals(0, plain.terminator.counters().cookiesInvalid);

        Harness kernel = new Harness(flood.withKernelAnswersSyns(true));
        kernel.in(c.ack());
        TcpFlow<Void> f = kernel.terminator.flow(CLIENT, 50000, 0);
        assertNotNull(f);
        assertTrue(f.cookie());
        assertEquals(1440, f.clientMss());
        assertEquals(1400, f.mss());
        assertEquals(12, f.clientShift());
        assertFalse(f.sackPermitted());
        assertEquals(1, kernel.terminator.counters().cookiesValid);
        ClientPackets forger = client(50001, 42);
        forger.ack = 0xdeadbeef;
        forger.seq = 43;
        kernel.in(forger.ack());
        assertNull(kernel.terminator.flow(CLIENT, 50001, 0));
        assertEquals(1, kernel.terminator.counters().cookiesInvalid);
        assertTrue(kernel.sent.isEmpty(), "nothing answered a forged cookie");
    }

    /**
     * In a cluster the secret rotates (any director may mint a cookie another checks): a cookie
     * made with the previous secret is still taken, and the flow's timestamps continue the ones
     * its SYN-ACK sent (the offset comes from the secret that made the cookie); one made with a
     * secret that is neither current nor previous is refused.
     */
    @Test
    void aCookieOfThePreviousSecretIsTakenWithItsTimestampClock() {
        TcpSettings flood = new TcpSettings(1400, 7, 64 * 1024, 10_000, 0, 1 << 18, 1L << 30, Duration.ofSeconds(5),
                Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofMillis(200), 6, Duration.ofSeconds(2));
        Harness maker = new Harness(flood); // secret (11, 22)
        ClientPackets c = client(50010, 0x10000);
        maker.in(c.syn());
        SentSegment synAck = maker.lastSent();
        c.synAck(synAck);

        Harness rotated = new Harness(flood.withKernelAnswersSyns(true));
        rotated.terminator.synKeys(SynKeys.rotated(33, 44, 11, 22));
        rotated.in(c.ack());
        TcpFlow<Void> f = rotated.terminator.flow(CLIENT, 50010, 0);
        assertNotNull(f, "checked against the previous secret");
        assertEquals(1, rotated.terminator.counters().cookiesValid);
        int ahead = f.tsVal(maker.now) - synAck.options.tsVal;
        assertTrue(ahead >= 0 && ahead < 64, "its timestamp clock is the SYN-ACK's (whose low 6 bits carry options): " + ahead);

        Harness moved = new Harness(flood.withKernelAnswersSyns(true));
        moved.terminator.synKeys(SynKeys.rotated(55, 66, 33, 44));
        moved.in(c.ack());
        assertNull(moved.terminator.flow(CLIENT, 50010, 0), "two rotations later: refused");
        assertEquals(1, moved.terminator.counters().cookiesInvalid);
    }

    @Test
    void strayPacketsAreDroppedSilentlyNeverReset() {
        Harness h = new Harness();
        ClientPackets c = client(40007, 5);
        c.ack = 99;
        h.in(c.ack());
        h.in(c.data(REQUEST, 0, 10));
        assertTrue(h.sent.isEmpty(), "no RST for an unknown flow: it may be alive elsewhere");
        assertEquals(2, h.terminator.counters().unknownFlow);
    }

    @Test
    void answerIsSentInPiecesRetransmittedAndClosedCleanly() {
        Harness h = new Harness();
        ClientPackets c = connect(h, 40008);
        h.in(c.data(REQUEST, 0, REQUEST.length));
        c.seq = SeqNumber.add(c.seq, REQUEST.length);
        h.drain();
        TcpFlow<Void> f = h.terminator.flow(CLIENT, 40008, 0);
        byte[] body = ("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 3000\r\nConnection: close\r\n\r\n" + "x".repeat(3000))
                .getBytes(StandardCharsets.US_ASCII);
        h.terminator.answerAndClose(f, body, h.now);
        List<SentSegment> pieces = h.drain();
        assertEquals(3, pieces.size());
        StringBuilder got = new StringBuilder();
        for (SentSegment p : pieces) {
            got.append(p.payload());
            assertTrue(p.tcp.payloadLength() <= 1448);
        }
        assertEquals(new String(body, StandardCharsets.US_ASCII), got.toString());
        assertTrue(pieces.get(2).tcp.fin() && !pieces.get(0).tcp.fin());

        h.advance(250 * MS);
        List<SentSegment> again = h.drain();
        assertEquals(3, again.size(), "nothing acknowledged: everything is resent");

        int end = SeqNumber.add(pieces.get(2).tcp.seq(), pieces.get(2).tcp.payloadLength() + 1);
        c.ack = end;
        h.in(c.ack());
        assertEquals(TcpFlow.State.CLOSING, f.state());
        h.in(c.packet(TcpSegment.FIN | TcpSegment.ACK, c.seq, null, 0, 0));
        SentSegment finAck = h.lastSent();
        assertEquals(SeqNumber.add(c.seq, 1), finAck.tcp.ack());
        assertEquals(List.of("data " + REQUEST.length, "closed ANSWERED"), h.events);
        assertEquals(0, h.terminator.flowCount());
    }

    @Test
    void anAnswerNeverAcknowledgedEndsWithReset() {
        Harness h = new Harness();
        ClientPackets c = connect(h, 40009);
        h.in(c.data(REQUEST, 0, REQUEST.length));
        h.terminator.answerAndClose(h.terminator.flow(CLIENT, 40009, 0), "HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(), h.now);
        for (int i = 0; i < 400 && h.terminator.flowCount() > 0; i++) {
            h.advance(100 * MS);
        }
        assertEquals(0, h.terminator.flowCount());
        assertTrue(h.lastSent().tcp.rst());
        assertTrue(h.events.contains("closed RETRANSMITS_EXHAUSTED"));
        assertEquals(6, h.terminator.counters().answerRetransmits);
    }

    @Test
    void clientFinBeforeTheRequestIsCompleteClosesCleanly() {
        Harness h = new Harness();
        ClientPackets c = connect(h, 40010);
        h.in(c.data(REQUEST, 0, 10));
        h.in(c.packet(TcpSegment.FIN | TcpSegment.ACK, SeqNumber.add(c.seq, 10), null, 0, 0));
        SentSegment finAck = h.lastSent();
        assertTrue(finAck.tcp.fin());
        assertEquals(SeqNumber.add(c.seq, 11), finAck.tcp.ack());
        c.seq = SeqNumber.add(c.seq, 11);
        c.ack = SeqNumber.add(finAck.tcp.seq(), 1);
        h.in(c.ack());
        assertEquals(0, h.terminator.flowCount());
        assertTrue(h.events.contains("closed CLIENT_CLOSED_EARLY"));
    }

    @Test
    void clientResetBeforeTheRequestFreesTheFlow() {
        Harness h = new Harness();
        ClientPackets c = connect(h, 40011);
        h.in(c.packet(TcpSegment.RST, c.seq, null, 0, 0));
        assertEquals(0, h.terminator.flowCount());
        assertEquals(List.of("closed CLIENT_CLOSED_EARLY"), h.events);
    }

    @Test
    void slowRequestTimesOutWithReset() {
        Harness h = new Harness();
        ClientPackets c = connect(h, 40012);
        h.in(c.data(REQUEST, 0, 5));
        h.drain();
        h.advance(11_000 * MS);
        assertEquals(0, h.terminator.flowCount());
        assertTrue(h.lastSent().tcp.rst());
        assertTrue(h.events.contains("closed REQUEST_TIMEOUT"));
    }

    @Test
    void packetsAreHeldDuringHandoffThenForwardedInOrder() {
        Harness h = new Harness();
        ClientPackets c = connect(h, 40013);
        h.in(c.data(REQUEST, 0, REQUEST.length));
        TcpFlow<Void> f = h.terminator.flow(CLIENT, 40013, 0);
        h.terminator.startHandoff(f, h.now);
        h.drain();
        c.seq = SeqNumber.add(c.seq, REQUEST.length);
        byte[] ack1 = c.ack();
        c.ack = SeqNumber.add(c.ack, 1448); // the origin's first bytes reached the client before the agent's ack
        byte[] ack2 = c.ack();
        h.in(ack1);
        h.in(ack2);
        assertTrue(h.sent.isEmpty(), "the director never answers a flow it is handing off");
        assertTrue(h.forwarded.isEmpty());
        assertEquals(2, h.terminator.heldPackets(f));
        assertEquals(ack1.length + ack2.length, h.terminator.counters().heldBytes);
        assertTrue(f.originProvenSending());
        assertEquals(1, h.terminator.counters().originProven, "the proof is recorded once");

        h.terminator.handoffAccepted(f, h.now);
        assertEquals(2, h.forwarded.size());
        assertArrayEquals(ack1, h.forwarded.get(0));
        assertArrayEquals(ack2, h.forwarded.get(1));
        byte[] later = c.packet(TcpSegment.FIN | TcpSegment.ACK, c.seq, null, 0, 0);
        h.in(later);
        assertArrayEquals(later, h.forwarded.get(2));
        assertTrue(h.sent.isEmpty());
        assertEquals(3, h.terminator.counters().forwarded);

        h.advance(301_000 * MS);
        assertEquals(0, h.terminator.flowCount(), "idle handed-off flow freed");
        assertTrue(h.events.contains("closed IDLE"));
    }

    @Test
    void aDeferredRequestAckIsSentAtTheDelayAndOnlyThen() {
        Harness h = new Harness();
        h.handoffAckDelayNanos = 40 * MS;
        ClientPackets c = connect(h, 40050);
        h.drain();
        h.in(c.data(REQUEST, 0, REQUEST.length));
        c.seq = SeqNumber.add(c.seq, REQUEST.length);
        TcpFlow<Void> f = h.terminator.flow(CLIENT, 40050, 0);
        assertEquals(TcpFlow.State.HANDING_OFF, f.state());
        assertTrue(h.sent.isEmpty());
        h.in(c.data(REQUEST, 0, REQUEST.length)); // the client's retransmission is held, as any packet now
        h.advance(30 * MS);
        assertTrue(h.sent.isEmpty());
        h.advance(20 * MS);
        List<SentSegment> out = h.drain();
        assertEquals(1, out.size());
        assertEquals(TcpSegment.ACK, out.get(0).tcp.flags());
        assertEquals(c.seq, out.get(0).tcp.ack());
        assertEquals(1, h.terminator.counters().requestAcks(TcpCounters.RequestAck.DEFERRED_SENT));
        h.terminator.handoffAccepted(f, h.now);
        assertEquals(1, h.forwarded.size(), "the held retransmission goes on to the agent");
        h.advance(100 * MS);
        assertTrue(h.sent.isEmpty());
        assertEquals(0, h.terminator.counters().requestAcks(TcpCounters.RequestAck.CANCELLED));
    }

    @Test
    void aFlowResetOrAbortedBeforeTheDelayGetsNoAck() {
        Harness h = new Harness();
        h.handoffAckDelayNanos = 40 * MS;
        ClientPackets lost = connect(h, 40051);
        ClientPackets aborted = connect(h, 40052);
        h.drain();
        h.in(lost.data(REQUEST, 0, REQUEST.length));
        h.in(aborted.data(REQUEST, 0, REQUEST.length));
        TcpFlow<Void> lostFlow = h.terminator.flow(CLIENT, 40051, 0);
        h.terminator.resetClient(lostFlow, h.now); // its agent is gone
        h.terminator.abort(h.terminator.flow(CLIENT, 40052, 0), h.now);
        List<SentSegment> out = h.drain();
        assertEquals(2, out.size());
        assertTrue(out.get(0).tcp.rst() && out.get(1).tcp.rst(), "a RST each, no ACK before it");
        assertFalse(lostFlow.requestAckDeferred());
        h.advance(100 * MS);
        assertTrue(h.sent.isEmpty(), "and none at the delay");
        assertEquals(2, h.terminator.counters().requestAcks(TcpCounters.RequestAck.CANCELLED));
    }

    /** Hands a connection off and has the agent accept it: the flow is FORWARDING. */
    private static ClientPackets handedOff(Harness h, int port) {
        ClientPackets c = connect(h, port);
        h.in(c.data(REQUEST, 0, REQUEST.length));
        c.seq = SeqNumber.add(c.seq, REQUEST.length);
        TcpFlow<Void> f = h.terminator.flow(CLIENT, port, 0);
        h.terminator.startHandoff(f, h.now);
        h.terminator.handoffAccepted(f, h.now);
        h.drain();
        return c;
    }

    @Test
    void aNewConnectionOnAHandedOffFlowsPortReplacesIt() {
        Harness h = new Harness();
        ClientPackets old = handedOff(h, 40020);
        TcpFlow<Void> stale = h.terminator.flow(CLIENT, 40020, 0);

        // The client's old connection ended (the agent's CLOSED never came); it reuses the port
        // with a new ISN and a later timestamp, as Linux does with tcp_tw_reuse.
        ClientPackets next = client(40020, old.isn + 1_000_000);
        next.tsVal = old.tsVal + 500;
        h.in(next.syn());
        assertTrue(h.events.contains("closed PORT_REUSED"), h.events.toString());
        assertEquals(1, h.terminator.counters().portReuses);
        assertEquals(1, h.terminator.counters().closed(FlowListener.CloseCause.PORT_REUSED));
        SentSegment synAck = h.lastSent();
        assertEquals(TcpSegment.SYN | TcpSegment.ACK, synAck.tcp.flags(), "the new connection is answered");
        next.synAck(synAck);
        TcpFlow<Void> fresh = h.terminator.flow(CLIENT, 40020, 0);
        assertNotSame(stale, fresh);
        assertEquals(next.isn, fresh.clientIsn());
        h.in(next.ack());
        h.in(next.data(REQUEST, 0, REQUEST.length));
        assertEquals("data " + REQUEST.length, h.events.get(h.events.size() - 1), "its request is read");
    }

    @Test
    void aSynOnAHandedOffFlowWithoutProofOfANewConnectionIsForwarded() {
        Harness h = new Harness();
        ClientPackets old = handedOff(h, 40021);
        int forwardedBefore = h.forwarded.size();

        h.in(old.syn()); // a late duplicate of the flow's own SYN
        ClientPackets stale = client(40021, old.isn + 77);
        stale.tsVal = 1; // older than anything the flow saw: not a new incarnation
        h.in(stale.syn());
        ClientPackets noTimestamps = client(40021, old.isn + 99);
        noTimestamps.ts = false;
        h.in(noTimestamps.syn());

        assertEquals(forwardedBefore + 3, h.forwarded.size(), "all three go to the agent, as before");
        assertEquals(0, h.terminator.counters().portReuses);
        assertTrue(h.sent.isEmpty(), "the director answers none of them");
        assertEquals(TcpFlow.State.FORWARDING, h.terminator.flow(CLIENT, 40021, 0).state);
    }

    @Test
    void heldPacketsAreBounded() {
        TcpSettings s = new TcpSettings(1460, 7, 64 * 1024, 1000, 100, 300, 1L << 30, Duration.ofSeconds(5), Duration.ofSeconds(10),
                Duration.ofMinutes(5), Duration.ofMillis(200), 6, Duration.ofSeconds(2));
        Harness h = new Harness(s);
        ClientPackets c = connect(h, 40014);
        h.in(c.data(REQUEST, 0, REQUEST.length));
        TcpFlow<Void> f = h.terminator.flow(CLIENT, 40014, 0);
        h.terminator.startHandoff(f, h.now);
        int size = c.ack().length;
        for (int i = 0; i < 10; i++) {
            h.in(c.ack());
        }
        assertEquals(300 / (2 + size), h.terminator.heldPackets(f), "each held packet costs its length plus 2");
        assertEquals(10 - 300 / (2 + size), h.terminator.counters().heldDropped);
    }

    @Test
    void aReloadedPerFlowBoundAppliesToTheNextHeldPacket() {
        TcpSettings small = new TcpSettings(1460, 7, 64 * 1024, 1000, 100, 300, 1L << 30, Duration.ofSeconds(5),
                Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofMillis(200), 6, Duration.ofSeconds(2));
        AtomicReference<TcpSettings> running = new AtomicReference<>(small);
        Harness h = new Harness(running::get);
        ClientPackets c = connect(h, 41012);
        h.in(c.data(REQUEST, 0, REQUEST.length));
        TcpFlow<Void> f = h.terminator.flow(CLIENT, 41012, 0);
        h.terminator.startHandoff(f, h.now);
        int fits = 300 / (2 + c.ack().length);
        for (int i = 0; i <= fits; i++) {
            h.in(c.ack());
        }
        assertEquals(fits, h.terminator.heldPackets(f));
        assertEquals(1, h.terminator.counters().heldDropped);
        running.set(TcpSettings.DEFAULTS); // limits.max-buffered-bytes-per-flow: 65536
        h.in(c.ack());
        assertEquals(fits + 1, h.terminator.heldPackets(f), "the larger bound holds the next packet");
        h.terminator.handoffAccepted(f, h.now);
        assertEquals(fits + 1, h.forwarded.size());
        assertEquals(0, h.terminator.bufferedBytes());
    }

    @Test
    void heldPacketsCountAgainstTheWorkersBudgetAndAreGivenBack() {
        Harness h = new Harness(new TcpSettings(1460, 7, 4096, 1000, 100, 1 << 18, 1L << 20, Duration.ofSeconds(5),
                Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofMillis(200), 6, Duration.ofSeconds(2)));
        ClientPackets c = connect(h, 41010);
        h.in(c.data(REQUEST, 0, REQUEST.length));
        TcpFlow<Void> f = h.terminator.flow(CLIENT, 41010, 0);
        h.terminator.startHandoff(f, h.now);
        long before = h.terminator.bufferedBytes();
        h.in(c.ack());
        assertEquals(before + HeldPackets.INITIAL_CAPACITY, h.terminator.bufferedBytes(), "the held packets' buffer is counted");
        h.terminator.handoffAccepted(f, h.now);
        assertEquals(0, h.terminator.bufferedBytes(), "and given back with the request's");

        // A spent budget: the first held packet would need a buffer, so it is dropped.
        Harness full = new Harness(new TcpSettings(1460, 7, 4096, 1000, 100, 1 << 18, 4096, Duration.ofSeconds(5),
                Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofMillis(200), 6, Duration.ofSeconds(2)));
        ClientPackets a = connect(full, 41011);
        full.in(a.data(new byte[4096], 0, 4096)); // fills the whole budget
        TcpFlow<Void> fa = full.terminator.flow(CLIENT, 41011, 0);
        full.terminator.startHandoff(fa, full.now);
        full.in(a.ack());
        assertEquals(0, full.terminator.heldPackets(fa));
        assertEquals(1, full.terminator.counters().heldDropped);
        assertEquals(4096, full.terminator.bufferedBytes());
    }

    @Test
    void malformedAndForeignPacketsAreCountedByReason() {
        Harness h = new Harness();
        byte[] p = client(40015, 1).syn();
        byte[] otherVip = p.clone();
        otherVip[Ipv4Packet.DESTINATION_OFFSET + 3] = 9;
        h.in(otherVip);
        byte[] fragment = p.clone();
        fragment[Ipv4Packet.FLAGS_FRAGMENT_OFFSET] = 0x20;
        h.in(fragment);
        h.in(Arrays.copyOf(p, 30));
        h.in(new byte[] {0x60, 0, 0, 0});
        byte[] badOptions = p.clone();
        badOptions[20 + 20 + 1] = 99; // MSS option length
        h.in(badOptions);
        TcpCounters n = h.terminator.counters();
        assertEquals(1, n.notForVip);
        assertEquals(1, n.fragments);
        assertEquals(2, n.malformed);
        assertEquals(1, n.notIpv4);
        assertTrue(h.sent.isEmpty());
    }

    @Test
    void theWorkersBufferBudgetIsSharedAndGivenBack() {
        TcpSettings s = new TcpSettings(1460, 7, 4096, 1000, 100, 1 << 18, 4096, Duration.ofSeconds(5), Duration.ofSeconds(10),
                Duration.ofMinutes(5), Duration.ofMillis(200), 6, Duration.ofSeconds(2));
        Harness h = new Harness(s);
        ClientPackets a = connect(h, 41000);
        ClientPackets b = connect(h, 41001);
        byte[] big = new byte[4096];
        h.in(a.data(big, 0, 4096)); // fills the whole budget
        assertEquals(4096, h.terminator.bufferedBytes());
        h.in(b.data(REQUEST, 0, REQUEST.length));
        assertEquals(1, h.terminator.counters().bufferLimitDrops, "the second flow's bytes are not stored");
        assertEquals(b.seq, h.lastSent().tcp.ack(), "and not acknowledged: the client will retransmit");
        TcpFlow<Void> fa = h.terminator.flow(CLIENT, 41000, 0);
        h.terminator.startHandoff(fa, h.now);
        h.terminator.handoffAccepted(fa, h.now);
        assertEquals(0, h.terminator.bufferedBytes(), "a handed-off flow gives its buffer back");
        h.in(b.data(REQUEST, 0, REQUEST.length));
        assertEquals(REQUEST.length, h.terminator.flow(CLIENT, 41001, 0).requestLength());
        h.terminator.abort(h.terminator.flow(CLIENT, 41001, 0), h.now);
        assertEquals(0, h.terminator.bufferedBytes());
    }

    @Test
    void spareReceiveArraysGiveWayWhenTheBudgetIsSpent() {
        AtomicReference<TcpSettings> settings = new AtomicReference<>(new TcpSettings(1460, 7, 4096, 1000, 100, 1 << 18,
                1L << 20, Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofMillis(200), 6,
                Duration.ofSeconds(2)));
        Harness h = new Harness(settings::get);
        // Four handed-off flows read their next request at the same time, then each stays with
        // its origin: their receive arrays are kept for next requests to come.
        List<TcpFlow<Void>> reading = new ArrayList<>();
        for (int port = 41200; port < 41204; port++) {
            ClientPackets c = connect(h, port);
            h.in(c.data(REQUEST, 0, REQUEST.length));
            c.seq += REQUEST.length;
            TcpFlow<Void> f = h.terminator.flow(CLIENT, port, 0);
            h.terminator.startHandoff(f, h.now);
            h.terminator.handoffAccepted(f, h.now);
            h.terminator.armNextRequest(f, c.seq, c.ack);
            h.in(c.data(REQUEST, 0, REQUEST.length));
            assertEquals(TcpFlow.State.NEXT_REQUEST, f.state());
            reading.add(f);
        }
        for (TcpFlow<Void> f : reading) {
            h.terminator.releaseNextRequest(f, h.now);
        }
        assertEquals(4 * 2048, h.terminator.spareBytes());
        assertEquals(h.terminator.spareBytes(), h.terminator.bufferedBytes(), "counted, and nothing else is buffered");

        // A reload shrinks the budget to what the spares hold: a new flow's request is still taken.
        settings.set(new TcpSettings(1460, 7, 4096, 1000, 100, 4096, 4 * 2048, Duration.ofSeconds(5), Duration.ofSeconds(10),
                Duration.ofMinutes(5), Duration.ofMillis(200), 6, Duration.ofSeconds(2)));
        ClientPackets fresh = connect(h, 41210);
        h.in(fresh.data(REQUEST, 0, REQUEST.length));
        assertEquals(0, h.terminator.counters().bufferLimitDrops);
        assertEquals(REQUEST.length, h.terminator.flow(CLIENT, 41210, 0).requestLength());
        assertTrue(h.terminator.spareBytes() < 4 * 2048, "spares were let go to make room");
    }
}
