package org.handoff.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.handoff.director.config.ConfigLoader;
import org.handoff.director.config.DirectorConfig;
import org.handoff.director.handoff.HandoffCounters;
import org.handoff.director.io.LinkDecoder;
import org.handoff.director.io.MemoryPacketIo;
import org.handoff.director.kernel.KernelFlows;
import org.handoff.director.kernel.MemoryKernelFlows;
import org.handoff.director.routing.LoadCounter;
import org.handoff.director.tcp.FlowListener;
import org.handoff.director.tcp.TcpFlow;
import org.handoff.protocol.message.CloseReason;
import org.handoff.protocol.message.Closed;
import org.handoff.protocol.message.FlowIdentity;
import org.handoff.protocol.message.Handoff;
import org.handoff.protocol.message.HandoffAck;
import org.handoff.protocol.message.HealthState;
import org.handoff.protocol.message.Heartbeat;
import org.handoff.protocol.message.MessageHeaderFlyweight;
import org.handoff.protocol.message.MessageType;
import org.handoff.protocol.message.TunnelFlyweight;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.director.testing.ClientPackets;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.TcpSegment;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The worker on the kernel path, its map in memory ({@link MemoryKernelFlows}): each handed-off
 * flow's entry is written at HANDOFF_ACK with the HANDOFF's token (tunnelling everything only
 * for a flow pinned to its origin), deleted when the flow ends; an idle flow whose entry's
 * counter still moves is kept; a restarted worker adopts what the map holds; an unreachable
 * agent's flows wait out handoff.agent-restart-grace (kept when it comes back, reset when not).
 */
class KernelPathWorkerTest extends WorkerTestBase {
    static final int VIDEO_PORT = 40100;
    final MemoryKernelFlows map = new MemoryKernelFlows();

    @Override
    KernelFlows kernelFlows() {
        return map;
    }

    /** Connects, sends a request for /video/ (origin2) and has the agent accept it; returns the HANDOFF's token. */
    long handedOff(ClientPackets c, String request) throws Exception {
        request(c, request);
        Datagram d = toAgents.remove(0);
        long id = handoffMessageId(d);
        long token = ((Handoff) agentSide.message().body()).flowToken();
        agentAnswers(HandoffAck.of(FlowIdentity.ipv4(CLIENT, c.port, VIP, 80), id));
        cycle();
        return token;
    }

    /** An agent's answer to the director's probe. */
    static Heartbeat heartbeat() {
        return new Heartbeat("agent@198.18.10.12", 1, 1000, 0, HealthState.OK, 5);
    }

    MemoryKernelFlows.Entry entry(int port) {
        return map.entry(CLIENT, port, VIP, 80);
    }

    @Test
    void theEntryIsWrittenAtTheAckWithTheTokenAndDeletedAtClosed() throws Exception {
        ClientPackets c = connect(VIDEO_PORT);
        request(c, "GET /video/a.mp4 HTTP/1.1\r\nHost: lab\r\n\r\n");
        assertNull(entry(VIDEO_PORT), "nothing before the agent accepts");
        Datagram d = toAgents.remove(0);
        long id = handoffMessageId(d);
        long token = ((Handoff) agentSide.message().body()).flowToken();
        agentAnswers(HandoffAck.of(FlowIdentity.ipv4(CLIENT, VIDEO_PORT, VIP, 80), id));
        cycle();

        MemoryKernelFlows.Entry e = entry(VIDEO_PORT);
        assertNotNull(e, "written at HANDOFF_ACK");
        assertEquals(ORIGIN2, e.agent);
        assertEquals(token, e.token, "the HANDOFF's token, which the agent checks");
        assertEquals(worker.terminator().flow(CLIENT, VIDEO_PORT, 0).lastClientAck(), e.lastAck,
                "written with the flow's last ack: a reset before any tunnelled packet sits there");
        assertFalse(e.tunnelAll, "a followed connection: only pure ACKs go by the kernel");
        assertEquals(1, worker.coordinator().counters().kernelEntries);

        agentAnswers(new Closed(FlowIdentity.ipv4(CLIENT, VIDEO_PORT, VIP, 80), 40, 2 * 1448, 1, CloseReason.FIN));
        cycle();
        assertNull(entry(VIDEO_PORT), "deleted when the flow ends");
        assertEquals(0, worker.coordinator().counters().kernelEntries);
        assertEquals(1, worker.coordinator().counters().kernelEntriesDeleted);
    }

