package org.handoff.agent.flow;

import static org.handoff.agent.flow.GoldenFlow.toConnectionA;
import static org.handoff.agent.flow.GoldenFlow.tsVal;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.handoff.agent.kernel.AgentEvent;
import org.handoff.agent.kernel.EgressFlowKey;
import org.handoff.agent.kernel.EgressFlowValue;
import org.handoff.agent.kernel.FlowRecord;
import org.handoff.agent.kernel.IngressFlowKey;
import org.handoff.agent.kernel.IngressFlowValue;
import org.handoff.agent.kernel.KernelFlowEntry;
import org.handoff.agent.kernel.MapKernelFlows;
import org.handoff.agent.kernel.MemoryFlowMap;
import org.handoff.protocol.message.AbortReason;
import org.handoff.protocol.message.CloseReason;
import org.handoff.protocol.message.Closed;
import org.handoff.protocol.message.Handback;
import org.handoff.protocol.message.HandoffAck;
import org.handoff.protocol.message.Message;
import org.handoff.protocol.message.RecallNack;
import org.handoff.protocol.message.RecallNackReason;
import org.handoff.protocol.message.ReplayGuard;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.testing.PacketBuilder;
import org.handoff.protocol.transform.FlowTransform;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.TcpSegment;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The engine on the kernel data path (docs/kernel-datapath.md), with its maps in memory: the
 * entries written when the flow becomes ready (the bytes the programs read), deleted at every end,
 * the state words read before every decision that needs the server's side (RECALL, a FIN or RST
 * passed up, the idle timer, the last ACKs of a close), a flow whose entry the LRU evicted going on
 * in user space, and a restarted agent taking its flows over from the maps. The test plays the
 * programs: it moves the state words as they would.
 */
class FlowEngineKernelTest {
    private static final int RESPONSE_LENGTH = 1278;

    private final GoldenFlow g = new GoldenFlow();
    private final List<byte[]> golden = g.golden;
    private MemoryFlowMap egress;
    private MemoryFlowMap ingress;
    private MemoryFlowMap records;
    private EngineHarness t;
    private int controlAtEgressInsert = -1;
    private final int[] lookupsDuringInject = {-1};

    @BeforeEach
    void setUp() {
        egress = MemoryFlowMap.egress(16);
        egress.beforeInsert = () -> controlAtEgressInsert = t.control.size();
        ingress = MemoryFlowMap.ingress(16);
        records = MemoryFlowMap.records(16);
        t = harness();
    }

    private EngineHarness harness() {
        return new EngineHarness(g.h, 100, EngineHarness.settings(g.h, Duration.ofMillis(300), Duration.ofSeconds(30),
                Duration.ofMillis(500)), EngineHarness.Link.PLAIN, new ReplayGuard(2_000, 500, 1 << 16),
                new MapKernelFlows(egress, ingress, records, 1_000_000_000L, 1_800_000_000_000L));
    }

    private AgentFlow flow() {
        return t.engine.flow(g.client, g.clientPort);
    }

    private ByteBuffer egressKey() {
        return new EgressFlowKey().wrap(ByteBuffer.allocate(EgressFlowKey.LENGTH)).flow(flow().transform()).buffer();
    }

    private ByteBuffer ingressKey(FlowTransform f) {
        return new IngressFlowKey().wrap(ByteBuffer.allocate(IngressFlowKey.LENGTH)).flow(f).buffer();
    }

    private int ackOfRequest() {
        return SeqNumber.add(g.ci, 1 + g.request.length);
    }

