package org.handoff.director.handoff;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.handoff.director.config.PoolConfig;
import org.handoff.director.config.PoolMember;
import org.handoff.director.config.Server;
import org.handoff.director.io.BpfFilters;
import org.handoff.director.http.HeadParseResult;
import org.handoff.director.http.HttpHeadParser;
import org.handoff.director.http.ParsedRequest;
import org.handoff.director.http.RequestFraming;
import org.handoff.director.kernel.KernelFlows;
import org.handoff.director.routing.LoadCounter;
import org.handoff.director.routing.RouteDecision;
import org.handoff.director.routing.RoutingTable;
import org.handoff.director.tcp.FlowListener;
import org.handoff.director.tcp.TcpFlow;
import org.handoff.director.tcp.TcpTerminator;
import org.handoff.protocol.message.Abort;
import org.handoff.protocol.message.AbortReason;
import org.handoff.protocol.message.FlowIdentity;
import org.handoff.protocol.message.FlowMessageFlyweight;
import org.handoff.protocol.message.ForwardEncoder;
import org.handoff.protocol.message.HandbackFlyweight;
import org.handoff.protocol.message.Handoff;
import org.handoff.protocol.message.HandoffProtocol;
import org.handoff.protocol.message.HealthState;
import org.handoff.protocol.message.Heartbeat;
import org.handoff.protocol.message.MessageDecoder;
import org.handoff.protocol.message.MessageEncoder;
import org.handoff.protocol.message.MessageType;
import org.handoff.protocol.message.NegotiatedOptions;
import org.handoff.protocol.message.Recall;
import org.handoff.protocol.message.RecallNackFlyweight;
import org.handoff.protocol.message.TunnelFlyweight;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.transform.TcpSegmentSplitter;
import org.handoff.protocol.util.TimerWheel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The director's hand-off layer for one worker: parses each flow's request as it arrives,
 * routes it, sends one HANDOFF datagram to the chosen origin's agent and retransmits it until
 * the agent answers, fails over to the next origin of the pool while that is safe, and after
 * the agent's acknowledgement forwards the client's packets in FORWARD datagrams.
 *
 * <p>Failover is safe only while the first origin cannot be sending: on a NACK, or when
 * retransmissions run out with no client ACK above the director's SND.NXT. Once such an ACK
 * has been seen the origin is answering the client, so the flow is never moved; a timeout then
 * counts as acceptance.
 *
 * <p>Every later request on the connection is routed too (hand-back, docs/architecture.md):
 * from the request's framing the terminator is armed at where the next request begins; that
 * request's packets are held while its head is read and routed. Routed to the connection's
 * origin, they go on to it. Routed elsewhere, the agent is asked for the connection back
 * (RECALL, retransmitted like HANDOFF); with its HANDBACK the director owns connection A again
 * and hands the request off as any other. A request sent before the previous response arrived
 * (pipelined), or one the agent says is early (RECALL_NACK RESPONSE_PENDING), stays with the
 * connection's origin, and so do all later ones (the connection is pinned).
 */
public final class HandoffCoordinator implements FlowListener<HandoffCoordinator.Attempt> {
    private static final Logger DECISIONS = LoggerFactory.getLogger("handoff.decisions");
    private static final Logger LOG = LoggerFactory.getLogger(HandoffCoordinator.class);
    private static final long TICK_NANOS = 5_000_000L;
    private static final long PROBE_INTERVAL_NANOS = 1_000_000_000L;

    /**
     * Hand-off state attached to a flow ({@link TcpFlow#attachment()}); also the flow's hand-off
     * timer. Public only to name the type of that state ({@code TcpFlow<Attempt>}); opaque
     * outside this package.
     */
    public static final class Attempt extends TimerWheel.Node {
        final TcpFlow<Attempt> flow;
        final FlowIdentity identity;
        final RouteDecision decision;
        final String requestLine;
        final String host;
        final long startedNanos;
        /** Where this request ends, for where the next one begins. */
        final RequestFraming framing;
        /** This request's place on its connection, from 1. */
        final int requestIndex;
        /** The origin the connection had before this request moved it, or null. */
        final String from;
        int candidate;
        int attempt;
        Server server;
        InetSocketAddress agent;
        byte[] datagram;
        long messageId;
        /** The current HANDOFF attempt's flow token (0 before the first): what TUNNEL packets of this flow carry. */
        long flowToken;
        long candidateStartedNanos;
        long nextDelayNanos;
        boolean accepted;
        /** While the connection's next request is read (NEXT_HEAD) or being taken back (RECALLING). */
        Phase phase = Phase.NONE;
        long phaseStartedNanos;
        /** The RECALL sent for the next request: kept and resent as is, like a HANDOFF. */
        byte[] recall;
        long recallId;
        /** The next request a RECALL is out for, and where the rules send it. */
        ParsedRequest nextRequest;
        RouteDecision nextDecision;
        /** No later request on the connection is routed: its kernel entry tunnels every packet. */
        boolean pinned;
        /** The flow has an entry in the kernel flow map (kernel path), written by this coordinator. */
        boolean kernelEntry;
        /** The entry's packet counter when last read: an idle flow whose counter moved is alive. */
        long kernelPackets;

        Attempt(TcpFlow<Attempt> flow, FlowIdentity identity, RouteDecision decision, String requestLine, String host,
                RequestFraming framing, int requestIndex, String from, long now) {
            this.flow = flow;
            this.identity = identity;
            this.decision = decision;
            this.requestLine = requestLine;
            this.host = host;
            this.framing = framing;
            this.requestIndex = requestIndex;
            this.from = from;
            this.startedNanos = now;
        }

        /**
         * The flow token of the HANDOFF attempt in flight or accepted, never 0 once one was sent:
         * what the director's kernel flow entry stores so its TUNNEL packets carry it. Each new
         * attempt (another origin, a hand-off after a hand-back) draws a new one.
         */
        public long flowToken() {
            return flowToken;
        }
    }

    /** What an accepted attempt's timer is for, once its hand-off is done. */
    enum Phase {
        NONE,
        /** The client's next request is arriving: its head must be complete within timeouts.request. */
        NEXT_HEAD,
        /** A RECALL is out for the next request: retransmitted until the agent answers or handoff.deadline passes. */
        RECALLING
    }

