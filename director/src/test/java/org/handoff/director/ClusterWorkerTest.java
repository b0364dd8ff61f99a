package org.handoff.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.handoff.director.cluster.ClusterFixture;
import org.handoff.director.cluster.DirectorCluster;
import org.handoff.director.cluster.FlowOwnership;
import org.handoff.director.cluster.GossipAnnouncer;
import org.handoff.director.kernel.MemoryKernelFlows;
import org.handoff.director.testing.ClientPackets;
import org.handoff.protocol.message.CloseReason;
import org.handoff.protocol.message.Closed;
import org.handoff.protocol.message.DecodeResult;
import org.handoff.protocol.message.FlowIdentity;
import org.handoff.protocol.message.Handoff;
import org.handoff.protocol.message.HandoffAck;
import org.handoff.protocol.message.MessageType;
import org.handoff.protocol.message.TunnelFlyweight;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.TcpSegment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker in a group of two directors (the whole group stack over TCP on 127.0.0.1-2, as
 * {@link ClusterFixture} runs it): this worker is director 2's; director 1 is a bare
 * {@link DirectorCluster} that announces as another director would. The worker announces its
 * own flows at the points docs/scale-out.md names, tunnels director 1's handed-off flows to
 * their agents and its flows before their hand-off to its peer endpoint, and takes what another
 * director sends to its own peer endpoint; the cluster's listener ({@link ClusterFlows}) writes
 * and deletes the kernel entries of director 1's flows.
 */
class ClusterWorkerTest extends WorkerTestBase {
    private static final long PROPAGATION_MILLIS = 10_000;
    private static final int AGENT = Bytes.parseIpv4("198.18.0.12");
    private static final int AGENT_PORT = 7070;
    private static final long TOKEN = 0x1122334455667788L;

    @TempDir
    static Path dir;
    static ClusterFixture group;
    /** Director 1: another director, announcing by hand. */
    static DirectorCluster other;
    /** Director 2: this worker's. */
    static DirectorCluster self;

    @BeforeAll
    static void startGroup() throws Exception {
        group = new ClusterFixture(dir, 2);
        other = group.start(0);
        self = group.start(1);
    }

    @AfterAll
    static void stopGroup() {
        if (group != null) {
            group.close();
        }
    }

    /** The worker's kernel flow map (the kernel path, in memory). */
    final MemoryKernelFlows map = new MemoryKernelFlows();

    @Override
    DirectorCluster cluster() {
        return self;
    }

    @Override
    org.handoff.director.kernel.KernelFlows kernelFlows() {
        return map;
    }

    /** The state director 1's replica has for a flow of this worker's client, or null. */
    private static FlowOwnership.State seenByOther(int port) {
        FlowOwnership f = new FlowOwnership();
        return other.lookup(CLIENT, port, VIP, 80, f) ? f.state() : null;
    }

    @Test
    void announcesItsFlowStartedHandedOffAndEnded() throws Exception {
        ClientPackets c = connect(41001);
        ClusterFixture.await("STARTED at director 1", PROPAGATION_MILLIS, () -> seenByOther(41001) == FlowOwnership.State.TERMINATING);
        assertEquals(2, other.owner(CLIENT, 41001, VIP, 80), "owned by this director");

        request(c, "GET /video/a.mp4 HTTP/1.1\r\nHost: lab\r\n\r\n");
        Datagram d = toAgents.remove(0);
        long id = handoffMessageId(d);
        long token = ((Handoff) agentSide.message().body()).flowToken();
        agentAnswers(HandoffAck.of(FlowIdentity.ipv4(CLIENT, 41001, VIP, 80), id));
        cycle();
        ClusterFixture.await("HANDED_OFF at director 1", PROPAGATION_MILLIS, () -> seenByOther(41001) == FlowOwnership.State.HANDED_OFF);
        FlowOwnership f = new FlowOwnership();
        assertTrue(other.lookup(CLIENT, 41001, VIP, 80, f));
        assertEquals(AGENT, f.agentAddress(), "the agent of origin2, which /video/ goes to");
        assertEquals(AGENT_PORT, f.agentPort());
        assertEquals(token, f.token(), "the HANDOFF's token: what a TUNNEL of the flow must carry");

        agentAnswers(new Closed(FlowIdentity.ipv4(CLIENT, 41001, VIP, 80), 40, 2 * 1448, 1, CloseReason.FIN));
        cycle();
        ClusterFixture.await("ENDED at director 1", PROPAGATION_MILLIS, () -> seenByOther(41001) == null);
    }

