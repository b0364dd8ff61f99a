package org.handoff.director.handoff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.handoff.director.DirectorPipeline;
import org.handoff.director.WorkerSettings;
import org.handoff.director.config.ConfigLoader;
import org.handoff.director.config.DirectorConfig;
import org.handoff.director.routing.LoadCounter;
import org.handoff.director.routing.RoutingTable;
import org.handoff.director.tcp.TcpFlow;
import org.handoff.director.tcp.TcpSettings;
import org.handoff.director.tcp.TcpTerminator;
import org.handoff.protocol.message.DecodeResult;
import org.handoff.protocol.message.ForwardPacketCursor;
import org.handoff.protocol.message.Handoff;
import org.handoff.protocol.message.HandoffAck;
import org.handoff.protocol.message.HandoffKeys;
import org.handoff.protocol.message.MessageDecoder;
import org.handoff.protocol.message.MessageEncoder;
import org.handoff.protocol.message.MessageIdGenerator;
import org.handoff.protocol.message.MessageSealer;
import org.handoff.protocol.message.MessageType;
import org.handoff.protocol.testing.GoldenVectors;
import org.handoff.protocol.transform.FlowTransform;
import org.handoff.protocol.transform.PacketRewriter;
import org.handoff.protocol.transform.RewriteResult;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.TcpOptions;
import org.handoff.protocol.wire.TcpSegment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real Linux clients, replayed: the client's packets from the golden captures (curl against
 * nginx, see handoff-protocol's vectors/README.md) are fed to the director with their
 * acknowledgement numbers and echoed timestamps moved from the captured server's sequence
 * space and clock onto the director's. That mapping is the transform core's client-to-server
 * rewrite with the roles swapped: the captured server plays "director" and the director plays
 * "server". The director must agree on the options the real SYN offered, assemble the real
 * request, hand it off, and forward every later client packet.
 */
class CapturedClientReplayTest {
    static final int CLIENT = Bytes.parseIpv4(GoldenVectors.CLIENT_IPV4);
    static final int SERVER = Bytes.parseIpv4(GoldenVectors.SERVER_IPV4);