    @Test
    void aClientResetDeletesTheEntry() throws Exception {
        ClientPackets c = connect(VIDEO_PORT + 1);
        handedOff(c, "GET /video/a.mp4 HTTP/1.1\r\nHost: lab\r\n\r\n");
        assertNotNull(entry(VIDEO_PORT + 1));
        in(c.packet(TcpSegment.RST | TcpSegment.ACK, c.seq, null, 0, 0));
        // RST on a FORWARDING flow is forwarded; the agent's CLOSED (or ABORT) ends it.
        agentAnswers(new Closed(FlowIdentity.ipv4(CLIENT, VIDEO_PORT + 1, VIP, 80), 0, 0, 1, CloseReason.RST));
        cycle();
        assertNull(entry(VIDEO_PORT + 1));
    }

    /**
     * What Java forwards for a flow with an entry (a FIN, which may have to follow a next request
     * the director holds; an ACK that raced the entry) goes as a TUNNEL with the flow's token, one
     * packet a datagram, not in a FORWARD: the agent's ingress program delivers it in order with
     * what XDP tunnels, and follows the close.
     */
    @Test
    void whatJavaForwardsForAFlowWithAnEntryGoesAsTunnelsWithTheToken() throws Exception {
        ClientPackets c = connect(VIDEO_PORT + 6);
        long token = handedOff(c, "GET /video/a.mp4 HTTP/1.1\r\nHost: lab\r\n\r\n");
        toAgents.clear();
        byte[] ack = c.packet(TcpSegment.ACK, c.seq, null, 0, 0);
        byte[] fin = c.packet(TcpSegment.FIN | TcpSegment.ACK, c.seq, null, 0, 0);
        in(ack);
        in(fin);
        assertEquals(2, toAgents.size(), "one datagram each");
        for (byte[] sent : java.util.List.of(ack, fin)) {
            Datagram d = toAgents.remove(0);
            assertEquals(ORIGIN2, d.to());
            TunnelFlyweight t = new TunnelFlyweight().wrap(d.bytes(), 0);
            assertEquals(MessageType.TUNNEL.code(), d.bytes()[MessageHeaderFlyweight.TYPE_OFFSET], "a TUNNEL");
            assertEquals(token, t.flowToken(), "with the HANDOFF's token, which the ingress program checks");
            assertEquals(Bytes.hex(sent, 0, sent.length), Bytes.hex(d.bytes(), t.innerOffset(), t.innerLength()), "the packet as it came");
            assertEquals(TunnelFlyweight.HEADER_LENGTH + sent.length, d.bytes().length);
        }
        assertEquals(2, worker.coordinator().counters().tunnelPackets);
        assertEquals(0, worker.coordinator().counters().forwardDatagrams);
    }

    @Test
    void whatJavaForwardsForAFlowWithoutAnEntryGoesInForwards() throws Exception {
        map.unreachable.add(ORIGIN2); // its entry refused, as without a next hop
        ClientPackets c = connect(VIDEO_PORT + 7);
        handedOff(c, "GET /video/a.mp4 HTTP/1.1\r\nHost: lab\r\n\r\n");
        assertNull(entry(VIDEO_PORT + 7), "the map refused the entry");
        toAgents.clear();
        in(c.packet(TcpSegment.FIN | TcpSegment.ACK, c.seq, null, 0, 0));
        assertEquals(1, forwarded(toAgents.remove(0)).size(), "the FIN in a FORWARD, as on the user path");
        assertEquals(0, worker.coordinator().counters().tunnelPackets);
    }

    @Test
    void aFlowPinnedToItsOriginTunnelsEverything() throws Exception {
        ClientPackets c = connect(VIDEO_PORT + 2);
        handedOff(c, "POST /video/up HTTP/1.1\r\nHost: lab\r\nTransfer-Encoding: chunked\r\n\r\n");
        MemoryKernelFlows.Entry e = entry(VIDEO_PORT + 2);
        assertNotNull(e);
        assertTrue(e.tunnelAll, "chunked body: no later request is routed, so every packet may go by the kernel");
        assertEquals(1, worker.coordinator().counters().pinned(HandoffCounters.PinReason.CHUNKED_BODY));
    }

