package org.handoff.director;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.handoff.director.config.ConfigHolder;
import org.handoff.director.handoff.HandoffCounters;
import org.handoff.director.io.LinkDecoder;
import org.handoff.director.routing.LoadCounter;
import org.handoff.director.tcp.FlowListener;
import org.handoff.director.tcp.TcpFlow;
import org.handoff.director.testing.ClientPackets;
import org.handoff.director.testing.SentSegment;
import org.handoff.protocol.message.CloseReason;
import org.handoff.protocol.message.Closed;
import org.handoff.protocol.message.DecodeResult;
import org.handoff.protocol.message.FlowIdentity;
import org.handoff.protocol.message.Handoff;
import org.handoff.protocol.message.HandoffAck;
import org.handoff.protocol.message.MessageDecoder;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.wire.TcpSegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One director worker's duty cycle on the in-memory back end ({@link WorkerTestBase}): a
 * connection from captured frames to hand-off, forwarding and close; what the link decoder and
 * the answers' decoder drop; a lost agent; allocation; reload.
 */
class DirectorWorkerTest extends WorkerTestBase {
    @Test
    void aConnectionGoesFromCapturedFramesToHandoffForwardingAndClose() throws Exception {
        ClientPackets c = connect(40000);
        assertEquals(1, worker.terminator().flowCount());
        request(c, "GET /video/a.mp4 HTTP/1.1\r\nHost: lab\r\n\r\n");
        assertEquals(1, toAgents.size(), "one HANDOFF");
        Datagram handoff = toAgents.remove(0);
        assertEquals(ORIGIN2, handoff.to(), "/video/ goes to origin2");
        long id = handoffMessageId(handoff);
        Handoff h = (Handoff) agentSide.message().body();
        assertEquals(FlowIdentity.ipv4(CLIENT, 40000, VIP, 80), h.flow());
        assertEquals("GET /video/a.mp4 HTTP/1.1\r\nHost: lab\r\n\r\n", new String(h.request(), StandardCharsets.US_ASCII));
        assertEquals(1, worker.coordinator().pendingHandoffs());

        agentAnswers(HandoffAck.of(FlowIdentity.ipv4(CLIENT, 40000, VIP, 80), id));
        assertEquals(1, cycle(), "the answer is one unit of work");
        assertEquals(TcpFlow.State.FORWARDING, worker.terminator().flow(CLIENT, 40000, 0).state());
        assertEquals(1, worker.controlReceived);

        // A client ACK of the origin's data, then the client's FIN: each goes out in a FORWARD
        // at the end of its duty cycle, byte for byte.
        c.ack = SeqNumber.add(c.ack, 2 * 1448);
        byte[] ack = c.ack();
        in(ack);
        byte[] fin = c.packet(TcpSegment.FIN | TcpSegment.ACK, c.seq, null, 0, 0);
        in(fin);
        assertEquals(2, toAgents.size());
        assertArrayEquals(ack, forwarded(toAgents.get(0)).get(0));
        assertArrayEquals(fin, forwarded(toAgents.get(1)).get(0));
        assertEquals(ORIGIN2, toAgents.get(1).to());
        assertEquals(2, worker.coordinator().counters().forwardPackets);

        agentAnswers(new Closed(FlowIdentity.ipv4(CLIENT, 40000, VIP, 80), 40, 2 * 1448, 1, CloseReason.FIN));
        cycle();
        assertNull(worker.terminator().flow(CLIENT, 40000, 0), "CLOSED frees the flow");
        assertEquals(0, worker.terminator().flowCount());
        assertEquals(1, worker.coordinator().counters().outcome(HandoffCounters.RequestOutcome.HANDED_OFF));
        assertEquals(0, worker.controlDecodeFailures);
        assertEquals(0, worker.internalErrors);
    }

