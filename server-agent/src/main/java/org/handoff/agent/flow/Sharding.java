package org.handoff.agent.flow;

/**
 * Picks a flow's worker from the client endpoint. Client packets (FORWARD) carry it as their
 * source, the stack's packets on connection B as their destination, and every hand-off message
 * names it, so all of a flow's traffic reaches one worker and flow tables need no locks.
 */
public final class Sharding {
    private Sharding() {
    }

    /** The flow-table key: client IPv4 address and port. */
    public static long key(int clientAddress, int clientPort) {
        return ((long) clientAddress << 16) | (clientPort & 0xffff);
    }

    /** Worker index 0..workers-1 for a client endpoint. */
    public static int worker(int clientAddress, int clientPort, int workers) {
        if (workers == 1) {
            return 0;
        }
        long k = key(clientAddress, clientPort);
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        return (int) ((k >>> 1) % workers);
    }
}