    @Test
    void aFlowThatNeverCompletedItsHandshakeIsNotAnnounced() throws Exception {
        ClientPackets c = new ClientPackets(CLIENT, VIP, 41002, 0x12345678);
        in(c.syn());
        in(c.packet(TcpSegment.RST, c.seq, null, 0, 0));
        assertEquals(0, worker.terminator().flowCount());
        // A later flow's announcement arrives; this one's never was sent.
        connect(41003);
        ClusterFixture.await("STARTED of the later flow", PROPAGATION_MILLIS, () -> seenByOther(41003) != null);
        assertEquals(0, other.owner(CLIENT, 41002, VIP, 80));
    }

    @Test
    void tunnelsAnotherDirectorsHandedOffFlowToItsAgentUntilItEnds() throws Exception {
        GossipAnnouncer announcer = other.announcer();
        announcer.handedOff(CLIENT, 41010, VIP, 80, AGENT, AGENT_PORT, TOKEN);
        announcer.flush();
        ClusterFixture.await("HANDED_OFF at director 2", PROPAGATION_MILLIS, () -> self.owner(CLIENT, 41010, VIP, 80) == 1);

        // A packet of the flow, which ECMP sends here now: its ACK, then a data segment.
        ClientPackets c = new ClientPackets(CLIENT, VIP, 41010, 0x2000);
        c.seq = 0x2001;
        c.ack = 0x9000;
        byte[] ack = c.ack();
        byte[] data = c.data("more".getBytes(), 0, 4);
        in(ack);
        in(data);
        assertEquals(2, toAgents.size(), "each packet tunnelled at once");
        for (int i = 0; i < 2; i++) {
            Datagram d = toAgents.get(i);
            assertEquals(new InetSocketAddress("198.18.0.12", AGENT_PORT), d.to());
            assertEquals(DecodeResult.ACCEPTED, agentSide.decode(d.bytes(), 0, d.bytes().length), agentSide.describe());
            assertEquals(MessageType.TUNNEL, agentSide.type());
            TunnelFlyweight t = agentSide.tunnel();
            assertEquals(TOKEN, t.flowToken());
            byte[] inner = Arrays.copyOfRange(d.bytes(), t.innerOffset(), t.innerOffset() + t.innerLength());
            assertTrue(Arrays.equals(i == 0 ? ack : data, inner), "the client's packet unchanged");
        }
        assertEquals(2, worker.peerPackets(PeerFlowForwarder.Outcome.TUNNELLED));
        assertEquals(0, worker.terminator().flowCount(), "no flow of this worker");
        assertEquals(0, worker.terminator().counters().unknownFlow);

        announcer.ended(CLIENT, 41010, VIP, 80);
        announcer.flush();
        ClusterFixture.await("ENDED at director 2", PROPAGATION_MILLIS, () -> self.owner(CLIENT, 41010, VIP, 80) == 0);
        toAgents.clear();
        in(c.ack());
        assertTrue(toAgents.isEmpty(), "not tunnelled once the flow ended");
        assertEquals(1, worker.peerPackets(PeerFlowForwarder.Outcome.UNKNOWN));
        assertEquals(1, worker.terminator().counters().unknownFlow, "left to the terminator, as without a cluster");
    }