    @Test
    void framesForAnotherHostAreDroppedByTheLinkDecoderNotTheTerminator() throws Exception {
        ClientPackets c = new ClientPackets(CLIENT, VIP, 40001, 1);
        byte[] f = frame(LinkDecoder.parseMac("02:00:00:00:00:99"), c.syn());
        assertTrue(source.offer(f, 0, f.length));
        assertEquals(1, cycle(), "the frame was read");
        assertEquals(1, source.decoder().notForHost());
        assertEquals(0, worker.terminator().counters().packets);
        assertEquals(0, sink.sent());
    }

    @Test
    void anAnswerThatFailsItsMacIsCountedAndChangesNothing() throws Exception {
        ClientPackets c = connect(40002);
        request(c, "GET /video/a.mp4 HTTP/1.1\r\nHost: lab\r\n\r\n");
        long id = handoffMessageId(toAgents.remove(0));
        byte[] b = new byte[512];
        int n = agentEncoder.encode(HandoffAck.of(FlowIdentity.ipv4(CLIENT, 40002, VIP, 80), id), b, 0);
        b[n - 1] ^= 1;
        assertTrue(agents.deliver(b, 0, n));
        cycle();
        assertEquals(1, worker.controlDecodeFailures);
        assertEquals(TcpFlow.State.HANDING_OFF, worker.terminator().flow(CLIENT, 40002, 0).state());
    }

    @Test
    void anAgentFoundUnreachableHasItsClientsReset() throws Exception {
        ClientPackets c = connect(40003);
        request(c, "GET /video/a.mp4 HTTP/1.1\r\nHost: lab\r\n\r\n");
        agentAnswers(HandoffAck.of(FlowIdentity.ipv4(CLIENT, 40003, VIP, 80), handoffMessageId(toAgents.remove(0))));
        cycle();
        c.ack = SeqNumber.add(c.ack, 1448);
        in(c.ack());
        toClient.clear();

        agents.unreachable(ORIGIN2);
        cycle();
        SentSegment rst = new SentSegment(toClient.get(0), VIP, 80);
        assertTrue(rst.tcp.rst(), "the client is reset");
        assertEquals(c.ack, rst.tcp.seq());
        assertEquals(TcpFlow.State.RESETTING, worker.terminator().flow(CLIENT, 40003, 0).state());

        clock.advance(2_100_000_000L); // past tcp.close-linger
        cycle();
        assertNull(worker.terminator().flow(CLIENT, 40003, 0), "freed after the linger");
        assertEquals(1, worker.terminator().counters().closed(FlowListener.CloseCause.AGENT_LOST));
    }