    /** What agent_egress does to the entry's state words when it rewrites the stack packet {@code onB}. */
    private void kernelSends(byte[] onB) {
        ByteBuffer v = egress.only().order(ByteOrder.nativeOrder());
        EgressFlowValue view = new EgressFlowValue().wrap(v);
        TcpSegment s = new TcpSegment().wrap(onB, 20, onB.length - 20);
        int end = SeqNumber.add(s.seq(), s.payloadLength());
        int ts = GoldenFlow.options(onB).hasTimestamps()
                ? SeqNumber.max(SeqNumber.add(tsVal(onB), view.tsOffset()), view.tsFloor()) : view.lastTsVal();
        v.putLong(EgressFlowValue.SENT_OFFSET, ((long) SeqNumber.max(view.serverNext(), end) << 32)
                | (SeqNumber.max(view.lastTsVal(), ts) & 0xffffffffL));
        int window = FlowTransform.rescaleWindow(s.window(), view.serverShift(), view.directorShift());
        v.putLong(EgressFlowValue.ACKED_OFFSET, ((long) SeqNumber.max(view.serverAck(), s.ack()) << 32)
                | ((long) (view.tcpFlagsSeen() | s.flags()) << 16) | window);
    }

    /** What agent_ingress does to the entry's delivered word when it delivers a client segment acking {@code ackOnB}. */
    private void kernelDelivers(int ackOnB) {
        ByteBuffer v = ingress.only().order(ByteOrder.nativeOrder());
        IngressFlowValue view = new IngressFlowValue().wrap(v);
        v.putLong(IngressFlowValue.DELIVERED_OFFSET, ((long) SeqNumber.max(view.clientAck(), ackOnB) << 32)
                | ((view.packetsDelivered() + 1) & 0xffffffffL));
    }

    private List<Closed> closedMessages() {
        List<Closed> out = new ArrayList<>();
        for (Message m : t.controlMessages()) {
            if (m.body() instanceof Closed c) {
                out.add(c);
            }
        }
        return out;
    }

    private void assertNoEntries() {
        assertEquals(0, egress.size(), "egress entry deleted");
        assertEquals(0, ingress.size(), "ingress entry deleted");
        assertEquals(0, records.size(), "record deleted");
    }

    // ---- ready

    @Test
    void readyWritesBothEntriesAndTheRecordBeforeTheHandoffAck() {
        byte[] handoff = g.establish(t);
        AgentFlow f = flow();
        assertTrue(f.inKernel());
        assertEquals(0, controlAtEgressInsert, "written before the HANDOFF_ACK went");
        assertInstanceOf(HandoffAck.class, t.lastControlMessage().body());

        FlowTransform tr = f.transform();
        byte[] expectedEgress = new byte[EgressFlowValue.LENGTH];
        // The stack's ACK of the request went to the client (the director may have left the
        // request unacknowledged): the client has seen its TSval and window.
        byte[] requestAck = g.golden.get(4);
        new EgressFlowValue().wrap(ByteBuffer.wrap(expectedEgress)).entry(tr, true, SeqNumber.add(g.si(), 1),
                SeqNumber.max(GoldenFlow.DIRECTOR_TS, SeqNumber.add(tsVal(requestAck), g.tOffset())), ackOfRequest(),
                FlowTransform.rescaleWindow(Bytes.u16(requestAck, 20 + TcpSegment.WINDOW_OFFSET), 10, GoldenFlow.WD));
        assertArrayEquals(expectedEgress, egress.value(egressKey()).array(), "the transform, TIMESTAMPS | CONTROL_TO_AGENT, "
                + "and the state words from the engine's own view: no data sent yet, the request acknowledged, the "
                + "request's ACK the last packet the client got");
        EgressFlowValue e = new EgressFlowValue().wrap(egress.value(egressKey()));
        assertEquals(EgressFlowValue.FLAG_TIMESTAMPS | EgressFlowValue.FLAG_CONTROL_TO_AGENT, e.flags());
        assertEquals(10, e.serverShift());
        assertEquals(GoldenFlow.WD, e.directorShift());
        assertEquals(g.d(), e.seqOffset());
        assertEquals(g.tOffset(), e.tsOffset());

        byte[] expectedIngress = new byte[IngressFlowValue.LENGTH];
        new IngressFlowValue().wrap(ByteBuffer.wrap(expectedIngress)).entry(tr, EngineHarness.FLOW_TOKEN, SeqNumber.add(g.si(), 1), 0, 0);
        assertArrayEquals(expectedIngress, ingress.value(ingressKey(tr)).array(), "token, H:80, d, t; nothing delivered");

        KernelFlowEntry read = new KernelFlowEntry();
        new FlowRecord().wrap(records.value(ingressKey(tr))).readInto(read);
        assertEquals(t.decode(handoff).messageId(), read.handoffId);
        assertEquals(g.ci, read.clientIsn);
        assertEquals(g.si(), read.serverIsn);
        assertEquals(GoldenFlow.DI, read.directorIsn);
        assertEquals(g.request.length, read.requestLength);
        assertEquals(EngineHarness.DIRECTOR, read.directorAddress);
        assertEquals(EngineHarness.DIRECTOR_PORT, read.directorPort);
        assertTrue(read.timestamps && read.timestampsOnB && read.scalingOnB && read.sackPermitted);
        assertEquals(10, read.clientShift);
        assertEquals(10, read.stackShift);
        assertEquals(GoldenFlow.WD, read.directorShift);
        assertEquals(1, t.counters.kernelFlowsAdded);
    }

