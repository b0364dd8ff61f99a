package org.handoff.director.replay;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import org.handoff.director.DirectorPipeline;
import org.handoff.director.WorkerSettings;
import org.handoff.director.config.DirectorConfig;
import org.handoff.director.handoff.DecisionListener;
import org.handoff.director.handoff.FlowTokens;
import org.handoff.director.handoff.HandoffCoordinator;
import org.handoff.director.handoff.HandoffCounters;
import org.handoff.director.io.CaptureClock;
import org.handoff.director.io.PacketHandler;
import org.handoff.director.io.PacketSink;
import org.handoff.director.routing.LoadCounter;
import org.handoff.director.routing.RoutingTable;
import org.handoff.director.tcp.FlowListener;
import org.handoff.director.tcp.TcpCounters;
import org.handoff.director.tcp.TcpFlow;
import org.handoff.director.tcp.TcpTerminator;
import org.handoff.protocol.checksum.InternetChecksum;
import org.handoff.protocol.message.FlowIdentity;
import org.handoff.protocol.message.HandoffKeys;
import org.handoff.protocol.message.MessageDecoder;
import org.handoff.protocol.message.MessageEncoder;
import org.handoff.protocol.message.MessageIdGenerator;
import org.handoff.protocol.message.MessageSealer;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.transform.ChecksumState;
import org.handoff.protocol.transform.FlowTransform;
import org.handoff.protocol.transform.PacketRewriter;
import org.handoff.protocol.transform.RewriteResult;
import org.handoff.protocol.util.LongHashMap;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.Ipv4Repr;
import org.handoff.protocol.wire.PacketEmitter;
import org.handoff.protocol.wire.TcpOptions;
import org.handoff.protocol.wire.TcpSegment;
import org.handoff.protocol.wire.WireError;

/**
 * The director's pipeline over captured packets, offline: every client packet to a VIP goes
 * through the live {@link TcpTerminator} and {@link HandoffCoordinator}, on the capture's clock,
 * with secrets fixed by the seed, and the agents simulated ({@link SimulatedAgents}). What the
 * director sends may be written to a {@link PacketSink}; each flow's fate goes to a
 * {@link FlowSink} when the flow ends; totals are read at the end.
 *
 * <p><b>Sequence numbers.</b> The captured client acknowledged the captured server's sequence
 * space and echoed its timestamps; the replayed director picks its own ISN and clock. Per flow,
 * the captured server's ISN and SYN-ACK TSval are learnt from the captured SYN-ACK (or, for a
 * capture of the client side only, from the client's first ACK: ack - 1 and its TSecr), the
 * director's from the SYN-ACK the terminator emits; the client's later packets then go through
 * {@link PacketRewriter#clientToServer} with a {@link FlowTransform} whose roles are swapped:
 * the captured server plays "director" and the replayed director plays "server", so the ACK
 * number, SACK edges and TSecr move onto the director's numbering. Until a simulated agent has
 * accepted the flow nobody in the replay has sent the client the captured server's response, so
 * an ACK beyond the director's SND.NXT is lowered to it (counted as {@code clampedAcks}).
 * docs/replay.md has the details.
 *
 * <p>Memory: per open flow only; a flow's entry goes to the sink and is freed when it ends.
 * Single-threaded, like a worker.
 */
public final class ReplayEngine implements PacketHandler {
    /** Receives each flow as it ends (and, at {@link #finish()}, the flows still open). */
    @FunctionalInterface
    public interface FlowSink {
        void onFlow(FlowRecord flow);
    }

    /** The documented source of the hand-off datagrams in the --out capture (TEST-NET-2). */
    public static final String REPLAY_SOURCE_ADDRESS = "198.51.100.1";
    public static final int REPLAY_SOURCE_PORT = 40000;
    private static final int REPLAY_SOURCE = Bytes.parseIpv4(REPLAY_SOURCE_ADDRESS);
    private static final long TICK_NANOS = 1_000_000L;
    private static final long DRAIN_STEP_NANOS = 10_000_000L;
    private static final int FLUSH_EVERY = 256;