    /**
     * The hot path during a download: a handed-off flow's client ACK, from captured frame to
     * sealed FORWARD, a whole duty cycle each. Nothing may be allocated per packet.
     */
    @Test
    void aForwardedClientAckAllocatesNothingPerDutyCycle() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        ClientPackets c = connect(40004);
        request(c, "GET /video/a.mp4 HTTP/1.1\r\nHost: lab\r\n\r\n");
        agentAnswers(HandoffAck.of(FlowIdentity.ipv4(CLIENT, 40004, VIP, 80), handoffMessageId(toAgents.remove(0))));
        cycle();
        recordDatagrams = false;
        byte[][] frames = ackFrames(c);
        int packets = 20_000;
        long sentBefore = datagramsToAgents;
        cycles(frames, 2 * packets); // warm-up: JIT, lazily built state
        long before = threads.getCurrentThreadAllocatedBytes();
        cycles(frames, packets);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(3L * packets, datagramsToAgents - sentBefore, "one FORWARD per duty cycle");
        assertEquals(3L * packets, worker.coordinator().counters().forwardPackets);
        // Any object per packet would be 16+ bytes each; the slack (under one byte per packet)
        // absorbs the JIT's occasional one-off allocations, seen at a few KB once in a run.
        assertEquals(0, allocated / packets, "bytes allocated per forwarded packet (" + allocated + " in all)");
    }

    @Test
    void theAnswerGuardIsSizedForTensOfThousandsOfHandoffsPerSecond() {
        org.handoff.protocol.message.ReplayGuard lab = DirectorWorker.replayGuard(2_000);
        assertEquals(3_000, lab.windowMillis(), "the deadline plus a second");
        double handoffsPerSecond = lab.capacityPerSlice() / (lab.toleranceMillis() / 1000.0) / 2;
        assertTrue(handoffsPerSecond >= 30_000, "sustains " + handoffsPerSecond + " hand-offs/s");

        assertEquals(10_000, DirectorWorker.replayGuard(300_000).windowMillis(), "a long deadline: the window is capped");
        assertEquals(3_000, DirectorWorker.replayGuard(10).windowMillis(), "a short one: at least 3 s");
        assertTrue(DirectorWorker.replayGuard(300_000).capacityPerSlice() <= 1 << 20, "memory stays bounded");
    }

    /**
     * A reload reaches a running worker through the one reference its parts read: a shorter
     * request timeout, a faster hand-off retransmission and a new sending key all apply to the
     * next connection, without a restart.
     */
    @Test
    void aReloadAppliesTimeoutsHandoffTimingAndKeysAtTheNextDecision(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("director.yaml");
        String lab = Files.readString(Path.of("../examples/lab/director.yaml"));
        Files.writeString(file, lab);
        Path keyFile = dir.resolve("lab-handoff.key");
        Files.writeString(keyFile, "1 " + "00".repeat(32) + " send\n"); // the ring of `keys`
        LoadCounter load = new LoadCounter();
        ConfigHolder<WorkerSettings> holder = Director.loadConfig(file, load);
        worker = DirectorWorker.create(0, holder.config(), holder::derived, load, 3, 4,
                source, sink, agents, clock);

        // Before: timeouts.request 10s, handoff.retransmit-initial 50ms, key 1.
        connect(41000);
        clock.advance(1_500_000_000L);
        cycle();
        assertEquals(TcpFlow.State.RECEIVING, worker.terminator().flow(CLIENT, 41000, 0).state(), "10 s to send a request");

        Files.writeString(file, lab.replace("request: 10s", "request: 1s")
                .replace("retransmit-initial: 50ms", "retransmit-initial: 20ms"));
        Files.writeString(keyFile, "1 " + "00".repeat(32) + "\n2 " + "11".repeat(32) + " send\n");
        assertEquals(List.of(), holder.reload());

        connect(41001);
        clock.advance(1_100_000_000L);
        toClient.clear();
        cycle();
        assertNull(worker.terminator().flow(CLIENT, 41001, 0), "the new 1 s request timeout applies to a new flow");
        assertEquals(1, worker.terminator().counters().closed(FlowListener.CloseCause.REQUEST_TIMEOUT));
        assertTrue(new SentSegment(toClient.get(0), VIP, 80).tcp.rst(), "and resets it");
        assertEquals(TcpFlow.State.RECEIVING, worker.terminator().flow(CLIENT, 41000, 0).state(),
                "a flow whose timer was set before the reload keeps its 10 s");

        ClientPackets c = connect(41002);
        request(c, "GET /video/a.mp4 HTTP/1.1\r\nHost: lab\r\n\r\n");
        assertEquals(1, toAgents.size());
        MessageDecoder bothKeys = new MessageDecoder(() -> holder.derived().keys(), null, clock::epochMillis);
        Datagram first = toAgents.get(0);
        assertEquals(DecodeResult.ACCEPTED, bothKeys.decode(first.bytes(), 0, first.bytes().length), bothKeys.describe());
        assertEquals(2, bothKeys.header().keyId(), "signed with the new sending key");
        clock.advance(25_000_000L);
        cycle();
        assertEquals(2, toAgents.size(), "retransmitted after the new 20 ms, not the old 50 ms");
    }

}
