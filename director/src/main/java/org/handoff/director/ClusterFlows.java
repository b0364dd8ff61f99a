package org.handoff.director;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.concurrent.locks.LockSupport;
import org.handoff.director.cluster.ClusterListener;
import org.handoff.director.cluster.DirectorCluster;
import org.handoff.director.cluster.FlowOwnership;
import org.handoff.director.cluster.PeerDirectory;
import org.handoff.director.cluster.SynSecrets;
import org.handoff.director.kernel.KernelFlows;
import org.handoff.protocol.wire.Bytes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The director's one listener to the cluster (docs/scale-out.md), on a thread of its own
 * ({@code director-cluster}): it polls the group's events and applies them to the kernel data
 * path, so the XDP program forwards other directors' flows as it forwards this one's. A flow
 * another director handed off gets a {@code director_flows} entry that tunnels every packet but a
 * SYN to the flow's agent with its token ({@code DIRECTOR_FLOW_TUNNEL_ALL}: this director follows
 * none of its requests, as for a pinned flow); a flow another director terminates, before its
 * hand-off, one that tunnels them to that director's peer endpoint with its peer token (the
 * same frame: the program needs no other case); the entry goes when the flow ends.
 * On the user path there is no map: the workers read the cluster's table itself
 * ({@link PeerFlowForwarder}), and this thread only drains the events.
 *
 * <p>Per event, not per packet: a map write or delete (a system call). The next hops of the
 * agents of other directors' flows are refreshed once a second, as the workers refresh theirs.
 */
