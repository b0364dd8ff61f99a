package org.handoff.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.handoff.director.config.ConfigLoader;
import org.handoff.director.config.DirectorConfig;
import org.handoff.director.io.LinkDecoder;
import org.handoff.director.io.ManualClock;
import org.handoff.director.io.MemoryPacketIo;
import org.handoff.director.routing.LoadCounter;
import org.handoff.director.testing.ClientPackets;
import org.handoff.director.testing.SentSegment;
import org.handoff.protocol.message.DecodeResult;
import org.handoff.protocol.message.ForwardPacketCursor;
import org.handoff.protocol.message.HandoffKeys;
import org.handoff.protocol.message.MessageBody;
import org.handoff.protocol.message.MessageDecoder;
import org.handoff.protocol.message.MessageEncoder;
import org.handoff.protocol.message.MessageIdGenerator;
import org.handoff.protocol.message.MessageSealer;
import org.handoff.protocol.message.MessageHeaderFlyweight;
import org.handoff.protocol.message.MessageType;
import org.handoff.protocol.message.TunnelFlyweight;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.testing.PacketBuilder;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.EthernetFrame;
import org.junit.jupiter.api.BeforeEach;

/**
 * One director worker on the in-memory back end, wired by {@link DirectorWorker#create} as the
 * director process wires its workers: Ethernet frames in through the link decoder, the
 * director's packets out to a sink, HANDOFF, FORWARD and RECALL out to a fake agent, its answers
 * back through the worker's decoder (MAC and replay checks). The worker tests build on it.
 */
abstract class WorkerTestBase {
    static final int VIP = Bytes.parseIpv4("198.18.1.1");
    static final int CLIENT = Bytes.parseIpv4("198.18.2.7");
    static final long HOST_MAC = LinkDecoder.parseMac("02:00:00:00:00:01");
    static final long CLIENT_MAC = LinkDecoder.parseMac("02:00:00:00:00:07");
    static final InetSocketAddress ORIGIN2 = new InetSocketAddress("198.18.0.12", 7070);
    static final long US = 1_000L;

    record Datagram(InetSocketAddress to, byte[] bytes) {
    }

    final HandoffKeys keys = HandoffKeys.of(1, 1L, new byte[32]);
    final ManualClock clock = new ManualClock(1_800_000_000_000L * 1_000_000L);
    final List<Datagram> toAgents = new ArrayList<>();
    final MemoryPacketIo.LastPacketSink sink = new MemoryPacketIo.LastPacketSink();
    final List<byte[]> toClient = new ArrayList<>();
    MemoryPacketIo.FrameSource source;
    MemoryAgentTransport agents;
    DirectorWorker worker;
    MessageDecoder agentSide;
    MessageEncoder agentEncoder;
    /** When false the fake agent only counts (the allocation test). */
    boolean recordDatagrams = true;
    long datagramsToAgents;

    @BeforeEach
    void setUp() throws Exception {
        DirectorConfig config = ConfigLoader.DIRECTOR.load(Path.of("../examples/lab/director.yaml"));
        LoadCounter load = new LoadCounter();
        WorkerSettings base = WorkerSettings.of(config, load);
        // Agents lost are given up on at once unless a test asks for a grace (handoff.agent-restart-grace).
        WorkerSettings settings = new WorkerSettings(base.routing(), base.tcp(),
                base.handoff().withAgentRestartGrace(agentRestartGrace()), keys);
        source = new MemoryPacketIo.FrameSource(new LinkDecoder(LinkDecoder.DLT_EN10MB, true, HOST_MAC), clock, 64, 2048);
        agents = new MemoryAgentTransport((to, b, off, len) -> {
            datagramsToAgents++;
            if (recordDatagrams) {
                toAgents.add(new Datagram(to, Arrays.copyOfRange(b, off, off + len)));
            }
            return true;
        }, 16, 2048);
        worker = DirectorWorker.create(0, config, () -> settings, load, 3, 4, source, sink, agents, clock, kernelFlows(), cluster());
        agentSide = new MessageDecoder(() -> keys, null, clock::epochMillis);
        agentEncoder = new MessageEncoder(new MessageSealer(() -> keys, MessageIdGenerator.withBootId(9), clock::epochMillis));
    }

    /** handoff.agent-restart-grace for this test class: none, so a lost agent's clients are reset at once. */
    java.time.Duration agentRestartGrace() {
        return java.time.Duration.ZERO;
    }