    @Test
    void aFullMapLeavesTheFlowInUserSpaceWithNothingHalfWritten() {
        egress = MemoryFlowMap.egress(0);
        t = harness();
        g.establish(t);
        assertFalse(flow().inKernel());
        assertEquals(1, t.counters.kernelFlowsRefused);
        assertNoEntries();
        t.stack(golden.get(5));
        assertEquals(1, t.egress.size(), "the response rewritten in user space");
    }

    // ---- ends

    @Test
    void entriesGoWhenTheFlowEndsByFinAndTheLastAcksSeenOnlyByTheKernel() {
        g.establish(t);
        kernelSends(golden.get(5)); // the response, sent by the program
        // The client's FIN reaches the engine (a coalesced datagram the program passed up): the
        // programs do not know it, so the engine reads the state words until the close is over.
        t.forward(g.flow, toConnectionA(golden.get(7), g.d(), g.tOffset()));
        AgentFlow f = flow();
        assertEquals(SeqNumber.add(g.si(), 1 + RESPONSE_LENGTH), f.serverNext(), "refreshed before the FIN counted");
        t.stack(golden.get(8)); // the stack's FIN, passed up too (the FIB had no way out for it, say)
        assertEquals(AgentFlow.State.ESTABLISHED, f.state(), "the client's ACK of the stack's FIN is still missing");
        t.advance(Duration.ofMillis(50));
        assertEquals(AgentFlow.State.ESTABLISHED, f.state());
        // The client's last ACK goes through the ingress program: the engine sees it by its state word.
        kernelDelivers(SeqNumber.add(g.si(), 2 + RESPONSE_LENGTH));
        t.advance(Duration.ofMillis(150));
        assertEquals(AgentFlow.State.LINGER, f.state(), "both FINs acknowledged, one ACK seen by the kernel only");
        assertEndsByFinAfterTheLinger();
    }

    /** The linger passes: the flow gone with its entries, one CLOSED FIN with the response's bytes (counted by the kernel). */
    private void assertEndsByFinAfterTheLinger() {
        t.advance(Duration.ofMillis(600));
        assertNull(flow());
        assertNoEntries();
        List<Closed> closed = closedMessages();
        assertEquals(1, closed.size());
        assertEquals(CloseReason.FIN, closed.get(0).reason());
        assertEquals(RESPONSE_LENGTH, closed.get(0).bytesServerToClient(), "the response's bytes, counted by the kernel");
    }

