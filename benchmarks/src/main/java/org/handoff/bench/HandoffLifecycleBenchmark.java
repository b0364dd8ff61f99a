package org.handoff.bench;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.handoff.director.DirectorPipeline;
import org.handoff.director.WorkerSettings;
import org.handoff.director.config.ConfigLoader;
import org.handoff.director.config.DirectorConfig;
import org.handoff.director.handoff.FlowTokens;
import org.handoff.director.handoff.HandoffCoordinator;
import org.handoff.director.handoff.HandoffSettings;
import org.handoff.director.routing.LoadCounter;
import org.handoff.director.routing.RoutingTable;
import org.handoff.director.tcp.TcpSettings;
import org.handoff.director.tcp.TcpTerminator;
import org.handoff.protocol.message.CloseReason;
import org.handoff.protocol.message.Closed;
import org.handoff.protocol.message.FlowIdentity;
import org.handoff.protocol.message.HandoffAck;
import org.handoff.protocol.message.HandoffKeys;
import org.handoff.protocol.message.MessageDecoder;
import org.handoff.protocol.message.MessageEncoder;
import org.handoff.protocol.message.MessageIdGenerator;
import org.handoff.protocol.message.MessageSealer;
import org.handoff.protocol.testing.PacketBuilder;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.TcpSegment;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One director worker's whole connection, in memory, through the {@link DirectorPipeline} a
 * worker builds, called directly (no duty cycle): SYN, SYN-ACK, final ACK, the request,
 * its ACK, parse, route (the lab's rules), HANDOFF sealed, the agent's HANDOFF_ACK decoded
 * and verified, one client ACK forwarded in a sealed FORWARD, the agent's CLOSED. The
 * agent's two answers are sealed inside the timed loop too (about 1 us of the total). The
 * inverse of the score is the hand-offs per second one worker can take before I/O.
 *
 * <p>Run from the repository root (it reads examples/lab/director.yaml):
 * {@code java -jar benchmarks/target/benchmarks.jar HandoffLifecycleBenchmark -prof gc}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
// A fixed heap, touched before the first iteration: a growing heap's first-touch page faults
// were timed otherwise (connection benchmarks 30x slower until the heap stopped growing).
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class HandoffLifecycleBenchmark {
    private static final int VIP = Bytes.parseIpv4("198.18.1.1");
    private static final int CLIENT = Bytes.parseIpv4("198.18.2.7");
    private static final byte[] REQUEST = "GET /static/logo.png HTTP/1.1\r\nHost: lab\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    private DirectorPipeline pipeline;
    private TcpTerminator<?> terminator;
    private HandoffCoordinator coordinator;
    private MessageDecoder agentSide;
    private MessageEncoder agentEncoder;
    private final byte[] lastSent = new byte[2048];
    private final byte[] lastHandoff = new byte[70_000];
    private int lastHandoffLength;
    private final byte[] answer = new byte[512];
    /** The client's packets: timestamps on; MSS, window scale and SACK-permitted on the SYN. Built into {@link #packet}. */
    private final PacketBuilder client = PacketBuilder.tcp().to(VIP, 80).window(502).linuxSynOptions().timestamps(5, 0);
    private final byte[] packet = new byte[2048];
    private long now = 1_000_000_000_000L;
    private int port = 1024;

    @Setup
    public void setUp() throws Exception {
        HandoffKeys keys = HandoffKeys.of(1, 1L, new byte[32]);
        DirectorConfig config = ConfigLoader.DIRECTOR.load(Path.of("examples/lab/director.yaml"));
        LoadCounter load = new LoadCounter();
        WorkerSettings settings = new WorkerSettings(RoutingTable.of(config, load), TcpSettings.DEFAULTS, HandoffSettings.DEFAULTS,
                keys);
        pipeline = DirectorPipeline.builder(config, () -> settings, load).secrets(1, 2)
                .messageIds(MessageIdGenerator.withBootId(1)).flowTokens(FlowTokens.seeded(3, 4)).wallClock(() -> 1_800_000_000_000L)
                .agents((InetSocketAddress to, byte[] b, int off, int len) -> {
                    System.arraycopy(b, off, lastHandoff, 0, len);
                    lastHandoffLength = len;
                    return true;
                })
                .output((b, off, len) -> System.arraycopy(b, off, lastSent, 0, len)).build(now);
        terminator = pipeline.terminator();
        coordinator = pipeline.coordinator();
        agentSide = new MessageDecoder(() -> keys, null, () -> 1_800_000_000_000L);
        agentEncoder = new MessageEncoder(new MessageSealer(() -> keys, MessageIdGenerator.withBootId(2), () -> 1_800_000_000_000L));
        // The loop must really hand off, forward and free; a silent failure would time nothing.
        if (connectionHandedOff() != 0 || coordinator.counters().outcome(
                org.handoff.director.handoff.HandoffCounters.RequestOutcome.HANDED_OFF) != 1
                || coordinator.counters().forwardPackets != 1) {
            throw new IllegalStateException("benchmark connection was not handed off, forwarded and closed");
        }
    }


    @Benchmark
    public int connectionHandedOff() {
        port = port == 60000 ? 1024 : port + 1;
        now += 10_000;
        int isn = port * 7919;
        client.from(CLIENT, port).noPayload();
        terminator.onPacket(packet, 0, client.flags(TcpSegment.SYN).seq(isn).ack(0).buildInto(packet, 0), now);
        int director = Bytes.i32(lastSent, 24) + 1;
        terminator.onPacket(packet, 0, client.flags(TcpSegment.ACK).seq(isn + 1).ack(director).buildInto(packet, 0), now);
        terminator.onPacket(packet, 0, client.flags(TcpSegment.ACK | TcpSegment.PSH).payload(REQUEST).buildInto(packet, 0), now);
        // The agent accepts.
        agentSide.decode(lastHandoff, 0, lastHandoffLength);
        FlowIdentity flow = FlowIdentity.ipv4(CLIENT, port, VIP, 80);
        int n = agentEncoder.encode(HandoffAck.of(flow, agentSide.header().messageId()), answer, 0);
        pipeline.onAgentDatagram(answer, 0, n, now);
        // One client ACK forwarded, then the agent reports the flow closed.
        client.flags(TcpSegment.ACK).seq(isn + 1 + REQUEST.length).ack(director + 1448).noPayload();
        terminator.onPacket(packet, 0, client.buildInto(packet, 0), now);
        coordinator.flush();
        n = agentEncoder.encode(new Closed(flow, REQUEST.length, 1448, 1, CloseReason.FIN), answer, 0);
        pipeline.onAgentDatagram(answer, 0, n, now);
        return terminator.flowCount();
    }
}
