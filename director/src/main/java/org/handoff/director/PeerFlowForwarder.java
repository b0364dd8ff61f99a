package org.handoff.director;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import org.handoff.director.cluster.DirectorCluster;
import org.handoff.director.cluster.FlowOwnership;
import org.handoff.director.cluster.PeerDirectory;
import org.handoff.director.handoff.AgentChannel;
import org.handoff.director.kernel.KernelFlows;
import org.handoff.director.tcp.TcpTerminator;
import org.handoff.protocol.message.TunnelFlyweight;
import org.handoff.protocol.util.LongHashMap;
import org.handoff.protocol.wire.Bytes;

/**
 * One worker's user path for the cluster's flows (docs/scale-out.md): a client packet of no
 * flow of this worker whose flow another director handed off (ECMP moved it here: a director
 * died or joined) is tunnelled to the flow's agent with the flow's token, as a TUNNEL datagram
 * (docs/handoff-protocol.md 3.11) from the worker's socket to that agent, which takes it as it
 * takes the kernel path's. A packet of a flow another director terminates (before its hand-off)
 * goes the same way to that director's peer endpoint with its peer token
 * ({@link org.handoff.director.cluster.PeerDirectory}), where its terminator takes it; a packet
 * that came from a peer ({@link #relayed}) is never sent on again. The agent and token come from the cluster's ownership table, the
 * "forwarding table" of this path: an entry is there from the HANDED_OFF announcement until
 * the flow's ENDED. On the kernel path the XDP program does the same from {@code director_flows}
 * ({@link ClusterFlows}); what it passes up (no next hop yet, too big) comes here.
 *
 * <p>Nothing is allocated per packet: the table is read into one reused view, the datagram is
 * built in one buffer, and each agent's socket address is made once and kept.
 */
final class PeerFlowForwarder implements TcpTerminator.ForeignFlows {
    /** What became of a packet of no local flow, as {@code handoff_director_cluster_packets_total{outcome}} counts it. */
    enum Outcome {
        /** Handed off by a director: tunnelled to its agent. */
        TUNNELLED,
        /** Another director terminates it (before its hand-off): sent to that director's peer endpoint. */
        SENT_TO_OWNER,
        /** Another director terminates it, but the view has no endpoint for it (it left): left to the terminator. */
        OWNER_UNKNOWN,
        /** A packet another director sent here for a flow this director does not terminate: not sent on (no loops). */
        RELAYED_UNKNOWN,
        /** Not in the table: left to the terminator (a cookie ACK, or a stray packet). */
        UNKNOWN,
        /** Too long for one TUNNEL datagram, or the agent's socket refused it. */
        NOT_SENT,
        /**
         * A SYN on the endpoints of a flow another director handed off: a new connection on a
         * reused client port, answered here; the old flow's kernel entry is deleted, so the new
         * handshake's packets reach this director rather than the old agent.
         */
        PORT_REUSED
    }

    private static final int MAX_AGENTS = 4096;

    private final DirectorCluster cluster;
    private final AgentChannel agents;
    private final KernelFlows kernelFlows;
    private final FlowOwnership entry = new FlowOwnership();
    private final TunnelFlyweight tunnel = new TunnelFlyweight();
    private final byte[] datagram = new byte[TunnelFlyweight.HEADER_LENGTH + TunnelFlyweight.MAX_INNER_LENGTH];
    /** (address << 16 | port) of an agent or a peer director -> its socket address, made on the first packet to it. */
    private final LongHashMap<InetSocketAddress> agentAddresses = new LongHashMap<>(16, MAX_AGENTS);
    private final long[] outcomes = new long[Outcome.values().length];
    /** True while the worker feeds its terminator packets another director sent (its {@link PeerInbox}). */
    boolean relayed;

    /** @param kernelFlows the worker's writer of the XDP flow map ({@link KernelFlows#NONE} on the user path) */
    PeerFlowForwarder(DirectorCluster cluster, AgentChannel agents, KernelFlows kernelFlows) {
        this.cluster = cluster;
        this.agents = agents;
        this.kernelFlows = kernelFlows;
    }

    @Override
    public boolean take(byte[] b, int off, int len, int clientAddress, int clientPort, int vipAddress, int vipPort, long nowNanos) {
        if (relayed) {
            outcomes[Outcome.RELAYED_UNKNOWN.ordinal()]++;
            return false;
        }
        if (!cluster.lookup(clientAddress, clientPort, vipAddress, vipPort, entry)) {
            outcomes[Outcome.UNKNOWN.ordinal()]++;
            return false;
        }
        if (entry.state() == FlowOwnership.State.HANDED_OFF) {
            return send(Outcome.TUNNELLED, address(entry.agentAddress(), entry.agentPort()), entry.token(), b, off, len);
        }
        PeerDirectory peers = cluster.peers();
        int owner = entry.owner() == cluster.directorId() ? -1 : peers.find(entry.owner());
        if (owner < 0) {
            outcomes[Outcome.OWNER_UNKNOWN.ordinal()]++;
            return false;
        }
        return send(Outcome.SENT_TO_OWNER, address(peers.address(owner), peers.port(owner)), peers.token(owner), b, off, len);
    }

    /** Sends the packet in a TUNNEL frame with {@code token}; counts {@code outcome} or NOT_SENT. */
    private boolean send(Outcome outcome, InetSocketAddress to, long token, byte[] b, int off, int len) {
        if (len > TunnelFlyweight.MAX_INNER_LENGTH || to == null) {
            outcomes[Outcome.NOT_SENT.ordinal()]++;
            return true;
        }
        tunnel.wrap(datagram, 0).writeHeader(len, token);
        System.arraycopy(b, off, datagram, TunnelFlyweight.INNER_OFFSET, len);
        boolean sent = agents.send(to, datagram, 0, TunnelFlyweight.HEADER_LENGTH + len);
        outcomes[(sent ? outcome : Outcome.NOT_SENT).ordinal()]++;
        return true;
    }

    @Override
    public void newConnection(int clientAddress, int clientPort, int vipAddress, int vipPort) {
        // No flow of this worker has these endpoints, so a handed-off entry is another connection's
        // (another director's, or this one's before a restart: the cluster's listener wrote it).
        if (cluster.lookup(clientAddress, clientPort, vipAddress, vipPort, entry) && entry.state() == FlowOwnership.State.HANDED_OFF) {
            outcomes[Outcome.PORT_REUSED.ordinal()]++;
            // The table keeps the old flow until this connection's STARTED replaces it everywhere.
            kernelFlows.remove(clientAddress, clientPort, vipAddress, vipPort);
        }
    }

    private InetSocketAddress address(int address, int port) {
        long key = ((address & 0xffffffffL) << 16) | port;
        InetSocketAddress a = agentAddresses.get(key);
        if (a == null) {
            byte[] raw = new byte[4];
            Bytes.putI32(raw, 0, address);
            try {
                a = new InetSocketAddress(InetAddress.getByAddress(raw), port);
            } catch (UnknownHostException e) {
                return null; // cannot happen: 4 bytes are an IPv4 address
            }
            agentAddresses.put(key, a); // refused once MAX_AGENTS are known: made again per packet, still sent
        }
        return a;
    }

    /** Packets of no local flow with this outcome so far (read by the metrics thread: a plain, possibly stale long). */
    long outcome(Outcome o) {
        return outcomes[o.ordinal()];
    }
}