    private final Supplier<RoutingTable> routing;
    private final HttpHeadParser parser;
    private final MessageEncoder encoder;
    private final ForwardEncoder forward;
    private final FlowTokens flowTokens;
    private final AgentChannel channel;
    /** Read once per attempt step, so a reload applies to the next send and deadline check. */
    private final Supplier<HandoffSettings> settings;
    private final LoadCounter load;
    private final HandoffCounters counters = new HandoffCounters();
    private final TimerWheel timers;
    private final TimerWheel.ExpiryHandler<Attempt> onExpiry = this::expired;
    private final TcpSegmentSplitter splitter = new TcpSegmentSplitter();
    private final TcpSegmentSplitter.PieceSink appendPiece = this::appendPiece;
    private final byte[] forwardBuffer = new byte[65_536];
    /** One TUNNEL datagram: a client packet of a flow with a kernel entry (see {@link #onForward}). */
    private final byte[] tunnelBuffer = new byte[HandoffProtocol.MAX_DATAGRAM_LENGTH];
    private final TunnelFlyweight tunnel = new TunnelFlyweight();
    /** Created by this coordinator, with it as the listener: they need no setter to find each other. */
    private final TcpTerminator<Attempt> terminator;
    /** The flows (accepted or waiting) of each agent, to reset or move them when it is lost. */
    private final Map<InetSocketAddress, Set<Attempt>> flowsByAgent = new HashMap<>();
    private final byte[] probe = new byte[512];
    private final long startedNanos;
    private long nextProbeNanos;
    /** The flow whose FORWARD datagram is being filled, or null. */
    private Attempt forwarding;
    private long forwardNow;
    private DecisionListener decisions = DecisionListener.NONE;
    /** The XDP program's flow map (kernel path), or NONE. */
    private KernelFlows kernelFlows = KernelFlows.NONE;
    /** The directors' cluster (STARTED, HANDED_OFF, ENDED), or NONE. */
    private FlowAnnouncer announcer = FlowAnnouncer.NONE;
    /** Agents found unreachable and not answering since, within handoff.agent-restart-grace: when first reported. */
    private final Map<InetSocketAddress, Long> unreachable = new HashMap<>();

    /**
     * @param terminators builds connection A's terminator, which this coordinator owns and listens to
     * @param routing the routing table, read at each request (a reload swaps it)
     * @param flowTokens draws each HANDOFF attempt's flow token
     * @param settings hand-off timing, read at each use (a reload swaps it)
     */
    public HandoffCoordinator(TcpTerminator.Factory<Attempt> terminators, Supplier<RoutingTable> routing,
                              HttpHeadParser parser, MessageEncoder encoder, ForwardEncoder forward, FlowTokens flowTokens,
                              AgentChannel channel, Supplier<HandoffSettings> settings, LoadCounter load, long nowNanos) {
        this.routing = routing;
        this.parser = parser;
        this.encoder = encoder;
        this.forward = forward;
        this.flowTokens = flowTokens;
        this.channel = channel;
        this.settings = settings;
        this.load = load;
        this.timers = new TimerWheel(TICK_NANOS, 512, nowNanos);
        this.startedNanos = nowNanos;
        this.nextProbeNanos = nowNanos + PROBE_INTERVAL_NANOS;
        // Last, once every field is set: the terminator keeps its listener and calls it only
        // from its own methods, never while it is being built.
        this.terminator = terminators.create(this);
    }

    /** Connection A for this worker: the terminator this coordinator listens to. */
    public TcpTerminator<Attempt> terminator() {
        return terminator;
    }

    /** Who else hears each request's decision (besides the {@code handoff.decisions} log); replay's pipeline sets it. */
    public void decisionListener(DecisionListener listener) {
        this.decisions = listener == null ? DecisionListener.NONE : listener;
    }

    /** Where handed-off flows' entries go on the kernel path (NONE, the default: the user path). */
    public void kernelFlows(KernelFlows flows) {
        this.kernelFlows = flows == null ? KernelFlows.NONE : flows;
    }

    /** Who hears of this worker's flows starting, handed off and ending (the cluster); NONE, the default: nobody. */
    public void announcer(FlowAnnouncer announcer) {
        this.announcer = announcer == null ? FlowAnnouncer.NONE : announcer;
    }

    /** Sends what this duty cycle announced to the cluster (the worker calls it once a cycle). */
    public int flushAnnouncements() {
        return announcer.flush();
    }

    public HandoffCounters counters() {
        return counters;
    }

    public int pendingHandoffs() {
        return timers.size();
    }

    // ---- requests --------------------------------------------------------------------------

    /** This director terminates the flow now: the other directors send its packets here. */
    @Override
    public void onEstablished(TcpFlow<Attempt> flow, long nowNanos) {
        announcer.started(flow.clientAddress(), flow.clientPort(), flow.vipAddress(), flow.vipPort());
    }

    @Override
    public void onRequestData(TcpFlow<Attempt> flow, long nowNanos) {
        HeadParseResult result = parser.parse(flow.requestBytes(), 0, flow.requestLength());
        switch (result.status()) {
            case NEED_MORE -> {
                if (flow.requestLength() >= parser.maxHeadBytes()) {
                    reject(flow, 431, "Request Header Fields Too Large", HandoffCounters.RequestOutcome.HEAD_TOO_LARGE,
                            "head over " + parser.maxHeadBytes() + " bytes", nowNanos);
                }
            }
            case TOO_LARGE -> reject(flow, 431, "Request Header Fields Too Large", HandoffCounters.RequestOutcome.HEAD_TOO_LARGE,
                    result.reason(), nowNanos);
            case MALFORMED -> reject(flow, 400, "Bad Request", HandoffCounters.RequestOutcome.BAD_REQUEST, result.reason(),
                    nowNanos);
            case COMPLETE -> route(flow, result.request(), nowNanos);
            default -> throw new IllegalStateException(result.toString());
        }
    }

    private void route(TcpFlow<Attempt> flow, ParsedRequest request, long nowNanos) {
        RouteDecision decision = routing.get().route(request);
        String line = requestLine(request);
        FlowIdentity identity = FlowIdentity.ipv4(flow.clientAddress(), flow.clientPort(), flow.vipAddress(), flow.vipPort());
        Attempt previous = flow.attachment(); // the request before, when the connection came back from its agent
        Attempt a = new Attempt(flow, identity, decision, line, request.host(), RequestFraming.of(request),
                previous == null ? 1 : previous.requestIndex + 1, previous == null ? null : previous.server.name(), nowNanos);
        flow.attach(a);
        a.candidate = -1;
        // The request's ACK waits for the agent, whose origin acknowledges it (or for the delay).
        terminator.startHandoff(flow, nowNanos, settings.get().requestAckDelay().toNanos());
        nextCandidate(a, nowNanos);
    }

