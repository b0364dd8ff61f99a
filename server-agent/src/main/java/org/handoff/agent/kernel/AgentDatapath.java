package org.handoff.agent.kernel;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Optional;
import org.handoff.agent.config.AgentConfig;
import org.handoff.agent.config.Datapath;
import org.handoff.agent.config.KernelSettings;
import org.handoff.bpf.BpfException;
import org.handoff.bpf.BpfFs;
import org.handoff.bpf.BpfMap;
import org.handoff.bpf.BpfObject;
import org.handoff.bpf.BpfRingBuffer;
import org.handoff.bpf.BpfSupport;
import org.handoff.bpf.Interfaces;
import org.handoff.bpf.TcAttachment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's kernel data path set up on this host (docs/kernel-datapath.md): the bpffs mounted or
 * reused, {@code agent_egress} and {@code agent_ingress} loaded with their maps pinned there (a
 * previous run's maps reused with their entries), {@code agent_config} written, the egress program
 * on the TUN's tc egress and the ingress program on the uplink's tc ingress (our own programs left
 * by a previous run replaced in one step).
 *
 * <p>Both objects pin every map under the same directory, so the maps they both declare (all of
 * them: the flow maps, {@code agent_config}, {@code agent_counters}, {@code agent_flow_records},
 * {@code agent_events}) are one map each: the first object to load creates the pin, the second
 * reuses it.
 *
 * <p>{@link #choose} applies {@code datapath}: {@code user} sets up nothing; {@code kernel} fails
 * with the reason; {@code auto} falls back to the user path with the reason, leaving nothing
 * half set up. Opening attaches in the calling thread's network namespace.
 */
public final class AgentDatapath implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AgentDatapath.class);
    public static final String EGRESS_OBJECT = "agent_egress.bpf.o";
    public static final String INGRESS_OBJECT = "agent_ingress.bpf.o";
    /** tc handle and priority of both filters: fixed, so a restart replaces its own. */
    static final int TC_HANDLE = 1;
    static final int TC_PRIORITY = 1;

    private final BpfFs bpffs;
    private final BpfObject egressObject;
    private final BpfObject ingressObject;
    private final TcAttachment egressAttachment;
    private final TcAttachment ingressAttachment;
    private final String uplink;
    private final KernelSettings settings;
    private final int tunnelPort;
    private final int tunIndex;
    private boolean closed;

    /** Why the kernel path cannot run, as one line naming the cause. */
    public static final class DatapathException extends Exception {
        public DatapathException(String message) {
            super(message);
        }
    }

    /**
     * What {@code datapath} gave: the kernel path (open) or the user path, and why.
     *
     * @param datapath the kernel path, or null for the user path
     * @param reason   why this one (the config, or what stopped the kernel path)
     */
    public record Choice(AgentDatapath datapath, String reason) {
        public boolean kernel() {
            return datapath != null;
        }

        /** {@code kernel} or {@code user}: the label of the metrics and the logs. */
        public String mode() {
            return datapath != null ? "kernel" : "user";
        }
    }

    private AgentDatapath(BpfFs bpffs, BpfObject egressObject, BpfObject ingressObject, TcAttachment egressAttachment,
                          TcAttachment ingressAttachment, String uplink, KernelSettings settings, int tunnelPort, int tunIndex) {
        this.tunnelPort = tunnelPort;
        this.tunIndex = tunIndex;
        this.bpffs = bpffs;
        this.egressObject = egressObject;
        this.ingressObject = ingressObject;
        this.egressAttachment = egressAttachment;
        this.ingressAttachment = ingressAttachment;
        this.uplink = uplink;
        this.settings = settings;
    }

    /**
     * Applies {@code datapath}. {@code kernel}: the kernel path or a {@link DatapathException} with
     * the reason; {@code auto}: the kernel path, or the user path with the reason (logged once).
     *
     * @param tunnelPort the agent's bound UDP port, where TUNNELs arrive
     */
    public static Choice choose(AgentConfig config, int tunnelPort) throws DatapathException {
        if (config.datapath() == Datapath.USER) {
            return new Choice(null, "datapath: user");
        }
        try {
            AgentDatapath d = open(config, tunnelPort);
            return new Choice(d, "datapath: " + config.datapath().yaml() + ", programs attached (uplink " + d.uplink + ", egress "
                    + KernelSettings.yaml(config.kernel().egress()) + ", maps in " + d.bpffs.path() + ")");
        } catch (DatapathException e) {
            if (config.datapath() == Datapath.KERNEL) {
                throw e;
            }
            LOG.warn("datapath auto: running the user path: {}", e.getMessage());
            return new Choice(null, "datapath: auto, but " + e.getMessage());
        }
    }

    /**
     * Whether the kernel path would run, without attaching anything: libbpf, the uplink, the TUN,
     * and both objects through the verifier. Empty when it would; else why not. For {@code agent check}.
     */
    public static Optional<String> probe(AgentConfig config) {
        Optional<String> unavailable = BpfSupport.unavailableReason();
        if (unavailable.isPresent()) {
            return unavailable;
        }
        try {
            uplink(config);
            tunIndex(config);
            try (BpfObject egress = BpfObject.openResource(EGRESS_OBJECT); BpfObject ingress = BpfObject.openResource(INGRESS_OBJECT)) {
                egress.load();
                ingress.load();
            }
            return Optional.empty();
        } catch (DatapathException e) {
            return Optional.of(e.getMessage());
        } catch (BpfException e) {
            return Optional.of("the programs do not load: " + e.getMessage());
        }
    }

    /** Sets the kernel path up, or undoes whatever it did and throws. */
    static AgentDatapath open(AgentConfig config, int tunnelPort) throws DatapathException {
        Optional<String> unavailable = BpfSupport.unavailableReason();
        if (unavailable.isPresent()) {
            throw new DatapathException(unavailable.get());
        }
        KernelSettings k = config.kernel();
        String uplink = uplink(config);
        int uplinkIndex = index(uplink, "kernel.uplink");
        int tunIndex = tunIndex(config);
        BpfFs fs = null;
        BpfObject egress = null;
        BpfObject ingress = null;
        TcAttachment out = null;
        try {
            fs = BpfFs.mount(k.bpffs());
            egress = BpfObject.openResource(EGRESS_OBJECT).pinMapsUnder(fs.path());
            egress.load();
            ingress = BpfObject.openResource(INGRESS_OBJECT).pinMapsUnder(fs.path());
            ingress.load();
            ByteBuffer zero = ByteBuffer.allocateDirect(Integer.BYTES).order(ByteOrder.nativeOrder());
            ByteBuffer entry = ByteBuffer.allocateDirect(AgentKernelConfig.LENGTH);
            // Before the programs are attached: they read it for every packet.
            egress.map("agent_config").update(zero, new AgentKernelConfig().wrap(entry).entry(tunnelPort, k.egress(), tunIndex).buffer());
            out = TcAttachment.attach(tunIndex, TcAttachment.Direction.EGRESS, egress.program("agent_egress"), TC_HANDLE, TC_PRIORITY);
            TcAttachment in = TcAttachment.attach(uplinkIndex, TcAttachment.Direction.INGRESS, ingress.program("agent_ingress"),
                    TC_HANDLE, TC_PRIORITY);
            return new AgentDatapath(fs, egress, ingress, out, in, uplink, k, tunnelPort, tunIndex);
        } catch (RuntimeException e) { // BpfException, a bpffs that cannot be made: any failure leaves nothing attached
            closeQuietly(out, e);
            closeQuietly(ingress, e);
            closeQuietly(egress, e);
            closeQuietly(fs, e);
            throw new DatapathException(e.getMessage() != null ? e.getMessage() : e.toString());
        }
    }

    private static void closeQuietly(AutoCloseable c, Exception cause) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            cause.addSuppressed(e);
        }
    }

    /** {@code kernel.uplink}, or the interface that holds the {@code listen} address. */
    public static String uplink(AgentConfig config) throws DatapathException {
        if (config.kernel().uplink() != null) {
            return config.kernel().uplink();
        }
        InetAddress listen = config.listen().address();
        try {
            NetworkInterface nif = listen.isAnyLocalAddress() ? null : NetworkInterface.getByInetAddress(listen);
            if (nif == null) {
                throw new DatapathException("kernel.uplink: no interface holds the listen address " + listen.getHostAddress()
                        + " (expected: kernel.uplink set to the interface TUNNELs arrive on)");
            }
            return nif.getName();
        } catch (SocketException e) {
            throw new DatapathException("kernel.uplink: cannot list interfaces to find the listen address "
                    + listen.getHostAddress() + ": " + e.getMessage());
        }
    }

    private static int tunIndex(AgentConfig config) throws DatapathException {
        return index(config.link().tun(), "link.tun");
    }

    private static int index(String name, String key) throws DatapathException {
        try {
            return Interfaces.indexOf(name);
        } catch (BpfException e) {
            throw new DatapathException(key + ": no interface " + name + " here (" + e.getMessage() + ")");
        }
    }

    /** A worker's view of the flow maps (its own buffers; the maps are shared and thread-safe). */
    public KernelFlows flowsForWorker(long engineNanos, long wallMillis) {
        return new MapKernelFlows(new BpfFlowMap(egressObject.map("agent_egress_flows")),
                new BpfFlowMap(ingressObject.map("agent_ingress_flows")), new BpfFlowMap(egressObject.map("agent_flow_records")),
                engineNanos, wallMillis);
    }

    /**
     * Before a stop that keeps flows: for {@code kernel.restart-grace} the ingress program drops the
     * datagrams that would meet the agent's closed port, so the director hears no ICMP port
     * unreachable and keeps the flows while the next run starts (which writes the config afresh).
     */
    public void holdForRestart() {
        long until = System.nanoTime() + settings.restartGrace().toNanos(); // CLOCK_MONOTONIC, as bpf_ktime_get_ns
        ByteBuffer zero = ByteBuffer.allocateDirect(Integer.BYTES).order(ByteOrder.nativeOrder());
        ByteBuffer entry = ByteBuffer.allocateDirect(AgentKernelConfig.LENGTH);
        egressObject.map("agent_config").update(zero,
                new AgentKernelConfig().wrap(entry).entry(tunnelPort, settings.egress(), tunIndex, until).buffer());
    }

    /**
     * A reader of the programs' events ({@code agent_events}, struct agent_event records) for one
     * thread to poll; the caller closes it before this datapath.
     */
    public BpfRingBuffer openEvents(BpfRingBuffer.Reader reader) {
        return BpfRingBuffer.open(egressObject.map("agent_events"), AgentEvent.LENGTH, reader);
    }

    /** A counter of the programs, summed over the CPUs. */
    public long counter(AgentKernelCounter c) {
        BpfMap counters = egressObject.map("agent_counters");
        return counters.counter(c.index());
    }

    public String uplink() {
        return uplink;
    }

    public Path bpffs() {
        return bpffs.path();
    }

    public KernelSettings settings() {
        return settings;
    }

    /**
     * Closes the process's handles. {@code keepFlows}: the programs stay attached and the maps
     * pinned, so established flows keep moving and the next run finds them; else the programs are
     * detached, the pins removed and the bpffs unmounted if this run mounted it. Idempotent; call
     * from the thread (network namespace) that opened it.
     */
    public synchronized void close(boolean keepFlows) {
        if (closed) {
            return;
        }
        closed = true;
        if (!keepFlows) {
            closeQuietly(ingressAttachment);
            closeQuietly(egressAttachment);
        }
        closeQuietly(ingressObject);
        closeQuietly(egressObject);
        if (!keepFlows) {
            try {
                bpffs.removePins();
            } catch (RuntimeException e) {
                LOG.warn("removing the kernel path's pins under {}: {}", bpffs.path(), e.toString());
            }
            closeQuietly(bpffs);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("closing {}: {}", c, e.toString());
        }
    }

    /** Detaches and removes everything (a stop that does not keep flows). */
    @Override
    public void close() {
        close(false);
    }

    @Override
    public String toString() {
        return "AgentDatapath[uplink " + uplink + ", " + bpffs + "]";
    }
}