    /**
     * The usual close: both FINs and their ACKs go through the programs, which report it once
     * (agent_close.h). Until the event the engine reads nothing; at the event it takes the close
     * from the close words and ends the flow as for a close it saw itself.
     */
    @Test
    void aCloseTheProgramsFollowedEndsTheFlowAtTheirEvent() {
        g.establish(t);
        kernelSends(golden.get(5)); // the response
        kernelSends(golden.get(8)); // the stack's FIN
        int serverFinEnd = SeqNumber.add(g.si(), 2 + RESPONSE_LENGTH);
        int clientFinEnd = SeqNumber.add(ackOfRequest(), 1);
        kernelDelivers(serverFinEnd);
        ByteBuffer v = ingress.only().order(ByteOrder.nativeOrder());
        v.putLong(IngressFlowValue.CLIENT_CLOSE_OFFSET, IngressFlowValue.closeWord(true, clientFinEnd, true) | IngressFlowValue.CLOSE_REPORTED);
        v.putLong(IngressFlowValue.SERVER_CLOSE_OFFSET, IngressFlowValue.closeWord(true, serverFinEnd, true));
        int lookups = egress.lookups + ingress.lookups;
        t.advance(Duration.ofSeconds(1));
        AgentFlow f = flow();
        assertEquals(AgentFlow.State.ESTABLISHED, f.state(), "no event yet, and the engine does not poll");
        assertEquals(lookups, egress.lookups + ingress.lookups, "no map read while the programs follow the close");

        byte[] event = closeEvent(g.client, g.clientPort, f.transform().vipAddress(), f.transform().vipPort());
        t.engine.onKernelEvent(event, 0, event.length, t.nowNanos);
        assertEquals(AgentFlow.State.LINGER, f.state());
        assertEquals(1, t.counters.kernelCloseEvents);
        // A late duplicate reached the closed socket, which answered with a RST: not the client's business.
        int sentToClient = t.egress.size();
        t.stack(g.stackSegment(TcpSegment.RST, SeqNumber.add(g.si(), 1 + RESPONSE_LENGTH), 0, 0, null));
        assertEquals(sentToClient, t.egress.size(), "the RST after the close is not passed on");
        assertEquals(1, t.counters.swallowed[AgentCounters.Swallow.RST_AFTER_CLOSE.ordinal()]);
        assertEquals(AgentFlow.State.LINGER, f.state(), "the flow lingers on");
        assertEndsByFinAfterTheLinger();

        // A late or stray event: counted, nothing else.
        t.engine.onKernelEvent(event, 0, event.length, t.nowNanos);
        assertEquals(1, t.counters.kernelCloseEventsUnmatched);
        assertEquals(1, closedMessages().size());
    }

    /** An event whose close words do not show both FINs acknowledged changes nothing (counted). */
    @Test
    void aCloseEventTheWordsDoNotBearOutIsCounted() {
        g.establish(t);
        AgentFlow f = flow();
        byte[] event = closeEvent(g.client, g.clientPort, f.transform().vipAddress(), f.transform().vipPort());
        t.engine.onKernelEvent(event, 0, event.length, t.nowNanos);
        assertEquals(AgentFlow.State.ESTABLISHED, f.state());
        assertEquals(1, t.counters.kernelCloseEventsUnmatched);
        assertEquals(0, t.counters.kernelCloseEvents);
        byte[] otherVip = closeEvent(g.client, g.clientPort, f.transform().vipAddress() + 1, f.transform().vipPort());
        t.engine.onKernelEvent(otherVip, 0, otherVip.length, t.nowNanos);
        assertEquals(2, t.counters.kernelCloseEventsUnmatched);
        t.engine.onKernelEvent(event, 0, AgentEvent.LENGTH - 1, t.nowNanos);
        assertEquals(3, t.counters.kernelCloseEventsUnmatched, "a short record");
    }