    @Test
    void anIdleFlowIsKeptWhileItsEntrysCounterMovesAndFreedWhenItStops() throws Exception {
        ClientPackets c = connect(VIDEO_PORT + 3);
        handedOff(c, "GET /video/a.mp4 HTTP/1.1\r\nHost: lab\r\n\r\n");
        entry(VIDEO_PORT + 3).packets = 1234; // the program tunnelled the client's ACKs: Java saw none
        clock.advance(Duration.ofMinutes(5).plusSeconds(1).toNanos()); // past timeouts.flow-idle
        cycle();
        assertEquals(TcpFlow.State.FORWARDING, worker.terminator().flow(CLIENT, VIDEO_PORT + 3, 0).state(), "kept");
        assertEquals(1, worker.terminator().counters().idleKept);

        clock.advance(Duration.ofMinutes(5).plusSeconds(1).toNanos()); // the counter did not move since
        cycle();
        assertNull(worker.terminator().flow(CLIENT, VIDEO_PORT + 3, 0), "freed as idle");
        assertEquals(1, worker.terminator().counters().closed(FlowListener.CloseCause.IDLE));
        assertNull(entry(VIDEO_PORT + 3), "and its entry deleted");
    }

    @Test
    void aRestartedWorkerAdoptsTheMapsFlowsAndForwardsWhatTheProgramPassesUp() throws Exception {
        ClientPackets c = connect(VIDEO_PORT + 4);
        long token = handedOff(c, "GET /video/a.mp4 HTTP/1.1\r\nHost: lab\r\n\r\n");
        // The director stops (this worker is dropped; its transport is reused by the next); the pinned map keeps the entry.

        DirectorConfig config = ConfigLoader.DIRECTOR.load(Path.of("../examples/lab/director.yaml"));
        LoadCounter load = new LoadCounter();
        WorkerSettings settings = WorkerSettings.of(config, load).withKeys(keys);
        MemoryPacketIo.FrameSource newSource = new MemoryPacketIo.FrameSource(new LinkDecoder(LinkDecoder.DLT_EN10MB, true,
                HOST_MAC), clock, 64, 2048);
        toAgents.clear();
        DirectorWorker restarted = DirectorWorker.create(0, config, () -> settings, load, 5, 6, newSource, sink, agents, clock, map);
        TcpFlow<?> flow = restarted.terminator().flow(CLIENT, VIDEO_PORT + 4, 0);
        assertNotNull(flow, "adopted");
        assertEquals(TcpFlow.State.FORWARDING, flow.state());
        assertEquals(1, restarted.terminator().counters().adopted);
        assertEquals(1, restarted.coordinator().counters().pinned(HandoffCounters.PinReason.ADOPTED));
        assertEquals(token, entry(VIDEO_PORT + 4).token, "the entry stays as it was");

        // The client's next request (payload: passed up by the program) reaches the entry's agent.
        byte[] next = "GET /static/b HTTP/1.1\r\nHost: lab\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] f = frame(HOST_MAC, c.data(next, 0, next.length));
        assertTrue(newSource.offer(f, 0, f.length));
        clock.advance(10 * US);
        restarted.doWork();
        assertEquals(1, toAgents.size());
        assertEquals(ORIGIN2, toAgents.get(0).to(), "to the entry's agent, not routed again");
        assertEquals(1, forwarded(toAgents.get(0)).size());

        agents.deliver(closedFor(VIDEO_PORT + 4), 0, closedFor(VIDEO_PORT + 4).length);
        clock.advance(10 * US);
        restarted.doWork();
        assertNull(restarted.terminator().flow(CLIENT, VIDEO_PORT + 4, 0), "CLOSED ends it");
        assertNull(entry(VIDEO_PORT + 4), "and deletes its entry");
        assertEquals(0, load.openFlows(config.pool("video").members().get(0).server()));
    }

    byte[] closedFor(int port) {
        byte[] b = new byte[512];
        int n = agentEncoder.encode(new Closed(FlowIdentity.ipv4(CLIENT, port, VIP, 80), 0, 0, 1, CloseReason.FIN), b, 0);
        return java.util.Arrays.copyOf(b, n);
    }

