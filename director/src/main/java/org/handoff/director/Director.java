package org.handoff.director;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import org.handoff.config.ConfigException;
import org.handoff.director.cluster.DirectorCluster;
import org.handoff.director.cluster.SynSecrets;
import org.handoff.director.config.ConfigHolder;
import org.handoff.director.config.ConfigLoader;
import org.handoff.director.config.DirectorConfig;
import org.handoff.director.config.ReloadScope;
import org.handoff.director.io.AnnounceDevice;
import org.handoff.director.io.Clock;
import org.handoff.director.io.LivePcapSource;
import org.handoff.director.io.RawSocketSink;
import org.handoff.director.io.SystemClock;
import org.handoff.director.io.VipEndpoint;
import org.handoff.director.io.VipSetupCheck;
import org.handoff.director.kernel.DirectorDatapath;
import org.handoff.director.routing.LoadCounter;
import org.handoff.director.tcp.SynKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The director process: loads and validates the config and its key file (all in
 * {@code ConfigLoader.DIRECTOR.loadForRun}, so {@code check-config} refuses exactly what this refuses),
 * refuses to start when the kernel would answer for a VIP, starts one worker thread per
 * configured worker, serves metrics, reloads on SIGHUP (a bad new config, or one that changes
 * a key only a restart can change, is rejected and the running one stays), and stops cleanly.
 */