    /** struct agent_event as the programs write it: the ingress key, network order; the kind, host order. */
    private static byte[] closeEvent(int client, int clientPort, int vip, int vipPort) {
        ByteBuffer b = ByteBuffer.allocate(AgentEvent.LENGTH);
        new IngressFlowKey().wrap(b).flow(FlowTransform.builder().client(client, clientPort).vip(vip, vipPort).server(1, 1)
                .isns(0, 0).build());
        b.order(ByteOrder.LITTLE_ENDIAN).putInt(AgentEvent.KIND_OFFSET, AgentEvent.KIND_CLOSED);
        return b.array();
    }

    @Test
    void entriesGoWithAStackReset() {
        g.establish(t);
        t.stack(g.stackSegment(TcpSegment.RST | TcpSegment.ACK, SeqNumber.add(g.si(), 1), ackOfRequest(), 0, null));
        assertNull(flow());
        assertNoEntries();
        assertEquals(CloseReason.RST, closedMessages().get(0).reason());
    }

    @Test
    void entriesGoWithAClientReset() {
        g.establish(t);
        t.forward(g.flow, g.clientSegment(TcpSegment.RST, ackOfRequest(), 0));
        assertNull(flow());
        assertNoEntries();
    }

    @Test
    void entriesGoWithAnAbort() {
        g.establish(t);
        t.abort(g.flow, AbortReason.CLIENT_RESET);
        assertNull(flow());
        assertNoEntries();
    }

    @Test
    void entriesGoWithAShutdownThatEndsFlows() {
        g.establish(t);
        assertEquals(1, t.engine.closeAll(t.nowNanos));
        assertNoEntries();
        assertEquals(CloseReason.ABORTED, closedMessages().get(0).reason());
    }

    // ---- idle

    @Test
    void theIdleTimerKeepsAFlowWhoseStateWordsMovedAndEndsOneWhoseDidNot() {
        g.establish(t);
        t.advance(Duration.ofSeconds(20));
        kernelSends(golden.get(5)); // the server sent through the kernel: the engine saw nothing
        t.advance(Duration.ofSeconds(11));
        assertNotNull(flow(), "the kernel moved the flow: not idle");
        t.advance(Duration.ofSeconds(20));
        kernelDelivers(SeqNumber.add(g.si(), 1 + RESPONSE_LENGTH)); // a client ACK through the ingress program
        t.advance(Duration.ofSeconds(20));
        assertNotNull(flow(), "the ingress program delivered: not idle");
        t.advance(Duration.ofSeconds(31));
        assertNull(flow(), "nothing moved for 30 s");
        assertNoEntries();
        assertEquals(CloseReason.IDLE_TIMEOUT, closedMessages().get(0).reason());
    }

    // ---- hand-back

    @Test
    void aRecallReadsWhatTheKernelSentAndTheHandbackDeletesTheEntries() {
        long handoffId = t.decode(g.establish(t)).messageId();
        kernelSends(golden.get(5));
        t.forward(g.flow, toConnectionA(golden.get(6), g.d(), g.tOffset()));
        assertEquals(0, t.egress.size(), "the response never reached the engine");
        t.deliver(g.recallOfIdle(t, handoffId));

        Handback back = assertInstanceOf(Handback.class, t.lastControlMessage().body());
        assertEquals(SeqNumber.add(GoldenFlow.DI, 1 + RESPONSE_LENGTH), back.serverNextSeq().bits(), "the kernel's serverNext + d");
        assertEquals(SeqNumber.add(tsVal(golden.get(5)), g.tOffset()), back.lastTsVal(), "the kernel's largest TSval");
        assertEquals(FlowTransform.rescaleWindow(Bytes.u16(golden.get(5), 20 + TcpSegment.WINDOW_OFFSET), 10, GoldenFlow.WD),
                back.serverWindow(), "the kernel's last window");
        assertEquals(RESPONSE_LENGTH, back.bytesServerToClient());
        assertNull(flow());
        assertNoEntries();
    }