    /** Moves to the next origin of the pool, or answers 503 when none is left. */
    private void nextCandidate(Attempt a, long nowNanos) {
        long deadline = a.startedNanos + settings.get().deadline().toNanos();
        a.candidate++;
        if (a.candidate >= a.decision.candidates().size() || nowNanos >= deadline) {
            counters.count(HandoffCounters.RequestOutcome.NO_ORIGIN);
            decision(a, "none", "503: tried " + a.candidate + " of " + a.decision.candidates().size(), nowNanos);
            decisions.onDecision(new DecisionListener.Decision(a.flow.clientAddress(), a.flow.clientPort(),
                    a.flow.vipAddress(), a.flow.vipPort(), a.requestLine, a.host, a.decision.rule(), a.decision.pool(), null,
                    a.attempt, HandoffCounters.RequestOutcome.NO_ORIGIN, 503,
                    nowNanos >= deadline ? "deadline passed after " + a.attempt + " attempt(s)"
                            : "no origin left: tried " + a.candidate + " of " + a.decision.candidates().size(),
                    nowNanos - a.startedNanos));
            a.flow.attach(null);
            track(a, null);
            terminator.answerAndClose(a.flow, response(503, "Service Unavailable", "no origin accepted the request"), nowNanos);
            return;
        }
        a.attempt++;
        a.server = a.decision.candidates().get(a.candidate);
        track(a, a.server.agent().toSocketAddress());
        TcpFlow<Attempt> f = a.flow;
        byte[] request = java.util.Arrays.copyOf(f.requestBytes(), f.requestLength());
        NegotiatedOptions options = new NegotiatedOptions(f.clientMss(),
                f.clientShift() >= 0 ? f.clientShift() : NegotiatedOptions.NO_WINDOW_SCALING,
                f.clientShift() >= 0 ? f.directorShift() : NegotiatedOptions.NO_WINDOW_SCALING,
                f.sackPermitted(), f.timestamps(), f.timestamps() ? f.tsRecent() : 0, f.timestamps() ? f.tsVal(nowNanos) : 0);
        // A new token per attempt: an agent that was tried before and dropped the flow cannot
        // be fed TUNNEL packets with the old one, and an old flow entry's token dies with it.
        a.flowToken = flowTokens.next();
        Handoff handoff = new Handoff(a.identity, a.server.service().address(), a.server.service().port(), a.attempt,
                // Client ISN and Director ISN: the bytes before the request's first and before the
                // director's next (the ISNs themselves on a connection's first hand-off; after a
                // hand-back, what keeps both directions' numbers in step with connection A's).
                SeqNumber.of(SeqNumber.sub(f.requestStart(), 1)), SeqNumber.of(SeqNumber.sub(f.sendNext(), 1)),
                SeqNumber.of(f.receiveNext()), SeqNumber.of(f.sendNext()), f.clientWindow(), options, a.flowToken, request);
        a.datagram = encoder.encode(handoff); // exactly sized: kept and resent as is
        a.messageId = encoder.lastMessageId();
        a.candidateStartedNanos = nowNanos;
        a.nextDelayNanos = settings.get().retransmitInitial().toNanos();
        send(a, a.datagram);
        counters.count(a.server.name(), HandoffCounters.OriginEvent.SENT);
        timers.schedule(a, Math.min(nowNanos + a.nextDelayNanos, deadline));
    }

    private void expired(Attempt a, long nowNanos) {
        if (a.flow.attachment() != a) {
            return;
        }
        if (a.accepted) {
            switch (a.phase) {
                case NEXT_HEAD -> keepNextRequest(a, HandoffCounters.PinReason.UNPARSED_REQUEST, null, null,
                        "no complete head within timeouts.request", nowNanos);
                case RECALLING -> recallExpired(a, nowNanos);
                default -> { }
            }
            return;
        }
        long deadline = a.startedNanos + settings.get().deadline().toNanos();
        int left = a.decision.candidates().size() - a.candidate;
        long candidateBudget = Math.max(settings.get().retransmitInitial().toNanos() * 3, (deadline - a.candidateStartedNanos) / left);
        if (nowNanos - a.candidateStartedNanos < candidateBudget && nowNanos < deadline) {
            counters.count(a.server.name(), HandoffCounters.OriginEvent.RETRANSMITTED);
            send(a, a.datagram); // same message id and bytes: the agent answers it again, never twice
            a.nextDelayNanos = Math.min(a.nextDelayNanos * 2, settings.get().retransmitMax().toNanos());
            timers.schedule(a, Math.min(nowNanos + a.nextDelayNanos, deadline));
            return;
        }
        counters.count(a.server.name(), HandoffCounters.OriginEvent.TIMED_OUT);
        if (a.flow.originProvenSending()) {
            // The client is acknowledging the origin's bytes: the agent has the flow; its ack was lost.
            accept(a, nowNanos, "accepted (ack lost; client acknowledged origin data)");
            return;
        }
        abortAt(a, AbortReason.HANDOFF_TIMEOUT);
        nextCandidate(a, nowNanos);
    }

    /** The agent's answers, decoded by the caller; looked up by flow identity and message id. */
    public void onAgentMessage(MessageDecoder m, long nowNanos) {
        onAgentMessage(m, null, nowNanos);
    }

    /**
     * The same, from agent {@code from} (null where the transport does not know it): a HEARTBEAT,
     * the agent's answer to the probe, tells an agent found unreachable is back.
     */
    public void onAgentMessage(MessageDecoder m, InetSocketAddress from, long nowNanos) {
        if (m.type() == MessageType.HEARTBEAT) {
            agentAnswered(from);
            return;
        }
        dispatch(m, nowNanos);
        flush(); // an acceptance releases held packets
    }

    private void dispatch(MessageDecoder m, long nowNanos) {
        FlowMessageFlyweight flow = m.flow();
        switch (m.type()) {
            case HANDOFF_ACK -> {
                Attempt a = attemptFor(flow);
                if (a == null || a.messageId != m.handoffAck().ackedMessageId()) {
                    counters.staleAcks++;
                    return;
                }
                if (!a.accepted) {
                    accept(a, nowNanos, "accepted");
                }
            }
            case HANDOFF_NACK -> {
                Attempt a = attemptFor(flow);
                if (a == null || a.accepted || a.messageId != m.handoffNack().ackedMessageId()) {
                    counters.staleAcks++;
                    return;
                }
                counters.count(a.server.name(), HandoffCounters.OriginEvent.NACKED);
                LOG.debug("{} refused {}: {}", a.server.name(), a.identity, m.handoffNack().reason());
                if (a.flow.originProvenSending()) {
                    accept(a, nowNanos, "accepted despite NACK (client acknowledged origin data)");
                    return;
                }
                timers.cancel(a);
                nextCandidate(a, nowNanos);
            }
            case HANDBACK -> handedBack(m, nowNanos);
            case RECALL_NACK -> recallRefused(m, nowNanos);
            case CLOSED -> {
                TcpFlow<Attempt> f = flowFor(flow);
                if (f == null) {
                    counters.unknownFlowMessages++;
                } else if (!terminator.release(f, nowNanos)) {
                    counters.staleAcks++; // a new connection on the port, not yet with any agent
                }
            }
            default -> counters.unknownFlowMessages++;
        }
    }