    /** The per-packet path of another director's flow: table read, TUNNEL built and sent, a duty cycle each; nothing allocated. */
    @Test
    void tunnellingAnotherDirectorsFlowAllocatesNothingPerPacket() throws Exception {
        GossipAnnouncer announcer = other.announcer();
        announcer.handedOff(CLIENT, 41050, VIP, 80, AGENT, AGENT_PORT, TOKEN);
        announcer.flush();
        ClusterFixture.await("HANDED_OFF at director 2", PROPAGATION_MILLIS, () -> self.owner(CLIENT, 41050, VIP, 80) == 1);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        ClientPackets c = new ClientPackets(CLIENT, VIP, 41050, 0x2000);
        c.seq = 0x2001;
        recordDatagrams = false;
        byte[][] frames = ackFrames(c);
        int packets = 20_000;
        cycles(frames, 2 * packets); // warm-up: JIT, the agent's socket address made once
        long tunnelled = worker.peerPackets(PeerFlowForwarder.Outcome.TUNNELLED);
        long before = threads.getCurrentThreadAllocatedBytes();
        cycles(frames, packets);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(packets, worker.peerPackets(PeerFlowForwarder.Outcome.TUNNELLED) - tunnelled);
        // As in DirectorWorkerTest: any object per packet would be 16+ bytes each.
        assertEquals(0, allocated / packets, "bytes allocated per tunnelled packet (" + allocated + " in all)");
    }

    @Test
    void aPacketOfAFlowAnotherDirectorTerminatesGoesToThatDirectorsPeerEndpoint() throws Exception {
        GossipAnnouncer announcer = other.announcer();
        announcer.started(CLIENT, 41020, VIP, 80);
        announcer.flush();
        ClusterFixture.await("STARTED at director 2", PROPAGATION_MILLIS, () -> self.owner(CLIENT, 41020, VIP, 80) == 1);
        ClientPackets c = new ClientPackets(CLIENT, VIP, 41020, 0x3000);
        c.seq = 0x3001;
        c.ack = 0x5000;
        byte[] request = c.data("GET / HTTP/1.1\r\n\r\n".getBytes(), 0, 18);
        in(request);
        assertEquals(1, toAgents.size());
        Datagram d = toAgents.get(0);
        assertEquals(new InetSocketAddress(ClusterFixture.address(0), org.handoff.director.config.Cluster.DEFAULT_PEER_PORT), d.to(),
                "director 1's peer endpoint, as its JGroups address publishes it");
        assertEquals(DecodeResult.ACCEPTED, agentSide.decode(d.bytes(), 0, d.bytes().length), agentSide.describe());
        assertEquals(MessageType.TUNNEL, agentSide.type());
        TunnelFlyweight t = agentSide.tunnel();
        assertEquals(other.peerToken(), t.flowToken(), "director 1's peer token");
        assertTrue(Arrays.equals(request, Arrays.copyOfRange(d.bytes(), t.innerOffset(), t.innerOffset() + t.innerLength())));
        assertEquals(1, worker.peerPackets(PeerFlowForwarder.Outcome.SENT_TO_OWNER));
        assertEquals(0, worker.terminator().flowCount());
    }