    @Test
    void aNewRequestStartsAfterWhatTheKernelSent() {
        long handoffId = t.decode(g.establish(t)).messageId();
        kernelSends(golden.get(5));
        // The next request arrives before the RECALL (FORWARD): it must not count the kernel's response as its answer.
        byte[] withPayload = PacketBuilder.tcp().from(g.client, g.clientPort)
                .to(EngineHarness.VIP, EngineHarness.VIP_PORT).flags(TcpSegment.ACK | TcpSegment.PSH).seq(ackOfRequest())
                .ack(g.clientAckOfResponse()).payload("GET /2 HTTP/1.1\r\n\r\n".getBytes()).build();
        t.forward(g.flow, withPayload);
        assertEquals(SeqNumber.add(g.si(), 1 + RESPONSE_LENGTH), flow().serverNextAtLastClientData());
        t.deliver(g.recall(t, handoffId, SeqNumber.add(ackOfRequest(), 19), g.clientAckOfResponse()));
        assertEquals(RecallNackReason.RESPONSE_PENDING, assertInstanceOf(RecallNack.class, t.lastControlMessage().body()).reason());
        assertTrue(flow().inKernel());
    }

    @Test
    void aResponseTheKernelSendsWhileTheRequestGoesInCountsAsItsAnswer() {
        long handoffId = t.decode(g.establish(t)).messageId();
        kernelSends(golden.get(5));
        t.forward(g.flow, toConnectionA(golden.get(6), g.d(), g.tOffset()));
        // A next request the director passed on (a pinned connection); the stack answers before the
        // engine is back from the injection, through the kernel. The engine reads no map for it: the
        // request's own ack says where the server stood.
        byte[] request = "GET /2 HTTP/1.1\r\n\r\n".getBytes();
        int requestEnd = SeqNumber.add(ackOfRequest(), request.length);
        int next = SeqNumber.add(g.si(), 1 + RESPONSE_LENGTH);
        byte[] answer = g.stackSegment(TcpSegment.ACK | TcpSegment.PSH, next, requestEnd, 500, new byte[100]);
        t.afterInject = () -> kernelSends(answer);
        int lookups = egress.lookups;
        t.forward(g.flow, PacketBuilder.tcp().from(g.client, g.clientPort).to(EngineHarness.VIP, EngineHarness.VIP_PORT)
                .flags(TcpSegment.ACK | TcpSegment.PSH).seq(ackOfRequest()).ack(g.clientAckOfResponse()).payload(request).build());
        t.afterInject = () -> { };
        lookupsDuringInject[0] = egress.lookups - lookups;
        assertEquals(next, flow().serverNextAtLastClientData(), "what the kernel had sent before the request went in");
        assertEquals(0, lookupsDuringInject[0], "no map read for a client's data segment");

        int clientAckOfAll = SeqNumber.add(g.clientAckOfResponse(), 100);
        t.deliver(g.recall(t, handoffId, requestEnd, clientAckOfAll));
        Handback back = assertInstanceOf(Handback.class, t.lastControlMessage().body(), "idle: the answer was sent and acknowledged");
        assertEquals(SeqNumber.add(GoldenFlow.DI, 1 + RESPONSE_LENGTH + 100), back.serverNextSeq().bits());
    }

    // ---- eviction

    @Test
    void aFlowWhoseEntryTheLruEvictedGoesOnInUserSpace() {
        long handoffId = t.decode(g.establish(t)).messageId();
        egress.evict(egressKey());
        t.stack(golden.get(5)); // the server's packets reach the agent again
        assertEquals(1, t.egress.size(), "rewritten and sent by the engine");
        t.forward(g.flow, toConnectionA(golden.get(6), g.d(), g.tOffset()));
        t.deliver(g.recallOfIdle(t, handoffId));
        Handback back = assertInstanceOf(Handback.class, t.lastControlMessage().body());
        assertEquals(SeqNumber.add(GoldenFlow.DI, 1 + RESPONSE_LENGTH), back.serverNextSeq().bits(), "the engine's own count");
        assertEquals(1, t.counters.kernelEntriesMissing);
        assertNoEntries();
    }