final class ClusterFlows implements ClusterListener, Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterFlows.class);
    private static final int EVENTS_PER_POLL = 256;
    /** The wait when no event is queued: a bound on how late an announcement is applied here. */
    private static final long IDLE_NANOS = 1_000_000L;
    private static final long REFRESH_NANOS = 1_000_000_000L;

    /** What happened to the kernel entries of other directors' flows: {@code handoff_director_cluster_kernel_entries_total{event}}. */
    enum EntryEvent {
        /** A handed-off flow's: to its agent. */
        WRITTEN,
        /** A flow another director terminates: to that director's peer endpoint. */
        WRITTEN_PEER,
        UNWRITTEN,
        DELETED
    }

    private final DirectorCluster cluster;
    private final KernelFlows kernelFlows;
    /** Where a rotated SYN-cookie secret goes (the terminators, the XDP program's config), or null. */
    private final Consumer<SynSecrets> secretsChanged;
    /** (agent address << 16 | port) -> the agents of other directors' flows, made once each; for the next-hop refresh. */
    private final Map<Long, InetSocketAddress> agents = new HashMap<>();
    private final AtomicLong[] entries = new AtomicLong[EntryEvent.values().length];
    private final AtomicLong handedOff = new AtomicLong();
    private final AtomicLong terminating = new AtomicLong();
    private final AtomicLong ended = new AtomicLong();
    private volatile boolean running = true;
    private volatile Thread thread;

    ClusterFlows(DirectorCluster cluster, KernelFlows kernelFlows, Consumer<SynSecrets> secretsChanged) {
        this.cluster = cluster;
        this.kernelFlows = kernelFlows;
        this.secretsChanged = secretsChanged;
        for (int i = 0; i < entries.length; i++) {
            entries[i] = new AtomicLong();
        }
    }

    /**
     * Deletes the entries a previous run of this director left in the pinned map for flows the
     * table no longer has (they ended meanwhile); the others are written again from the table's
     * events. Instead of adopting them as its own: their flows may be any director's now.
     * Returns how many were deleted.
     */
    int deleteStaleEntries() {
        List<int[]> stale = new ArrayList<>();
        FlowOwnership found = new FlowOwnership();
        kernelFlows.forEach((client, clientPort, vip, vipPort, agentAddress, agentPort, token, tunnelAll) -> {
            if (!cluster.lookup(client, clientPort, vip, vipPort, found) || found.state() != FlowOwnership.State.HANDED_OFF) {
                stale.add(new int[] {client, clientPort, vip, vipPort});
            }
        });
        for (int[] k : stale) {
            kernelFlows.remove(k[0], k[1], k[2], k[3]);
        }
        if (!stale.isEmpty()) {
            LOG.info("deleted {} kernel flow entries of a previous run that the cluster's table does not have", stale.size());
        }
        return stale.size();
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        long nextRefresh = System.nanoTime() + REFRESH_NANOS;
        while (running) {
            int n;
            try {
                n = cluster.poll(this, EVENTS_PER_POLL);
                long now = System.nanoTime();
                if (now - nextRefresh >= 0) {
                    if (kernelFlows.active() && !agents.isEmpty()) {
                        kernelFlows.refreshNextHops(agents.values());
                    }
                    nextRefresh = now + REFRESH_NANOS;
                }
            } catch (RuntimeException e) {
                // A map error on one event must not stop the others from being applied.
                LOG.error("cluster events: {} (the listener goes on)", e.toString(), e);
                n = 0;
            }
            if (n == 0) {
                LockSupport.parkNanos(IDLE_NANOS);
            }
        }
    }

    void stop() {
        running = false;
    }

    void join(long millis) throws InterruptedException {
        Thread t = thread;
        if (t != null) {
            t.join(millis);
        }
    }

    /**
     * Another director terminates the flow (before its hand-off, or again after a hand-back): its
     * packets go to that director's peer endpoint with its peer token, every packet but a SYN,
     * replacing an entry of an earlier hand-off. Without an endpoint for it, the entry goes.
     */
    @Override
    public void onTerminating(FlowOwnership flow) {
        terminating.incrementAndGet();
        if (!kernelFlows.active()) {
            return;
        }
        PeerDirectory peers = cluster.peers();
        int owner = flow.owner() == cluster.directorId() ? -1 : peers.find(flow.owner());
        if (owner < 0) {
            delete(flow);
            return;
        }
        InetSocketAddress endpoint = agent(peers.address(owner), peers.port(owner));
        boolean written = endpoint != null && kernelFlows.put(flow.clientAddress(), flow.clientPort(), flow.vipAddress(),
                flow.vipPort(), endpoint, peers.token(owner), true, 0);
        unlessWritten(written, flow, EntryEvent.WRITTEN_PEER);
    }

    @Override
    public void onHandedOff(FlowOwnership flow) {
        handedOff.incrementAndGet();
        if (!kernelFlows.active()) {
            return;
        }
        InetSocketAddress agent = agent(flow.agentAddress(), flow.agentPort());
        boolean written = agent != null && kernelFlows.put(flow.clientAddress(), flow.clientPort(), flow.vipAddress(), flow.vipPort(),
                agent, flow.token(), true, 0);
        unlessWritten(written, flow, EntryEvent.WRITTEN);
    }

    /**
     * Counts a write; when it failed (no next hop for the agent or director yet), deletes what
     * the flow's entry said before (its owner's peer endpoint, say), so that its packets go up to
     * Java, which forwards them from the table, rather than where they no longer belong.
     */
    private void unlessWritten(boolean written, FlowOwnership flow, EntryEvent event) {
        if (written) {
            entries[event.ordinal()].incrementAndGet();
            return;
        }
        entries[EntryEvent.UNWRITTEN.ordinal()].incrementAndGet();
        delete(flow);
    }

    @Override
    public void onEnded(FlowOwnership flow, EndCause cause) {
        ended.incrementAndGet();
        delete(flow);
    }

    private void delete(FlowOwnership flow) {
        if (kernelFlows.active() && kernelFlows.remove(flow.clientAddress(), flow.clientPort(), flow.vipAddress(), flow.vipPort())) {
            entries[EntryEvent.DELETED.ordinal()].incrementAndGet();
        }
    }

    @Override
    public void onSynSecrets(SynSecrets secrets) {
        LOG.info("cluster SYN-cookie secrets now {}", secrets);
        if (secretsChanged != null) {
            secretsChanged.accept(secrets);
        }
    }

    @Override
    public void onMembers(int[] directorIds) {
        LOG.info("cluster members now: directors {}", Arrays.toString(directorIds));
    }

    private InetSocketAddress agent(int address, int port) {
        return agents.computeIfAbsent(((address & 0xffffffffL) << 16) | port, k -> {
            byte[] raw = new byte[4];
            Bytes.putI32(raw, 0, address);
            try {
                return new InetSocketAddress(InetAddress.getByAddress(raw), port);
            } catch (UnknownHostException e) {
                return null; // cannot happen: 4 bytes are an IPv4 address
            }
        });
    }

    long entries(EntryEvent e) {
        return entries[e.ordinal()].get();
    }

    long handedOffEvents() {
        return handedOff.get();
    }

    long terminatingEvents() {
        return terminating.get();
    }

    long endedEvents() {
        return ended.get();
    }
}
