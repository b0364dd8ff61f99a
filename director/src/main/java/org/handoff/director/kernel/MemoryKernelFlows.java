package org.handoff.director.kernel;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.handoff.protocol.wire.Bytes;

/**
 * {@link KernelFlows} in memory, for tests of the pipeline's wiring: entries as the worker
 * would write them into {@code director_flows}, and packet counters a test advances as the XDP
 * program would.
 */
public final class MemoryKernelFlows implements KernelFlows {
    /** One flow entry as written. */
    public static final class Entry {
        public final InetSocketAddress agent;
        public final long token;
        public final boolean tunnelAll;
        public long packets;
        /** As the program keeps it: the last tunnelled packet's ack. */
        public int lastAck;

        Entry(InetSocketAddress agent, long token, boolean tunnelAll) {
            this.agent = agent;
            this.token = token;
            this.tunnelAll = tunnelAll;
        }
    }

    /** Key of an entry: client and VIP endpoints. */
    public record Flow(int clientAddress, int clientPort, int vipAddress, int vipPort) {
        @Override
        public String toString() {
            return Bytes.ipv4ToString(clientAddress) + ":" + clientPort + " -> " + Bytes.ipv4ToString(vipAddress) + ":" + vipPort;
        }
    }

    private final Map<Flow, Entry> entries = new LinkedHashMap<>();
    private final List<Collection<InetSocketAddress>> refreshes = new ArrayList<>();
    public int puts;
    public int removes;
    /** Agents whose entries are refused, as the real map refuses them without a next hop. */
    public final java.util.Set<InetSocketAddress> unreachable = new java.util.HashSet<>();

    @Override
    public boolean active() {
        return true;
    }

    @Override
    public boolean put(int clientAddress, int clientPort, int vipAddress, int vipPort, InetSocketAddress agent, long token,
                       boolean tunnelAll, int lastAck) {
        puts++;
        if (unreachable.contains(agent)) {
            return false;
        }
        Entry e = new Entry(agent, token, tunnelAll);
        e.lastAck = lastAck;
        entries.put(new Flow(clientAddress, clientPort, vipAddress, vipPort), e);
        return true;
    }

    @Override
    public long lastAck(int clientAddress, int clientPort, int vipAddress, int vipPort) {
        Entry e = entries.get(new Flow(clientAddress, clientPort, vipAddress, vipPort));
        return e == null ? -1 : e.lastAck & 0xffffffffL;
    }

    @Override
    public boolean remove(int clientAddress, int clientPort, int vipAddress, int vipPort) {
        boolean removed = entries.remove(new Flow(clientAddress, clientPort, vipAddress, vipPort)) != null;
        if (removed) {
            removes++;
        }
        return removed;
    }

    @Override
    public long packets(int clientAddress, int clientPort, int vipAddress, int vipPort) {
        Entry e = entries.get(new Flow(clientAddress, clientPort, vipAddress, vipPort));
        return e == null ? -1 : e.packets;
    }

    @Override
    public void refreshNextHops(Collection<InetSocketAddress> agents) {
        refreshes.add(List.copyOf(agents));
    }

    @Override
    public void forEach(Visitor visitor) {
        for (Map.Entry<Flow, Entry> e : new ArrayList<>(entries.entrySet())) {
            Flow f = e.getKey();
            Entry v = e.getValue();
            visitor.entry(f.clientAddress, f.clientPort, f.vipAddress, f.vipPort, Bytes.i32(v.agent.getAddress().getAddress(), 0),
                    v.agent.getPort(), v.token, v.tunnelAll);
        }
    }

    /** The entry of a flow, or null. */
    public Entry entry(int clientAddress, int clientPort, int vipAddress, int vipPort) {
        return entries.get(new Flow(clientAddress, clientPort, vipAddress, vipPort));
    }

    public Map<Flow, Entry> entries() {
        return entries;
    }

    /** The agents of each {@link #refreshNextHops} call, in order. */
    public List<Collection<InetSocketAddress>> refreshes() {
        return refreshes;
    }
}
