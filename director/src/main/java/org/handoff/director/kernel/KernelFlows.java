package org.handoff.director.kernel;

import java.net.InetSocketAddress;
import java.util.Collection;

/**
 * The director's side of the XDP program's maps, as a worker's hand-off layer uses it: one
 * entry per handed-off flow, written at HANDOFF_ACK and deleted when the flow ends or comes
 * back (HANDBACK); the next hops of the agents it has flows with, refreshed on the probe timer.
 * Calls happen per hand-off or per second, never per packet.
 *
 * <p>{@link #NONE} is the user path (nothing is written, every packet reaches Java);
 * {@link BpfKernelFlows} writes the pinned maps; {@link MemoryKernelFlows} keeps entries in
 * memory so the pipeline's wiring is tested without BPF.
 */
public interface KernelFlows {
    /** Sees each entry of the flow map (adoption after a restart). */
    @FunctionalInterface
    interface Visitor {
        void entry(int clientAddress, int clientPort, int vipAddress, int vipPort, int agentAddress, int agentPort, long token,
                   boolean tunnelAll);
    }

    /** The user path: no map, nothing written, nothing found. */
    KernelFlows NONE = new KernelFlows() {
        @Override
        public boolean active() {
            return false;
        }

        @Override
        public boolean put(int clientAddress, int clientPort, int vipAddress, int vipPort, InetSocketAddress agent, long token,
                           boolean tunnelAll, int lastAck) {
            return false;
        }

        @Override
        public long lastAck(int clientAddress, int clientPort, int vipAddress, int vipPort) {
            return -1;
        }

        @Override
        public boolean remove(int clientAddress, int clientPort, int vipAddress, int vipPort) {
            return false;
        }

        @Override
        public long packets(int clientAddress, int clientPort, int vipAddress, int vipPort) {
            return -1;
        }

        @Override
        public void refreshNextHops(Collection<InetSocketAddress> agents) {
        }

        @Override
        public void forEach(Visitor visitor) {
        }
    };

    /** Whether entries go anywhere (false: the user path). */
    boolean active();

    /**
     * Writes (replaces) a handed-off flow's entry, its counters from 0: its pure ACKs, or every
     * packet with {@code tunnelAll}, go to {@code agent} as TUNNEL with {@code token}. False when
     * it was not written (no next hop known for the agent, a map error): the flow stays on the
     * user path, where nothing is lost. {@code lastAck} is the client's last acknowledgement the
     * worker saw, which the program replaces with each tunnelled packet's.
     */
    boolean put(int clientAddress, int clientPort, int vipAddress, int vipPort, InetSocketAddress agent, long token,
                boolean tunnelAll, int lastAck);

    /** The ack field of the flow's last tunnelled packet (or the one written), unsigned; -1 when it has no entry. */
    long lastAck(int clientAddress, int clientPort, int vipAddress, int vipPort);

    /** Deletes a flow's entry; false when there was none. */
    boolean remove(int clientAddress, int clientPort, int vipAddress, int vipPort);

    /** The packets the program tunnelled for the flow since its entry was written, or -1 when it has none. */
    long packets(int clientAddress, int clientPort, int vipAddress, int vipPort);

    /** Re-reads how each of {@code agents} is reached (the next-hop map); called once a second. */
    void refreshNextHops(Collection<InetSocketAddress> agents);

    /** Every flow entry in the map now (a restarted director adopts them). */
    void forEach(Visitor visitor);
}