    /** With handoff.agent-restart-grace = 3 s. */
    @Nested
    class AgentRestartGrace {
        @Test
        void anAgentBackWithinTheGraceKeepsItsFlowsAndTheirEntries() throws Exception {
            ClientPackets c = connect(VIDEO_PORT + 5);
            handedOff(c, "GET /video/a.mp4 HTTP/1.1\r\nHost: lab\r\n\r\n");
            toClient.clear();
            agents.unreachable(ORIGIN2); // the agent's process restarts: its port is closed for a moment
            cycle();
            assertEquals(TcpFlow.State.FORWARDING, worker.terminator().flow(CLIENT, VIDEO_PORT + 5, 0).state(), "not reset");
            for (int i = 0; i < 20; i++) { // 2 s of probes while it starts: no refusal, no answer
                clock.advance(100_000_000L);
                cycle();
            }
            assertEquals(0, worker.coordinator().counters().agentsRecovered, "silence is not an answer");
            agentAnswers(new InetSocketAddress("198.18.0.11", 7070), heartbeat()); // another agent's answer tells nothing of this one
            cycle();
            assertEquals(0, worker.coordinator().counters().agentsRecovered);
            agentAnswers(ORIGIN2, heartbeat()); // the restarted agent answers a probe
            for (int i = 0; i < 15; i++) { // past the grace since the refusal
                clock.advance(100_000_000L);
                cycle();
            }
            assertEquals(TcpFlow.State.FORWARDING, worker.terminator().flow(CLIENT, VIDEO_PORT + 5, 0).state());
            assertNotNull(entry(VIDEO_PORT + 5), "the kernel went on carrying it");
            assertEquals(1, worker.coordinator().counters().agentsRecovered);
            assertEquals(0, toClient.size(), "no RST");
            clock.advance(Duration.ofSeconds(5).toNanos());
            cycle();
            assertEquals(TcpFlow.State.FORWARDING, worker.terminator().flow(CLIENT, VIDEO_PORT + 5, 0).state(), "past the grace too");
        }

        /**
         * Linux rate-limits port-unreachables, so a dead agent probed by several workers is silent
         * for some probes: that silence must not pass for the agent being back.
         */
        @Test
        void aDeadAgentWhoseRefusalsAreRateLimitedIsStillGivenUpAfterTheGrace() throws Exception {
            ClientPackets c = connect(VIDEO_PORT + 7);
            handedOff(c, "GET /video/a.mp4 HTTP/1.1\r\nHost: lab\r\n\r\n");
            // Probes go once a second: one in three is refused, the others meet silence.
            assertResetAfterTheGrace(tenth -> tenth % 30 == 0);
            assertEquals(0, worker.coordinator().counters().agentsRecovered);
        }

        /**
         * Runs the worker in 100 ms steps, ORIGIN2 found unreachable at the steps {@code refused}
         * accepts, until its client is reset: at the 3 s grace from the first refusal, at most a
         * probe later.
         */
        void assertResetAfterTheGrace(java.util.function.IntPredicate refused) throws Exception {
            toClient.clear();
            long lostAt = clock.nanos();
            for (int tenth = 0; tenth < 40 && toClient.isEmpty(); tenth++) {
                if (refused.test(tenth)) {
                    agents.unreachable(ORIGIN2);
                }
                cycle();
                clock.advance(100_000_000L);
            }
            assertFalse(toClient.isEmpty(), "the client was reset");
            long after = clock.nanos() - lostAt;
            assertTrue(after >= Duration.ofSeconds(3).toNanos() && after <= Duration.ofMillis(4_200).toNanos(),
                    "reset after the 3 s grace (and at most a probe later): " + after / 1_000_000 + " ms");
        }

        @Test
        void anAgentStillGoneAfterTheGraceHasItsClientsResetAndEntriesDeleted() throws Exception {
            ClientPackets c = connect(VIDEO_PORT + 6);
            handedOff(c, "GET /video/a.mp4 HTTP/1.1\r\nHost: lab\r\n\r\n");
            c.ack = SeqNumber.add(c.ack, 1448);
            in(c.ack());
            // Later ACKs went by the kernel: only the entry knows the client's RCV.NXT.
            int kernelAck = SeqNumber.add(c.ack, 50_000);
            entry(VIDEO_PORT + 6).lastAck = kernelAck;
            assertResetAfterTheGrace(tenth -> true); // each probe is refused again
            org.handoff.director.testing.SentSegment rst = new org.handoff.director.testing.SentSegment(toClient.get(0), VIP, 80);
            assertTrue(rst.tcp.rst());
            assertEquals(kernelAck, rst.tcp.seq(), "at the client's RCV.NXT as the kernel entry had it");
            assertEquals(TcpFlow.State.RESETTING, worker.terminator().flow(CLIENT, VIDEO_PORT + 6, 0).state());
            assertNull(entry(VIDEO_PORT + 6), "its packets come to Java again, which answers them with RSTs");
            assertEquals(Bytes.parseIpv4("198.18.1.1"), VIP);
        }
    }

    @Override
    Duration agentRestartGrace() {
        return Duration.ofSeconds(3);
    }
}