    private TcpFlow<Attempt> flowFor(FlowMessageFlyweight m) {
        int vip = terminator.vipIndex(m.vipIpv4(), m.vipPort());
        return vip < 0 ? null : terminator.flow(m.clientIpv4(), m.clientPort(), vip);
    }

    private Attempt attemptFor(FlowMessageFlyweight m) {
        TcpFlow<Attempt> f = flowFor(m);
        Attempt a = f == null ? null : f.attachment();
        if (a == null) {
            counters.unknownFlowMessages++;
        }
        return a;
    }

    private void accept(Attempt a, long nowNanos, String how) {
        a.accepted = true;
        timers.cancel(a);
        counters.count(a.server.name(), HandoffCounters.OriginEvent.ACKED);
        counters.count(HandoffCounters.RequestOutcome.HANDED_OFF);
        load.handedOff(a.server);
        String outcome = a.from == null ? how : how + ", moved from " + a.from;
        decision(a, a.server.name(), outcome, nowNanos);
        decisions.onDecision(new DecisionListener.Decision(a.flow.clientAddress(), a.flow.clientPort(), a.flow.vipAddress(),
                a.flow.vipPort(), a.requestLine, a.host, a.decision.rule(), a.decision.pool(), a.server.name(), a.attempt,
                HandoffCounters.RequestOutcome.HANDED_OFF, 0, outcome, nowNanos - a.startedNanos));
        // Armed first: held packets that already carry the next request are held again.
        armAfter(a, a.flow.requestLength(), a.flow.sendNext());
        // From now on the kernel path carries its ACKs (or, pinned, everything); the client has
        // acknowledged up to the director's SND.NXT (what the terminator takes as its last ack).
        writeKernelEntry(a, a.flow.sendNext());
        announceHandedOff(a);
        terminator.handoffAccepted(a.flow, nowNanos); // releases held packets through onForward
    }

    // ---- the next request on a handed-off connection ---------------------------------------

    /**
     * Arms the terminator at the end of {@code a}'s request, or pins the connection when that
     * end is not followed (chunked body, Upgrade) or the client already sent more than the
     * request ({@code received} bytes from the request's start): a pipelined request.
     *
     * @param ackAtEnd the ack field of the segment that carried the request's last byte so far
     */
    private void armAfter(Attempt a, int received, int ackAtEnd) {
        TcpFlow<Attempt> flow = a.flow;
        switch (a.framing.kind()) {
            case CHUNKED -> pin(a, HandoffCounters.PinReason.CHUNKED_BODY);
            case UPGRADE -> pin(a, HandoffCounters.PinReason.UPGRADE);
            case CLOSE -> terminator.disarmNextRequest(flow); // the origin closes after it: no next request
            default -> {
                if (a.framing.requestLength() >= MAX_FOLLOWED_REQUEST_BYTES) {
                    pin(a, HandoffCounters.PinReason.LARGE_BODY);
                } else if (received > a.framing.requestLength()) {
                    pin(a, HandoffCounters.PinReason.PIPELINED);
                } else {
                    terminator.armNextRequest(flow, SeqNumber.add(flow.requestStart(), (int) a.framing.requestLength()),
                            ackAtEnd);
                }
            }
        }
    }

    /**
     * The longest request whose end is followed. Its end is compared with the client's sequence
     * numbers, which order only within 2^31; 1 GiB leaves room for the client's window, and an
     * upload that large pays nothing for staying where it is.
     */
    static final long MAX_FOLLOWED_REQUEST_BYTES = 1L << 30;

    private void pin(Attempt a, HandoffCounters.PinReason reason) {
        counters.count(reason);
        terminator.disarmNextRequest(a.flow);
        a.pinned = true;
        if (a.kernelEntry) {
            // No request needs routing any more: every packet may go by the kernel.
            writeKernelEntry(a, a.flow.lastClientAck());
        }
        LOG.debug("{} pinned to {}: {}", a.identity, a.server == null ? "-" : a.server.name(), reason);
    }

    /**
     * The connection's next request began, or more of it arrived (NEXT_REQUEST): its deadline
     * starts with the first call, then its head is read and routed. The terminator keeps no
     * timer in this state, so without that deadline a next request whose first segment was
     * lost would hold the flow and its packets until the agent's idle CLOSED.
     */
    @Override
    public void onNextRequestData(TcpFlow<Attempt> flow, long nowNanos) {
        Attempt a = flow.attachment();
        if (a == null || !a.accepted || a.phase == Phase.RECALLING) {
            return; // a RECALL is out: the head was routed already; more bytes wait with it
        }
        if (a.phase == Phase.NONE) {
            a.phase = Phase.NEXT_HEAD;
            a.phaseStartedNanos = nowNanos;
            timers.schedule(a, nowNanos + terminator.requestTimeoutNanos());
        }
        if (flow.requestLength() == 0) {
            return;
        }
        HeadParseResult result = parser.parse(flow.requestBytes(), 0, flow.requestLength());
        switch (result.status()) {
            case NEED_MORE -> {
                if (flow.requestLength() >= parser.maxHeadBytes()) {
                    keepNextRequest(a, HandoffCounters.PinReason.UNPARSED_REQUEST, null, null,
                            "head over " + parser.maxHeadBytes() + " bytes", nowNanos);
                }
            }
            case TOO_LARGE, MALFORMED -> keepNextRequest(a, HandoffCounters.PinReason.UNPARSED_REQUEST, null, null,
                    result.reason(), nowNanos);
            case COMPLETE -> routeNextRequest(a, result.request(), nowNanos);
            default -> throw new IllegalStateException(result.toString());
        }
    }

    private void routeNextRequest(Attempt a, ParsedRequest request, long nowNanos) {
        TcpFlow<Attempt> flow = a.flow;
        RouteDecision decision = routing.get().route(request);
        if (decision.keeps(a.server)) {
            keepNextRequest(a, null, request, decision, "kept", nowNanos);
        } else if (flow.nextRequestAck() == flow.ackAtRequestEnd()) {
            // Sent before any of the previous response arrived: moving it could reorder responses.
            keepNextRequest(a, HandoffCounters.PinReason.PIPELINED, request, decision, "pipelined", nowNanos);
        } else {
            a.nextRequest = request;
            a.nextDecision = decision;
            recall(a, nowNanos);
        }
    }