    private static final class ReplayFlow {
        final long key;
        final int clientAddress;
        final int clientPort;
        final int vipAddress;
        final int vipPort;
        final long startNanos;
        final int directorIsn;
        final int directorTs;
        boolean capturedKnown;
        int capturedIsn;
        int capturedTs;
        boolean capturedHasTs;
        FlowTransform transform;
        DecisionListener.Decision decision;
        boolean accepted;
        /** The origin the flow is with now (its first decision's, or the last that moved it). */
        String origin;
        /** Decisions of the connection's requests after the first. */
        final List<FlowRecord.Request> later = new ArrayList<>();
        boolean closeReported;
        long packets;

        ReplayFlow(long key, int clientAddress, int clientPort, int vipAddress, int vipPort, long startNanos, int directorIsn,
                   int directorTs) {
            this.key = key;
            this.clientAddress = clientAddress;
            this.clientPort = clientPort;
            this.vipAddress = vipAddress;
            this.vipPort = vipPort;
            this.startNanos = startNanos;
            this.directorIsn = directorIsn;
            this.directorTs = directorTs;
        }
    }

    private final DirectorConfig config;
    private final ReplayOptions options;
    private final PacketSink out;
    private final CaptureClock clock;
    private final FlowSink flowSink;
    private final HandoffKeys keys;
    private final LoadCounter load = new LoadCounter();
    /** One worker's share of everything, fixed: a replay does not reload. */
    private final WorkerSettings settings;
    private final SimulatedAgents agents;
    private final LongHashMap<ReplayFlow> flows = new LongHashMap<>(1024, Integer.MAX_VALUE / 4);
    private final long[] drops = new long[DropReason.values().length];
    private final Map<String, long[]> decisionsPerOrigin = new TreeMap<>();

    private final Ipv4Packet ip = new Ipv4Packet();
    private final TcpSegment tcp = new TcpSegment();
    private final TcpOptions options2 = new TcpOptions();
    private final Ipv4Packet outIp = new Ipv4Packet();
    private final TcpSegment outTcp = new TcpSegment();
    private final TcpOptions outOptions = new TcpOptions();
    private final PacketRewriter rewriter = new PacketRewriter();
    private final PacketEmitter emitter = new PacketEmitter();
    private final Ipv4Repr udpIp = new Ipv4Repr();
    private final byte[] scratch = new byte[Ipv4Packet.MAX_TOTAL_LENGTH];
    private final byte[] udpScratch = new byte[Ipv4Packet.MAX_TOTAL_LENGTH];

    private DirectorPipeline pipeline;
    private TcpTerminator<?> terminator;
    private HandoffCoordinator coordinator;
    private boolean started;
    private long firstNanos;
    private long lastNanos;
    private long nextTickNanos;
    private int sinceFlush;

    // The SYN-ACK the terminator emitted during the current packet, if any.
    private boolean synAckSeen;
    private int synAckClient;
    private int synAckClientPort;
    private int synAckIsn;
    private int synAckTs;

    private long packets;
    private long clientPackets;
    private long serverPackets;
    private long partialChecksums;
    private long flowsSeen;
    private long flowsEnded;
    private long clampedAcks;
    private long rewriteFailures;
    private long answersUndecodable;
    private long outputTooLarge;
    private long directorPackets;
    private long outputPackets;

    public ReplayEngine(DirectorConfig config, ReplayOptions options, PacketSink out, CaptureClock clock, FlowSink flowSink) {
        this.config = config;
        this.options = options;
        this.out = out;
        this.clock = clock;
        this.flowSink = flowSink;
        SplittableRandom seeded = new SplittableRandom(options.seed());
        byte[] secret = new byte[32];
        seeded.nextBytes(secret);
        keys = HandoffKeys.of(1, 1L, secret);
        settings = new WorkerSettings(RoutingTable.of(config, load), WorkerSettings.tcp(config, 1), WorkerSettings.handoff(config),
                keys);
        MessageSealer agentSealer = new MessageSealer(() -> keys, new MessageIdGenerator(new SplittableRandom(options.seed() + 1)),
                clock::epochMillis);
        agents = new SimulatedAgents(config, options, new MessageDecoder(() -> keys, null, clock::epochMillis),
                new MessageEncoder(agentSealer), out == null ? null : this::tapDatagram);
        udpIp.set(REPLAY_SOURCE, 0, InternetChecksum.PROTO_UDP);
        udpIp.dontFragment = false;
    }