    /** Where the worker writes kernel flow entries: nowhere (the user path) unless a test class says. */
    org.handoff.director.kernel.KernelFlows kernelFlows() {
        return org.handoff.director.kernel.KernelFlows.NONE;
    }

    /** The directors' group this worker's director is in: none unless a test class says. */
    org.handoff.director.cluster.DirectorCluster cluster() throws Exception {
        return null;
    }

    static byte[] frame(long destinationMac, byte[] ip) {
        // Ethernet pads short frames to 60 bytes: the decoder cuts them.
        return PacketBuilder.ethernet(destinationMac, CLIENT_MAC, EthernetFrame.ETHERTYPE_IPV4, ip, 60);
    }

    /** Queues the client's packet as a captured frame and runs one duty cycle. */
    int in(byte[] ip) throws Exception {
        byte[] f = frame(HOST_MAC, ip);
        assertTrue(source.offer(f, 0, f.length));
        return cycle();
    }

    int cycle() throws Exception {
        clock.advance(10 * US);
        long sentBefore = sink.sent();
        int work = worker.doWork();
        if (sink.sent() != sentBefore) {
            toClient.add(Arrays.copyOf(sink.last(), sink.lastLength()));
        }
        return work;
    }

    /** 256 captured frames of the client's pure ACKs, each 2 segments further (a download's ACK clock). */
    static byte[][] ackFrames(ClientPackets c) {
        byte[][] frames = new byte[256][];
        for (int i = 0; i < frames.length; i++) {
            c.ack = SeqNumber.add(c.ack, 2 * 1448);
            frames[i] = frame(HOST_MAC, c.ack());
        }
        return frames;
    }

    /** {@code count} duty cycles, each on one of {@code frames} in turn (the allocation tests: nothing recorded). */
    void cycles(byte[][] frames, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            byte[] f = frames[i % frames.length];
            source.offer(f, 0, f.length);
            clock.advance(10 * US);
            worker.doWork();
        }
    }

    void agentAnswers(MessageBody body) {
        agentAnswers(null, body);
    }

    /** An answer from agent {@code from}, as a connected socket reads it (null: its sender unknown). */
    void agentAnswers(InetSocketAddress from, MessageBody body) {
        byte[] b = new byte[512];
        int n = agentEncoder.encode(body, b, 0);
        assertTrue(agents.deliver(from, b, 0, n));
    }

    ClientPackets connect(int port) throws Exception {
        ClientPackets c = new ClientPackets(CLIENT, VIP, port, 0x7ffffff0 + port);
        in(c.syn());
        c.synAck(new SentSegment(toClient.get(toClient.size() - 1), VIP, 80));
        in(c.ack());
        return c;
    }

    void request(ClientPackets c, String text) throws Exception {
        byte[] r = text.getBytes(StandardCharsets.US_ASCII);
        in(c.data(r, 0, r.length));
        c.seq = SeqNumber.add(c.seq, r.length);
    }

    long handoffMessageId(Datagram d) {
        assertEquals(DecodeResult.ACCEPTED, agentSide.decode(d.bytes(), 0, d.bytes().length), agentSide.describe());
        assertEquals(MessageType.HANDOFF, agentSide.type());
        return agentSide.header().messageId();
    }

    /**
     * The client packets a datagram to an agent carries: a FORWARD's (the user path), or a
     * TUNNEL's one (a flow with a kernel entry, docs/kernel-datapath.md).
     */
    List<byte[]> forwarded(Datagram d) {
        if (d.bytes().length > MessageHeaderFlyweight.TYPE_OFFSET && d.bytes()[MessageHeaderFlyweight.TYPE_OFFSET] == MessageType.TUNNEL.code()) {
            TunnelFlyweight t = new TunnelFlyweight().wrap(d.bytes(), 0);
            return List.of(Arrays.copyOfRange(d.bytes(), t.innerOffset(), t.innerOffset() + t.innerLength()));
        }
        assertEquals(DecodeResult.ACCEPTED, agentSide.decode(d.bytes(), 0, d.bytes().length), agentSide.describe());
        assertEquals(MessageType.FORWARD, agentSide.type());
        List<byte[]> out = new ArrayList<>();
        ForwardPacketCursor cursor = agentSide.forwardPackets();
        while (cursor.next()) {
            out.add(Arrays.copyOfRange(cursor.buffer(), cursor.packetOffset(), cursor.packetOffset() + cursor.packetLength()));
        }
        return out;
    }

}