    /**
     * The next request goes to the connection's origin: as routed ({@code pin} null), or
     * because the connection is pinned now. Its held packets are forwarded; a new attempt
     * (already accepted) stands for it, armed at its end when it is followed.
     *
     * @param request the request, or null when its head could not be read (then nothing after it is followed)
     * @param decision where the rules send it (null with no request)
     */
    private void keepNextRequest(Attempt a, HandoffCounters.PinReason pin, ParsedRequest request, RouteDecision decision,
                                 String how, long nowNanos) {
        TcpFlow<Attempt> flow = a.flow;
        endPhase(a);
        Attempt next = a;
        if (request != null) {
            next = new Attempt(flow, a.identity, decision, requestLine(request), request.host(), RequestFraming.of(request),
                    a.requestIndex + 1, null, nowNanos);
            next.accepted = true;
            next.server = a.server;
            next.attempt = a.attempt;
            next.messageId = a.messageId;
            next.flowToken = a.flowToken;
            next.kernelEntry = a.kernelEntry;
            next.kernelPackets = a.kernelPackets;
            InetSocketAddress agent = a.agent;
            track(a, null);
            track(next, agent);
            if (forwarding == a) {
                forwarding = next; // the FORWARD being filled goes on for this flow
            }
            flow.attach(next);
        }
        HandoffCounters.RequestOutcome outcome = pin == null ? HandoffCounters.RequestOutcome.KEPT
                : HandoffCounters.RequestOutcome.PINNED;
        counters.count(outcome);
        String text = pin == null ? how : "pinned (" + pin.name().toLowerCase(java.util.Locale.ROOT) + "): " + how;
        if (request != null) {
            decision(next, next.server.name(), text, nowNanos);
            if (decisions != DecisionListener.NONE) { // replay listens; a live worker allocates nothing for it
                decisions.onDecision(new DecisionListener.Decision(flow.clientAddress(), flow.clientPort(), flow.vipAddress(),
                        flow.vipPort(), next.requestLine, next.host, next.decision.rule(), next.decision.pool(), next.server.name(),
                        next.attempt, outcome, 0, text, 0));
            }
        } else {
            DECISIONS.info("client={}:{} req={} origin={} outcome=\"{}\"", ipv4(flow.clientAddress()), flow.clientPort(),
                    a.requestIndex + 1, a.server.name(), text);
        }
        if (pin != null) {
            pin(next, pin);
        } else {
            armAfter(next, flow.requestLength(), flow.nextRequestAck());
        }
        terminator.releaseNextRequest(flow, nowNanos);
    }

    /** Asks the connection's agent to give it back, so the next request can go to another origin. */
    private void recall(Attempt a, long nowNanos) {
        TcpFlow<Attempt> flow = a.flow;
        timers.cancel(a);
        a.phase = Phase.RECALLING;
        a.phaseStartedNanos = nowNanos;
        a.recall = encoder.encode(new Recall(a.identity, a.messageId, SeqNumber.of(flow.requestStart()),
                SeqNumber.of(flow.lastClientAck())));
        a.recallId = encoder.lastMessageId();
        a.nextDelayNanos = settings.get().retransmitInitial().toNanos();
        counters.count(a.server.name(), HandoffCounters.OriginEvent.RECALLED);
        send(a, a.recall);
        timers.schedule(a, nowNanos + a.nextDelayNanos);
    }

    private void recallExpired(Attempt a, long nowNanos) {
        long deadline = a.phaseStartedNanos + settings.get().deadline().toNanos();
        if (nowNanos < deadline) {
            counters.count(a.server.name(), HandoffCounters.OriginEvent.RETRANSMITTED);
            send(a, a.recall); // same id and bytes: the agent answers it again, the same way
            a.nextDelayNanos = Math.min(a.nextDelayNanos * 2, settings.get().retransmitMax().toNanos());
            timers.schedule(a, Math.min(nowNanos + a.nextDelayNanos, deadline));
            return;
        }
        counters.count(a.server.name(), HandoffCounters.OriginEvent.TIMED_OUT);
        abortAt(a, AbortReason.HANDOFF_TIMEOUT);
        resetConnection(a, "the agent did not answer RECALL within handoff.deadline", nowNanos);
    }

    /** The connection cannot go on: its origin no longer has it, or its agent does not answer. */
    private void resetConnection(Attempt a, String why, long nowNanos) {
        endPhase(a);
        noteKernelAck(a);
        deleteKernelEntry(a); // the client's packets must reach Java, which answers them with RSTs
        counters.count(HandoffCounters.RequestOutcome.RESET);
        DECISIONS.info("client={}:{} req={} origin={} outcome=\"reset: {}\"", ipv4(a.flow.clientAddress()),
                a.flow.clientPort(), a.requestIndex + 1, a.server.name(), why);
        terminator.resetClient(a.flow, nowNanos);
    }

    /** The next request's phase is over (kept, taken back or reset): its timer and what it kept go. */
    private void endPhase(Attempt a) {
        timers.cancel(a);
        a.phase = Phase.NONE;
        a.nextRequest = null;
        a.nextDecision = null;
    }

    private Attempt recallingAttempt(FlowMessageFlyweight flow, long recallId) {
        Attempt a = attemptFor(flow);
        if (a == null || a.phase != Phase.RECALLING || a.recallId != recallId) {
            counters.staleAcks++;
            return null;
        }
        return a;
    }

    /** HANDBACK: the connection is the director's again; its next request goes out as a new hand-off. */
    private void handedBack(MessageDecoder m, long nowNanos) {
        HandbackFlyweight h = m.handback();
        Attempt a = recallingAttempt(m.flow(), h.recallMessageId());
        if (a == null) {
            return;
        }
        endPhase(a);
        counters.count(a.server.name(), HandoffCounters.OriginEvent.HANDED_BACK);
        load.closed(a.server);
        deleteKernelEntry(a); // the director terminates connection A again; the next HANDOFF writes a new entry
        announcer.started(a.flow.clientAddress(), a.flow.clientPort(), a.flow.vipAddress(), a.flow.vipPort());
        if (forwarding == a) {
            flush();
        }
        track(a, null);
        // The request routes again as a new one (the same rules, so the same decision unless a
        // reload came between), with this attempt as the one before it.
        terminator.resume(a.flow, h.serverNextSeq(), h.timestamps(), h.lastTsVal(), h.serverWindow(), nowNanos);
    }