    @ParameterizedTest
    @ValueSource(strings = {GoldenVectors.IPV4_HTTP_ALL_OPTIONS, GoldenVectors.IPV4_HTTP_NO_TS, GoldenVectors.IPV4_HTTP_NO_SACK,
        GoldenVectors.IPV4_HTTP_NO_WSCALE, GoldenVectors.IPV4_HTTP_NO_OPTIONS, GoldenVectors.IPV4_HTTP_POST})
    void realClientIsTerminatedHandedOffAndForwarded(String capture) throws Exception {
        HandoffKeys keys = HandoffKeys.of(1, 1L, new byte[32]);
        long[] wall = {1_800_000_000_000L};
        List<byte[]> toAgent = new ArrayList<>();
        List<byte[]> toClient = new ArrayList<>();
        // The traces' config: its VIP is the captured server's address, SERVER:80.
        DirectorConfig config = ConfigLoader.DIRECTOR.load(Path.of("../examples/traces/director.yaml"));
        LoadCounter load = new LoadCounter();
        WorkerSettings settings = new WorkerSettings(RoutingTable.of(config, load), TcpSettings.DEFAULTS, HandoffSettings.DEFAULTS,
                keys);
        DirectorPipeline pipeline = DirectorPipeline.builder(config, () -> settings, load).secrets(5, 6)
                .messageIds(MessageIdGenerator.withBootId(3)).flowTokens(FlowTokens.seeded(7, 8)).wallClock(() -> wall[0])
                .agents((InetSocketAddress to, byte[] b, int off, int len) -> toAgent.add(Arrays.copyOfRange(b, off, off + len)))
                .output((b, off, len) -> toClient.add(Arrays.copyOfRange(b, off, off + len))).build(0);
        TcpTerminator<?> terminator = pipeline.terminator();
        HandoffCoordinator coordinator = pipeline.coordinator();
        assertEquals(0, terminator.vipIndex(SERVER, 80), "the traces' config has the captured server as its VIP");
        MessageDecoder agent = new MessageDecoder(() -> keys, null, () -> wall[0]);

        List<byte[]> packets = GoldenVectors.ipPackets(capture);
        Ipv4Packet ip = new Ipv4Packet();
        TcpSegment tcp = new TcpSegment();
        TcpOptions options = new TcpOptions();
        // What the real client offered and sent, read from the capture.
        byte[] syn = packets.get(0);
        tcp.wrap(syn, 20, syn.length - 20).parseOptions(options);
        int offeredMss = options.mss;
        int offeredShift = options.hasWindowScale() ? options.windowShift : -1;
        boolean offeredSack = options.hasSackPermitted();
        boolean offeredTs = options.hasTimestamps();
        byte[] synAck = packets.get(1);
        ip.wrap(synAck, 0, synAck.length);
        tcp.wrap(synAck, ip.payloadOffset(), ip.payloadLength()).parseOptions(options);
        int capturedServerIsn = tcp.seq();
        int capturedServerTs = options.tsVal;

        long now = 1_000_000_000L;
        FlowTransform toDirector = null;
        PacketRewriter rewriter = new PacketRewriter();
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        Handoff handoff = null;
        List<byte[]> expectedForwarded = new ArrayList<>();
        for (byte[] original : packets) {
            now += 1_000_000L;
            ip.wrap(original, 0, original.length);
            tcp.wrap(original, ip.payloadOffset(), ip.payloadLength());
            if (ip.source() != CLIENT) {
                continue; // the director derives its own answers
            }
            byte[] p = original.clone();
            if (toDirector != null) {
                assertEquals(RewriteResult.OK, rewriter.clientToServer(p, 0, p.length, toDirector, false));
            }
            if (handoff == null && tcp.payloadLength() > 0) {
                // Bytes received before the hand-off travel in it (for a POST: the head and the
                // body's first bytes); later ones are forwarded.
                request.write(original, tcp.payloadOffset(), tcp.payloadLength());
            }
            if (handoff != null) {
                expectedForwarded.add(p);
            }
            terminator.onPacket(p, 0, p.length, now);
            coordinator.flush();
            if (toDirector == null) {
                // The director's SYN-ACK: from now on the client's numbers are mapped onto it.
                byte[] ours = toClient.get(0);
                ip.wrap(ours, 0, ours.length);
                tcp.wrap(ours, ip.payloadOffset(), ip.payloadLength()).parseOptions(options);
                assertEquals(TcpSegment.SYN | TcpSegment.ACK, tcp.flags());
                assertEquals(offeredShift >= 0, options.hasWindowScale(), "window scale only if offered");
                assertEquals(offeredSack, options.hasSackPermitted(), "SACK-permitted only if offered");
                assertEquals(offeredTs, options.hasTimestamps(), "timestamps only if offered");
                FlowTransform.Builder b = FlowTransform.builder().client(CLIENT, 1).vip(CLIENT, 1).server(SERVER, 80)
                        .isns(capturedServerIsn, tcp.seq());
                if (offeredTs) {
                    b.timestamps(capturedServerTs, options.tsVal);
                }
                toDirector = b.build();
            }
            if (handoff == null && !toAgent.isEmpty()) {
                byte[] d = toAgent.remove(0);
                assertEquals(DecodeResult.ACCEPTED, agent.decode(d, 0, d.length));
                assertEquals(MessageType.HANDOFF, agent.type());
                handoff = (Handoff) agent.message().body();
                long id = agent.header().messageId();
                MessageEncoder agentEncoder = new MessageEncoder(new MessageSealer(() -> keys, MessageIdGenerator.withBootId(4), () -> wall[0]));
                byte[] ack = agentEncoder.encode(HandoffAck.of(handoff.flow(), id));
                assertEquals(DecodeResult.ACCEPTED, agent.decode(ack, 0, ack.length));
                coordinator.onAgentMessage(agent, now);
            }
        }
        assertNotNull(handoff, capture + ": the request was handed off");
        assertArrayEquals(request.toByteArray(), handoff.request(), "the HANDOFF carries exactly the client's request bytes");
        assertEquals(offeredMss, handoff.options().clientMss());
        assertEquals(offeredShift, handoff.options().windowScaling() ? handoff.options().clientShift() : -1);
        assertEquals(offeredSack, handoff.options().sackPermitted());
        assertEquals(offeredTs, handoff.options().timestamps());

        List<byte[]> forwarded = new ArrayList<>();
        for (byte[] d : toAgent) {
            assertEquals(DecodeResult.ACCEPTED, agent.decode(d, 0, d.length));
            if (agent.type() == MessageType.FORWARD) {
                ForwardPacketCursor c = agent.forwardPackets();
                while (c.next()) {
                    forwarded.add(Arrays.copyOfRange(c.buffer(), c.packetOffset(), c.packetOffset() + c.packetLength()));
                }
            }
        }
        assertEquals(expectedForwarded.size(), forwarded.size(), "every later client packet forwarded");
        for (int i = 0; i < forwarded.size(); i++) {
            assertArrayEquals(expectedForwarded.get(i), forwarded.get(i), "forwarded verbatim, packet " + i);
        }
        TcpFlow<?> flow = terminator.flow(CLIENT, handoff.flow().clientPort(), 0);
        assertTrue(flow == null || flow.state() == TcpFlow.State.FORWARDING);
        assertTrue(expectedForwarded.size() >= 2, "the client's ACKs and FIN came after the hand-off");
    }
}
