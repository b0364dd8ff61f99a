package org.handoff.director;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.handoff.director.config.ConfigException;
import org.handoff.director.config.ConfigHolder;
import org.handoff.director.config.DirectorConfig;
import org.handoff.director.config.HostPort;
import org.handoff.director.config.PoolConfig;
import org.handoff.director.config.PoolMember;
import org.handoff.director.io.Clock;
import org.handoff.director.io.LivePcapSource;
import org.handoff.director.io.RawSocketSink;
import org.handoff.director.io.SystemClock;
import org.handoff.director.io.VipEndpoint;
import org.handoff.director.io.VipSetupCheck;
import org.handoff.director.routing.LoadCounter;
import org.handoff.director.routing.RoutingTable;
import org.handoff.director.tcp.TcpSettings;
import org.handoff.protocol.message.HandoffFlyweight;
import org.handoff.protocol.message.HandoffKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The director process: loads and validates the config and key file, refuses to start when
 * the kernel would answer for a VIP, starts one worker thread per configured worker, serves
 * metrics, reloads on SIGHUP (routing and keys; a bad new config is rejected and the old one
 * stays), and stops cleanly.
 */
public final class Director implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Director.class);

    /** A start-up problem the operator must fix; the message says what and how. */
    public static final class StartupException extends Exception {
        public StartupException(String message) {
            super(message);
        }
    }

    private final ConfigHolder<RoutingTable> config;
    private final AtomicReference<HandoffKeys> keys;
    private final List<DirectorWorker> workers;
    private final List<Thread> threads = new ArrayList<>();
    private final MetricsServer metrics;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private Director(ConfigHolder<RoutingTable> config, AtomicReference<HandoffKeys> keys, List<DirectorWorker> workers,
                     MetricsServer metrics) {
        this.config = config;
        this.keys = keys;
        this.workers = workers;
        this.metrics = metrics;
    }

    /** Loads everything and checks the host; starts nothing yet. */
    public static Director create(Path configFile, boolean checkVipSetup) throws StartupException, IOException {
        LoadCounter load = new LoadCounter();
        ConfigHolder<RoutingTable> holder;
        try {
            holder = ConfigHolder.load(configFile, c -> RoutingTable.of(c, load));
        } catch (ConfigException e) {
            throw new StartupException(configFile + ": invalid config:\n  " + String.join("\n  ", e.errors()));
        }
        DirectorConfig c = holder.config();
        Path keyFile = c.handoff().keyFile();
        if (keyFile == null) {
            throw new StartupException("handoff.key-file=null (expected: the shared key file, see docs/handoff-protocol.md)");
        }
        AtomicReference<HandoffKeys> keys = new AtomicReference<>(HandoffKeys.load(keyFile));
        if (c.capture() == null || c.capture().interfaceName() == null) {
            throw new StartupException("capture.interface=null (expected: the interface the VIP traffic arrives on)");
        }
        List<VipEndpoint> vips = new ArrayList<>();
        for (HostPort v : c.vips()) {
            if (!v.isIpv4()) {
                throw new StartupException("vips: " + v + " (expected: IPv4; the director terminates IPv4 flows)");
            }
            vips.add(VipEndpoint.parse(v.toString()));
        }
        if (checkVipSetup) {
            VipSetupCheck.Report report = VipSetupCheck.local().check(vips);
            if (!report.ok()) {
                throw new StartupException("the kernel would answer for a VIP; refusing to start:\n  "
                        + String.join("\n  ", report.problems()));
            }
        }

        SecureRandom random = new SecureRandom();
        long secret0 = random.nextLong();
        long secret1 = random.nextLong();
        Clock clock = SystemClock.INSTANCE;
        List<DirectorWorker> workers = new ArrayList<>();
        try {
            for (int i = 0; i < c.workers(); i++) {
                LivePcapSource source = LivePcapSource.open(new LivePcapSource.Config()
                        .interfaceName(c.capture().interfaceName())
                        .bufferBytes(c.capture().bufferBytes())
                        .vips(vips)
                        .shard(i, c.workers())
                        .clock(clock));
                RawSocketSink sink = RawSocketSink.open();
                workers.add(DirectorWorker.create(i, c, holder::derived, load, keys::get, secret0, secret1, source, sink,
                        new AgentSockets(), clock));
            }
        } catch (IOException | RuntimeException e) {
            workers.forEach(DirectorWorker::close);
            throw e;
        }
        Set<String> origins = new LinkedHashSet<>();
        for (PoolConfig p : c.pools().values()) {
            for (PoolMember m : p.members()) {
                origins.add(m.server().name());
            }
        }
        DirectorMetrics registry = new DirectorMetrics(workers, origins);
        MetricsServer metrics = c.metricsListen() == null ? null
                : MetricsServer.start(c.metricsListen().toSocketAddress(), registry::scrape);
        return new Director(holder, keys, workers, metrics);
    }

    public static TcpSettings tcpSettings(DirectorConfig c, int workers) {
        TcpSettings d = TcpSettings.DEFAULTS;
        int capacity = Math.min(c.tcp().initialWindow(), HandoffFlyweight.MAX_REQUEST_LENGTH);
        return new TcpSettings(c.tcp().mss(), c.tcp().windowShift(), capacity,
                (int) Math.max(1, c.limits().maxFlows() / workers), Math.max(0, c.limits().maxHalfOpen() / workers),
                c.limits().maxBufferedBytesPerFlow(), Math.max(capacity, c.limits().maxBufferedBytesTotal() / workers),
                c.timeouts().handshake(), c.timeouts().request(),
                c.timeouts().flowIdle(), d.retransmitInitial(), d.maxRetransmits(), d.closeLinger());
    }

    public void start() {
        for (DirectorWorker w : workers) {
            Thread t = new Thread(w, "director-worker-" + w.index());
            threads.add(t);
            t.start();
        }
        DirectorConfig c = config.config();
        LOG.info("director started: {} worker(s), vips {}, {} rule(s), capture on {}{}", workers.size(), c.vips(),
                c.rules().size(), c.capture().interfaceName(),
                metrics == null ? "" : ", metrics on http://" + metrics.address().getHostString() + ":" + metrics.address().getPort() + "/metrics");
    }

    /** Re-reads the config and key file; on any error the old ones stay and the errors are returned. */
    public List<String> reload() {
        List<String> errors = new ArrayList<>(config.reload());
        if (errors.isEmpty()) {
            Path keyFile = config.config().handoff().keyFile();
            try {
                keys.set(HandoffKeys.load(keyFile));
            } catch (IOException | RuntimeException e) {
                errors.add("handoff.key-file=" + keyFile + ": " + e.getMessage() + " (the old keys stay)");
            }
        }
        if (errors.isEmpty()) {
            LOG.info("reloaded {}: {} rule(s); flows in progress keep their origin", config.path(), config.config().rules().size());
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
        workers.forEach(DirectorWorker::stop);
        for (int i = 0; i < threads.size(); i++) {
            try {
                workers.get(i).join(Duration.ofSeconds(2).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        workers.forEach(DirectorWorker::close);
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