    private void recallRefused(MessageDecoder m, long nowNanos) {
        RecallNackFlyweight n = m.recallNack();
        Attempt a = recallingAttempt(m.flow(), n.recallMessageId());
        if (a == null) {
            return;
        }
        counters.count(a.server.name(), HandoffCounters.OriginEvent.RECALL_REFUSED);
        switch (n.reason()) {
            case RESPONSE_PENDING -> keepNextRequest(a, HandoffCounters.PinReason.PIPELINED, a.nextRequest, a.nextDecision,
                    "the previous response was not complete", nowNanos);
            case CLOSING -> keepNextRequest(a, HandoffCounters.PinReason.CLOSING, a.nextRequest, a.nextDecision,
                    "the connection was closing", nowNanos);
            default -> resetConnection(a, "the agent refused the RECALL: " + n.reason(), nowNanos);
        }
    }

    private static String requestLine(ParsedRequest request) {
        return request.method() + " " + request.target() + " " + request.version().text();
    }

    private void abortAt(Attempt a, AbortReason reason) {
        counters.count(a.server.name(), HandoffCounters.OriginEvent.ABORTED);
        send(a, encoder.encode(new Abort(a.identity, reason)));
    }

    private void reject(TcpFlow<Attempt> flow, int status, String text, HandoffCounters.RequestOutcome outcome, String why,
                        long nowNanos) {
        counters.count(outcome);
        DECISIONS.info("client={}:{} status={} reason=\"{}\"", ipv4(flow.clientAddress()), flow.clientPort(), status, why);
        decisions.onDecision(new DecisionListener.Decision(flow.clientAddress(), flow.clientPort(), flow.vipAddress(),
                flow.vipPort(), null, null, null, null, null, 0, outcome, status, why, 0));
        terminator.answerAndClose(flow, response(status, text, why), nowNanos);
    }

