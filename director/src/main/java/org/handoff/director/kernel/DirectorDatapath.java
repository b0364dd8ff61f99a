package org.handoff.director.kernel;

import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.handoff.bpf.BpfFs;
import org.handoff.bpf.BpfMap;
import org.handoff.bpf.BpfObject;
import org.handoff.bpf.BpfSupport;
import org.handoff.bpf.Interfaces;
import org.handoff.bpf.XdpAttachment;
import org.handoff.director.config.Datapath;
import org.handoff.director.io.VipEndpoint;
import org.handoff.director.tcp.TcpSettings;
import org.handoff.protocol.message.TunnelFrameWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The director's data path, decided once at start (docs/kernel-datapath.md): {@code user}
 * runs nothing in the kernel; otherwise the bpffs at {@code kernel.bpffs} is mounted (or the
 * one there reused), {@code director_xdp} is opened from the jar with its maps pinned there
 * (a restarted director gets its predecessor's maps, entries included), loaded, and attached
 * natively to {@code capture.interface} (replacing our own program left by a previous run).
 * With {@code auto} any failure gives the user path and one line saying why; with
 * {@code kernel} it is a start-up error with that message.
 *
 * <p>A normal stop ({@link #close()}) leaves the program attached and the maps pinned, so
 * established flows keep moving while the director restarts; {@link #detach} removes both for
 * good ({@code handoff director kernel-detach}).
 */
public final class DirectorDatapath implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DirectorDatapath.class);
    /** The least MSS the SYN-ACK offers, whatever the link (tcp.mss's own lower bound). */
    static final int MIN_MSS = 536;
    /** IPv4 and TCP headers of a full-size segment, plus the tunnel: MTU - this is the MSS whose segment fits once tunnelled. */
    public static final int MSS_OVERHEAD = 40 + TunnelFrameWriter.OVERHEAD;

    /** A start-up failure of datapath: kernel; the message says why. */
    public static final class StartException extends Exception {
        public StartException(String message) {
            super(message);
        }
    }

    private final String why;
    private final BpfObject object;
    private final BpfMap counters;
    private final BpfKernelFlows.NextHopMap nextHops;
    private final int captureMtu;
    private final DirectorSynMaps syns;
    private long[] synSecret;
    private TcpSettings synTcp;
    private int[] synVipAddresses;
    private int[] synVipPorts;

    private DirectorDatapath(String why, BpfObject object, BpfKernelFlows.NextHopMap nextHops, int captureMtu) {
        this.why = why;
        this.object = object;
        this.counters = object == null ? null : object.map(DirectorXdp.COUNTERS_MAP);
        this.syns = object == null ? null : new DirectorSynMaps(object.map(DirectorXdp.SYN_CONFIG_MAP),
                object.map(DirectorXdp.VIPS_MAP));
        this.nextHops = nextHops;
        this.captureMtu = captureMtu;
    }

    /**
     * The secret for ISNs and SYN cookies: on the kernel path the one a previous director left
     * in the pinned maps, if any (cookies the program made while no director ran still
     * validate), else {@code fresh}, which {@link #answerSyns} then pins.
     */
    public long[] synSecret(long[] fresh) {
        long[] pinned = kernel() ? syns.pinnedSecret() : null;
        return pinned != null ? pinned : fresh;
    }

    /**
     * Turns the program's SYN path on (docs/kernel-datapath.md): it answers timestamped SYNs to
     * {@code vips} with the cookie SYN-ACK {@code tcp} and the secret make, so Java first sees
     * the final ACK. Nothing on the user path.
     */
    public synchronized void answerSyns(TcpSettings tcp, long[] secret, List<VipEndpoint> vips) {
        if (!kernel()) {
            return;
        }
        synTcp = tcp;
        synSecret = secret.clone();
        synVipAddresses = vips.stream().mapToInt(VipEndpoint::address).toArray();
        synVipPorts = vips.stream().mapToInt(VipEndpoint::port).toArray();
        syns.enable(tcp, synSecret[0], synSecret[1], synVipAddresses, synVipPorts);
    }

    /** After a reload: the SYN-ACK's MSS, window and shift as the new settings make them. */
    public synchronized void synSettingsChanged(TcpSettings tcp) {
        if (kernel() && synSecret != null) {
            synTcp = tcp;
            syns.enable(tcp, synSecret[0], synSecret[1], synVipAddresses, synVipPorts);
        }
    }

    /**
     * The cluster's SYN-cookie secret rotated: the program mints with the new one from now on
     * (Java checks cookies of the previous one). Nothing before {@link #answerSyns}, or on the user path.
     */
    public synchronized void synSecretChanged(long[] secret) {
        if (kernel() && synSecret != null) {
            synSecret = secret.clone();
            syns.enable(synTcp, synSecret[0], synSecret[1], synVipAddresses, synVipPorts);
        }
    }

    /** The user path, with the reason (the config's choice, or why the kernel path did not start). */
    public static DirectorDatapath user(String why) {
        return new DirectorDatapath(why, null, null, 0);
    }

    /**
     * Starts the data path {@code mode} asks for on {@code captureInterface}, with the maps pinned
     * under {@code bpffs}.
     *
     * @throws StartException with {@code kernel}, when the kernel path cannot start
     */
    public static DirectorDatapath start(Datapath mode, Path bpffs, String captureInterface) throws StartException {
        if (mode == Datapath.USER) {
            return user("datapath=user");
        }
        Optional<String> failure = BpfSupport.unavailableReason();
        DirectorDatapath started = null;
        if (failure.isEmpty()) {
            try {
                started = attach(bpffs, captureInterface);
            } catch (RuntimeException e) {
                failure = Optional.of(e.getMessage() != null ? e.getMessage() : e.toString());
            }
        }
        if (started != null) {
            return started;
        }
        String message = "the kernel data path did not start on capture.interface=" + captureInterface + " with kernel.bpffs="
                + bpffs + ": " + failure.orElseThrow();
        if (mode == Datapath.KERNEL) {
            throw new StartException(message + " (datapath=kernel; datapath=auto would run the user path)");
        }
        LOG.warn("{}; running the user path (datapath=auto)", message);
        return user(message);
    }

    private static DirectorDatapath attach(Path bpffs, String captureInterface) {
        BpfFs fs = BpfFs.mount(bpffs); // left mounted: its pins are what a restart finds
        BpfObject object = BpfObject.openResource(DirectorXdp.OBJECT);
        try {
            object.pinMapsUnder(fs.path());
            object.load();
            int ifindex = Interfaces.indexOf(captureInterface);
            XdpAttachment attachment = XdpAttachment.attach(ifindex, object.program(DirectorXdp.PROGRAM),
                    XdpAttachment.XdpMode.NATIVE);
            int mtu = mtu(captureInterface);
            LOG.info("kernel data path: {} attached natively to {} (ifindex {}, mtu {}), maps pinned under {}{}",
                    DirectorXdp.PROGRAM, captureInterface, ifindex, mtu, fs.path(),
                    fs.mountedHere() ? " (mounted now)" : "");
            return new DirectorDatapath(null, object,
                    new BpfKernelFlows.NextHopMap(object.map(DirectorXdp.NEXT_HOPS_MAP), NextHops.kernel()), mtu);
            // attachment is not closed: the program stays attached after the process (see close)
        } catch (RuntimeException e) {
            object.close();
            throw e;
        }
    }

    private static int mtu(String device) {
        try {
            NetworkInterface n = NetworkInterface.getByName(device);
            if (n == null) {
                throw new IllegalStateException("capture.interface=" + device + " has no address (expected: the interface"
                        + " the VIP traffic arrives on, with the director's address)");
            }
            return n.getMTU();
        } catch (SocketException e) {
            throw new IllegalStateException("MTU of " + device + ": " + e.getMessage(), e);
        }
    }

    /**
     * Removes the program from {@code captureInterface} and the pins under {@code bpffs} for good
     * (flows still handed off go on through the user path, if a director runs). Returns what it did.
     */
    public static String detach(Path bpffs, String captureInterface) {
        StringBuilder done = new StringBuilder();
        try (BpfObject object = BpfObject.openResource(DirectorXdp.OBJECT)) {
            object.load();
            // Attaching replaces only our own program; closing then detaches it: what a restart would find is gone.
            XdpAttachment.attach(Interfaces.indexOf(captureInterface), object.program(DirectorXdp.PROGRAM),
                    XdpAttachment.XdpMode.NATIVE).close();
            done.append(DirectorXdp.PROGRAM).append(" detached from ").append(captureInterface);
        }
        BpfFs fs = BpfFs.mount(bpffs);
        fs.removePins();
        fs.close();
        done.append("; pins under ").append(bpffs).append(" removed");
        return done.toString();
    }

    /** Whether the XDP program runs. */
    public boolean kernel() {
        return object != null;
    }

    /** {@code kernel} or {@code user}: the path that runs, for the datapath gauge. */
    public String mode() {
        return kernel() ? Datapath.KERNEL.key() : Datapath.USER.key();
    }

    /** Why the user path runs (null on the kernel path). */
    public String userPathReason() {
        return why;
    }

    /** The map writer for one worker ({@link KernelFlows#NONE} on the user path). */
    public KernelFlows flowsForWorker() {
        return kernel() ? new BpfKernelFlows(object.map(DirectorXdp.FLOWS_MAP), nextHops) : KernelFlows.NONE;
    }

    /**
     * The MSS a SYN-ACK may offer on this path: on the kernel path a full-size segment plus the
     * tunnel must fit the capture interface's MTU ({@code mtu - }{@value #MSS_OVERHEAD}); no
     * ceiling on the user path.
     */
    public int mssCeiling() {
        return kernel() ? Math.max(MIN_MSS, captureMtu - MSS_OVERHEAD) : Integer.MAX_VALUE;
    }

    /** The program's counter, summed over the CPUs (0 on the user path). */
    public long counter(DirectorCounter c) {
        return kernel() ? counters.counter(c.index()) : 0;
    }

    /** Next hops that could not be resolved, counted at each refresh. */
    public long nextHopFailures() {
        return kernel() ? nextHops.refreshFailures.get() : 0;
    }

    /** Flow entries that could not be written (the flow stayed on the user path). */
    public long unwrittenEntries() {
        return kernel() ? nextHops.unwritten.get() : 0;
    }

    /** Closes the maps' and program's descriptors; the attachment and the pins stay (see the class comment). */
    @Override
    public void close() {
        if (object != null) {
            object.close();
        }
    }
}
