package org.handoff.agent.runtime;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.handoff.agent.config.AgentConfig;
import org.handoff.agent.config.KernelSettings;
import org.handoff.agent.config.LinkOffload;
import org.handoff.agent.flow.AgentCounters;
import org.handoff.agent.flow.EngineSettings;
import org.handoff.agent.flow.FlowBudget;
import org.handoff.agent.flow.FlowEngine;
import org.handoff.agent.flow.Sharding;
import org.handoff.agent.kernel.AgentDatapath;
import org.handoff.agent.kernel.AgentEvent;
import org.handoff.agent.kernel.KernelFlows;
import org.handoff.agent.link.DirectReturn;
import org.handoff.agent.link.LocalLink;
import org.handoff.agent.link.RawSocketEgress;
import org.handoff.agent.link.TunForwardEgress;
import org.handoff.agent.link.TunLink;
import org.handoff.bpf.BpfRingBuffer;
import org.handoff.protocol.message.AddressFamily;
import org.handoff.protocol.message.FlowMessageFlyweight;
import org.handoff.protocol.message.HandoffKeys;
import org.handoff.protocol.message.HandoffProtocol;
import org.handoff.protocol.message.MessageDecoder;
import org.handoff.protocol.message.MessageEncoder;
import org.handoff.protocol.message.MessageHeaderFlyweight;
import org.handoff.protocol.message.MessageIdGenerator;
import org.handoff.protocol.message.MessageSealer;
import org.handoff.protocol.message.MessageType;
import org.handoff.protocol.message.ReplayGuard;
import org.handoff.protocol.message.TunnelFlyweight;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.TcpSegment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent process's moving parts (docs/agent.md, "Threads"):
 *
 * <pre>
 *   ho-agent-udp  reader: DatagramChannel.receive -> worker by the datagram's client endpoint
 *   ho-agent-tun  reader: TunLink.read -> worker by the packet's destination (the client endpoint);
 *                 only with 2+ workers: a single worker reads the TUN itself
 *   ho-agent-w0.. workers: each owns a FlowEngine (decoder, replay guard, flows, timers), its raw
 *                 egress socket, and two single-producer queues (datagrams, stack packets)
 * </pre>
 *
 * <p>{@link #open} opens every descriptor (the TUN, raw sockets, the UDP socket, the metrics
 * listener) on the calling thread, so a test can open them inside a network namespace;
 * {@link #start} starts the threads; {@link #shutdown} drains and stops.
 *
 * <p>The link's {@link LinkMode} is chosen in {@link #open}: with {@code link.offload} auto or
 * split the TUN is attached with offloads when the kernel accepts them; super-segments then go
 * back into the TUN (FORWARD) when the set-up check found the forwarding path ready, else they
 * are cut and sent through raw sockets (SPLIT); without offloads, OFF.
 */
public final class AgentRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AgentRuntime.class);
    private static final int RING_BYTES = 4 << 20;
    private static final int RAW_SEND_BUFFER = 4 << 20;

    private final AgentConfig config;
    private final LocalLink link;
    private final LinkMode mode;
    private final String modeReason;
    /** One writer at a time into the TUN: the workers' injections and the FORWARD egress. */
    private final Object linkWriteLock;
    private final List<DirectReturn> egress;
    private final DatagramChannel channel;
    private final Worker[] workers;
    private final FlowBudget budget;
    private final AgentMetrics metrics;
    /** The kernel data path, or null on the user path. */
    private final AgentDatapath datapath;
    /** The programs' events (a flow's close), read by one thread into the flows' workers; null on the user path. */
    private final BpfRingBuffer kernelEvents;
    private final String datapathReason;
    /** Flows a previous run left in the kernel that this one took over at start. */
    private final int adoptedFlows;
    private final List<Thread> threads = new ArrayList<>();
    private final long startedMillis = System.currentTimeMillis();
    private volatile boolean running = true;
    /** Counted by the reader threads (one writer each). */
    volatile long datagramQueueFull;
    /** Kernel events a full worker queue refused: that flow's close is found at its idle timer. */
    volatile long kernelEventQueueFull;
    volatile long stackQueueFull;
    private boolean stopped;

    private AgentRuntime(AgentConfig config, HandoffKeys keys, LocalLink link, Object linkWriteLock, LinkMode mode,
                         String modeReason, List<DirectReturn> egress, DatagramChannel channel, boolean metricsEndpoint,
                         AgentDatapath.Choice datapath) throws IOException {
        this.datapath = datapath.datapath();
        this.datapathReason = datapath.reason();
        this.config = config;
        this.link = link;
        this.linkWriteLock = linkWriteLock;
        this.mode = mode;
        this.modeReason = modeReason;
        this.egress = egress;
        this.channel = channel;
        this.budget = new FlowBudget(config.maxFlows());
        EngineSettings settings = EngineSettings.from(config);
        this.workers = new Worker[config.workers()];
        long now = System.nanoTime();
        long wall = System.currentTimeMillis();
        for (int i = 0; i < workers.length; i++) {
            ReplayGuard guard = new ReplayGuard(config.replayWindow().toMillis(), config.replaySkew().toMillis(),
                    config.replayCapacity());
            MessageDecoder decoder = new MessageDecoder(() -> keys, guard, System::currentTimeMillis);
            MessageEncoder encoder = new MessageEncoder(new MessageSealer(() -> keys, new MessageIdGenerator(),
                    System::currentTimeMillis));
            AgentCounters counters = new AgentCounters();
            DirectReturn out = egress.get(i);
            KernelFlows kernelFlows = this.datapath == null ? KernelFlows.NONE : this.datapath.flowsForWorker(now, wall);
            FlowEngine engine = new FlowEngine(settings, decoder, encoder, this::inject, out, this::sendControl, budget, counters,
                    now, link.frameHeaderLength() > 0, kernelFlows);
            // A single worker reads the link itself; with more, a reader thread shards by client.
            workers[i] = new Worker(i, engine, counters, RING_BYTES, workers.length == 1 ? link : null);
        }
        this.adoptedFlows = this.datapath == null ? 0 : adoptFlows(now, wall);
        this.kernelEvents = this.datapath == null ? null : this.datapath.openEvents(this::kernelEvent);
        this.metrics = new AgentMetrics(this, metricsEndpoint ? config.metricsListen().toSocketAddress() : null);
    }

    /**
     * Takes over the flows a previous run left in the kernel (docs/kernel-datapath.md, "Restarts"),
     * each into the worker of its client endpoint, before any worker runs. A record whose entries
     * are gone, or that no worker can hold, has what is left of it removed: its connection B is
     * reset by the stack's next packet (docs/agent.md, rule 8).
     */
    private int adoptFlows(long now, long wall) {
        KernelFlows maps = datapath.flowsForWorker(now, wall);
        int[] counts = new int[2];
        maps.forEachRecorded(e -> {
            Worker w = workers[Sharding.worker(e.transform.clientAddress(), e.transform.clientPort(), workers.length)];
            if (e.complete && w.engine.adopt(e, now)) {
                counts[0]++;
            } else {
                maps.remove(e.transform);
                counts[1]++;
            }
        });
        if (counts[0] + counts[1] > 0) {
            LOG.info("kernel path: took over {} flow{} left by the previous run ({} record{} without {} entries removed)", counts[0],
                    counts[0] == 1 ? "" : "s", counts[1], counts[1] == 1 ? "" : "s", counts[1] == 1 ? "its" : "their");
        }
        return counts[0];
    }

    /**
     * Opens the link, the egress, the UDP socket and the metrics endpoint, on the calling thread
     * (and so in its network namespace). Nothing runs until {@link #start}. The forwarding path is
     * taken as not checked: super-segments are cut in the agent (see the four-argument form).
     */
    public static AgentRuntime open(AgentConfig config, HandoffKeys keys) throws IOException {
        return open(config, keys, true);
    }

    /** As {@link #open(AgentConfig, HandoffKeys)}, optionally without the metrics HTTP endpoint. */
    public static AgentRuntime open(AgentConfig config, HandoffKeys keys, boolean metricsEndpoint) throws IOException {
        return open(config, keys, metricsEndpoint, List.of("the forwarding path was not checked"));
    }

    /**
     * Opens everything as {@link #open(AgentConfig, HandoffKeys)}.
     *
     * @param forwardingProblems what {@code AgentNetworkSetup.check()} found wrong with the path
     *                           that forwards super-segments written back into the TUN; empty
     *                           means it is ready, and with {@code link.offload: auto} and a TUN
     *                           that takes offloads the agent uses it ({@link LinkMode#FORWARD})
     */
    public static AgentRuntime open(AgentConfig config, HandoffKeys keys, boolean metricsEndpoint, List<String> forwardingProblems)
            throws IOException {
        String tun = config.link().tun();
        LinkOffload offload = config.link().offload();
        TunLink link;
        LinkMode mode;
        String reason;
        if (offload == LinkOffload.OFF) {
            link = TunLink.open(tun);
            mode = LinkMode.OFF;
            reason = "link.offload: off";
        } else {
            TunLink withOffloads;
            try {
                withOffloads = TunLink.openWithOffloads(tun);
            } catch (TunLink.OffloadRefusedException e) {
                withOffloads = null;
                LOG.warn("tun {}: the kernel refused offloads ({}); running without", tun, e.getMessage());
            }
            if (withOffloads == null) {
                link = TunLink.open(tun);
                mode = LinkMode.OFF;
                reason = "the kernel refused the tun's offloads";
            } else if (offload == LinkOffload.SPLIT) {
                link = withOffloads;
                mode = LinkMode.SPLIT;
                reason = "link.offload: split";
            } else if (!forwardingProblems.isEmpty()) {
                link = withOffloads;
                mode = LinkMode.SPLIT;
                reason = "the forwarding path is not ready: " + String.join("; ", forwardingProblems);
            } else {
                link = withOffloads;
                mode = LinkMode.FORWARD;
                reason = "link.offload: auto, forwarding path checked";
            }
        }
        Object writeLock = new Object();
        List<DirectReturn> egress = new ArrayList<>();
        DatagramChannel channel = null;
        AgentDatapath.Choice datapath = null;
        try {
            for (int i = 0; i < config.workers(); i++) {
                egress.add(mode == LinkMode.FORWARD ? new TunForwardEgress(new LockedFrameWriter(link, writeLock))
                        : RawSocketEgress.open(RAW_SEND_BUFFER));
            }
            channel = DatagramChannel.open();
            channel.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            channel.bind(config.listen().toSocketAddress());
            datapath = AgentDatapath.choose(config, ((InetSocketAddress) channel.getLocalAddress()).getPort());
            return new AgentRuntime(config, keys, link, writeLock, mode, reason, egress, channel, metricsEndpoint, datapath);
        } catch (AgentDatapath.DatapathException e) {
            channel.close();
            egress.forEach(DirectReturn::close);
            link.close();
            throw new IOException("datapath kernel: " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            if (datapath != null && datapath.kernel()) {
                datapath.datapath().close(false);
            }
            if (channel != null) {
                channel.close();
            }
            egress.forEach(DirectReturn::close);
            link.close();
            throw e;
        }
    }

    /** Writes frames into the TUN under the lock the injections take: one writer at a time. */
    private static final class LockedFrameWriter implements TunForwardEgress.FrameWriter {
        private final TunLink link;
        private final Object lock;

        LockedFrameWriter(TunLink link, Object lock) {
            this.link = link;
            this.lock = lock;
        }

        @Override
        public int writeFrame(byte[] buf, int off, int len) {
            synchronized (lock) {
                return link.writeFrame(buf, off, len);
            }
        }
    }

    /** Starts the reader and worker threads. */
    public synchronized void start() {
        for (Worker w : workers) {
            threads.add(thread("ho-agent-w" + w.index, w));
        }
        threads.add(thread("ho-agent-udp", this::readDatagrams));
        if (kernelEvents != null) {
            threads.add(thread("ho-agent-events", this::readKernelEvents));
        }
        if (workers.length > 1) {
            threads.add(thread("ho-agent-tun", this::readLink));
        }
        threads.forEach(Thread::start);
        LOG.info("agent listening on udp {} (tun {}, H {}, {} worker{}, metrics {})", config.listen(), config.link().tun(),
                Bytes.ipv4ToString(config.handoffAddress()), workers.length, workers.length == 1 ? "" : "s",
                metrics.address() == null ? "off" : "http://" + metrics.address() + "/metrics");
        LOG.info("link mode {}: {} ({})", mode.label(), mode.description(), modeReason);
        LOG.info("datapath {}: {}{}", datapathMode(), datapathReason, adoptedFlows > 0 ? "; " + adoptedFlows + " flows taken over" : "");
    }

    private static Thread thread(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    public AgentConfig config() {
        return config;
    }

    /** How the link runs (chosen in {@link #open}). */
    public LinkMode linkMode() {
        return mode;
    }

    /** Why that mode: the config, a refusal by the kernel, or the forwarding problems found. */
    public String linkModeReason() {
        return modeReason;
    }

    /** {@code kernel} or {@code user}: where established flows move (chosen in {@link #open}). */
    public String datapathMode() {
        return datapath != null ? "kernel" : "user";
    }

    /** Why that data path: the config, or what stopped the kernel path under {@code datapath: auto}. */
    public String datapathReason() {
        return datapathReason;
    }

    /** The kernel path, or null on the user path. */
    public AgentDatapath datapath() {
        return datapath;
    }

    /** Flows taken over from the previous run at start. */
    public int adoptedFlows() {
        return adoptedFlows;
    }

    /** Whether a stop leaves established flows to the kernel for the next run ({@code kernel.on-stop: keep}). */
    public boolean keepsFlowsOnStop() {
        return datapath != null && config.kernel().onStop() == KernelSettings.OnStop.KEEP;
    }

    /** The UDP address actually bound (the configured port may be 0 in tests). */
    public InetSocketAddress listenAddress() throws IOException {
        return (InetSocketAddress) channel.getLocalAddress();
    }

    public int flowsOpen() {
        return budget.inUse();
    }

    public long uptimeMillis() {
        return System.currentTimeMillis() - startedMillis;
    }

    /** Each worker's counters (read from another thread: values may be slightly stale). */
    public List<AgentCounters> counters() {
        List<AgentCounters> out = new ArrayList<>();
        for (Worker w : workers) {
            out.add(w.counters);
        }
        return out;
    }

    public AgentMetrics metrics() {
        return metrics;
    }

    // ---- readers

    private void readDatagrams() {
        ByteBuffer bb = ByteBuffer.allocate(HandoffProtocol.MAX_DATAGRAM_LENGTH + 1);
        byte[] b = bb.array();
        SocketAddress lastSender = null;
        int lastAddress = 0;
        int lastPort = 0;
        while (running) {
            bb.clear();
            SocketAddress from;
            try {
                from = channel.receive(bb);
            } catch (ClosedChannelException e) {
                break;
            } catch (IOException e) {
                if (running) {
                    LOG.warn("udp receive failed: {}", e.toString());
                }
                continue;
            }
            if (from == null) {
                continue;
            }
            if (from != lastSender) { // the JDK caches the sender's address object: usually no work here
                lastSender = from;
                InetSocketAddress s = (InetSocketAddress) from;
                lastAddress = s.getAddress() instanceof Inet4Address a ? Bytes.i32(a.getAddress(), 0) : 0;
                lastPort = s.getPort();
            }
            int n = bb.position();
            Worker w = workers[workerOfDatagram(b, n, workers.length)];
            if (w.datagrams.offer(b, 0, n, lastAddress, lastPort)) {
                w.wake();
            } else {
                datagramQueueFull++;
            }
        }
    }

    /**
     * The worker of a datagram's flow (its client endpoint); worker 0 for anything without one.
     * A sealed message names the endpoint in its flow identity; a TUNNEL carries it as its inner
     * packet's source address and TCP port. Read unchecked: the worker decodes the datagram whole.
     */
    static int workerOfDatagram(byte[] b, int n, int workers) {
        if (workers == 1 || n < MessageHeaderFlyweight.TYPE_OFFSET + 1) {
            return 0;
        }
        if (b[MessageHeaderFlyweight.TYPE_OFFSET] == MessageType.TUNNEL.code()) {
            int inner = TunnelFlyweight.INNER_OFFSET;
            if (n < inner + Ipv4Packet.MIN_HEADER_LENGTH) {
                return 0;
            }
            int tcp = inner + (b[inner] & 0xf) * 4;
            if (tcp + TcpSegment.PORTS_LENGTH > n) {
                return 0;
            }
            return Sharding.worker(Bytes.i32(b, inner + Ipv4Packet.SOURCE_OFFSET), Bytes.u16(b, tcp + TcpSegment.SOURCE_PORT_OFFSET),
                    workers);
        }
        if (n < FlowMessageFlyweight.FLOW_END_OFFSET || b[FlowMessageFlyweight.FAMILY_OFFSET] != AddressFamily.IPV4.code()) {
            return 0;
        }
        return Sharding.worker(Bytes.i32(b, FlowMessageFlyweight.CLIENT_ADDRESS_OFFSET),
                Bytes.u16(b, FlowMessageFlyweight.CLIENT_PORT_OFFSET), workers);
    }

    /** Polls the programs' ring buffer until stopped; {@link #kernelEvent} takes each record. */
    private void readKernelEvents() {
        while (running) {
            try {
                kernelEvents.poll(100);
            } catch (RuntimeException e) { // BpfException: not expected of an epoll wait; logged, not spun on
                LOG.warn("kernel events: {}", e.toString());
                sleep(100);
            }
        }
    }

    /** One struct agent_event, to the worker of its flow's client endpoint. */
    private void kernelEvent(byte[] b, int len) {
        int worker = len < AgentEvent.LENGTH ? 0 : Sharding.worker(AgentEvent.clientAddress(b, 0), AgentEvent.clientPort(b, 0),
                workers.length);
        Worker w = workers[worker];
        if (w.kernelEvents.offer(b, 0, len, 0, 0)) {
            w.wake();
        } else {
            kernelEventQueueFull++;
        }
    }

    private void readLink() {
        byte[] b = new byte[TunLink.MAX_FRAME];
        Ipv4Packet ip = new Ipv4Packet();
        int hl = link.frameHeaderLength(); // the IP packet starts after the virtio-net header, if any
        while (running) {
            int n;
            try {
                n = link.read(b, 0, b.length, 100_000_000L);
            } catch (IOException e) {
                if (running) {
                    LOG.warn("link read failed: {}", e.toString());
                }
                continue;
            }
            if (n < 0) {
                break;
            }
            if (n == 0) {
                continue;
            }
            Worker worker = workers[workerOfStackPacket(ip, b, hl, n, workers.length)];
            if (worker.stackPackets.offer(b, 0, n, 0, 0)) {
                worker.wake();
            } else {
                stackQueueFull++;
            }
        }
    }

    /**
     * The worker of a stack packet's flow: its destination address and port are the client
     * endpoint. Only those two fields are read, through the view but unchecked: the worker checks
     * the packet whole and drops it if it is malformed. Worker 0 for a packet too short for them.
     *
     * @param packetOffset where the IP packet starts in the frame (after a virtio-net header, if any)
     * @param n            the frame's length
     */
    static int workerOfStackPacket(Ipv4Packet ip, byte[] b, int packetOffset, int n, int workers) {
        if (workers == 1 || n - packetOffset < Ipv4Packet.MIN_HEADER_LENGTH + TcpSegment.PORTS_LENGTH) {
            return 0;
        }
        ip.wrap(b, packetOffset, n - packetOffset);
        if (ip.payloadOffset() + TcpSegment.PORTS_LENGTH > n) {
            return 0;
        }
        return Sharding.worker(ip.destination(), Bytes.u16(b, ip.payloadOffset() + TcpSegment.DESTINATION_PORT_OFFSET), workers);
    }

    // ---- outputs used by the engines

    private boolean inject(byte[] b, int off, int len) {
        try {
            synchronized (linkWriteLock) { // one TUN queue shared by the workers and the FORWARD egress (docs/agent-link.md "Open")
                link.write(b, off, len);
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private boolean sendControl(int address, int port, byte[] b, int off, int len) {
        try {
            InetSocketAddress to = new InetSocketAddress(InetAddress.getByAddress(new byte[] {
                (byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address}), port);
            return channel.send(ByteBuffer.wrap(b, off, len), to) == len;
        } catch (IOException e) {
            LOG.debug("control send to {}:{} failed: {}", Bytes.ipv4ToString(address), port, e.toString());
            return false;
        }
    }

    // ---- shutdown

    /**
     * Stops: new hand-offs are refused (SHUTTING_DOWN) while open flows get up to {@code drain}
     * to finish, then the workers reset what is left (reported as ABORTED), and every descriptor
     * is closed. Idempotent; bounded in time.
     */
    public synchronized void shutdown(Duration drain) {
        shutdown(drain, keepsFlowsOnStop());
    }

    /**
     * Stops. {@code keepFlows} (kernel path only): established flows are left to the kernel with
     * their entries and records for the next run, no drain, no RST, no CLOSED (docs/kernel-datapath.md,
     * "Restarts"); flows still being set up are refused or reset as always. Else as
     * {@link #shutdown(Duration)} on the user path, and the kernel path's programs and pins go too.
     */
    public synchronized void shutdown(Duration drain, boolean keepFlows) {
        if (stopped) {
            return;
        }
        stopped = true;
        boolean keep = keepFlows && datapath != null;
        if (keep) {
            // Before the port closes: no ICMP for the director while the next run starts.
            try {
                datapath.holdForRestart();
            } catch (RuntimeException e) {
                LOG.warn("kernel path: the restart hold was not written ({}): the director may reset the flows", e.toString());
            }
        }
        for (Worker w : workers) {
            w.requestDrain();
        }
        long deadline = System.nanoTime() + (keep ? 0 : drain.toNanos());
        while (budget.inUse() > 0 && System.nanoTime() < deadline) {
            sleep(20);
        }
        if (budget.inUse() > 0) {
            LOG.info("drain ended with {} flows open", budget.inUse());
        }
        for (Worker w : workers) {
            w.stop(keep);
        }
        joinWorkers();
        running = false;
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("udp close: {}", e.toString());
        }
        try {
            link.close();
        } catch (IOException e) {
            LOG.debug("link close: {}", e.toString());
        }
        for (Thread t : threads) {
            join(t);
        }
        egress.forEach(DirectReturn::close);
        metrics.close();
        if (kernelEvents != null) {
            kernelEvents.close();
        }
        if (datapath != null) {
            datapath.close(keep);
        }
        LOG.info(keep ? "agent stopped; established flows left to the kernel for the next run" : "agent stopped");
    }

    private void joinWorkers() {
        for (Thread t : threads) {
            if (t.getName().startsWith("ho-agent-w")) {
                join(t);
            }
        }
    }

    private static void join(Thread t) {
        try {
            t.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            LOG.warn("thread {} did not stop within 5 s", t.getName());
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops at once and ends every flow; the kernel path's programs and pins go too (nothing is kept for a next run). */
    @Override
    public void close() {
        shutdown(Duration.ZERO, false);
    }
}