    private static byte[] response(int status, String text, String why) {
        String body = status + " " + text + "\n";
        return ("HTTP/1.1 " + status + " " + text + "\r\nContent-Type: text/plain\r\nContent-Length: " + body.length()
                + "\r\nConnection: close\r\nX-Handoff-Reason: " + why.replaceAll("[\\r\\n]", " ") + "\r\n\r\n" + body)
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * One line per request, like an access log: its connection (client:port) and place on it,
     * what it asked for, where it went, how it ended.
     */
    private void decision(Attempt a, String origin, String outcome, long nowNanos) {
        if (!DECISIONS.isInfoEnabled()) {
            return; // not even the argument array: a kept request writes one line per request
        }
        DECISIONS.info("client={}:{} req={} request=\"{}\" host={} rule={} pool={} origin={} attempt={} outcome=\"{}\" ms={}",
                ipv4(a.flow.clientAddress()), a.flow.clientPort(), a.requestIndex, a.requestLine, a.host, a.decision.rule(),
                a.decision.pool(), origin, a.attempt, outcome, (nowNanos - a.startedNanos) / 1_000_000L);
    }

    private static String ipv4(int a) {
        return org.handoff.protocol.wire.Bytes.ipv4ToString(a);
    }

    private void send(Attempt a, byte[] datagram) {
        if (!channel.send(a.agent, datagram, 0, datagram.length)) {
            counters.sendFailures++;
        }
    }

    // ---- forwarding ------------------------------------------------------------------------

    @Override
    public void onForward(TcpFlow<Attempt> flow, byte[] packet, int offset, int length, long nowNanos) {
        Attempt a = flow.attachment();
        if (a.kernelEntry && length <= TunnelFlyweight.MAX_INNER_LENGTH) {
            // Once the flow has a kernel entry, what Java forwards goes as TUNNEL too, one packet a
            // datagram: the agent's ingress program delivers it in order with what XDP tunnels (in
            // a FORWARD it would reach the agent's Java, and a FIN tunnelled behind it could
            // reach the stack first, which then reset the late ACK), and follows the close
            // (docs/kernel-datapath.md, "Closes"). A packet without an entry there goes up to the agent.
            if (forwarding == a) {
                flush(); // what this flow's FORWARD holds goes first
            }
            tunnel.wrap(tunnelBuffer, 0).writeHeader(length, a.flowToken);
            System.arraycopy(packet, offset, tunnelBuffer, TunnelFlyweight.INNER_OFFSET, length);
            counters.tunnelPackets++;
            if (!channel.send(a.agent, tunnelBuffer, 0, TunnelFlyweight.HEADER_LENGTH + length)) {
                counters.sendFailures++;
            }
            return;
        }
        if (forwarding != a) {
            flush();
            forwarding = a;
            forward.begin(forwardBuffer, 0, a.identity);
        }
        forwardNow = nowNanos;
        appendPiece(packet, offset, length);
    }

    private void appendPiece(byte[] packet, int offset, int length) {
        switch (forward.append(packet, offset, length)) {
            case APPENDED -> counters.forwardPackets++;
            case FULL -> {
                sendForward();
                appendPiece(packet, offset, length);
            }
            case TOO_LARGE -> {
                // A GRO/TSO frame larger than a datagram: cut into ordinary segments.
                counters.forwardSplit++;
                if (splitter.split(packet, offset, length, forward.maxPacketLength(), appendPiece) < 0) {
                    counters.forwardUnsplittable++;
                }
            }
            default -> throw new IllegalStateException();
        }
    }

    /** Seals and sends the FORWARD datagram being filled; the worker calls this after each batch. */
    public void flush() {
        if (forwarding != null) {
            sendForward();
        }
        forwarding = null;
    }

    /** Sends the current flow's datagram (if it holds anything) and starts its next one. */
    private void sendForward() {
        if (!forward.isEmpty()) {
            int n = forward.seal();
            counters.forwardDatagrams++;
            if (!channel.send(forwarding.agent, forwardBuffer, 0, n)) {
                counters.sendFailures++;
            }
        }
        forward.begin(forwardBuffer, 0, forwarding.identity);
    }

    @Override
    public void onClosed(TcpFlow<Attempt> flow, CloseCause cause, long nowNanos) {
        if (flow.established()) {
            announcer.ended(flow.clientAddress(), flow.clientPort(), flow.vipAddress(), flow.vipPort());
        }
        Attempt a = flow.attachment();
        if (a != null) {
            timers.cancel(a);
            deleteKernelEntry(a);
            if (forwarding == a) {
                flush();
            }
            if (a.accepted) {
                load.closed(a.server);
                counters.count(a.server.name(), HandoffCounters.OriginEvent.CLOSED);
                if (cause == CloseCause.PORT_REUSED && a.agent != null) {
                    // The client opened a new connection on the port: the agent ends the old one
                    // now, without the CLOSED it would later send for the endpoint (which would
                    // find the new connection).
                    abortAt(a, AbortReason.CLIENT_RESET);
                }
            } else if (cause == CloseCause.CLIENT_RESET || cause == CloseCause.ABORTED) {
                abortAt(a, AbortReason.CLIENT_RESET);
            }
            track(a, null);
            flow.attach(null);
        }
    }

    /** Advances hand-off retransmission timers (an acceptance may release held packets: flushed here). */
    public int onTick(long nowNanos) {
        int fired = timers.advance(nowNanos, onExpiry);
        if (nowNanos - nextProbeNanos >= 0) {
            checkUnreachable(nowNanos);
            probeAgents(nowNanos);
            nextProbeNanos = nowNanos + PROBE_INTERVAL_NANOS;
            // The probe's own datagrams keep each agent's neighbour entry fresh for the next-hop read.
            kernelFlows.refreshNextHops(flowsByAgent.keySet());
        }
        flush();
        return fired;
    }

    /** Any director may now tunnel the flow's packets to its agent with its token. */
    private void announceHandedOff(Attempt a) {
        if (announcer == FlowAnnouncer.NONE || a.agent == null || a.agent.getAddress() == null) {
            return;
        }
        TcpFlow<Attempt> f = a.flow;
        announcer.handedOff(f.clientAddress(), f.clientPort(), f.vipAddress(), f.vipPort(),
                org.handoff.protocol.wire.Bytes.i32(a.agent.getAddress().getAddress(), 0), a.agent.getPort(), a.flowToken);
    }

    // ---- the kernel path's flow entries ----------------------------------------------------

    /**
     * Writes (or rewrites, when pinned) an accepted flow's kernel entry: the agent, its token,
     * pinned or not, and the client's last acknowledgement known here.
     */
    private void writeKernelEntry(Attempt a, int lastAck) {
        if (!kernelFlows.active() || a.agent == null) {
            return;
        }
        TcpFlow<Attempt> f = a.flow;
        if (kernelFlows.put(f.clientAddress(), f.clientPort(), f.vipAddress(), f.vipPort(), a.agent, a.flowToken, a.pinned,
                lastAck)) {
            if (!a.kernelEntry) {
                counters.kernelEntries++;
            }
            a.kernelEntry = true;
            a.kernelPackets = 0;
            counters.kernelEntriesWritten++;
        } else {
            counters.kernelEntriesUnwritten++; // the flow goes on through FORWARD, as on the user path
        }
    }

    /**
     * The client's ACKs went by the kernel: the entry's last one is where the client's RCV.NXT
     * was, where a RST must sit to be taken (the terminator saw none of them).
     */
    private void noteKernelAck(Attempt a) {
        if (!a.kernelEntry) {
            return;
        }
        TcpFlow<Attempt> f = a.flow;
        long ack = kernelFlows.lastAck(f.clientAddress(), f.clientPort(), f.vipAddress(), f.vipPort());
        if (ack >= 0) {
            terminator.noteClientAck(f, (int) ack);
        }
    }

    private void deleteKernelEntry(Attempt a) {
        if (!a.kernelEntry) {
            return;
        }
        a.kernelEntry = false;
        counters.kernelEntries--;
        TcpFlow<Attempt> f = a.flow;
        if (kernelFlows.remove(f.clientAddress(), f.clientPort(), f.vipAddress(), f.vipPort())) {
            counters.kernelEntriesDeleted++;
        }
    }

    /**
     * A handed-off flow's pure ACKs no longer reach Java on the kernel path: before it expires as
     * idle, the flow's entry says whether the program still tunnelled its packets.
     */
    @Override
    public boolean stillActive(TcpFlow<Attempt> flow, long nowNanos) {
        Attempt a = flow.attachment();
        if (a == null || !a.kernelEntry) {
            return false;
        }
        long packets = kernelFlows.packets(flow.clientAddress(), flow.clientPort(), flow.vipAddress(), flow.vipPort());
        if (packets < 0) {
            a.kernelEntry = false; // evicted (LRU) or deleted by another: the flow is on the user path again
            counters.kernelEntries--;
            return false;
        }
        boolean moved = packets != a.kernelPackets;
        a.kernelPackets = packets;
        return moved;
    }

    /**
     * A restarted director takes over the flows its predecessor handed off, found in the
     * kernel flow map (those of this worker's share of clients, {@code shard} of {@code shards}):
     * each becomes a FORWARDING flow pinned to the entry's agent, its token kept, so what the
     * program passes up (a next request, a FIN) is forwarded to that agent and the flow ends
     * with its CLOSED, an ABORT, a client RST or the idle timeout, as any other. Its requests
     * are no longer routed one by one: where the current one ends is unknown. An entry whose
     * VIP or agent the config no longer has is deleted (its packets go to Java, which knows no
     * such flow). Returns how many were adopted.
     */
    public int adoptKernelFlows(int shard, int shards, long nowNanos) {
        int[] adopted = {0};
        List<int[]> stale = new ArrayList<>();
        kernelFlows.forEach((client, clientPort, vip, vipPort, agentAddress, agentPort, token, tunnelAll) -> {
            if (BpfFilters.shardOf(client, clientPort, shards) != shard) {
                return;
            }
            int vipIndex = terminator.vipIndex(vip, vipPort);
            Server server = vipIndex < 0 ? null : serverOf(agentAddress, agentPort);
            TcpFlow<Attempt> flow = server == null ? null : terminator.adopt(client, clientPort, vipIndex, nowNanos);
            if (flow == null) {
                stale.add(new int[] {client, clientPort, vip, vipPort});
                return;
            }
            Attempt a = new Attempt(flow, FlowIdentity.ipv4(client, clientPort, vip, vipPort), null, "(adopted)", null,
                    null, 1, null, nowNanos);
            a.accepted = true;
            a.server = server;
            a.attempt = 1;
            a.flowToken = token;
            a.pinned = true;
            a.kernelEntry = true;
            a.kernelPackets = -1; // the first idle check sees the counter as moved: it is read, not guessed
            flow.attach(a);
            track(a, server.agent().toSocketAddress());
            load.handedOff(server);
            counters.kernelEntries++;
            counters.count(HandoffCounters.PinReason.ADOPTED);
            adopted[0]++;
        });
        for (int[] k : stale) {
            kernelFlows.remove(k[0], k[1], k[2], k[3]);
        }
        if (adopted[0] > 0 || !stale.isEmpty()) {
            LOG.info("adopted {} handed-off flow(s) from the kernel flow map ({} stale entries deleted)", adopted[0], stale.size());
        }
        return adopted[0];
    }

    /** The configured server whose agent is {@code agentAddress:agentPort}, or null. */
    private Server serverOf(int agentAddress, int agentPort) {
        for (PoolConfig pool : routing.get().config().pools().values()) {
            for (PoolMember m : pool.members()) {
                InetSocketAddress agent = m.server().agent().toSocketAddress();
                if (agent.getPort() == agentPort && agent.getAddress() != null
                        && org.handoff.protocol.wire.Bytes.i32(agent.getAddress().getAddress(), 0) == agentAddress) {
                    return m.server();
                }
            }
        }
        return null;
    }

    // ---- lost agents ---------------------------------------------------------------------

    /** Moves an attempt's membership to the flows of {@code agent} (null: none). */
    private void track(Attempt a, InetSocketAddress agent) {
        if (a.agent != null) {
            Set<Attempt> old = flowsByAgent.get(a.agent);
            if (old != null && old.remove(a) && old.isEmpty()) {
                flowsByAgent.remove(a.agent);
            }
        }
        a.agent = agent;
        if (agent != null) {
            flowsByAgent.computeIfAbsent(agent, k -> new HashSet<>()).add(a);
        }
    }

    /**
     * Sends a HEARTBEAT to every agent this worker has flows with. A dead agent's closed port
     * returns an ICMP port-unreachable, which the agent socket reports (see
     * {@link #agentUnreachable}); a live agent answers with its own HEARTBEAT
     * ({@link #agentAnswered}). Without the probe, a download whose agent died would hang
     * silently: the client stops sending once data stops, so nothing else would.
     */
    private void probeAgents(long nowNanos) {
        if (flowsByAgent.isEmpty()) {
            return;
        }
        for (Map.Entry<InetSocketAddress, Set<Attempt>> e : flowsByAgent.entrySet()) {
            int n = encoder.encode(new Heartbeat("director", e.getValue().size(), 0, 0, HealthState.OK,
                    (nowNanos - startedNanos) / 1_000_000L), probe, 0);
            if (!channel.send(e.getKey(), probe, 0, n)) {
                counters.sendFailures++;
            }
        }
    }

    /**
     * An agent's port is closed (ICMP port unreachable: its process is gone, or restarting).
     * Hand-offs still waiting for its answer move to the next origin now, unless the client
     * already acknowledged that origin's data; a connection whose next request waits on it (being
     * read, or recalled for) is reset now. Flows it had accepted otherwise wait
     * {@code handoff.agent-restart-grace} for it to come back (their kernel entries stay, so a
     * restarting agent's flows keep moving); then, still unreachable, their clients are reset
     * rather than left to hang ({@link #giveUp}).
     */
    public void agentUnreachable(InetSocketAddress agent, long nowNanos) {
        Set<Attempt> flows = flowsByAgent.get(agent);
        if (flows == null) {
            unreachable.remove(agent);
            return;
        }
        Long since = unreachable.get(agent);
        if (since == null) {
            since = nowNanos;
            unreachable.put(agent, since);
            LOG.warn("agent {} is unreachable (port closed): its {} flow(s) wait up to {} for it to come back"
                    + " (handoff.agent-restart-grace)", agent, flows.size(), settings.get().agentRestartGrace());
        }
        flush(); // whatever is batched goes out before flows lose their agent
        for (Attempt a : new ArrayList<>(flows)) {
            if (!a.accepted && !a.flow.originProvenSending()) {
                counters.count(a.server.name(), HandoffCounters.OriginEvent.UNREACHABLE);
                track(a, null);
                timers.cancel(a);
                nextCandidate(a, nowNanos);
            } else if (a.accepted && a.phase != Phase.NONE) {
                // A next request read or recalled for needs the agent's answer now, which no kernel gives.
                counters.count(a.server.name(), HandoffCounters.OriginEvent.UNREACHABLE);
                track(a, null);
                resetConnection(a, "agent " + agent + " is unreachable", nowNanos);
            }
        }
        if (nowNanos - since >= settings.get().agentRestartGrace().toNanos()) {
            giveUp(agent, nowNanos);
        }
        flush();
    }

    /**
     * An agent answered a probe: one found unreachable is back (a restarted process answers; its
     * flows stay). A positive answer, not the absence of ICMP: Linux rate-limits port-unreachables
     * (net.ipv4.icmp_ratelimit), so a dead agent probed by several workers is silent for some
     * probes, and taking silence for life would restart its grace for ever.
     */
    private void agentAnswered(InetSocketAddress agent) {
        if (agent == null || unreachable.remove(agent) == null) {
            return;
        }
        Set<Attempt> flows = flowsByAgent.get(agent);
        counters.agentsRecovered++;
        LOG.info("agent {} answers again: its {} flow(s) go on", agent, flows == null ? 0 : flows.size());
    }

    /** Before each probe: an agent unreachable (and not answering) for longer than the grace is given up. */
    private void checkUnreachable(long nowNanos) {
        if (unreachable.isEmpty()) {
            return;
        }
        long grace = settings.get().agentRestartGrace().toNanos();
        for (InetSocketAddress agent : new ArrayList<>(unreachable.keySet())) {
            if (!flowsByAgent.containsKey(agent)) {
                unreachable.remove(agent);
            } else if (nowNanos - unreachable.get(agent) >= grace) {
                giveUp(agent, nowNanos);
            }
        }
        flush();
    }

    /**
     * The agent stayed unreachable past the grace: its flows can never get another byte from
     * their origin, so their clients are reset now.
     */
    private void giveUp(InetSocketAddress agent, long nowNanos) {
        unreachable.remove(agent);
        Set<Attempt> flows = flowsByAgent.remove(agent);
        if (flows == null) {
            return;
        }
        LOG.warn("agent {} is still unreachable: resetting or moving its {} flow(s)", agent, flows.size());
        for (Attempt a : new ArrayList<>(flows)) {
            a.agent = null;
            counters.count(a.server.name(), HandoffCounters.OriginEvent.UNREACHABLE);
            if (a.accepted && a.phase != Phase.NONE) {
                // The next request it read or recalled for is answered by nobody: one line for it.
                resetConnection(a, "agent " + agent + " is unreachable", nowNanos);
            } else if (a.accepted || a.flow.originProvenSending()) {
                timers.cancel(a);
                noteKernelAck(a);
                deleteKernelEntry(a);
                terminator.resetClient(a.flow, nowNanos);
            } else {
                timers.cancel(a);
                nextCandidate(a, nowNanos);
            }
        }
        flush();
    }
}