    /**
     * The owner's side: a TUNNEL frame with this director's peer token on its peer port is fed to
     * the worker that owns the client, as if captured: here the request of a flow this worker
     * terminates, which it hands off. A wrong token is refused; a relayed packet of a flow this
     * worker does not have is never sent on, whatever the table says.
     */
    @Test
    void aPeersPacketOfThisDirectorsFlowReachesItsTerminator() throws Exception {
        ClientPackets c = connect(41060);
        PeerPacketReceiver receiver = PeerPacketReceiver.open(new InetSocketAddress(ClusterFixture.address(1), 0), self.peerToken(),
                List.of(worker.peerInbox()));
        try {
            byte[] request = "GET /video/a.mp4 HTTP/1.1\r\nHost: lab\r\n\r\n".getBytes();
            byte[] packet = c.data(request, 0, request.length);
            receiver.accept(tunnelFrame(other.peerToken(), packet), TunnelFlyweight.HEADER_LENGTH + packet.length);
            assertEquals(1, receiver.outcome(PeerPacketReceiver.Outcome.BAD_TOKEN));
            cycle();
            assertTrue(toAgents.isEmpty(), "refused: no HANDOFF");

            receiver.accept(tunnelFrame(self.peerToken(), packet), TunnelFlyweight.HEADER_LENGTH + packet.length);
            assertEquals(1, receiver.outcome(PeerPacketReceiver.Outcome.QUEUED));
            cycle();
            assertEquals(1, toAgents.size(), "the request arrived through the peer port: handed off");
            handoffMessageId(toAgents.get(0));

            // A flow the table gives to director 1, relayed here by mistake: not sent back.
            GossipAnnouncer announcer = other.announcer();
            announcer.started(CLIENT, 41061, VIP, 80);
            announcer.flush();
            ClusterFixture.await("STARTED at director 2", PROPAGATION_MILLIS, () -> self.owner(CLIENT, 41061, VIP, 80) == 1);
            ClientPackets stray = new ClientPackets(CLIENT, VIP, 41061, 0x6000);
            stray.seq = 0x6001;
            stray.ack = 0x7000;
            byte[] ack = stray.ack();
            receiver.accept(tunnelFrame(self.peerToken(), ack), TunnelFlyweight.HEADER_LENGTH + ack.length);
            toAgents.clear();
            cycle();
            assertTrue(toAgents.isEmpty(), "a relayed packet is never sent on");
            assertEquals(1, worker.peerPackets(PeerFlowForwarder.Outcome.RELAYED_UNKNOWN));
        } finally {
            receiver.close();
        }
    }

    private static byte[] tunnelFrame(long token, byte[] inner) {
        byte[] frame = new byte[TunnelFlyweight.HEADER_LENGTH + inner.length];
        new TunnelFlyweight().wrap(frame, 0).writeHeader(inner.length, token);
        System.arraycopy(inner, 0, frame, TunnelFlyweight.INNER_OFFSET, inner.length);
        return frame;
    }

    @Test
    void aSynIsAlwaysThisDirectorsEvenForAFlowAnotherDirectorHandedOff() throws Exception {
        GossipAnnouncer announcer = other.announcer();
        announcer.handedOff(CLIENT, 41030, VIP, 80, AGENT, AGENT_PORT, TOKEN);
        announcer.flush();
        ClusterFixture.await("HANDED_OFF at director 2", PROPAGATION_MILLIS, () -> self.owner(CLIENT, 41030, VIP, 80) == 1);
        // What the cluster's listener wrote for the old flow.
        map.put(CLIENT, 41030, VIP, 80, new InetSocketAddress("198.18.0.12", AGENT_PORT), TOKEN, true, 0);
        ClientPackets c = new ClientPackets(CLIENT, VIP, 41030, 0x4000);
        in(c.syn());
        assertTrue(toAgents.isEmpty(), "a new connection on the port: answered here");
        assertEquals(1, worker.terminator().halfOpenCount());
        assertNull(map.entry(CLIENT, 41030, VIP, 80), "the old flow's entry goes: the new handshake's ACK must reach this director");
        assertEquals(1, worker.peerPackets(PeerFlowForwarder.Outcome.PORT_REUSED));
    }

