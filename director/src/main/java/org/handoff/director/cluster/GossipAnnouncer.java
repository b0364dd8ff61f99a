package org.handoff.director.cluster;

import org.handoff.director.handoff.FlowAnnouncer;
import org.jgroups.BytesMessage;
import org.jgroups.Message;

/**
 * How one director thread announces its flows: STARTED when it has accepted a flow's handshake
 * (the flow is TERMINATING here), HANDED_OFF when the agent accepted it, ENDED when it is gone.
 * Each call draws a version, applies the announcement to the local table and appends it to a
 * batch; {@link #flush()} sends the batch as one sealed message (OOB, unbundled), so a duty
 * cycle that announces several flows pays for one message. A full batch (30 records) is sent at
 * once. Appending allocates nothing; a flush allocates the message's bytes and JGroups' message.
 *
 * <p>One per thread ({@link DirectorCluster#announcer()}); not thread-safe. Call {@link #flush()}
 * at the end of every duty cycle that announced anything: an announcement waits at most that long.
 */
public final class GossipAnnouncer implements FlowAnnouncer {
    private final DirectorCluster cluster;
    private final GossipEncoder encoder;
    private final int self;

    GossipAnnouncer(DirectorCluster cluster, GossipEncoder encoder, int self) {
        this.cluster = cluster;
        this.encoder = encoder;
        this.self = self;
    }

    /** This director terminates the flow (its handshake completed here): other directors send its packets here. */
    @Override
    public void started(int clientAddress, int clientPort, int vipAddress, int vipPort) {
        announce(GossipFormat.KIND_STARTED, clientAddress, clientPort, vipAddress, vipPort, 0, 0, 0);
    }

    /** The flow is handed off to the agent at {@code agentAddress:agentPort} with {@code token}: any director tunnels it there. */
    @Override
    public void handedOff(int clientAddress, int clientPort, int vipAddress, int vipPort, int agentAddress, int agentPort,
            long token) {
        if (agentAddress == 0 || agentPort <= 0 || agentPort > 0xffff || token == 0) {
            throw new IllegalArgumentException("agent " + FlowOwnership.ip(agentAddress) + ":" + agentPort
                    + (token == 0 ? ", token 0" : "") + " (expected: an agent address, port 1..65535 and a non-zero token)");
        }
        announce(GossipFormat.KIND_HANDED_OFF, clientAddress, clientPort, vipAddress, vipPort, agentAddress, agentPort, token);
    }

    /** The flow ended (FIN, RST, idle): every director forgets it. Any director may announce it, e.g. for an orphan. */
    @Override
    public void ended(int clientAddress, int clientPort, int vipAddress, int vipPort) {
        announce(GossipFormat.KIND_ENDED, clientAddress, clientPort, vipAddress, vipPort, 0, 0, 0);
    }

    private void announce(int kind, int clientAddress, int clientPort, int vipAddress, int vipPort, int agentAddress,
            int agentPort, long token) {
        if (clientPort <= 0 || clientPort > 0xffff || vipPort <= 0 || vipPort > 0xffff) {
            throw new IllegalArgumentException("ports " + clientPort + ", " + vipPort + " (expected: 1..65535)");
        }
        long k0 = OwnershipTable.k0(clientAddress, vipAddress);
        long k1 = OwnershipTable.k1(clientPort, vipPort);
        long version = cluster.applyLocal(kind, k0, k1, agentAddress, agentPort, token);
        encoder.flow(kind, k0, k1, version, self, agentAddress, agentPort, token, 0);
        if (encoder.isFull()) {
            flush();
        }
    }

    /** Announcements waiting for {@link #flush()}. */
    public int pending() {
        return encoder.records();
    }

    /** Sends the waiting announcements as one message; returns how many it carried (0: nothing to send). */
    @Override
    public int flush() {
        int records = encoder.records();
        if (records == 0) {
            return 0;
        }
        byte[] datagram = encoder.sealCopy();
        Message message = new BytesMessage(null, datagram)
                .setFlag(Message.Flag.OOB, Message.Flag.DONT_BUNDLE)
                .setFlag(Message.TransientFlag.DONT_LOOPBACK);
        cluster.send(message, records);
        return records;
    }
}
