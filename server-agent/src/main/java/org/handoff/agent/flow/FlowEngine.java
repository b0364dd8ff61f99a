package org.handoff.agent.flow;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.handoff.agent.kernel.AgentEvent;
import org.handoff.agent.kernel.IngressFlowValue;
import org.handoff.agent.kernel.KernelFlowEntry;
import org.handoff.agent.kernel.KernelFlowState;
import org.handoff.agent.kernel.KernelFlows;
import org.handoff.agent.link.DirectReturn;
import org.handoff.protocol.checksum.InternetChecksum;
import org.handoff.protocol.message.AbortReason;
import org.handoff.protocol.message.AddressFamily;
import org.handoff.protocol.message.CloseReason;
import org.handoff.protocol.message.Closed;
import org.handoff.protocol.message.DecodeResult;
import org.handoff.protocol.message.FlowIdentity;
import org.handoff.protocol.message.FlowMessageFlyweight;
import org.handoff.protocol.message.ForwardPacketCursor;
import org.handoff.protocol.message.Handback;
import org.handoff.protocol.message.HandoffAck;
import org.handoff.protocol.message.HandoffFlyweight;
import org.handoff.protocol.message.HandoffNack;
import org.handoff.protocol.message.HealthState;
import org.handoff.protocol.message.Heartbeat;
import org.handoff.protocol.message.MessageBody;
import org.handoff.protocol.message.MessageDecoder;
import org.handoff.protocol.message.MessageEncoder;
import org.handoff.protocol.message.MessageType;
import org.handoff.protocol.message.NackReason;
import org.handoff.protocol.message.RecallFlyweight;
import org.handoff.protocol.message.RecallNack;
import org.handoff.protocol.message.RecallNackReason;
import org.handoff.protocol.message.TunnelFlyweight;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.transform.ChecksumState;
import org.handoff.protocol.transform.FlowTransform;
import org.handoff.protocol.transform.PacketRewriter;
import org.handoff.protocol.transform.RewriteResult;
import org.handoff.protocol.util.HeldPackets;
import org.handoff.protocol.util.LongHashMap;
import org.handoff.protocol.util.TimerWheel;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.TcpSegment;
import org.handoff.protocol.wire.VirtioNetHeader;
import org.handoff.protocol.wire.WireError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server agent's flows for one worker: receives hand-off messages and the local stack's
 * packets, opens connection B, rewrites both directions, and reports closed flows
 * (docs/agent.md).
 *
 * <p>Pure with respect to I/O and time, like the director's {@code TcpTerminator}: datagrams
 * come in through {@link #onDatagram}, the stack's packets through {@link #onStackPacket}, each
 * with the time it arrived; timers advance through {@link #onTick}. Everything the engine sends
 * goes to a {@link StackOutput} (into the local stack), a {@link DirectReturn} (to the client,
 * from the VIP) or a {@link ControlOutput} (to the director). The same code runs in the process
 * and in memory.
 *
 * <p>The engine coordinates a flow's life (docs/agent.md, "A flow's life"): it decodes, finds
 * flows, moves them from state to state, runs their timers and answers the director. The parts it
 * delegates to can be read alone: {@link ConnectionB} sets up connection B and injects into the
 * stack; {@link ClientEgress} rewrites the stack's packets and sends them to the client, whole or
 * cut as the egress takes them; {@link AnswerMemory} keeps the NACKs for duplicate HANDOFFs and the
 * answers to RECALLs (docs/agent.md, "Hand-back"); client packets that arrive before connection B
 * is ready wait in the flow's {@link HeldPackets} queue.
 *
 * <p>Stack packets come plain, or (a TUN with offloads) each behind a virtio-net header that
 * may announce a TSO super-segment and a partial TCP checksum; the engine checks the header
 * against the packet before the packet goes on (docs/agent-link.md, "Offloads").
 *
 * <p>Per-packet paths (a stack packet of an established flow, a FORWARD packet, a TUNNEL) allocate
 * nothing: views, rewriters and emitters are the engine's and its parts' own, flows live in a
 * {@link LongHashMap} keyed by client address and port. Not thread-safe: one engine per worker,
 * flows sharded by {@link Sharding}.
 */
public final class FlowEngine {
    private static final Logger LOG = LoggerFactory.getLogger(FlowEngine.class);
    private static final long TICK_NANOS = 5_000_000L;
    /** Bytes of client packets one flow may hold (at most {@code limits.max-buffered-packets} of them). */
    private static final int MAX_HELD_BYTES = 1 << 20;
    /**
     * How often a kernel-path flow whose FIN went through the engine reads its state words: the
     * programs did not see that FIN, so they will not report the close (a rare case; every other
     * close comes as the programs' event, docs/kernel-datapath.md "Closes").
     */
    static final long KERNEL_CLOSE_POLL_NANOS = 100_000_000L;
    private static final byte[] NO_REQUEST = new byte[0];

    private final EngineSettings settings;
    private final MessageDecoder decoder;
    private final MessageEncoder encoder;
    /** The HEARTBEAT's agent id: this agent's hand-off address (issue 15 gives agents names of their own). */
    private final String agentId;
    private final long startedNanos;
    private final byte[] probeAnswer = new byte[256];
    private final StackOutput stack;
    private final ControlOutput control;
    private final FlowBudget budget;
    private final AgentCounters counters;
    private final LongHashMap<AgentFlow> flows;
    private final TimerWheel timers;
    private final TimerWheel.ExpiryHandler<AgentFlow> onExpiry = this::expired;
    private final long connectNanos;
    private final long idleNanos;
    private final long lingerNanos;

    private final ConnectionB connectionB;
    private final ClientEgress clientEgress;
    /** HANDOFF_NACKs by HANDOFF id. */
    private final AnswerMemory refusals;
    /** HANDBACKs and RECALL_NACKs by RECALL id, kept also after a handed-back flow is gone. */
    private final AnswerMemory recallAnswers;
    private final HeldPackets heldPackets;

    private final Ipv4Packet ip = new Ipv4Packet();
    private final TcpSegment tcp = new TcpSegment();
    /** Rewrites client packets (FORWARD) for connection B. */
    private final PacketRewriter rewriter = new PacketRewriter();
    private boolean draining;

    /** Stack packets arrive behind a virtio-net header (a TUN with offloads). */
    private final boolean vnetFrames;
    private final VirtioNetHeader vnet = new VirtioNetHeader();
    /** The state of the TCP checksum of the stack packet in hand. */
    private ChecksumState stackChecksums = ChecksumState.VALID;

    /** The kernel data path's maps, or {@link KernelFlows#NONE} (datapath user). */
    private final KernelFlows kernelFlows;
    private final KernelFlowEntry kernelEntry = new KernelFlowEntry();
    private final KernelFlowState kernelState = new KernelFlowState();

    public FlowEngine(EngineSettings settings, MessageDecoder decoder, MessageEncoder encoder, StackOutput stack,
                      DirectReturn egress, ControlOutput control, FlowBudget budget, AgentCounters counters, long nowNanos) {
        this(settings, decoder, encoder, stack, egress, control, budget, counters, nowNanos, false);
    }

    /**
     * @param vnetFrames each stack packet passed to {@link #onStackPacket} starts with a 10-byte
     *                   virtio-net header (the link is a TUN with offloads)
     */
    public FlowEngine(EngineSettings settings, MessageDecoder decoder, MessageEncoder encoder, StackOutput stack,
                      DirectReturn egress, ControlOutput control, FlowBudget budget, AgentCounters counters, long nowNanos,
                      boolean vnetFrames) {
        this(settings, decoder, encoder, stack, egress, control, budget, counters, nowNanos, vnetFrames, KernelFlows.NONE);
    }

    /**
     * @param kernelFlows the kernel data path's maps: a ready flow's entries go there and its server
     *                    packets then bypass the engine ({@link KernelFlows#NONE}: the user path)
     */
    public FlowEngine(EngineSettings settings, MessageDecoder decoder, MessageEncoder encoder, StackOutput stack,
                      DirectReturn egress, ControlOutput control, FlowBudget budget, AgentCounters counters, long nowNanos,
                      boolean vnetFrames, KernelFlows kernelFlows) {
        this.kernelFlows = kernelFlows;
        this.vnetFrames = vnetFrames;
        this.settings = settings;
        this.decoder = decoder;
        this.encoder = encoder;
        this.stack = stack;
        this.control = control;
        this.budget = budget;
        this.counters = counters;
        this.flows = new LongHashMap<>(1024, budget.limit());
        this.timers = new TimerWheel(TICK_NANOS, 1024, nowNanos);
        this.startedNanos = nowNanos;
        this.agentId = "agent@" + Bytes.ipv4ToString(settings.handoffAddress());
        this.connectNanos = settings.connectTimeout().toNanos();
        this.idleNanos = settings.flowIdle().toNanos();
        this.lingerNanos = settings.closeLinger().toNanos();
        this.connectionB = new ConnectionB(settings, stack, counters);
        this.clientEgress = new ClientEgress(egress, counters);
        this.heldPackets = new HeldPackets(settings.maxBufferedPackets(), MAX_HELD_BYTES);
        this.refusals = new AnswerMemory(AnswerMemory.CAPACITY, AnswerMemory.KEEP_NANOS, MessageType.HANDOFF_NACK.maxLength(),
                () -> counters.answersEvicted[AgentCounters.Answered.HANDOFF.ordinal()]++);
        this.recallAnswers = new AnswerMemory(AnswerMemory.CAPACITY, AnswerMemory.KEEP_NANOS,
                Math.max(MessageType.HANDBACK.maxLength(), MessageType.RECALL_NACK.maxLength()),
                () -> counters.answersEvicted[AgentCounters.Answered.RECALL.ordinal()]++);
    }

    public AgentCounters counters() {
        return counters;
    }

    public int flowCount() {
        return flows.size();
    }

    /** The flow of a client endpoint, or null. */
    public AgentFlow flow(int clientAddress, int clientPort) {
        return flows.get(Sharding.key(clientAddress, clientPort));
    }

    /** From now on new hand-offs are refused with SHUTTING_DOWN; open flows go on. */
    public void startDraining() {
        draining = true;
    }

    public boolean draining() {
        return draining;
    }

    // ---------------------------------------------------------------- hand-off messages

    /**
     * One datagram from a director. Decodes it (MAC, replay window, body rules), then acts on
     * HANDOFF, FORWARD, ABORT, RECALL and TUNNEL; anything else is counted and dropped. Never throws for bad input.
     */
    public void onDatagram(byte[] b, int off, int len, int senderAddress, int senderPort, long nowNanos) {
        DecodeResult r = decoder.decode(b, off, len);
        counters.decodeResults[r.ordinal()]++;
        if (r == DecodeResult.DUPLICATE) {
            switch (decoder.type()) {
                case HANDOFF -> duplicateHandoff(senderAddress, senderPort);
                case RECALL -> duplicateRecall(senderAddress, senderPort);
                case FORWARD, ABORT -> { } // FORWARD is never retransmitted; an ABORT is idempotent
                default -> counters.drops[AgentCounters.Drop.UNEXPECTED_MESSAGE.ordinal()]++;
            }
            return;
        }
        if (r != DecodeResult.ACCEPTED) {
            if (LOG.isDebugEnabled()) {
                LOG.debug("dropped datagram from {}:{}: {}", Bytes.ipv4ToString(senderAddress), senderPort, decoder.describe());
            }
            return;
        }
        switch (decoder.type()) {
            case HANDOFF -> handoff(senderAddress, senderPort, nowNanos);
            case FORWARD -> forward(nowNanos);
            case ABORT -> abort(nowNanos);
            case RECALL -> recall(senderAddress, senderPort, nowNanos);
            case TUNNEL -> tunnel(nowNanos);
            case HEARTBEAT -> answerProbe(senderAddress, senderPort, nowNanos);
            default -> counters.drops[AgentCounters.Drop.UNEXPECTED_MESSAGE.ordinal()]++;
        }
    }

    /**
     * A director's liveness probe, answered with this agent's HEARTBEAT: the positive sign a
     * director waits for before it takes an agent it found unreachable (its port closed while the
     * process restarted) as back (docs/director.md, "A lost agent"). Once a second per director
     * worker with flows here: the one allocation is not on a packet's path.
     */
    private void answerProbe(int address, int port, long now) {
        int n = encoder.encode(new Heartbeat(agentId, budget.inUse(), budget.limit(), 0, HealthState.OK,
                Math.max(0, (now - startedNanos) / 1_000_000L)), probeAnswer, 0);
        sendControl(address, port, probeAnswer, n);
        counters.probesAnswered++;
    }

    private void handoff(int senderAddress, int senderPort, long now) {
        HandoffFlyweight h = decoder.handoff();
        counters.handoffsReceived++;
        long id = h.messageId();
        FlowIdentity identity = h.flowIdentity();
        if (h.family() != AddressFamily.IPV4) {
            refuse(identity, id, NackReason.BAD_STATE, senderAddress, senderPort, now, "IPv6 flows are not supported");
            return;
        }
        int client = h.clientIpv4();
        int clientPort = h.clientPort();
        long key = Sharding.key(client, clientPort);
        AgentFlow existing = flows.get(key);
        if (existing != null && existing.vipAddress == h.vipIpv4() && existing.vipPort == h.vipPort()
                && existing.clientIsn != h.clientIsn()) {
            // Another Client ISN for a held endpoint: a new connection from the same client port
            // (the client reuses a port only once its old connection is over; the director checked
            // a newer timestamp before handing it off), or the same connection handed back and off
            // again (Client ISN = the byte before its next request), which finds nothing here unless
            // a stale flow was left: a handed-back flow is forgotten. The old flow may still linger
            // here, or still be open in the stack: end it, with a RST into the stack when the stack
            // may still hold it, and no CLOSED (the director matches CLOSED by endpoint and would
            // end the new one).
            counters.endpointsReused++;
            if (existing.state != AgentFlow.State.LINGER) {
                connectionB.resetStack(existing);
            }
            release(existing, existing.state == AgentFlow.State.LINGER ? CloseReason.FIN : CloseReason.RST, now, false);
            existing = null;
        }
        if (existing != null) {
            // A new attempt (new id) for an endpoint we still hold: the director has given up on
            // the old one, or two VIPs share a client endpoint. Either way it contradicts our state.
            refuse(identity, id, NackReason.BAD_STATE, senderAddress, senderPort, now, "endpoint already held by " + existing);
            return;
        }
        if (draining) {
            refuse(identity, id, NackReason.SHUTTING_DOWN, senderAddress, senderPort, now, "draining");
            return;
        }
        int origin = h.originIpv4();
        int originPort = h.originPort();
        boolean known = false;
        for (int i = 0; i < settings.services().size() && !known; i++) {
            known = settings.services().get(i).matches(origin, originPort);
        }
        if (!known) {
            refuse(identity, id, NackReason.BAD_STATE, senderAddress, senderPort, now,
                    "origin " + Bytes.ipv4ToString(origin) + ":" + originPort + " is not a configured service");
            return;
        }
        if (!settings.vips().contains(h.vipIpv4())) {
            refuse(identity, id, NackReason.BAD_STATE, senderAddress, senderPort, now,
                    "VIP " + Bytes.ipv4ToString(h.vipIpv4()) + " is not a configured VIP");
            return;
        }
        if (!budget.tryAcquire()) {
            refuse(identity, id, NackReason.OVER_FLOW_LIMIT, senderAddress, senderPort, now, "at " + budget.limit() + " flows");
            return;
        }
        byte[] request = new byte[h.requestLength()];
        System.arraycopy(h.buffer(), h.requestBufferOffset(), request, 0, request.length);
        boolean scaling = h.windowScaling();
        AgentFlow f = new AgentFlow(key, identity, client, clientPort, h.vipIpv4(), h.vipPort(), originPort, senderAddress,
                senderPort, id, h.attempt(), h.flowToken(), h.clientIsn(), SeqNumber.sub(h.directorNextSeq(), 1), request, h.clientWindow(),
                h.clientMss(), scaling ? h.clientShift() : -1, scaling ? h.directorShift() : 0, h.sackPermitted(), h.timestamps(),
                h.tsRecent(), h.directorTsVal(), now);
        if (!flows.put(key, f)) {
            budget.release();
            refuse(identity, id, NackReason.OVER_FLOW_LIMIT, senderAddress, senderPort, now, "worker flow table full");
            return;
        }
        f.connectDeadlineNanos = now + connectNanos;
        connectionB.sendSyn(f, now);
        timers.schedule(f, Math.min(now + connectionB.synIntervalNanos(), f.connectDeadlineNanos));
        if (LOG.isDebugEnabled()) {
            LOG.debug("handoff id=0x{} {} attempt={} request={}B: SYN into the stack", Long.toHexString(id), f, f.attempt,
                    request.length);
        }
    }

    private void duplicateHandoff(int senderAddress, int senderPort) {
        HandoffFlyweight h = decoder.handoff();
        long id = h.messageId();
        AgentFlow f = h.family() == AddressFamily.IPV4 ? flows.get(Sharding.key(h.clientIpv4(), h.clientPort())) : null;
        if (f != null && f.handoffId == id) {
            if (f.answer != null) {
                counters.handoffsReanswered++;
                sendControl(senderAddress, senderPort, f.answer, f.answer.length);
            } else {
                counters.handoffsDuplicateUnanswered++; // still opening: the answer comes when it is known
            }
            return;
        }
        if (resendAnswer(refusals, id, senderAddress, senderPort)) {
            counters.handoffsReanswered++;
        } else {
            counters.handoffsDuplicateUnanswered++;
        }
    }

    private void forward(long now) {
        FlowMessageFlyweight m = decoder.forward();
        ForwardPacketCursor cursor = decoder.forwardPackets();
        AgentFlow f = m.family() == AddressFamily.IPV4 ? flows.get(Sharding.key(m.clientIpv4(), m.clientPort())) : null;
        if (f == null || f.vipAddress != m.vipIpv4() || f.vipPort != m.vipPort()) {
            AgentCounters.Drop why = f == null ? AgentCounters.Drop.NO_FLOW : AgentCounters.Drop.WRONG_FLOW;
            while (cursor.next()) {
                counters.drops[why.ordinal()]++;
            }
            return;
        }
        while (cursor.next() && flows.get(f.key) == f) {
            clientPacket(f, cursor.buffer(), cursor.packetOffset(), cursor.packetLength(), now);
        }
    }

    /**
     * A client packet the director's kernel program sent (docs/handoff-protocol.md 3.11) and the
     * agent's kernel ingress program did not take (not loaded, or the flow not in its map). Not
     * sealed: the flow's token from its HANDOFF is the authentication. With the right token it
     * is one client packet of the flow, exactly as one FORWARD entry; else dropped and counted.
     */
    private void tunnel(long now) {
        TunnelFlyweight t = decoder.tunnel();
        AgentFlow f = flows.get(Sharding.key(t.innerClientIpv4(), t.innerClientPort()));
        if (f == null || f.vipAddress != t.innerVipIpv4() || f.vipPort != t.innerVipPort()) {
            counters.tunnelDrops[(f == null ? AgentCounters.TunnelDrop.NO_FLOW : AgentCounters.TunnelDrop.WRONG_FLOW).ordinal()]++;
            return;
        }
        if (t.flowToken() != f.flowToken) {
            counters.tunnelDrops[AgentCounters.TunnelDrop.TOKEN.ordinal()]++;
            return;
        }
        counters.tunnelPackets++;
        clientPacket(f, t.buffer(), t.innerOffset(), t.innerLength(), now);
    }

    private void abort(long now) {
        FlowMessageFlyweight m = decoder.abort();
        AbortReason reason = decoder.abort().reason();
        counters.aborts[reason.ordinal()]++;
        AgentFlow f = m.family() == AddressFamily.IPV4 ? flows.get(Sharding.key(m.clientIpv4(), m.clientPort())) : null;
        if (f == null || f.vipAddress != m.vipIpv4() || f.vipPort != m.vipPort()) {
            return;
        }
        LOG.debug("abort {} reason={}", f, reason);
        connectionB.resetStack(f);
        release(f, CloseReason.ABORTED, now, false);
    }

    // ---------------------------------------------------------------- hand-back (RECALL)

    /**
     * The director wants the flow back (docs/handoff-protocol.md 3.8): HANDBACK when it is idle,
     * else RECALL_NACK with the reason. The answer is remembered by RECALL id for retransmissions.
     */
    private void recall(int senderAddress, int senderPort, long now) {
        RecallFlyweight r = decoder.recall();
        long id = r.messageId();
        AgentFlow f = r.family() == AddressFamily.IPV4 ? flows.get(Sharding.key(r.clientIpv4(), r.clientPort())) : null;
        if (f != null && f.inKernel) {
            refreshFromKernel(f); // the idle rule and the HANDBACK read what the kernel sent
        }
        if (f == null || f.vipAddress != r.vipIpv4() || f.vipPort != r.vipPort()) {
            refuseRecall(r.flowIdentity(), id, RecallNackReason.UNKNOWN_FLOW, senderAddress, senderPort, now);
        } else if (f.handoffId != r.handoffMessageId()) {
            refuseRecall(f.identity, id, RecallNackReason.BAD_STATE, senderAddress, senderPort, now);
        } else if (f.clientFin || f.serverFin || f.state == AgentFlow.State.LINGER) {
            refuseRecall(f.identity, id, RecallNackReason.CLOSING, senderAddress, senderPort, now);
        } else if (!f.idleFor(r.requestStart(), r.clientAck())) {
            if (LOG.isDebugEnabled()) {
                LOG.debug("recall id=0x{} {}: response pending (acked={} next={} atLastClientData={} clientAck-d={} requestStart={})",
                        Long.toHexString(id), f, f.stackAck & 0xffffffffL, f.serverNext & 0xffffffffL,
                        f.serverNextAtLastClientData & 0xffffffffL,
                        f.transform == null ? -1 : SeqNumber.sub(r.clientAck(), f.transform.seqOffset()) & 0xffffffffL,
                        r.requestStart() & 0xffffffffL);
            }
            refuseRecall(f.identity, id, RecallNackReason.RESPONSE_PENDING, senderAddress, senderPort, now);
        } else {
            handBack(f, id, senderAddress, senderPort, now);
        }
    }

    /**
     * Returns an idle flow: HANDBACK with connection A's state, a RST into the stack at its
     * RCV.NXT (the client sees nothing), the flow forgotten, no CLOSED (the HANDBACK has the counts).
     */
    private void handBack(AgentFlow f, long recallId, int address, int port, long now) {
        Handback handback = new Handback(f.identity, recallId, SeqNumber.of(SeqNumber.add(f.serverNext, f.transform.seqOffset())),
                f.timestamps, f.timestamps ? f.lastTsValToClient : 0, f.windowToClient, f.bytesClientToServer(),
                f.bytesServerToClient(), Math.max(0, (now - f.startedNanos) / 1_000_000L));
        connectionB.resetStack(f);
        forget(f);
        counters.recalls[AgentCounters.Recall.HANDED_BACK.ordinal()]++;
        rememberAndSend(recallAnswers, recallId, handback, address, port, now);
        if (LOG.isDebugEnabled()) {
            LOG.debug("handed back {}: {}", f, handback);
        }
    }

    private void refuseRecall(FlowIdentity identity, long recallId, RecallNackReason reason, int address, int port, long now) {
        counters.recalls[AgentCounters.Recall.of(reason).ordinal()]++;
        rememberAndSend(recallAnswers, recallId, new RecallNack(identity, recallId, reason), address, port, now);
        LOG.debug("recall id=0x{} {}: {}", Long.toHexString(recallId), identity, reason);
    }

    /** A retransmitted RECALL: the first answer's bytes, whether or not the flow is still here. */
    private void duplicateRecall(int senderAddress, int senderPort) {
        if (resendAnswer(recallAnswers, decoder.recall().messageId(), senderAddress, senderPort)) {
            counters.recalls[AgentCounters.Recall.DUPLICATE.ordinal()]++;
        } else {
            // Forgotten early (counted in answersEvicted): deciding again could contradict the
            // first answer, so none; the director's deadline resets the client.
            counters.recalls[AgentCounters.Recall.DUPLICATE_UNANSWERED.ordinal()]++;
        }
    }

    // ---------------------------------------------------------------- client packets (FORWARD)

    private void clientPacket(AgentFlow f, byte[] b, int off, int len, long now) {
        if (f.state == AgentFlow.State.SYN_SENT || f.state == AgentFlow.State.DELIVERING) {
            hold(f, b, off, len);
            return;
        }
        if (!view(b, off, len)) {
            return;
        }
        if (ip.source() != f.clientAddress || ip.destination() != f.vipAddress || tcp.sourcePort() != f.clientPort
                || tcp.destinationPort() != f.vipPort) {
            counters.drops[AgentCounters.Drop.WRONG_FLOW.ordinal()]++;
            return;
        }
        int flags = tcp.flags();
        int seq = tcp.seq();
        int payload = tcp.payloadLength();
        int total = ip.totalLength();
        RewriteResult r = rewriter.clientToServer(b, off, total, f.transform, false);
        if (r != RewriteResult.OK) {
            counters.drops[AgentCounters.Drop.of(r).ordinal()]++;
            return;
        }
        int ackOnB = tcp.ack(); // the view still points at the rewritten bytes
        if (!stack.inject(b, off, total)) {
            counters.drops[AgentCounters.Drop.LINK_WRITE_FAILED.ordinal()]++;
            return;
        }
        counters.packetsClientToServer++;
        counters.bytesClientToServer += payload;
        f.lastActivityNanos = now;
        if (payload > 0) {
            int end = SeqNumber.add(seq, payload);
            if (SeqNumber.gt(end, f.clientEnd)) {
                f.clientEnd = end;
                // New client bytes (not a retransmission): whatever the stack sends from here on answers them.
                // On the kernel path the engine's serverNext lags what the kernel sent, and reading the map
                // per data segment would be a system call per packet: the segment's own ack says how far the
                // client had the server's bytes when it sent them (all of a response before the next request).
                f.serverNextAtLastClientData = f.inKernel && (flags & TcpSegment.ACK) != 0
                        ? SeqNumber.max(f.serverNext, ackOnB) : f.serverNext;
            }
        }
        if (f.inKernel && (flags & TcpSegment.ACK) != 0) {
            f.clientAckPastKernel = SeqNumber.max(f.clientAckPastKernel, ackOnB);
        }
        if ((flags & TcpSegment.FIN) != 0) {
            f.clientFin = true;
            f.clientFinEnd = SeqNumber.add(seq, payload + 1);
            if (f.inKernel) {
                // The programs never see this FIN: the engine follows the close, from the state
                // words (the server's FIN may have gone through the kernel) and its own ACKs.
                f.finPastKernel = true;
                refreshFromKernel(f);
            }
        }
        if ((flags & TcpSegment.ACK) != 0 && f.serverFin && SeqNumber.ge(ackOnB, f.serverFinEnd)) {
            f.serverFinAcked = true;
        }
        if ((flags & TcpSegment.RST) != 0) {
            release(f, CloseReason.RST, now, true);
            return;
        }
        checkClosed(f, now);
        pollWhileClosing(f, now);
    }

    /** Keeps a copy of a client packet until connection B is ready; bounded per flow. */
    private void hold(AgentFlow f, byte[] b, int off, int len) {
        if (f.held == null) {
            f.held = heldPackets.take();
        }
        if (f.held.hold(b, off, len, true) != HeldPackets.Outcome.HELD) {
            counters.drops[AgentCounters.Drop.BUFFER_FULL.ordinal()]++;
            return;
        }
        counters.packetsBuffered++;
        counters.bytesBuffered += len;
    }

    /**
     * Injects the held client packets in the order they came, as long as the flow lives: a packet
     * that ends the flow (a RST) forgets it, which gives the queue back and so ends the release
     * ({@link HeldPackets.Queue#next()} is false). No other flow can take that queue meanwhile:
     * only a HANDOFF opens one, and none is read during a release.
     */
    private void releaseHeld(AgentFlow f, long now) {
        HeldPackets.Queue held = f.held;
        while (held != null && held.next()) {
            clientPacket(f, held.buffer(), held.offset(), held.length(), now);
        }
        dropHeld(f);
    }

    private void dropHeld(AgentFlow f) {
        if (f.held != null) {
            heldPackets.giveBack(f.held);
            f.held = null;
        }
    }

    // ---------------------------------------------------------------- stack packets (link)

    /**
     * One IP packet the local stack sent towards the link; with {@code vnetFrames}, behind its
     * virtio-net header ({@code len} counts both).
     */
    public void onStackPacket(byte[] b, int off, int len, long now) {
        int ipOff = off;
        int ipLen = len;
        stackChecksums = ChecksumState.VALID;
        if (vnetFrames) {
            WireError e = vnet.wrap(b, off, len).check();
            if (e != null) {
                badVnetHeader(e);
                return;
            }
            ipOff = vnet.packetOffset();
            ipLen = vnet.packetLength();
        }
        if (!view(b, ipOff, ipLen)) {
            return;
        }
        if (vnetFrames) {
            WireError e = vnet.checkTcpv4(true, ip.headerLength());
            if (e != null) {
                badVnetHeader(e);
                return;
            }
            stackChecksums = vnet.needsChecksum() ? ChecksumState.PARTIAL : ChecksumState.VALID;
        }
        AgentFlow f = flows.get(Sharding.key(ip.destination(), tcp.destinationPort()));
        if (f == null || ip.source() != settings.handoffAddress() || tcp.sourcePort() != f.serverPort) {
            counters.drops[AgentCounters.Drop.NO_FLOW.ordinal()]++;
            if (!tcp.rst()) {
                connectionB.resetUnknown(ip, tcp);
            }
            return;
        }
        f.lastActivityNanos = now;
        if (f.inKernel && (tcp.flags() & (TcpSegment.FIN | TcpSegment.RST)) != 0) {
            refreshFromKernel(f); // the program passed it up: what it sent before counts first
        }
        if (tcp.rst() && (f.state == AgentFlow.State.LINGER || f.state == AgentFlow.State.ESTABLISHED && closeComplete(f))) {
            counters.swallowed[AgentCounters.Swallow.RST_AFTER_CLOSE.ordinal()]++;
            checkClosed(f, now); // a close the programs' event has not reported yet ends as one
            return;
        }
        switch (f.state) {
            case SYN_SENT -> synSentSegment(f, now);
            case DELIVERING -> deliveringSegment(f, now);
            default -> toClient(f, now);
        }
    }

    private void badVnetHeader(WireError e) {
        counters.drops[AgentCounters.Drop.BAD_VNET_HEADER.ordinal()]++;
        counters.vnetHeaderErrors[e.ordinal()]++;
        if (LOG.isDebugEnabled()) {
            LOG.debug("dropped stack frame: {} {} (expected: {}) in {}", e.what(), vnet.errorMeasured(), vnet.errorExpected(), vnet);
        }
    }

    private void synSentSegment(AgentFlow f, long now) {
        switch (connectionB.readSynAnswer(f, tcp)) {
            case SYN_ACK -> {
                f.state = AgentFlow.State.DELIVERING;
                counters.swallowed[AgentCounters.Swallow.SYN_ACK.ordinal()]++;
                if (now == f.lastSynNanos) {
                    // A worker hands everything of one cycle the same time (runtime.Worker): the
                    // link read that follows its datagrams found the stack's answer to the SYN.
                    counters.synAcksInSynCycle++;
                }
                connectionB.completeHandshake(f);
                if (f.request.length == 0) {
                    ready(f, now);
                } else {
                    timers.schedule(f, Math.min(now + connectionB.deliveryIntervalNanos(), f.connectDeadlineNanos));
                }
            }
            case REFUSED -> refuse(f, NackReason.SERVER_REFUSED, now, false, "the stack answered the SYN with a RST");
            default -> counters.drops[AgentCounters.Drop.UNEXPECTED_SEGMENT.ordinal()]++;
        }
    }

    private void deliveringSegment(AgentFlow f, long now) {
        int flags = tcp.flags();
        if ((flags & TcpSegment.RST) != 0) {
            refuse(f, NackReason.SERVER_REFUSED, now, false, "the stack reset connection B before accepting the request");
            return;
        }
        if ((flags & TcpSegment.SYN) != 0) {
            // Our ACK was lost (or the SYN-ACK crossed it): complete the handshake again.
            counters.swallowed[AgentCounters.Swallow.SYN_ACK.ordinal()]++;
            connectionB.resend(f);
            return;
        }
        if ((flags & TcpSegment.ACK) == 0) {
            counters.drops[AgentCounters.Drop.UNEXPECTED_SEGMENT.ordinal()]++;
            return;
        }
        connectionB.readRequestAck(f, tcp);
        boolean accepted = ConnectionB.requestAccepted(f);
        // The server may answer before acknowledging everything: pass that on. Sent before
        // ready(), which releases held client packets and so re-points the engine's views.
        if (tcp.payloadLength() > 0 || (flags & TcpSegment.FIN) != 0) {
            toClient(f, now);
        } else if (accepted) {
            // The pure ACK that completes the request is the client's: the director leaves the
            // request unacknowledged while a quick hand-off is in flight (handoff.request-ack-delay),
            // and nothing before it acknowledged the whole request (that would have made the flow
            // ready). When the director did acknowledge, the client sees one duplicate ACK.
            counters.requestAcksToClient++;
            toClient(f, now);
        } else {
            counters.swallowed[AgentCounters.Swallow.REQUEST_ACK.ordinal()]++;
        }
        if (accepted) {
            ready(f, now);
        } else {
            connectionB.deliver(f);
        }
    }

    /** The stack accepted the request: answer the director, release held client packets. */
    private void ready(AgentFlow f, long now) {
        f.state = AgentFlow.State.ESTABLISHED;
        f.deliveryRetransmits = 0;
        // Before the HANDOFF_ACK: the director starts tunnelling the flow's ACKs once it has it.
        addToKernel(f);
        HandoffAck ack = new HandoffAck(f.identity, f.handoffId, OptionalInt.of(f.serverIsn),
                f.scalingOnB ? OptionalInt.of(f.stackShift) : OptionalInt.empty());
        f.answer = encoder.encode(ack);
        counters.handoffsAccepted++;
        sendControl(f.directorAddress, f.directorPort, f.answer, f.answer.length);
        if (LOG.isDebugEnabled()) {
            LOG.debug("accepted {} in {} us: {}", f, (now - f.startedNanos) / 1_000, f.transform);
        }
        timers.schedule(f, now + idleNanos);
        releaseHeld(f, now);
    }

    /** Passes the stack packet in the views to the client, and follows the flow's close. */
    private void toClient(AgentFlow f, long now) {
        int flags = tcp.flags();
        if ((flags & TcpSegment.SYN) != 0) {
            counters.swallowed[AgentCounters.Swallow.SYN_ACK.ordinal()]++;
            return;
        }
        int seq = tcp.seq();
        int ack = tcp.ack();
        int payload = tcp.payloadLength();
        if (clientEgress.send(f.transform, ip, tcp, vnetFrames ? vnet : null, stackChecksums)) {
            // What the client now knows of the origin, for a HANDBACK. The views still show the
            // packet as sent: it was rewritten in place, and split pieces carry its headers.
            f.windowToClient = tcp.window();
            if (clientEgress.sentTsVal()) {
                f.lastTsValToClient = SeqNumber.max(f.lastTsValToClient, clientEgress.sentTsValue());
            }
        }
        int end = SeqNumber.add(seq, payload);
        if (payload > 0) {
            f.serverEnd = SeqNumber.max(f.serverEnd, end);
        }
        if ((flags & TcpSegment.FIN) != 0) {
            f.serverFin = true;
            f.finPastKernel |= f.inKernel;
            f.serverFinEnd = SeqNumber.add(end, 1);
            // No byte after the FIN: a kernel count taken from a later ACK (seq = the FIN's end) ends here.
            if (SeqNumber.gt(f.serverEnd, end)) {
                f.serverEnd = end;
            }
            end = f.serverFinEnd;
        }
        f.serverNext = SeqNumber.max(f.serverNext, end);
        if ((flags & TcpSegment.ACK) != 0) {
            if (SeqNumber.gt(ack, f.stackAck)) {
                f.stackAck = ack;
            }
            if (f.clientFin && SeqNumber.ge(ack, f.clientFinEnd)) {
                f.clientFinAcked = true;
            }
        }
        if ((flags & TcpSegment.RST) != 0) {
            release(f, CloseReason.RST, now, true);
            return;
        }
        checkClosed(f, now);
        pollWhileClosing(f, now);
    }

    /** Both FINs sent and acknowledged: the client's connection is over. */
    private static boolean closeComplete(AgentFlow f) {
        return f.clientFin && f.serverFin && f.clientFinAcked && f.serverFinAcked;
    }

    private void checkClosed(AgentFlow f, long now) {
        if (f.state == AgentFlow.State.ESTABLISHED && closeComplete(f)) {
            f.state = AgentFlow.State.LINGER;
            f.closedAtNanos = now;
            f.closeReason = CloseReason.FIN;
            if (lingerNanos == 0) {
                release(f, CloseReason.FIN, now, true);
            } else {
                timers.schedule(f, now + lingerNanos);
            }
        }
    }

    // ---------------------------------------------------------------- the kernel data path

    /**
     * Writes a ready flow's entries (docs/kernel-datapath.md, "Map entries"): its SYN, FIN and RST
     * still come to the engine (CONTROL_TO_AGENT), everything else the kernel rewrites from here on,
     * starting from the engine's own view of the state words. Refused (a full map): the flow stays
     * in user space, as on the user path.
     */
    private void addToKernel(AgentFlow f) {
        if (kernelFlows == KernelFlows.NONE) {
            return;
        }
        KernelFlowEntry e = kernelEntry;
        e.transform = f.transform;
        e.token = f.flowToken;
        e.serverNext = f.serverNext;
        e.lastTsVal = f.lastTsValToClient;
        e.serverAck = f.stackAck;
        e.window = f.windowToClient;
        e.clientAck = SeqNumber.add(f.serverIsn, 1);
        // FINs the engine already passed on: the programs follow their ACKs from here.
        e.clientClose = IngressFlowValue.closeWord(f.clientFin, f.clientFinEnd, f.clientFinAcked);
        e.serverClose = IngressFlowValue.closeWord(f.serverFin, f.serverFinEnd, f.serverFinAcked);
        e.handoffId = f.handoffId;
        e.startedNanos = f.startedNanos;
        e.directorAddress = f.directorAddress;
        e.directorPort = f.directorPort;
        e.clientWindow = f.clientWindow;
        e.clientIsn = f.clientIsn;
        e.directorIsn = f.directorIsn;
        e.serverIsn = f.serverIsn;
        e.requestLength = f.request.length;
        e.directorTsVal = f.directorTsVal;
        e.synAckTsVal = f.synAckTsVal;
        e.tsRecent = f.tsRecent;
        e.clientMss = f.clientMss;
        e.stackMss = f.stackMss;
        e.attempt = f.attempt;
        e.clientShift = f.clientShift;
        e.stackShift = f.stackShift;
        e.directorShift = f.directorShift;
        e.sackPermitted = f.sackPermitted;
        e.timestamps = f.timestamps;
        e.timestampsOnB = f.timestampsOnB;
        e.scalingOnB = f.scalingOnB;
        if (kernelFlows.add(e)) {
            f.inKernel = true;
            f.clientAckPastKernel = e.clientAck;
            f.kernelSeen(e.serverNext, e.lastTsVal, e.serverAck, e.window, 0);
            counters.kernelFlowsAdded++;
        } else {
            counters.kernelFlowsRefused++;
            LOG.debug("{}: kernel entries refused (a map full?): the flow stays in user space", f);
        }
    }

    /**
     * Brings the flow's server-side state up to what the kernel sent and delivered (bpf/README.md,
     * "State words"): every maximum taken with the engine's own, the last window when the kernel
     * sent since the last look, the FINs' ACKs that only the kernel saw. Returns whether the kernel
     * moved anything since the last look. An entry the LRU evicted reads as nothing: the flow's
     * packets reach the engine again, which goes on with its own counters.
     */
    private boolean refreshFromKernel(AgentFlow f) {
        KernelFlowState k = kernelState;
        if (!kernelFlows.readState(f.transform, k)) {
            // Evicted: the flow's packets reach the engine again. Its other entries go too, and the
            // engine stops reading state words that are gone (a closing flow would every 100 ms).
            counters.kernelEntriesMissing++;
            kernelFlows.remove(f.transform);
            f.inKernel = false;
            counters.kernelFlowsRemoved++;
            return false;
        }
        if (k.ingress) {
            // The FINs the programs passed on, and their ACKs (agent_close.h), before the counts that depend on them.
            if (KernelFlowState.fin(k.clientClose) && !f.clientFin) {
                f.clientFin = true;
                f.clientFinEnd = (int) k.clientClose;
            }
            if (KernelFlowState.fin(k.serverClose) && !f.serverFin) {
                f.serverFin = true;
                f.serverFinEnd = (int) k.serverClose;
            }
            f.clientFinAcked |= KernelFlowState.finAcked(k.clientClose);
            f.serverFinAcked |= KernelFlowState.finAcked(k.serverClose);
        }
        boolean sent = k.serverNext != f.kernelSeenNext || k.lastTsVal != f.kernelSeenTsVal;
        boolean acked = k.serverAck != f.kernelSeenAck || k.window != f.kernelSeenWindow;
        boolean delivered = k.ingress && k.packetsDelivered != f.kernelSeenDelivered;
        f.serverNext = SeqNumber.max(f.serverNext, k.serverNext);
        // Payload ends only: a segment after the stack's FIN (an ACK) carries the FIN's end, one past the last byte.
        int kernelEnd = f.serverFin && SeqNumber.ge(k.serverNext, f.serverFinEnd) ? SeqNumber.sub(f.serverFinEnd, 1) : k.serverNext;
        f.serverEnd = SeqNumber.max(f.serverEnd, kernelEnd);
        if (SeqNumber.gt(k.serverAck, f.stackAck)) {
            f.stackAck = k.serverAck;
        }
        if (sent || acked) {
            f.windowToClient = k.window;
        }
        if (f.timestamps) {
            f.lastTsValToClient = SeqNumber.max(f.lastTsValToClient, k.lastTsVal);
        }
        if (f.clientFin && SeqNumber.ge(f.stackAck, f.clientFinEnd)) {
            f.clientFinAcked = true;
        }
        if (k.ingress && f.serverFin && SeqNumber.ge(k.clientAck, f.serverFinEnd)) {
            f.serverFinAcked = true;
        }
        if (f.serverFin && SeqNumber.ge(f.clientAckPastKernel, f.serverFinEnd)) {
            f.serverFinAcked = true; // the client's ACK of it came through the engine, before it knew the FIN
        }
        f.kernelSeen(k.serverNext, k.lastTsVal, k.serverAck, k.window, k.ingress ? k.packetsDelivered : f.kernelSeenDelivered);
        return sent || acked || delivered;
    }

    /**
     * A kernel-path flow with a FIN that went through the engine, not the programs: the last ACKs
     * of its close move in the kernel, which will not report it, so the engine reads the state words.
     */
    private static boolean closing(AgentFlow f) {
        return f.inKernel && f.finPastKernel && (f.clientFin || f.serverFin);
    }

    /**
     * One record of the programs' ring buffer (struct agent_event), on the flow's worker: a close
     * ends the flow as a close the engine saw itself would (linger, then CLOSED and the entries
     * removed). An event for no flow here, or whose state words do not show the close, is counted.
     */
    public void onKernelEvent(byte[] b, int off, int len, long now) {
        if (len < AgentEvent.LENGTH || AgentEvent.kind(b, off) != AgentEvent.KIND_CLOSED) {
            counters.kernelCloseEventsUnmatched++;
            return;
        }
        AgentFlow f = flows.get(Sharding.key(AgentEvent.clientAddress(b, off), AgentEvent.clientPort(b, off)));
        if (f == null || !f.inKernel || f.state != AgentFlow.State.ESTABLISHED || f.vipAddress != AgentEvent.vipAddress(b, off)
                || f.vipPort != AgentEvent.vipPort(b, off)) {
            counters.kernelCloseEventsUnmatched++;
            return;
        }
        if (refreshFromKernel(f)) {
            f.lastActivityNanos = now;
        }
        checkClosed(f, now);
        if (f.state == AgentFlow.State.ESTABLISHED && flows.get(f.key) == f) {
            counters.kernelCloseEventsUnmatched++;
            LOG.debug("{}: close event, but the state words show no close yet", f);
        } else {
            counters.kernelCloseEvents++;
        }
    }

    private void pollWhileClosing(AgentFlow f, long now) {
        if (f.state == AgentFlow.State.ESTABLISHED && closing(f) && flows.get(f.key) == f
                && f.deadlineNanos() > now + KERNEL_CLOSE_POLL_NANOS) {
            timers.schedule(f, now + KERNEL_CLOSE_POLL_NANOS);
        }
    }

    /**
     * Takes over a flow a previous run of the agent left in the kernel (docs/kernel-datapath.md,
     * "Restarts"): rebuilt from its record and its two entries, established, with the kernel's
     * state words as its counters. False when it cannot be held (the endpoint is taken, the flow
     * budget is spent); the caller then removes its entries.
     */
    public boolean adopt(KernelFlowEntry e, long now) {
        FlowTransform t = e.transform;
        long key = Sharding.key(t.clientAddress(), t.clientPort());
        if (flows.get(key) != null || !budget.tryAcquire()) {
            return false;
        }
        FlowIdentity identity = FlowIdentity.ipv4(t.clientAddress(), t.clientPort(), t.vipAddress(), t.vipPort());
        AgentFlow f = new AgentFlow(key, identity, t.clientAddress(), t.clientPort(), t.vipAddress(), t.vipPort(), t.serverPort(),
                e.directorAddress, e.directorPort, e.handoffId, e.attempt, e.token, e.clientIsn, e.directorIsn, NO_REQUEST,
                e.clientWindow, e.clientMss, e.clientShift, e.directorShift, e.sackPermitted, e.timestamps, e.tsRecent,
                e.directorTsVal, e.startedNanos);
        if (!flows.put(key, f)) {
            budget.release();
            return false;
        }
        f.lastActivityNanos = now;
        f.serverIsn = e.serverIsn;
        f.stackShift = e.stackShift;
        f.scalingOnB = e.scalingOnB;
        f.timestampsOnB = e.timestampsOnB;
        f.stackMss = e.stackMss;
        f.synAckTsVal = e.synAckTsVal;
        f.transform = t;
        f.clientEnd = SeqNumber.add(e.clientIsn, 1 + e.requestLength);
        f.serverEnd = SeqNumber.max(SeqNumber.add(e.serverIsn, 1), e.serverNext);
        f.serverNext = e.serverNext;
        f.serverNextAtLastClientData = SeqNumber.add(e.serverIsn, 1);
        f.stackAck = e.serverAck;
        f.windowToClient = e.window;
        f.lastTsValToClient = e.lastTsVal;
        f.nextRequestSeq = f.requestEnd;
        f.state = AgentFlow.State.ESTABLISHED;
        f.inKernel = true;
        f.clientAckPastKernel = e.clientAck;
        f.kernelSeen(e.serverNext, e.lastTsVal, e.serverAck, e.window, e.state.packetsDelivered);
        // A retransmitted HANDOFF of the flow (the director did not get the first answer) gets one.
        f.answer = encoder.encode(new HandoffAck(f.identity, f.handoffId, OptionalInt.of(f.serverIsn),
                f.scalingOnB ? OptionalInt.of(f.stackShift) : OptionalInt.empty()));
        counters.kernelFlowsAdopted++;
        timers.schedule(f, now + idleNanos);
        return true;
    }

    /**
     * Stops holding every flow without ending it (a stop that keeps flows for the next run): flows
     * in the kernel keep their entries and are left to it, with no RST and no CLOSED; flows still
     * being set up, or kept in user space, are ended as {@link #closeAll} ends them. Returns how many
     * were left to the kernel.
     */
    public int leaveToKernel(long now) {
        List<AgentFlow> all = new ArrayList<>(flows.size());
        flows.forEachValue(all::add);
        int left = 0;
        for (AgentFlow f : all) {
            if (f.inKernel && f.state == AgentFlow.State.ESTABLISHED) {
                f.inKernel = false; // forget() leaves its entries
                forget(f);
                left++;
            } else if (f.answer == null) {
                refuse(f, NackReason.SHUTTING_DOWN, now, true, "agent stopping");
            } else {
                connectionB.resetStack(f);
                release(f, CloseReason.ABORTED, now, true);
            }
        }
        return left;
    }

    // ---------------------------------------------------------------- timers

    /** Advances timers (SYN and request retransmission, connect timeout, idle, linger). */
    public int onTick(long nowNanos) {
        int fired = timers.advance(nowNanos, onExpiry);
        refusals.expire(nowNanos);
        recallAnswers.expire(nowNanos);
        return fired;
    }

    private void expired(AgentFlow f, long now) {
        switch (f.state) {
            case SYN_SENT -> {
                if (now >= f.connectDeadlineNanos) {
                    refuse(f, NackReason.SERVER_TIMEOUT, now, true, "no SYN-ACK after " + f.synSends + " SYNs");
                } else {
                    connectionB.sendSyn(f, now);
                    timers.schedule(f, Math.min(now + connectionB.synIntervalNanos(), f.connectDeadlineNanos));
                }
            }
            case DELIVERING -> {
                if (now >= f.connectDeadlineNanos) {
                    refuse(f, NackReason.SERVER_TIMEOUT, now, true, "the request was not acknowledged in time");
                } else {
                    f.deliveryRetransmits++;
                    connectionB.resend(f);
                    timers.schedule(f, Math.min(now + connectionB.deliveryIntervalNanos(), f.connectDeadlineNanos));
                }
            }
            case ESTABLISHED -> {
                if (f.inKernel) {
                    // Its packets pass the agent by: the state words tell whether the flow moved.
                    if (refreshFromKernel(f)) {
                        f.lastActivityNanos = now;
                    }
                    checkClosed(f, now);
                    if (f.state != AgentFlow.State.ESTABLISHED || flows.get(f.key) != f) {
                        return;
                    }
                }
                long idleAt = f.lastActivityNanos + idleNanos;
                if (now >= idleAt) {
                    LOG.debug("{} idle for {} ms: reset", f, (now - f.lastActivityNanos) / 1_000_000);
                    connectionB.resetStack(f);
                    release(f, CloseReason.IDLE_TIMEOUT, now, true);
                } else {
                    timers.schedule(f, closing(f) ? Math.min(idleAt, now + KERNEL_CLOSE_POLL_NANOS) : idleAt);
                }
            }
            case LINGER -> release(f, f.closeReason, now, true);
            default -> throw new IllegalStateException(f.state.toString());
        }
    }

    // ---------------------------------------------------------------- endings

    /** Refuses a hand-off for which a flow exists: NACK, optionally a RST into the stack, free it. */
    private void refuse(AgentFlow f, NackReason reason, long now, boolean resetStack, String why) {
        if (resetStack) {
            connectionB.resetStack(f);
        }
        forget(f);
        refuse(f.identity, f.handoffId, reason, f.directorAddress, f.directorPort, now, why);
    }

    private void refuse(FlowIdentity identity, long id, NackReason reason, int address, int port, long now, String why) {
        counters.handoffsRefused[reason.ordinal()]++;
        rememberAndSend(refusals, id, new HandoffNack(identity, id, reason), address, port, now);
        LOG.debug("refused handoff id=0x{} {}: {} ({})", Long.toHexString(id), identity, reason, why);
    }

    /** Frees a flow that was accepted (or aborted): CLOSED to the director when {@code report}. */
    private void release(AgentFlow f, CloseReason reason, long now, boolean report) {
        forget(f);
        counters.flowsClosed[reason.ordinal()]++;
        if (report && f.answer != null) {
            long end = f.closedAtNanos != 0 ? f.closedAtNanos : now;
            byte[] closed = encoder.encode(new Closed(f.identity, f.bytesClientToServer(), f.bytesServerToClient(),
                    Math.max(0, (end - f.startedNanos) / 1_000_000L), reason));
            counters.closedSent++;
            sendControl(f.directorAddress, f.directorPort, closed, closed.length);
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("closed {} reason={} c2s={}B s2c={}B", f, reason, f.bytesClientToServer(), f.bytesServerToClient());
        }
    }

    /** Takes a flow out of the table, its timer, the flow budget and the held packets. */
    private void forget(AgentFlow f) {
        if (f.inKernel) {
            kernelFlows.remove(f.transform);
            f.inKernel = false;
            counters.kernelFlowsRemoved++;
        }
        flows.remove(f.key);
        timers.cancel(f);
        budget.release();
        dropHeld(f);
    }

    /**
     * Ends every flow (shutdown): a RST into the stack for each, CLOSED (ABORTED) for accepted
     * ones, NACK SHUTTING_DOWN for hand-offs not yet answered. Returns how many were open.
     */
    public int closeAll(long now) {
        List<AgentFlow> all = new ArrayList<>(flows.size());
        flows.forEachValue(all::add);
        for (AgentFlow f : all) {
            if (f.answer == null) {
                refuse(f, NackReason.SHUTTING_DOWN, now, true, "agent stopping");
            } else {
                connectionB.resetStack(f);
                release(f, CloseReason.ABORTED, now, true);
            }
        }
        return all.size();
    }

    // ---------------------------------------------------------------- helpers

    /** Keeps an answer in {@code memory} by the id it answers (for retransmissions) and sends it to the director. */
    private void rememberAndSend(AnswerMemory memory, long id, MessageBody answer, int address, int port, long now) {
        byte[] sent = memory.remember(id, answer, encoder, now);
        sendControl(address, port, sent, memory.length(sent));
    }

    /** Sends again the answer {@code memory} keeps for message {@code id}; false when it keeps none. */
    private boolean resendAnswer(AnswerMemory memory, long id, int address, int port) {
        byte[] answer = memory.answer(id);
        if (answer == null) {
            return false;
        }
        sendControl(address, port, answer, memory.length(answer));
        return true;
    }

    private void sendControl(int address, int port, byte[] datagram, int length) {
        if (!control.send(address, port, datagram, 0, length)) {
            counters.drops[AgentCounters.Drop.CONTROL_SEND_FAILED.ordinal()]++;
        }
    }

    /** Wraps the views over an IPv4/TCP packet; counts and returns false for anything else. */
    private boolean view(byte[] b, int off, int len) {
        if (len < 1 || ip.wrap(b, off, len).version() != Ipv4Packet.VERSION) {
            counters.drops[AgentCounters.Drop.NOT_IPV4.ordinal()]++;
            return false;
        }
        if (ip.check() != null) {
            counters.drops[AgentCounters.Drop.MALFORMED.ordinal()]++;
            return false;
        }
        if (ip.protocol() != InternetChecksum.PROTO_TCP) {
            counters.drops[AgentCounters.Drop.NOT_TCP.ordinal()]++;
            return false;
        }
        if (ip.isFragment()) {
            counters.drops[AgentCounters.Drop.FRAGMENT.ordinal()]++;
            return false;
        }
        if (tcp.wrap(b, ip.payloadOffset(), ip.payloadLength()).check() != null) {
            counters.drops[AgentCounters.Drop.MALFORMED.ordinal()]++;
            return false;
        }
        return true;
    }
}