    /** Builds the director's parts on the first packet's time (their timer wheels start there). */
    private void start(long nowNanos) {
        started = true;
        firstNanos = nowNanos;
        lastNanos = nowNanos;
        nextTickNanos = nowNanos + TICK_NANOS;
        SplittableRandom seeded = new SplittableRandom(options.seed());
        seeded.nextBytes(new byte[32]); // the key above
        long secret0 = seeded.nextLong();
        long secret1 = seeded.nextLong();
        pipeline = DirectorPipeline.builder(config, () -> settings, load).secrets(secret0, secret1)
                .messageIds(new MessageIdGenerator(new SplittableRandom(options.seed())))
                .flowTokens(FlowTokens.seeded(seeded.nextLong(), seeded.nextLong())).agents(agents)
                .output(this::directorPacket).wallClock(clock::epochMillis).decisions(this::onDecision)
                .flowEnds(this::flowEnded).build(nowNanos);
        terminator = pipeline.terminator();
        coordinator = pipeline.coordinator();
    }

    // ---- packets ----------------------------------------------------------------------------

    @Override
    public void onPacket(byte[] b, int off, int len, long timestampNanos) {
        if (!started) {
            start(timestampNanos);
        }
        clock.advanceTo(timestampNanos);
        long now = Math.max(timestampNanos, lastNanos); // a capture that steps back does not move time back
        lastNanos = now;
        advance(now);
        packets++;
        if (len < 1 || ((b[off] >> 4) & 0xf) != 4) {
            drop(DropReason.NOT_IPV4);
            return;
        }
        if (ip.wrap(b, off, len).check() != null) {
            drop(DropReason.MALFORMED_IP);
            return;
        }
        if (options.checksums() != ChecksumCheck.OFF && !ip.verifyHeaderChecksum()) {
            drop(DropReason.BAD_IP_CHECKSUM);
            return;
        }
        if (ip.isFragment()) {
            drop(DropReason.FRAGMENT);
            return;
        }
        if (ip.protocol() != InternetChecksum.PROTO_TCP) {
            drop(DropReason.NOT_TCP);
            return;
        }
        int l4 = ip.payloadOffset();
        WireError tcpError = tcp.wrap(b, l4, ip.payloadLength()).check();
        if (tcpError != null) {
            drop(tcpError == WireError.BAD_TCP_OPTION_LENGTH ? DropReason.BAD_TCP_OPTIONS : DropReason.MALFORMED_TCP);
            return;
        }
        if (tcp.parseOptions(options2) != null) {
            drop(DropReason.BAD_TCP_OPTIONS);
            return;
        }
        ChecksumState checksumState = checksumState();
        if (checksumState == null) {
            drop(DropReason.BAD_TCP_CHECKSUM);
            return;
        }
        len = ip.totalLength();
        int source = ip.source();
        int sourcePort = tcp.sourcePort();
        int vip = terminator.vipIndex(ip.destination(), tcp.destinationPort());
        if (vip < 0) {
            int fromVip = terminator.vipIndex(source, sourcePort);
            if (fromVip < 0) {
                drop(DropReason.NOT_FOR_VIP);
                return;
            }
            serverPacket(ip.destination(), tcp.destinationPort(), fromVip);
            return;
        }
        clientPackets++;
        long key = key(source, sourcePort, vip);
        ReplayFlow rf = flows.get(key);
        int flags = tcp.flags();
        if (rf != null && rf.transform == null && (flags & (TcpSegment.SYN | TcpSegment.ACK)) == TcpSegment.ACK) {
            if (!rf.capturedKnown) { // client side only: the client's first ACK tells the captured server's ISN
                rf.capturedKnown = true;
                rf.capturedIsn = SeqNumber.sub(tcp.ack(), 1);
                rf.capturedHasTs = options2.hasTimestamps();
                rf.capturedTs = options2.tsEcr;
            }
            FlowTransform.Builder t = FlowTransform.builder().client(source, sourcePort).vip(rf.vipAddress, rf.vipPort)
                    .server(rf.vipAddress, rf.vipPort).isns(rf.capturedIsn, rf.directorIsn);
            if (rf.capturedHasTs) {
                t.timestamps(rf.capturedTs, rf.directorTs);
            }
            rf.transform = t.build();
        }
        byte[] packet = b;
        int at = off;
        if (rf != null && rf.transform != null) {
            System.arraycopy(b, off, scratch, 0, len);
            packet = scratch;
            at = 0;
            if (rewriter.clientToServer(scratch, 0, len, rf.transform, checksumState) != RewriteResult.OK) {
                rewriteFailures++;
                return;
            }
            if (!rf.accepted && (flags & TcpSegment.ACK) != 0) {
                clampAck(rf, vip);
            }
        }
        synAckSeen = false;
        agents.nowNanos = now;
        terminator.onPacket(packet, at, len, now);
        if (rf != null) {
            rf.packets++;
        } else if ((flags & (TcpSegment.SYN | TcpSegment.ACK)) == TcpSegment.SYN && synAckSeen && synAckClient == source
                && synAckClientPort == sourcePort && terminator.flow(source, sourcePort, vip) != null) {
            rf = new ReplayFlow(key, source, sourcePort, terminator.vipAddress(vip), terminator.vipPort(vip), now, synAckIsn,
                    synAckTs);
            rf.packets = 1;
            flows.put(key, rf);
            flowsSeen++;
        }
        if (rf != null && rf.accepted && !rf.closeReported && (flags & (TcpSegment.FIN | TcpSegment.RST)) != 0) {
            rf.closeReported = true;
            agents.clientClosed(rf.origin, FlowIdentity.ipv4(rf.clientAddress, rf.clientPort, rf.vipAddress,
                    rf.vipPort), (flags & TcpSegment.RST) != 0);
        }
        if (++sinceFlush >= FLUSH_EVERY) {
            sinceFlush = 0;
            coordinator.flush();
        }
        deliverAnswers(now);
    }