    @Test
    void theListenerWritesTunnelAllEntriesForOtherDirectorsFlowsAndDeletesThemAtTheirEnd() throws Exception {
        MemoryKernelFlows map = new MemoryKernelFlows(); // the listener's own writer of the map
        List<org.handoff.director.cluster.SynSecrets> told = new java.util.ArrayList<>();
        ClusterFlows listener = new ClusterFlows(self, map, told::add);
        self.poll(listener, Integer.MAX_VALUE); // what earlier tests left queued, the group's secrets among it
        assertEquals(self.synSecrets(), told.get(told.size() - 1), "the group's secrets go to the terminators and XDP");
        GossipAnnouncer announcer = other.announcer();
        announcer.handedOff(CLIENT, 41040, VIP, 80, AGENT, AGENT_PORT, TOKEN);
        announcer.flush();
        ClusterFixture.await("the entry", PROPAGATION_MILLIS, () -> {
            self.poll(listener, 64);
            return map.entry(CLIENT, 41040, VIP, 80) != null;
        });
        MemoryKernelFlows.Entry e = map.entry(CLIENT, 41040, VIP, 80);
        assertEquals(new InetSocketAddress("198.18.0.12", AGENT_PORT), e.agent);
        assertEquals(TOKEN, e.token);
        assertTrue(e.tunnelAll, "every packet but a SYN: this director follows none of the flow's requests");
        assertTrue(listener.entries(ClusterFlows.EntryEvent.WRITTEN) >= 1);

        // Handed back and started again by its owner: the packets go to the owner's peer endpoint now.
        announcer.started(CLIENT, 41040, VIP, 80);
        announcer.flush();
        ClusterFixture.await("rewritten at STARTED", PROPAGATION_MILLIS, () -> {
            self.poll(listener, 64);
            return map.entry(CLIENT, 41040, VIP, 80) != null && map.entry(CLIENT, 41040, VIP, 80).token == other.peerToken();
        });
        MemoryKernelFlows.Entry peer = map.entry(CLIENT, 41040, VIP, 80);
        assertEquals(new InetSocketAddress(ClusterFixture.address(0), org.handoff.director.config.Cluster.DEFAULT_PEER_PORT), peer.agent,
                "director 1's peer endpoint");
        assertTrue(peer.tunnelAll, "every packet but a SYN: the owner's terminator needs them all");
        assertTrue(listener.entries(ClusterFlows.EntryEvent.WRITTEN_PEER) >= 1);
        announcer.handedOff(CLIENT, 41040, VIP, 80, AGENT, AGENT_PORT, TOKEN + 1);
        announcer.flush();
        ClusterFixture.await("handed off again", PROPAGATION_MILLIS, () -> {
            self.poll(listener, 64);
            return map.entry(CLIENT, 41040, VIP, 80) != null && map.entry(CLIENT, 41040, VIP, 80).token == TOKEN + 1;
        });
        // Handed off again to an agent with no next hop here: the old entry must not stay (it
        // would send the packets to the owner, which no longer has the flow): Java forwards them.
        InetSocketAddress unreachable = new InetSocketAddress("198.18.0.13", AGENT_PORT);
        map.unreachable.add(unreachable);
        announcer.handedOff(CLIENT, 41040, VIP, 80, Bytes.parseIpv4("198.18.0.13"), AGENT_PORT, TOKEN + 2);
        announcer.flush();
        ClusterFixture.await("refused and deleted", PROPAGATION_MILLIS, () -> {
            self.poll(listener, 64);
            return map.entry(CLIENT, 41040, VIP, 80) == null;
        });
        assertTrue(listener.entries(ClusterFlows.EntryEvent.UNWRITTEN) >= 1);
        announcer.ended(CLIENT, 41040, VIP, 80);
        announcer.flush();
        // The table applies an announcement and queues its event under one lock: once the table
        // has no owner, the ENDED event is queued, and polling until the queue is empty applies it.
        ClusterFixture.await("ENDED in the table", PROPAGATION_MILLIS, () -> self.owner(CLIENT, 41040, VIP, 80) == 0);
        while (self.poll(listener, 64) > 0) {
            // drain
        }
        assertNull(map.entry(CLIENT, 41040, VIP, 80), "deleted at ENDED");
        assertTrue(listener.entries(ClusterFlows.EntryEvent.DELETED) >= 1);
    }
}
