package org.handoff.director;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.function.Supplier;
import org.handoff.director.cluster.DirectorCluster;
import org.handoff.director.config.ConfigLoader;
import org.handoff.director.config.DirectorConfig;
import org.handoff.director.handoff.FlowTokens;
import org.handoff.director.handoff.HandoffCoordinator;
import org.handoff.director.io.Clock;
import org.handoff.director.io.LivePcapSource;
import org.handoff.director.io.PacketHandler;
import org.handoff.director.io.PacketSink;
import org.handoff.director.io.PacketSource;
import org.handoff.director.io.RawSocketSink;
import org.handoff.director.kernel.KernelFlows;
import org.handoff.director.routing.LoadCounter;
import org.handoff.director.tcp.TcpTerminator;
import org.handoff.protocol.message.MessageDecoder;
import org.handoff.protocol.message.MessageIdGenerator;
import org.handoff.protocol.message.ReplayGuard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One director worker: its own packet source (a capture handle whose filter selects this
 * worker's share of client endpoints), its own terminator and hand-off coordinator, and its own
 * UDP sockets to the agents, whose answers therefore come back to the worker that owns the
 * flow (one connected socket per agent, so a dead agent's closed port is reported). Workers
 * share nothing on the packet path, so they need no locks and no queues.
 *
 * <p>The duty cycle ({@link #doWork()}) reads a batch of packets, the agents' answers, and
 * advances timers; between batches it waits inside the packet source's poll, never spinning:
 * the kernel wakes it when a packet arrives or an agent's socket is readable (the sockets are
 * the source's {@link org.handoff.director.io.WakeSources}), so a HANDOFF_ACK is read as soon
 * as it lands, and an idle worker sleeps. Timers are millisecond-scale (retransmissions start
 * at tens of ms), so the idle wait of {@value #IDLE_WAIT_NANOS} ns bounds their lateness.
 */
public final class DirectorWorker implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(DirectorWorker.class);
    private static final int BATCH = 256;
    private static final long IDLE_WAIT_NANOS = 5_000_000L;
    /**
     * How old an agent's answer may be and still count: the hand-off deadline (an agent re-sends
     * a remembered HANDOFF_ACK, with its first timestamp, while the director still retransmits)
     * plus a second, kept within these bounds (the longest deadline the config allows sets the
     * upper one).
     */
    private static final long MIN_REPLAY_WINDOW_MILLIS = 3_000;
    private static final long MAX_REPLAY_WINDOW_MILLIS = ConfigLoader.MAX_HANDOFF_DEADLINE.toMillis() + 1_000;
    /** Clock difference between agents and directors still accepted. */
    private static final long REPLAY_SKEW_MILLIS = 2_000;
    /**
     * Answers per millisecond the replay guard must remember: two per hand-off (HANDOFF_ACK and
     * CLOSED), so 64 covers 32,000 hand-offs a second per worker (a 1<<16 guard over a 12 s
     * tolerance capped a worker at ~2,700, which `DirectorWorkerBenchmark` found).
     */
    private static final long REPLAY_ANSWERS_PER_MILLI = 64;
    private static final int MAX_REPLAY_CAPACITY = 1 << 20;

    private final int index;
    private final PacketSource source;
    private final PacketSink sink;
    private final AgentTransport agents;
    private final DirectorPipeline pipeline;
    private final Clock clock;
    /** Other directors' flows on the user path, or null without a cluster. */
    private final PeerFlowForwarder peers;
    /** Packets other directors sent for this worker's flows, or null without a cluster. */
    private final PeerInbox inbox;
    private final PacketHandler onPacket;
    private final AgentTransport.Receiver onAgentDatagram = this::agentDatagram;
    private long now;
    private volatile boolean running = true;
    private long nextStatsNanos;
    private volatile Thread thread;
    public volatile long controlDecodeFailures;
    public volatile long controlReceived;
    /** RuntimeExceptions caught in the duty cycle: each is a bug, logged with its stack. */
    public volatile long internalErrors;

    private DirectorWorker(int index, PacketSource source, PacketSink sink, AgentTransport agents, DirectorPipeline pipeline,
                           Clock clock, PeerFlowForwarder peers) {
        this.index = index;
        this.peers = peers;
        this.inbox = peers == null ? null : new PeerInbox();
        this.source = source;
        this.sink = sink;
        this.agents = agents;
        this.pipeline = pipeline;
        this.clock = clock;
        this.onPacket = pipeline.terminator()::onPacket;
        source.wakeAlsoOn(agents);
    }

    /**
     * One worker wired exactly as the director process wires each of its workers
     * ({@link DirectorPipeline}): connection A's settings, routing and hand-off timing read from
     * {@code settings} at each use (a reload swaps what it returns), the hand-off coordinator
     * sending through {@code agents}, the terminator answering through {@code sink}, and a
     * decoder with a replay guard for the agents' answers. The I/O is the caller's: capture, raw
     * socket and UDP sockets in {@code Director}; memory in tests and benchmarks.
     *
     * @param config the config at start: the VIPs and the limits that size the worker's tables
     *     (a reload may not change them: {@code ReloadScope})
     * @param secret0 first half of the secret for ISNs and SYN cookies, the same for every worker
     */
    public static DirectorWorker create(int index, DirectorConfig config, Supplier<WorkerSettings> settings,
                                        LoadCounter load, long secret0, long secret1,
                                        PacketSource source, PacketSink sink, AgentTransport agents, Clock clock) {
        return create(index, config, settings, load, secret0, secret1, source, sink, agents, clock, KernelFlows.NONE);
    }

    /**
     * The same, on the kernel path: handed-off flows' entries go to {@code kernelFlows}, and the
     * entries a previous director left there for this worker's share of clients are adopted
     * (worker {@code index} of {@code config.workers()}).
     */
    public static DirectorWorker create(int index, DirectorConfig config, Supplier<WorkerSettings> settings,
                                        LoadCounter load, long secret0, long secret1,
                                        PacketSource source, PacketSink sink, AgentTransport agents, Clock clock,
                                        KernelFlows kernelFlows) {
        return create(index, config, settings, load, secret0, secret1, source, sink, agents, clock, kernelFlows, null);
    }

    /**
     * The same, in the directors' cluster when {@code cluster} is not null: the worker announces
     * its flows (STARTED, HANDED_OFF, ENDED; flushed once a duty cycle), tunnels packets of other
     * directors' handed-off flows to their agents ({@link PeerFlowForwarder}), and adopts nothing
     * from the kernel flow map (the cluster's listener rewrites it from the table).
     */
    public static DirectorWorker create(int index, DirectorConfig config, Supplier<WorkerSettings> settings,
                                        LoadCounter load, long secret0, long secret1,
                                        PacketSource source, PacketSink sink, AgentTransport agents, Clock clock,
                                        KernelFlows kernelFlows, DirectorCluster cluster) {
        DirectorPipeline pipeline = DirectorPipeline.builder(config, settings, load).secrets(secret0, secret1)
                .kernelFlows(kernelFlows)
                .messageIds(new MessageIdGenerator()).flowTokens(FlowTokens.random()).agents(agents).output(sink::send).wallClock(clock::epochMillis)
                .answerGuard(replayGuard(config.handoff().deadline().toMillis())).build(clock.nanos());
        PeerFlowForwarder peers = null;
        if (cluster != null) {
            pipeline.coordinator().announcer(cluster.announcer());
            peers = new PeerFlowForwarder(cluster, agents, kernelFlows);
            pipeline.terminator().foreignFlows(peers);
        } else if (kernelFlows.active()) {
            pipeline.coordinator().adoptKernelFlows(index, config.workers(), clock.nanos());
        }
        return new DirectorWorker(index, source, sink, agents, pipeline, clock, peers);
    }

    /**
     * How long an answer is remembered by the guard {@link #replayGuard} makes for this
     * deadline: a reload may shorten the deadline, but not lengthen it past what the running
     * guard covers.
     */
    static long replayWindowMillis(long deadlineMillis) {
        return Math.max(MIN_REPLAY_WINDOW_MILLIS, Math.min(MAX_REPLAY_WINDOW_MILLIS, deadlineMillis + 1_000));
    }

    /** The guard for the agents' answers, sized for the deadline's window (see the constants). */
    static ReplayGuard replayGuard(long deadlineMillis) {
        long window = replayWindowMillis(deadlineMillis);
        long tolerance = window + REPLAY_SKEW_MILLIS;
        int capacity = (int) Math.min(MAX_REPLAY_CAPACITY, Math.max(1 << 16, tolerance * REPLAY_ANSWERS_PER_MILLI));
        return new ReplayGuard(window, REPLAY_SKEW_MILLIS, capacity);
    }

    public int index() {
        return index;
    }

    public TcpTerminator<?> terminator() {
        return pipeline.terminator();
    }

    public HandoffCoordinator coordinator() {
        return pipeline.coordinator();
    }

    /** The live capture behind this worker, or null (files, memory). */
    public LivePcapSource liveSource() {
        return source instanceof LivePcapSource live ? live : null;
    }

    /** The raw socket the worker sends from, or null (files, memory). */
    public RawSocketSink rawSink() {
        return sink instanceof RawSocketSink raw ? raw : null;
    }

    /** Where other directors' packets for this worker's flows queue (the peer endpoint's receiver fills it), or null without a cluster. */
    PeerInbox peerInbox() {
        return inbox;
    }

    /** Packets of no flow of this worker by what became of them (other directors' flows), or 0 without a cluster. */
    long peerPackets(PeerFlowForwarder.Outcome o) {
        return peers == null ? 0 : peers.outcome(o);
    }

    public MessageDecoder decoder() {
        return pipeline.decoder();
    }

    /** One duty cycle; returns the work done (0 when idle). */
    public int doWork() throws IOException {
        int work = source.poll(onPacket, BATCH, IDLE_WAIT_NANOS);
        if (work < 0) {
            return -1;
        }
        long now = clock.nanos();
        if (inbox != null) {
            // Packets of this worker's flows that reached other directors: as if captured here,
            // but never sent on to another director again.
            peers.relayed = true;
            try {
                work += inbox.drain(onPacket, BATCH, now);
            } finally {
                peers.relayed = false;
            }
        }
        if (now >= nextStatsNanos && source instanceof LivePcapSource live) {
            // pcap_stats from the polling thread: libpcap handles are not thread-safe.
            live.updateStats();
            nextStatsNanos = now + 1_000_000_000L;
        }
        work += drainControl(now);
        work += pipeline.onTick(now);
        pipeline.coordinator().flush();
        reportUnreachable(now);
        sink.flush();
        pipeline.coordinator().flushAnnouncements(); // one gossip message for what this cycle announced
        return work;
    }

    private int drainControl(long nowNanos) {
        now = nowNanos;
        int n = agents.drain(onAgentDatagram, BATCH);
        reportUnreachable(nowNanos);
        return n;
    }

    private void agentDatagram(byte[] b, int len, InetSocketAddress from) {
        controlReceived++;
        if (!pipeline.onAgentDatagram(b, 0, len, from, now)) {
            controlDecodeFailures++;
            LOG.debug("worker {}: agent datagram dropped: {}", index, pipeline.decoder().describe());
        }
    }

    /** Agents whose port was found closed (ICMP port unreachable) lose their flows now. */
    private void reportUnreachable(long nowNanos) {
        InetSocketAddress lost;
        while ((lost = agents.pollUnreachable()) != null) {
            pipeline.coordinator().agentUnreachable(lost, nowNanos);
        }
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        try {
            while (running) {
                try {
                    if (doWork() < 0) {
                        break;
                    }
                } catch (RuntimeException e) {
                    // A bug met by one packet or message must not take the worker, and every
                    // flow it owns, down with it: count it, log it, carry on.
                    internalErrors++;
                    LOG.error("worker {}: internal error (the worker goes on): {}", index, e.toString(), e);
                }
            }
        } catch (IOException e) {
            LOG.error("worker {} stopped: its packet source failed: {}", index, e.toString(), e);
        } finally {
            pipeline.coordinator().flush();
            sink.flush();
            pipeline.coordinator().flushAnnouncements();
        }
    }

    public void stop() {
        running = false;
    }

    public void join(long millis) throws InterruptedException {
        Thread t = thread;
        if (t != null) {
            t.join(millis);
        }
    }

    public void close() {
        source.close();
        sink.close();
        agents.close();
    }
}