    /**
     * The state of the current packet's TCP checksum, which the sequence mapping keeps right
     * (a partial one stays partial, as a live director would forward it), or null when the
     * options drop the packet for it.
     */
    private ChecksumState checksumState() {
        if (options.checksums() == ChecksumCheck.OFF) {
            return ChecksumState.UNVERIFIED;
        }
        long pseudoHeader = ip.pseudoHeaderSum();
        if (tcp.verifyChecksum(pseudoHeader)) {
            return ChecksumState.VALID;
        }
        if (options.checksums() == ChecksumCheck.ACCEPT_PARTIAL && tcp.hasPartialChecksum(pseudoHeader)) {
            partialChecksums++;
            return ChecksumState.PARTIAL;
        }
        return null;
    }

    /** Lowers an ACK beyond what the director has sent (the captured server's response) to its SND.NXT. */
    private void clampAck(ReplayFlow rf, int vip) {
        TcpFlow<?> flow = terminator.flow(rf.clientAddress, rf.clientPort, vip);
        if (flow == null) {
            return;
        }
        int ack = Bytes.i32(scratch, ip.headerLength() + TcpSegment.ACK_OFFSET);
        if (SeqNumber.gt(ack, flow.sendNext()) && flow.state() != TcpFlow.State.FORWARDING) {
            Bytes.putI32(scratch, ip.headerLength() + TcpSegment.ACK_OFFSET, flow.sendNext());
            emitter.fillIpv4TcpChecksums(scratch, 0);
            clampedAcks++;
        }
    }

