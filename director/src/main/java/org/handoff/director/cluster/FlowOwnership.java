package org.handoff.director.cluster;

/**
 * One flow's entry in the ownership table, as the director reads it: a reusable view that
 * {@link DirectorCluster#lookup} fills and listener calls pass, so reading allocates nothing.
 * Valid until the next fill; a listener must copy what it keeps. Addresses are IPv4 as ints
 * (network order read big-endian, as the packet views give them).
 */
public final class FlowOwnership {
    /** Where the flow is. */
    public enum State {
        /** Its owner director terminates it (before the hand-off): its packets go to the owner. */
        TERMINATING,
        /** Handed off: any director sends its packets to the agent with the token. */
        HANDED_OFF
    }

    int clientAddress;
    int clientPort;
    int vipAddress;
    int vipPort;
    State state;
    int owner;
    int agentAddress;
    int agentPort;
    long token;
    long version;

    public int clientAddress() {
        return clientAddress;
    }

    public int clientPort() {
        return clientPort;
    }

    public int vipAddress() {
        return vipAddress;
    }

    public int vipPort() {
        return vipPort;
    }

    public State state() {
        return state;
    }

    /** The director id that terminated the flow (and handed it off). */
    public int owner() {
        return owner;
    }

    /** The agent's address when HANDED_OFF, else 0. */
    public int agentAddress() {
        return agentAddress;
    }

    public int agentPort() {
        return agentPort;
    }

    /** The flow token when HANDED_OFF, else 0. */
    public long token() {
        return token;
    }

    /** The announcement's version (a hybrid logical clock). */
    public long version() {
        return version;
    }

    /** When the owner announced the flow's present state, epoch ms (from the version). */
    public long sinceMillis() {
        return HybridClock.millisOf(version);
    }

    void fill(OwnershipTable table, int slot) {
        fill(table.k0(slot), table.k1(slot), table.state(slot), table.meta(slot), table.token(slot), table.version(slot));
    }

    void fill(long k0, long k1, int tableState, long meta, long token, long version) {
        clientAddress = (int) (k0 >>> 32);
        vipAddress = (int) k0;
        clientPort = (int) (k1 >>> 16) & 0xffff;
        vipPort = (int) k1 & 0xffff;
        state = tableState == OwnershipTable.STATE_HANDED_OFF ? State.HANDED_OFF : State.TERMINATING;
        owner = (int) (meta & 0xffff);
        agentAddress = (int) (meta >>> 32);
        agentPort = (int) (meta >>> 16) & 0xffff;
        this.token = token;
        this.version = version;
    }

    @Override
    public String toString() {
        return "FlowOwnership{" + ip(clientAddress) + ":" + clientPort + " -> " + ip(vipAddress) + ":" + vipPort + ", " + state
                + ", owner=" + owner + (state == State.HANDED_OFF ? ", agent=" + ip(agentAddress) + ":" + agentPort : "")
                + ", version=0x" + Long.toHexString(version) + "}";
    }

    static String ip(int a) {
        return (a >>> 24) + "." + ((a >>> 16) & 0xff) + "." + ((a >>> 8) & 0xff) + "." + (a & 0xff);
    }
}
