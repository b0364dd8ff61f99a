package org.handoff.director.kernel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.handoff.bpf.BpfException;
import org.handoff.bpf.BpfMap;
import org.handoff.protocol.wire.Bytes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link KernelFlows} over the loaded (pinned) {@code director_flows} and
 * {@code director_next_hops} maps: one per worker, with its own key and value buffers, so
 * nothing is allocated per call; the next hops ({@link NextHopMap}) are shared by the workers.
 */
public final class BpfKernelFlows implements KernelFlows {
    private static final Logger LOG = LoggerFactory.getLogger(BpfKernelFlows.class);

    private final BpfMap flows;
    private final NextHopMap nextHops;
    private final DirectorFlowKey key = DirectorFlowKey.allocate();
    private final DirectorFlowEntry entry = DirectorFlowEntry.allocate();
    private final ByteBuffer nextKey = ByteBuffer.allocateDirect(DirectorFlowKey.LENGTH);
    private final DirectorFlowKey nextKeyView = new DirectorFlowKey().wrap(nextKey, 0);

    public BpfKernelFlows(BpfMap flows, NextHopMap nextHops) {
        this.flows = flows;
        this.nextHops = nextHops;
    }

    @Override
    public boolean active() {
        return true;
    }

    @Override
    public boolean put(int clientAddress, int clientPort, int vipAddress, int vipPort, InetSocketAddress agent, long token,
                       boolean tunnelAll, int lastAck) {
        int agentAddress = NextHopMap.address(agent);
        int source = nextHops.sourceFor(agentAddress);
        if (source == 0) {
            nextHops.unwritten.incrementAndGet();
            return false; // no next hop: the flow stays on the user path
        }
        key.set(clientAddress, clientPort, vipAddress, vipPort);
        entry.clear().agentAddress(agentAddress).agentPort(agent.getPort()).sourceAddress(source).token(token)
                .tunnelAll(tunnelAll).lastAck(lastAck);
        try {
            flows.update(key.buffer(), entry.buffer());
            return true;
        } catch (BpfException e) {
            nextHops.unwritten.incrementAndGet();
            LOG.warn("flow entry {} not written (it stays on the user path): {}", key, e.getMessage());
            return false;
        }
    }

    @Override
    public boolean remove(int clientAddress, int clientPort, int vipAddress, int vipPort) {
        key.set(clientAddress, clientPort, vipAddress, vipPort);
        return flows.delete(key.buffer());
    }

    @Override
    public long packets(int clientAddress, int clientPort, int vipAddress, int vipPort) {
        key.set(clientAddress, clientPort, vipAddress, vipPort);
        return flows.lookup(key.buffer(), entry.buffer()) ? entry.packets() : -1;
    }

    @Override
    public long lastAck(int clientAddress, int clientPort, int vipAddress, int vipPort) {
        key.set(clientAddress, clientPort, vipAddress, vipPort);
        return flows.lookup(key.buffer(), entry.buffer()) ? entry.lastAck() & 0xffffffffL : -1;
    }

    @Override
    public void refreshNextHops(Collection<InetSocketAddress> agents) {
        nextHops.refresh(agents);
    }

    @Override
    public void forEach(Visitor visitor) {
        boolean first = true;
        // Bounded by the map's size: an LRU hash never holds more than max_entries keys.
        for (int i = 0; i < flows.maxEntries(); i++) {
            if (!flows.nextKey(first ? null : key.buffer(), nextKey)) {
                return;
            }
            first = false;
            key.set(nextKeyView.clientAddress(), nextKeyView.clientPort(), nextKeyView.vipAddress(), nextKeyView.vipPort());
            if (flows.lookup(key.buffer(), entry.buffer())) {
                visitor.entry(key.clientAddress(), key.clientPort(), key.vipAddress(), key.vipPort(), entry.agentAddress(),
                        entry.agentPort(), entry.token(), entry.tunnelAll());
            }
        }
    }

    /**
     * {@code director_next_hops}, shared by the workers: each agent's next hop as {@link NextHops}
     * resolves it, written when it changes and deleted when it cannot be resolved (the program
     * then passes that agent's packets to Java). Also the outer source address each flow entry
     * carries.
     */
    public static final class NextHopMap {
        private final BpfMap map;
        private final NextHops resolver;
        private final ByteBuffer key = ByteBuffer.allocateDirect(DirectorNextHop.KEY_LENGTH);
        private final DirectorNextHop value = DirectorNextHop.allocate();
        /** agent address -> the next hop last written (absent: none written). */
        private final Map<Integer, NextHops.NextHop> written = new HashMap<>();
        private final Map<Integer, String> lastFailure = new HashMap<>();
        /** Agents whose next hop could not be resolved at a refresh (no route, incomplete neighbour, ...). */
        public final AtomicLong refreshFailures = new AtomicLong();
        /** Flow entries not written: no next hop for the agent, or a map error. */
        public final AtomicLong unwritten = new AtomicLong();

        public NextHopMap(BpfMap map, NextHops resolver) {
            this.map = map;
            this.resolver = resolver;
        }

        static int address(InetSocketAddress agent) {
            return Bytes.i32(agent.getAddress().getAddress(), 0);
        }

        /** The outer source toward the agent; resolved now when not known yet; 0 when there is none. */
        synchronized int sourceFor(int agentAddress) {
            NextHops.NextHop hop = written.get(agentAddress);
            if (hop == null) {
                hop = update(agentAddress, readTables());
            }
            return hop == null ? 0 : hop.sourceAddress();
        }

        synchronized void refresh(Collection<InetSocketAddress> agents) {
            if (agents.isEmpty()) {
                return;
            }
            NextHops.Tables tables = readTables();
            for (InetSocketAddress agent : agents) {
                update(address(agent), tables);
            }
        }

        private NextHops.Tables readTables() {
            try {
                return resolver.read();
            } catch (IOException e) {
                LOG.warn("cannot read the route and neighbour tables: {}", e.toString());
                return null;
            }
        }

        private NextHops.NextHop update(int agentAddress, NextHops.Tables tables) {
            NextHops.Resolution r = tables == null ? NextHops.Resolution.failed("tables unreadable")
                    : resolver.resolve(agentAddress, tables);
            DirectorNextHop.key(key, agentAddress);
            if (!r.ok()) {
                refreshFailures.incrementAndGet();
                if (!r.failure().equals(lastFailure.put(agentAddress, r.failure()))) {
                    LOG.warn("next hop to agent {}: {} (its flows' packets go through the user path until it resolves)",
                            Bytes.ipv4ToString(agentAddress), r.failure());
                }
                if (written.remove(agentAddress) != null) {
                    map.delete(key);
                }
                return null;
            }
            lastFailure.remove(agentAddress);
            NextHops.NextHop hop = r.nextHop();
            NextHops.NextHop before = written.get(agentAddress);
            if (!hop.equalsHop(before)) {
                value.set(hop.ifindex(), hop.mtu(), hop.destMac(), hop.sourceMac());
                map.update(key, value.buffer());
                written.put(agentAddress, hop);
                LOG.info("next hop to agent {}: {}", Bytes.ipv4ToString(agentAddress), hop);
            }
            return hop;
        }
    }
}