    /** A packet of the captured server (the director's role in the capture): only its SYN-ACK is read. */
    private void serverPacket(int client, int clientPort, int vip) {
        serverPackets++;
        ReplayFlow rf = flows.get(key(client, clientPort, vip));
        if (rf != null && !rf.capturedKnown && (tcp.flags() & (TcpSegment.SYN | TcpSegment.ACK)) == (TcpSegment.SYN | TcpSegment.ACK)) {
            rf.capturedKnown = true;
            rf.capturedIsn = tcp.seq();
            rf.capturedHasTs = options2.hasTimestamps();
            rf.capturedTs = options2.tsVal;
        }
    }

    private void drop(DropReason reason) {
        drops[reason.ordinal()]++;
    }

    private static long key(int clientAddress, int clientPort, int vipIndex) {
        return ((long) clientAddress << 32) | ((long) clientPort << 16) | vipIndex;
    }

    // ---- time and the agents' answers ---------------------------------------------------------

    private void advance(long now) {
        deliverAnswers(now);
        if (now >= nextTickNanos) {
            tick(now);
        }
    }

    private void tick(long now) {
        agents.nowNanos = now;
        pipeline.onTick(now);
        nextTickNanos = now + TICK_NANOS;
    }

    private void deliverAnswers(long now) {
        for (SimulatedAgents.Answer a; (a = agents.nextDue(now)) != null; ) {
            long t = Math.max(a.dueNanos(), lastNanos);
            if (a.dueNanos() > lastNanos) {
                tick(t); // timers that fire before the answer arrives fire first
            }
            agents.nowNanos = t;
            if (!pipeline.onAgentDatagram(a.datagram(), 0, a.datagram().length, t)) {
                answersUndecodable++;
            }
        }
    }

