package org.handoff.director.handoff;

/**
 * What the hand-off layer tells the other directors of its flows (docs/scale-out.md): STARTED
 * when this director terminates a flow (its handshake completed here, or a hand-back gave it
 * connection A again), HANDED_OFF with the agent and the flow token once the agent accepted
 * it, ENDED when it is freed. Called on the worker's thread; {@link #flush()} once at the end of
 * every duty cycle sends what the cycle announced. Addresses are IPv4 ints as the packet views
 * read them. {@link #NONE} is a director without a cluster.
 */
public interface FlowAnnouncer {
    /** No cluster: nothing is announced. */
    FlowAnnouncer NONE = new FlowAnnouncer() {
        @Override
        public void started(int clientAddress, int clientPort, int vipAddress, int vipPort) {
        }

        @Override
        public void handedOff(int clientAddress, int clientPort, int vipAddress, int vipPort, int agentAddress, int agentPort,
                long token) {
        }

        @Override
        public void ended(int clientAddress, int clientPort, int vipAddress, int vipPort) {
        }

        @Override
        public int flush() {
            return 0;
        }
    };

    void started(int clientAddress, int clientPort, int vipAddress, int vipPort);

    void handedOff(int clientAddress, int clientPort, int vipAddress, int vipPort, int agentAddress, int agentPort, long token);

    void ended(int clientAddress, int clientPort, int vipAddress, int vipPort);

    /** Sends what was announced since the last flush; returns how many announcements went. */
    int flush();
}