public final class Director implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Director.class);

    /** A start-up problem the operator must fix; the message says what and how. */
    public static final class StartupException extends Exception {
        public StartupException(String message) {
            super(message);
        }
    }

    private final ConfigHolder<WorkerSettings> config;
    private final List<DirectorWorker> workers;
    private final List<Thread> threads = new ArrayList<>();
    private final MetricsServer metrics;
    private final DirectorDatapath datapath;
    /** The directors' group ({@code cluster}), or null: this director runs alone. */
    private final DirectorCluster cluster;
    /** Applies the group's events (other directors' flows) on its own thread; null without a cluster. */
    private final ClusterFlows clusterFlows;
    private Thread clusterThread;
    /** Takes other directors' packets of this director's flows; null without a cluster. */
    private final PeerPacketReceiver peerReceiver;
    private Thread peerThread;
    /** {@code capture.announce-device}, or null: the VIPs are announced while it exists. */
    private final AnnounceDevice announcement;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private Director(ConfigHolder<WorkerSettings> config, List<DirectorWorker> workers, MetricsServer metrics,
                     DirectorDatapath datapath, DirectorCluster cluster, ClusterFlows clusterFlows, PeerPacketReceiver peerReceiver,
                     AnnounceDevice announcement) {
        this.config = config;
        this.workers = workers;
        this.metrics = metrics;
        this.datapath = datapath;
        this.cluster = cluster;
        this.clusterFlows = clusterFlows;
        this.peerReceiver = peerReceiver;
        this.announcement = announcement;
    }

    /**
     * Loads the config, as {@code handoff director check-config} does; a bad one is refused
     * with the loader's message, every error listed.
     */
    public static ConfigHolder<WorkerSettings> loadConfig(Path configFile, LoadCounter load) throws ConfigException {
        return loadConfig(configFile, load, () -> Integer.MAX_VALUE, () -> false);
    }

    /**
     * The same, with what the kernel path sets once it started (read at each derivation): the
     * SYN-ACK's MSS at most {@code mssCeiling}, and whether the XDP program answers SYNs (every
     * ACK of an unknown flow is then checked as a cookie).
     */
    static ConfigHolder<WorkerSettings> loadConfig(Path configFile, LoadCounter load, IntSupplier mssCeiling,
            BooleanSupplier kernelAnswersSyns) throws ConfigException {
        return ConfigHolder.load(configFile, ConfigLoader.DIRECTOR::loadForRun,
                c -> WorkerSettings.of(c, load, mssCeiling.getAsInt()).withKernelAnswersSyns(kernelAnswersSyns.getAsBoolean()),
                Director::unappliable);
    }

    /** Loads everything and checks the host; starts nothing yet. */
    public static Director create(Path configFile, boolean checkVipSetup) throws StartupException {
        LoadCounter load = new LoadCounter();
        AtomicInteger mssCeiling = new AtomicInteger(Integer.MAX_VALUE);
        AtomicBoolean kernelAnswersSyns = new AtomicBoolean();
        ConfigHolder<WorkerSettings> holder;
        try {
            holder = loadConfig(configFile, load, mssCeiling::get, kernelAnswersSyns::get);
        } catch (ConfigException e) {
            throw new StartupException(e.getMessage());
        }
        DirectorConfig c = holder.config();
        List<VipEndpoint> vips = c.vips().stream().map(VipEndpoint::of).toList();
        if (checkVipSetup) {
            VipSetupCheck.Report report = VipSetupCheck.local().check(vips);
            if (!report.ok()) {
                throw new StartupException("the kernel would answer for a VIP; refusing to start:\n  "
                        + String.join("\n  ", report.problems()));
            }
        }

        DirectorDatapath datapath;
        try {
            datapath = DirectorDatapath.start(c.datapath(), c.kernel().bpffs(), c.capture().interfaceName());
        } catch (DirectorDatapath.StartException e) {
            throw new StartupException(e.getMessage());
        }
        if (datapath.kernel()) {
            // A full-size client segment, tunnelled (44 bytes more), must still fit the link.
            mssCeiling.set(datapath.mssCeiling());
            kernelAnswersSyns.set(true);
            try {
                holder.rederive();
            } catch (ConfigException e) {
                throw closeAll(new StartupException(e.getMessage()), List.of(datapath));
            }
            LOG.info("datapath kernel: SYN-ACK MSS {} (tcp.mss={}, capture interface MTU - {})", holder.derived().tcp().mss(),
                    c.tcp().mss(), DirectorDatapath.MSS_OVERHEAD);
        } else {
            LOG.info("datapath user: {}", datapath.userPathReason());
        }

        PrometheusMeterRegistry registry = DirectorMetrics.newRegistry();
        DirectorCluster cluster = null;
        ClusterFlows clusterFlows = null;
        // What outlives the workers, closed after them on a failure: the group first (a clean leave), then the data path.
        List<AutoCloseable> base = new ArrayList<>(List.of(datapath));
        if (c.cluster().enabled()) {
            // Before the workers: each announces through it from its first flow, and the table
            // (other directors' flows) must be here before this director takes any packet.
            try {
                cluster = DirectorCluster.start(c.cluster(), registry);
            } catch (IOException e) {
                throw closeAll(new StartupException(e.getMessage()), base);
            }
            base.add(0, cluster);
            if (datapath.kernel()) {
                new ClusterFlows(cluster, datapath.flowsForWorker(), null).deleteStaleEntries();
            }
        }
        SynSecrets shared = null;
        long[] secret;
        if (cluster != null) {
            // SYNs are answered only once the group's secret is here: any director checks any director's cookie.
            try {
                shared = awaitSynSecrets(cluster, c.cluster().stateTimeout());
            } catch (StartupException e) {
                throw closeAll(e, base);
            }
            secret = new long[] {shared.current0(), shared.current1()};
        } else {
            SecureRandom random = new SecureRandom();
            secret = datapath.synSecret(new long[] {random.nextLong(), random.nextLong()});
        }
        long secret0 = secret[0];
        long secret1 = secret[1];

        Clock clock = SystemClock.INSTANCE;
        List<DirectorWorker> workers = new ArrayList<>();
        // What the worker being made has opened and does not own yet: closed with the workers on a failure.
        List<AutoCloseable> unowned = new ArrayList<>();
        try {
            for (int i = 0; i < c.workers(); i++) {
                LivePcapSource source = LivePcapSource.open(new LivePcapSource.Config()
                        .interfaceName(c.capture().interfaceName())
                        .bufferBytes(c.capture().bufferBytes())
                        .vips(vips)
                        .shard(i, c.workers())
                        .clock(clock));
                unowned.add(source);
                RawSocketSink sink = RawSocketSink.open();
                unowned.add(sink);
                AgentSockets agents = new AgentSockets();
                unowned.add(agents);
                workers.add(DirectorWorker.create(i, c, holder::derived, load, secret0, secret1, source, sink,
                        agents, clock, datapath.flowsForWorker(), cluster));
                unowned.clear();
            }
            if (shared != null) {
                SynKeys keys = synKeys(shared);
                workers.forEach(w -> w.terminator().synKeys(keys));
                clusterFlows = new ClusterFlows(cluster, datapath.flowsForWorker(), secrets -> {
                    SynKeys rotated = synKeys(secrets);
                    workers.forEach(w -> w.terminator().synKeys(rotated));
                    datapath.synSecretChanged(new long[] {secrets.current0(), secrets.current1()});
                });
            }
        } catch (IOException e) {
            throw closeAfter(new StartupException("cannot capture on capture.interface=" + c.capture().interfaceName()
                    + " or open the raw socket: " + e.getMessage()), unowned, workers, base);
        } catch (RuntimeException e) {
            throw closeAfter(e, unowned, workers, base);
        }
        PeerPacketReceiver peerReceiver = null;
        if (cluster != null) {
            InetSocketAddress peerEndpoint = new InetSocketAddress(c.cluster().bind(), c.cluster().peerPort());
            try {
                peerReceiver = PeerPacketReceiver.open(peerEndpoint, cluster.peerToken(),
                        workers.stream().map(DirectorWorker::peerInbox).toList());
            } catch (IOException e) {
                throw closeAfter(new StartupException("cannot listen on cluster.peer-port=" + peerEndpoint + ": " + e.getMessage()),
                        workers, base);
            }
            base.add(0, peerReceiver);
        }
        try {
            // Only now that every capture is open: a final ACK to a kernel-made SYN-ACK reaches a worker.
            datapath.answerSyns(holder.derived().tcp(), secret, vips);
        } catch (RuntimeException e) { // BpfException: a map update refused
            throw closeAfter(e, workers, base);
        }
        DirectorMetrics directorMetrics = new DirectorMetrics(registry, workers, () -> holder.config().serverNames(), datapath,
                clusterFlows, peerReceiver);
        MetricsServer metrics = null;
        if (c.metricsListen() != null) {
            try {
                metrics = MetricsServer.start(c.metricsListen().toSocketAddress(), directorMetrics::scrape);
            } catch (IOException | RuntimeException e) { // BindException: the port is in use
                throw closeAfter(new StartupException("cannot listen on metrics.listen=" + c.metricsListen() + ": "
                        + e.getMessage()), workers, base);
            }
        }
        AnnounceDevice announcement = null;
        if (c.capture().announceDevice() != null) {
            // Last, once everything that serves a flow is open (the captures queue what arrives
            // until the workers start, right after): from here a routing daemon sends clients here.
            try {
                announcement = AnnounceDevice.open(c.capture().announceDevice());
            } catch (IOException | RuntimeException e) {
                List<AutoCloseable> opened = new ArrayList<>();
                workers.forEach(worker -> opened.add(worker::close));
                opened.addAll(base);
                if (metrics != null) {
                    opened.add(metrics::close);
                }
                throw closeAll(new StartupException("cannot create capture.announce-device=" + c.capture().announceDevice()
                        + ": " + e.getMessage()), opened);
            }
            LOG.info("announce device {} up: a routing daemon announces the VIPs while this process runs",
                    announcement.name());
        }
        return new Director(holder, workers, metrics, datapath, cluster, clusterFlows, peerReceiver, announcement);
    }

    /** Until the group's SYN-cookie secret is known (the coordinator publishes it at once), at most {@code limit}. */
    private static SynSecrets awaitSynSecrets(DirectorCluster cluster, Duration limit) throws StartupException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!cluster.ready()) {
            if (System.nanoTime() > deadline) {
                throw new StartupException("cluster: no SYN-cookie secret from the group within cluster.state-timeout="
                        + ConfigLoader.format(limit) + " (expected: the coordinator publishes one as it starts)");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StartupException("interrupted while waiting for the cluster's SYN-cookie secret");
            }
        }
        return cluster.synSecrets();
    }

    /** The terminators' keys for the group's secrets: the current one, and the previous while cookies made with it live. */
    static SynKeys synKeys(SynSecrets s) {
        return s.previousId() == 0 ? SynKeys.of(s.current0(), s.current1())
                : SynKeys.rotated(s.current0(), s.current1(), s.previous0(), s.previous1());
    }

    private static <E extends Throwable> E closeAfter(E failure, List<DirectorWorker> workers, List<AutoCloseable> base) {
        return closeAfter(failure, List.of(), workers, base);
    }

    /**
     * {@link #closeAll} for what {@link #create} opened before {@code failure}: what a worker being
     * made had opened, the workers, then {@code base} (the cluster, if any, and the data path).
     */
    private static <E extends Throwable> E closeAfter(E failure, List<AutoCloseable> unowned, List<DirectorWorker> workers,
                                                      List<AutoCloseable> base) {
        List<AutoCloseable> opened = new ArrayList<>(unowned);
        workers.forEach(worker -> opened.add(worker::close));
        opened.addAll(base);
        return closeAll(failure, opened);
    }

    /**
     * Closes each of {@code opened} in order after {@code failure}, all of them even when one
     * throws (its exception is added to {@code failure} as suppressed), and returns
     * {@code failure} for the caller to throw.
     */
    static <E extends Throwable> E closeAll(E failure, List<? extends AutoCloseable> opened) {
        for (AutoCloseable c : opened) {
            try {
                c.close();
            } catch (Exception e) {
                failure.addSuppressed(e);
            }
        }
        return failure;
    }

    /**
     * Each change from the config the director started with to {@code next} that a reload
     * cannot apply: a restart key ({@link ReloadScope}; a running config always has the start's
     * values of those), or a hand-off deadline longer than the answers' replay guard, sized at
     * start, covers.
     */
    static List<String> unappliable(DirectorConfig atStart, DirectorConfig next) {
        List<String> errors = new ArrayList<>(ReloadScope.restartNeeded(atStart, next));
        long covered = DirectorWorker.replayWindowMillis(atStart.handoff().deadline().toMillis());
        if (DirectorWorker.replayWindowMillis(next.handoff().deadline().toMillis()) > covered) {
            errors.add("handoff.deadline=" + ConfigLoader.format(next.handoff().deadline()) + " (expected: at most "
                    + ConfigLoader.format(Duration.ofMillis(covered - 1_000)) + " while running: the agents' answers are"
                    + " remembered for " + ConfigLoader.format(Duration.ofMillis(covered))
                    + ", sized at start; a longer deadline needs a restart)");
        }
        return errors;
    }

    public void start() {
        if (clusterFlows != null) {
            clusterThread = new Thread(clusterFlows, "director-cluster");
            clusterThread.setDaemon(true);
            clusterThread.start();
            peerThread = new Thread(peerReceiver, "director-peer-port");
            peerThread.setDaemon(true);
            peerThread.start();
        }
        for (DirectorWorker w : workers) {
            Thread t = new Thread(w, "director-worker-" + w.index());
            threads.add(t);
            t.start();
        }
        DirectorConfig c = config.config();
        LOG.info("director started: {} worker(s), vips {}, {} rule(s), capture on {}, datapath {}{}", workers.size(), c.vips(),
                c.rules().size(), c.capture().interfaceName(), datapath.mode(),
                metrics == null ? "" : ", metrics on http://" + metrics.address().getHostString() + ":" + metrics.address().getPort() + "/metrics");
    }

    /**
     * Re-reads the config and key file and applies them at the workers' next decisions; on any
     * error (in the file, or a change only a restart can make) the running ones stay and the
     * errors are returned.
     */
    public List<String> reload() {
        List<String> errors = config.reload();
        if (errors.isEmpty()) {
            datapath.synSettingsChanged(config.derived().tcp());
            LOG.info("reloaded {}: {} rule(s), key ring {}; flows in progress keep their origin", config.path(),
                    config.config().rules().size(), config.config().keys());
        } else {
            LOG.error("reload rejected, the running config stays:\n  {}", String.join("\n  ", errors));
        }
        return errors;
    }

    public List<DirectorWorker> workers() {
        return workers;
    }

    public InetSocketAddress metricsAddress() {
        return metrics == null ? null : metrics.address();
    }

    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    @Override
    public void close() {
        if (announcement != null) {
            // First: the routers stop sending new flows here while this director stops.
            announcement.close();
        }
        workers.forEach(DirectorWorker::stop);
        for (int i = 0; i < threads.size(); i++) {
            try {
                workers.get(i).join(Duration.ofSeconds(2).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        workers.forEach(DirectorWorker::close);
        if (cluster != null) {
            // A clean leave: the others drop this director's flows before their hand-off at once.
            clusterFlows.stop();
            try {
                clusterFlows.join(Duration.ofSeconds(2).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            peerReceiver.close();
            cluster.close();
        }
        // The XDP program stays attached and its maps pinned: flows keep moving while a restarted
        // director starts (docs/kernel-datapath.md, "Restarts"); `handoff director kernel-detach` removes them.
        datapath.close();
        if (metrics != null) {
            metrics.close();
        }
        stopped.countDown();
        LOG.info("director stopped");
    }

    /** Writes this process's pid, for {@code handoff director reload}. */
    public static void writePid(Path pidFile) throws IOException {
        Files.writeString(pidFile, ProcessHandle.current().pid() + "\n");
    }
}