    /** After the last packet: lets the virtual clock run so pending hand-offs end, then reports the flows still open. */
    public void finish() {
        if (!started) {
            return;
        }
        coordinator.flush();
        long drain = options.drainNanos() > 0 ? options.drainNanos()
                : config.handoff().deadline().plus(Duration.ofSeconds(1)).toNanos();
        long end = lastNanos + drain;
        for (long t = lastNanos + DRAIN_STEP_NANOS; t <= end; t += DRAIN_STEP_NANOS) {
            clock.advanceTo(t);
            deliverAnswers(t);
            lastNanos = t;
            tick(t);
            deliverAnswers(t);
        }
        coordinator.flush();
        List<ReplayFlow> open = new ArrayList<>();
        flows.forEachValue(open::add);
        open.sort((x, y) -> x.startNanos != y.startNanos ? Long.compare(x.startNanos, y.startNanos) : Long.compare(x.key, y.key));
        for (ReplayFlow rf : open) {
            TcpFlow<?> f = terminator.flow(rf.clientAddress, rf.clientPort, terminator.vipIndex(rf.vipAddress, rf.vipPort));
            emit(rf, "open-at-end" + (f == null || f.state() == null ? "" : ":" + f.state().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')));
        }
        for (ReplayFlow rf : open) {
            flows.remove(rf.key);
        }
        if (out != null) {
            out.flush();
        }
    }

    // ---- what the director says and sends ---------------------------------------------------

    private void onDecision(DecisionListener.Decision d) {
        int vip = terminator.vipIndex(d.vipAddress(), d.vipPort());
        ReplayFlow rf = flows.get(key(d.clientAddress(), d.clientPort(), vip));
        if (d.origin() != null) {
            decisionsPerOrigin.computeIfAbsent(d.origin(), k -> new long[1])[0]++;
        }
        if (rf == null) {
            return;
        }
        if (rf.decision == null) {
            rf.decision = d;
        } else {
            rf.later.add(new FlowRecord.Request(d.requestLine(), d.host(), d.rule(), d.pool(), d.origin(), label(d.outcome()),
                    d.reason(), d.status()));
        }
        if (d.origin() != null) {
            rf.origin = d.origin();
        }
        // A later request kept on (or pinned to) the origin leaves the flow with its agent.
        if (d.outcome() != HandoffCounters.RequestOutcome.KEPT && d.outcome() != HandoffCounters.RequestOutcome.PINNED) {
            rf.accepted = d.outcome() == HandoffCounters.RequestOutcome.HANDED_OFF;
        }
    }

    private void flowEnded(TcpFlow<?> flow, FlowListener.CloseCause cause, long nowNanos) {
        int vip = terminator.vipIndex(flow.vipAddress(), flow.vipPort());
        ReplayFlow rf = flows.remove(key(flow.clientAddress(), flow.clientPort(), vip));
        if (rf != null) {
            emit(rf, label(cause));
        }
    }

    private void emit(ReplayFlow rf, String how) {
        flowsEnded++;
        if (flowSink == null) {
            return;
        }
        DecisionListener.Decision d = rf.decision;
        String client = Bytes.ipv4ToString(rf.clientAddress) + ":" + rf.clientPort;
        String vip = Bytes.ipv4ToString(rf.vipAddress) + ":" + rf.vipPort;
        if (d == null) {
            flowSink.onFlow(new FlowRecord(client, vip, rf.startNanos, null, null, null, null, null, "no-request", how, 0, 0, -1,
                    how, rf.packets, List.of()));
        } else {
            flowSink.onFlow(new FlowRecord(client, vip, rf.startNanos, d.requestLine(), d.host(), d.rule(), d.pool(), d.origin(),
                    label(d.outcome()), d.reason(), d.status(), d.attempts(), d.elapsedNanos() / 1_000_000L, how, rf.packets,
                    rf.later));
        }
    }

    private void directorPacket(byte[] b, int off, int len) {
        directorPackets++;
        if ((b[off] & 0xf0) == 0x40 && outIp.wrap(b, off, len).check() == null
                && outTcp.wrap(b, outIp.payloadOffset(), outIp.payloadLength()).check() == null
                && (outTcp.flags() & (TcpSegment.SYN | TcpSegment.ACK)) == (TcpSegment.SYN | TcpSegment.ACK)) {
            synAckSeen = true;
            synAckClient = outIp.destination();
            synAckClientPort = outTcp.destinationPort();
            synAckIsn = outTcp.seq();
            synAckTs = outTcp.parseOptions(outOptions) == null && outOptions.hasTimestamps() ? outOptions.tsVal : 0;
        }
        if (out != null) {
            if (out.send(b, off, len)) {
                outputPackets++;
            }
        }
    }

    private void tapDatagram(InetSocketAddress to, byte[] b, int off, int len) {
        if (len > Ipv4Packet.MAX_TOTAL_LENGTH - 28) {
            outputTooLarge++;
            return;
        }
        udpIp.destination = Bytes.parseIpv4(to.getAddress().getHostAddress());
        udpIp.identification = (udpIp.identification + 1) & 0xffff;
        int n = emitter.ipv4Udp(udpIp, REPLAY_SOURCE_PORT, to.getPort(), b, off, len, udpScratch, 0);
        if (out.send(udpScratch, 0, n)) {
            outputPackets++;
        }
    }

    // ---- results ---------------------------------------------------------------------------

    public long packets() {
        return packets;
    }

    /** The hand-off key the run derived from its seed (tests decode the --out datagrams with it). */
    HandoffKeys keys() {
        return keys;
    }

    public int openFlows() {
        return flows.size();
    }

    public long lastNanos() {
        return lastNanos;
    }

    public long firstNanos() {
        return firstNanos;
    }

    public long dropped(DropReason reason) {
        return drops[reason.ordinal()];
    }

    /** Counts a drop seen before the engine (the capture file's link layer). */
    public void countDrops(DropReason reason, long n) {
        drops[reason.ordinal()] += n;
    }

    public TcpCounters tcpCounters() {
        return terminator == null ? new TcpCounters() : terminator.counters();
    }

    public HandoffCounters handoffCounters() {
        return coordinator == null ? new HandoffCounters() : coordinator.counters();
    }

    /** Every deterministic total of the run, in a stable order, as the report prints them. */
    public Map<String, Object> totals() {
        Map<String, Object> t = new LinkedHashMap<>();
        TcpCounters tc = tcpCounters();
        HandoffCounters hc = handoffCounters();
        t.put("packets", packets + linkDrops());
        t.put("client-packets", clientPackets);
        t.put("server-packets-ignored", serverPackets);
        t.put("partial-checksums", partialChecksums);
        t.put("flows", flowsSeen);
        Map<String, Object> requests = new LinkedHashMap<>();
        for (HandoffCounters.RequestOutcome o : HandoffCounters.RequestOutcome.values()) {
            requests.put(label(o), hc.outcome(o));
        }
        t.put("requests", requests);
        Map<String, Object> closed = new LinkedHashMap<>();
        for (FlowListener.CloseCause c : FlowListener.CloseCause.values()) {
            closed.put(label(c), tc.closed(c));
        }
        t.put("closed", closed);
        Map<String, Object> origins = new LinkedHashMap<>();
        for (String name : new TreeSet<>(config.serverNames())) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("behaviour", options.behaviour(name).toString());
            o.put("handed-off", decisionsPerOrigin.getOrDefault(name, new long[1])[0]);
            for (HandoffCounters.OriginEvent e : HandoffCounters.OriginEvent.values()) {
                o.put(e.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'), hc.origin(name, e));
            }
            origins.put(name, o);
        }
        t.put("origins", origins);
        Map<String, Object> dropped = new LinkedHashMap<>();
        for (DropReason r : DropReason.values()) {
            dropped.put(r.label(), drops[r.ordinal()]);
        }
        dropped.put("unknown-flow", tc.unknownFlow);
        dropped.put("out-of-window", tc.outOfWindow);
        dropped.put("duplicate-segments", tc.duplicateSegments);
        dropped.put("held-dropped", tc.heldDropped);
        dropped.put("buffer-limit", tc.bufferLimitDrops);
        dropped.put("flow-table-full", tc.flowTableFull);
        t.put("dropped", dropped);
        Map<String, Object> sent = new LinkedHashMap<>();
        sent.put("syn-acks", tc.synAcks);
        sent.put("acks", tc.acksSent);
        Map<String, Object> requestAcks = new LinkedHashMap<>();
        for (TcpCounters.RequestAck o : TcpCounters.RequestAck.values()) {
            requestAcks.put(o.name().toLowerCase(Locale.ROOT).replace('_', '-'), tc.requestAcks(o));
        }
        sent.put("request-acks", requestAcks);
        sent.put("answers", tc.answers);
        sent.put("answer-retransmits", tc.answerRetransmits);
        sent.put("resets", tc.resetsSent);
        sent.put("handoff-datagrams", agents.handoffs);
        sent.put("forward-datagrams", agents.forwards);
        sent.put("forwarded-packets", hc.forwardPackets);
        sent.put("abort-datagrams", agents.aborts);
        t.put("sent", sent);
        Map<String, Object> replay = new LinkedHashMap<>();
        replay.put("clamped-acks", clampedAcks);
        replay.put("rewrite-failures", rewriteFailures);
        replay.put("datagrams-lost-to-agents", agents.lostToAgent);
        replay.put("datagrams-lost-from-agents", agents.lostFromAgent);
        replay.put("agent-answers", agents.answersSent);
        replay.put("stale-agent-answers", hc.staleAcks);
        replay.put("capture-clock-steps-back", clock.stepsBack());
        replay.put("virtual-seconds", (lastNanos - firstNanos) / 1e9);
        t.put("replay", replay);
        return t;
    }

    private long linkDrops() {
        return drops[DropReason.LINK_NOT_IP.ordinal()] + drops[DropReason.SNAPLEN_CUT.ordinal()]
                + drops[DropReason.LINK_MALFORMED_IP.ordinal()] + drops[DropReason.NOT_FOR_HOST.ordinal()];
    }

    public long outputPackets() {
        return outputPackets;
    }

    public long outputTooLarge() {
        return outputTooLarge;
    }

    public long answersUndecodable() {
        return answersUndecodable;
    }

    static String label(FlowListener.CloseCause c) {
        return c.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    static String label(HandoffCounters.RequestOutcome o) {
        return o.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