    /**
     * A closing flow whose entry the LRU evicted leaves the kernel at the first read that misses:
     * its other entries go, and it reads no more state words (it would every 100 ms until it closed).
     */
    @Test
    void aClosingFlowWhoseEntryWasEvictedStopsReadingTheKernel() {
        g.establish(t);
        egress.evict(egressKey());
        t.forward(g.flow, toConnectionA(golden.get(7), g.d(), g.tOffset())); // the client's FIN: the read misses
        assertEquals(1, t.counters.kernelEntriesMissing);
        assertNoEntries();
        t.advance(Duration.ofSeconds(1));
        assertEquals(1, t.counters.kernelEntriesMissing, "no read after the first miss");
    }

    // ---- restart

    @Test
    void aRestartedAgentTakesItsFlowsOverFromTheMaps() {
        long handoffId = t.decode(g.establish(t)).messageId();
        kernelSends(golden.get(5));
        EngineHarness first = t;
        int injected = first.injected.size();
        assertEquals(1, first.engine.leaveToKernel(first.nowNanos));
        assertEquals(injected, first.injected.size(), "no RST into the stack");
        assertEquals(1, first.control.size(), "no CLOSED: the flow goes on");
        assertEquals(1, egress.size());
        assertEquals(1, ingress.size());
        assertEquals(1, records.size());
        assertEquals(0, first.budget.inUse());

        t = harness(); // the next run, with the same pinned maps
        t.nowNanos += Duration.ofSeconds(3).toNanos();
        List<KernelFlowEntry> found = new ArrayList<>();
        new MapKernelFlows(egress, ingress, records, t.nowNanos, 1_800_000_003_000L).forEachRecorded(e -> {
            assertTrue(e.complete);
            assertTrue(t.engine.adopt(e, t.nowNanos));
            found.add(e);
        });
        assertEquals(1, found.size());
        AgentFlow f = flow();
        assertEquals(AgentFlow.State.ESTABLISHED, f.state());
        assertTrue(f.inKernel());
        assertEquals(handoffId, f.handoffId());
        assertEquals(EngineHarness.FLOW_TOKEN, f.flowToken());
        assertEquals(g.si(), f.serverIsn());
        assertEquals(g.d(), f.transform().seqOffset());
        assertEquals(g.tOffset(), f.transform().tsOffset());
        assertEquals(10, f.transform().serverShift());
        assertEquals(SeqNumber.add(g.si(), 1 + RESPONSE_LENGTH), f.serverNext(), "the kernel's state words");
        assertEquals(1, t.counters.kernelFlowsAdopted);

        // It goes on: a client packet reaches the stack rewritten, a RECALL is answered, CLOSED goes to the director.
        t.forward(g.flow, toConnectionA(golden.get(6), g.d(), g.tOffset()));
        assertEquals(1, t.injected.size());
        assertEquals(Bytes.i32(golden.get(6), 28), Bytes.i32(t.injected.get(0), 28), "ack - d onto B");
        t.deliver(g.recallOfIdle(t, handoffId));
        Handback back = assertInstanceOf(Handback.class, t.lastControlMessage().body());
        assertEquals(SeqNumber.add(GoldenFlow.DI, 1 + RESPONSE_LENGTH), back.serverNextSeq().bits());
        assertTrue(back.durationMillis() >= 3_000, "the duration counts from the first run's HANDOFF: " + back.durationMillis());
        assertNoEntries();
    }

    @Test
    void aRecordWhoseEntriesAreGoneIsReportedIncomplete() {
        g.establish(t);
        t.engine.leaveToKernel(t.nowNanos);
        egress.forEachKey(egress::evict);
        List<Boolean> complete = new ArrayList<>();
        new MapKernelFlows(egress, ingress, records, t.nowNanos, 1_800_000_000_000L).forEachRecorded(e -> complete.add(e.complete));
        assertEquals(List.of(false), complete);
    }
}
