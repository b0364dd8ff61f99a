package org.handoff.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.handoff.director.DirectorWorker;
import org.handoff.director.MemoryAgentTransport;
import org.handoff.director.WorkerSettings;
import org.handoff.director.config.ConfigLoader;
import org.handoff.director.config.DirectorConfig;
import org.handoff.director.handoff.HandoffCounters.RequestOutcome;
import org.handoff.director.io.LinkDecoder;
import org.handoff.director.io.ManualClock;
import org.handoff.director.io.MemoryPacketIo;
import org.handoff.director.routing.LoadCounter;
import org.handoff.protocol.message.CloseReason;
import org.handoff.protocol.message.Closed;
import org.handoff.protocol.message.FlowIdentity;
import org.handoff.protocol.message.FlowMessageFlyweight;
import org.handoff.protocol.message.HandoffAck;
import org.handoff.protocol.message.HandoffAckFlyweight;
import org.handoff.protocol.message.HandoffKeys;
import org.handoff.protocol.message.MessageEncoder;
import org.handoff.protocol.message.MessageHeaderFlyweight;
import org.handoff.protocol.message.MessageIdGenerator;
import org.handoff.protocol.message.MessageSealer;
import org.handoff.protocol.message.MessageType;
import org.handoff.protocol.testing.PacketBuilder;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.TcpSegment;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One director worker's duty cycle ({@link DirectorWorker#doWork()}) end to end on the
 * in-memory back end, wired by {@link DirectorWorker#create} exactly as the director process
 * wires its workers: Ethernet frames in through the capture's link decoding
 * ({@link MemoryPacketIo.FrameSource}), the terminator, the hand-off coordinator, HANDOFF and
 * FORWARD out to a fake agent ({@link MemoryAgentTransport}), the agent's answers back through
 * the worker's decoder (MAC and replay checks). Only the system calls are missing.
 *
 * <ul>
 *   <li>{@code forwardClientAck}: the hot path of a large download, one client ACK of a
 *       handed-off flow per duty cycle (so one sealed FORWARD per ACK, the worst case).
 *   <li>{@code forwardClientAckBatch32}: 32 such ACKs read in one duty cycle, as under load,
 *       sharing one FORWARD; the score is per ACK.
 *   <li>{@code connectionHandedOff}: a whole connection in four duty cycles: SYN; final ACK and
 *       request (HANDOFF sent); the agent's HANDOFF_ACK; the client's FIN (forwarded) and the
 *       agent's CLOSED. The fake agent's share (patching and sealing its two answers, ~2 HMACs)
 *       is inside the loop; {@code MessageCodecBenchmark.encodeHandoffAck} measures it.
 *   <li>{@code laterRequestKept}: a later request on a handed-off keep-alive connection that
 *       routes to the connection's origin (hand-back's common case): its segment held, its head
 *       read and routed, the segment forwarded, in one duty cycle. Compare with
 *       {@code forwardClientAck}, what the same segment cost before every request was routed.
 * </ul>
 *
 * <p>Run from the repository root (it reads examples/lab/director.yaml):
 * {@code java -jar benchmarks/target/benchmarks.jar DirectorWorkerBenchmark -prof gc}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
// A fixed heap, touched before the first iteration: a growing heap's first-touch page faults
// were timed otherwise (connection benchmarks 30x slower until the heap stopped growing).
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class DirectorWorkerBenchmark {
    private static final int VIP = Bytes.parseIpv4("198.18.1.1");
    private static final int CLIENT = Bytes.parseIpv4("198.18.2.7");
    private static final long HOST_MAC = LinkDecoder.parseMac("02:00:00:00:00:01");
    private static final long CLIENT_MAC = LinkDecoder.parseMac("02:00:00:00:00:07");
    private static final byte[] REQUEST = "GET /static/logo.png HTTP/1.1\r\nHost: lab\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);
    private static final int FORWARD_PORT = 65000;
    /** The handed-off connection whose later requests {@code laterRequestKept} sends. */
    private static final int KEPT_PORT = 65001;
    private static final int BATCH = 32;
    /** Simulated time per duty cycle while forwarding: a busy worker's cycle. */
    private static final long FORWARD_CYCLE_NANOS = 10_000L;
    /**
     * Simulated time per duty cycle of the connection benchmark, 1 ms per connection. The
     * worker's replay guard remembers at most 65,536 answer ids per 12 s slice; at the real
     * rate of this loop (well over 100k connections/s) its simulated clock would fill a slice
     * in under a second of simulated time and the guard would refuse answers, so the clock
     * runs slow enough to stay under that capacity (about 24k ids per slice).
     */
    private static final long CONNECTION_CYCLE_NANOS = 250_000L;

    private final ManualClock clock = new ManualClock(1_800_000_000_000L * 1_000_000L);
    /** The client's packets: timestamps on; MSS, window scale and SACK-permitted on the SYN. Built into {@link #packet}. */
    private final PacketBuilder client = PacketBuilder.tcp().to(VIP, 80).window(502).linuxSynOptions().timestamps(5, 0);
    private final byte[] packet = new byte[2048];
    private final MemoryPacketIo.LastPacketSink sink = new MemoryPacketIo.LastPacketSink();
    private MemoryPacketIo.FrameSource source;
    private MemoryAgentTransport agents;
    private DirectorWorker worker;

    // The fake agent: notes what the worker sent, answers from templates it patches and seals.
    private final MessageHeaderFlyweight sentHeader = new MessageHeaderFlyweight();
    private long lastHandoffId;
    private long forwardDatagrams;
    private MessageSealer agentSealer;
    private final HandoffAckFlyweight ackView = new HandoffAckFlyweight();
    private final byte[] ackAnswer = new byte[512];
    private final byte[] closedAnswer = new byte[512];
    private int ackLength;
    private int closedLength;

    private final byte[][] ackFrames = new byte[256][];
    private int keptSeq;
    private int keptAck;
    private int nextAck;
    private int port = 1024;

    @Setup
    public void setUp() throws Exception {
        DirectorConfig config = ConfigLoader.DIRECTOR.load(Path.of("examples/lab/director.yaml"));
        HandoffKeys keys = HandoffKeys.of(1, 1L, new byte[32]);
        LoadCounter load = new LoadCounter();
        WorkerSettings settings = WorkerSettings.of(config, load).withKeys(keys);
        source = new MemoryPacketIo.FrameSource(new LinkDecoder(LinkDecoder.DLT_EN10MB, true, HOST_MAC), clock, 64, 2048);
        agents = new MemoryAgentTransport((to, b, off, len) -> {
            sentHeader.wrap(b, off);
            if (sentHeader.typeCode() == MessageType.HANDOFF.code()) {
                lastHandoffId = sentHeader.messageId();
            } else if (sentHeader.typeCode() == MessageType.FORWARD.code()) {
                forwardDatagrams++;
            }
            return true;
        }, 16, 2048);
        worker = DirectorWorker.create(0, config, () -> settings, load, 1L, 2L, source, sink, agents, clock);

        agentSealer = new MessageSealer(() -> keys, MessageIdGenerator.withBootId(2), clock::epochMillis);
        MessageEncoder agentEncoder = new MessageEncoder(agentSealer);
        FlowIdentity template = FlowIdentity.ipv4(CLIENT, 1, VIP, 80);
        ackLength = agentEncoder.encode(HandoffAck.of(template, 1L), ackAnswer, 0);
        closedLength = agentEncoder.encode(new Closed(template, REQUEST.length, 0, 1, CloseReason.FIN), closedAnswer, 0);

        // One handed-off flow whose client keeps acknowledging the origin's data.
        int director = handOff(FORWARD_PORT, FORWARD_CYCLE_NANOS);
        int seq = FORWARD_PORT * 7919 + 1 + REQUEST.length;
        for (int i = 0; i < ackFrames.length; i++) {
            int n = client.from(CLIENT, FORWARD_PORT).flags(TcpSegment.ACK).seq(seq).ack(director + (i + 1) * 2 * 1448).noPayload()
                    .frameInto(packet, 0, HOST_MAC, CLIENT_MAC);
            ackFrames[i] = Arrays.copyOf(packet, n);
        }

        // A second one that goes on sending requests for the same origin, each after the response.
        keptAck = handOff(KEPT_PORT, FORWARD_CYCLE_NANOS);
        keptSeq = KEPT_PORT * 7919 + 1 + REQUEST.length;

        // Each loop must do what it claims; a silent failure would time nothing.
        long kept = worker.coordinator().counters().outcome(RequestOutcome.KEPT);
        long handedOff = worker.coordinator().counters().outcome(RequestOutcome.HANDED_OFF);
        long forwarded = worker.coordinator().counters().forwardPackets;
        int flows = worker.terminator().flowCount();
        connectionHandedOff();
        forwardClientAck();
        forwardClientAckBatch32();
        laterRequestKept();
        if (worker.coordinator().counters().outcome(RequestOutcome.HANDED_OFF) != handedOff + 1
                || worker.coordinator().counters().outcome(RequestOutcome.KEPT) != kept + 1
                || worker.coordinator().counters().forwardPackets != forwarded + 3 + BATCH
                || worker.terminator().flowCount() != flows || flows != 2
                || worker.controlDecodeFailures != 0 || worker.internalErrors != 0
                || source.decoder().dropped() != 0 || agents.refused() != 0 || source.refused() != 0) {
            throw new IllegalStateException("the benchmark loops did not hand off, forward and close as they should: handed off "
                    + (worker.coordinator().counters().outcome(RequestOutcome.HANDED_OFF) - handedOff) + ", forwarded "
                    + (worker.coordinator().counters().forwardPackets - forwarded) + ", flows " + worker.terminator().flowCount()
                    + ", agent answers refused by the decoder " + worker.controlDecodeFailures);
        }
    }

    /** SYN, final ACK and request, the agent's HANDOFF_ACK: leaves the flow FORWARDING; returns SND.NXT. */
    private int handOff(int clientPort, long cycleNanos) throws Exception {
        int isn = clientPort * 7919;
        client.from(CLIENT, clientPort).noPayload();
        source.offer(packet, 0, client.flags(TcpSegment.SYN).seq(isn).ack(0).frameInto(packet, 0, HOST_MAC, CLIENT_MAC));
        cycle(cycleNanos);
        int director = Bytes.i32(sink.last(), 24) + 1; // the SYN-ACK's sequence number + 1
        source.offer(packet, 0, client.flags(TcpSegment.ACK).seq(isn + 1).ack(director).frameInto(packet, 0, HOST_MAC, CLIENT_MAC));
        source.offer(packet, 0, client.flags(TcpSegment.ACK | TcpSegment.PSH).payload(REQUEST).frameInto(packet, 0, HOST_MAC, CLIENT_MAC));
        cycle(cycleNanos);
        Bytes.putU16(ackAnswer, FlowMessageFlyweight.CLIENT_PORT_OFFSET, clientPort);
        ackView.wrap(ackAnswer, 0).ackedMessageId(lastHandoffId);
        agentSealer.seal(ackAnswer, 0, ackLength);
        agents.deliver(ackAnswer, 0, ackLength);
        cycle(cycleNanos);
        return director;
    }

    private int cycle(long nanos) throws Exception {
        clock.advance(nanos);
        return worker.doWork();
    }

    @Benchmark
    public int forwardClientAck() throws Exception {
        byte[] f = ackFrames[nextAck++ & (ackFrames.length - 1)];
        source.offer(f, 0, f.length);
        return cycle(FORWARD_CYCLE_NANOS);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int forwardClientAckBatch32() throws Exception {
        for (int i = 0; i < BATCH; i++) {
            byte[] f = ackFrames[nextAck++ & (ackFrames.length - 1)];
            source.offer(f, 0, f.length);
        }
        return cycle(FORWARD_CYCLE_NANOS);
    }

    /** One later request for the connection's origin, sent after the previous response (its ack moved on). */
    @Benchmark
    @Warmup(iterations = 5, time = 2)
    public int laterRequestKept() throws Exception {
        keptAck += 2 * 1448; // the response the client got before it asks again
        int n = client.from(CLIENT, KEPT_PORT).flags(TcpSegment.ACK | TcpSegment.PSH).seq(keptSeq).ack(keptAck).payload(REQUEST)
                .frameInto(packet, 0, HOST_MAC, CLIENT_MAC);
        keptSeq += REQUEST.length;
        source.offer(packet, 0, n);
        return cycle(FORWARD_CYCLE_NANOS);
    }

    /** Longer warm-up: this path's code (HTTP parsing, routing, HMAC, ...) was still compiling after 3 s here. */
    @Benchmark
    @Warmup(iterations = 5, time = 2)
    public int connectionHandedOff() throws Exception {
        port = port == 60000 ? 1024 : port + 1;
        int director = handOff(port, CONNECTION_CYCLE_NANOS);
        int isn = port * 7919;
        client.from(CLIENT, port).flags(TcpSegment.FIN | TcpSegment.ACK).seq(isn + 1 + REQUEST.length).ack(director).noPayload();
        source.offer(packet, 0, client.frameInto(packet, 0, HOST_MAC, CLIENT_MAC));
        Bytes.putU16(closedAnswer, FlowMessageFlyweight.CLIENT_PORT_OFFSET, port);
        agentSealer.seal(closedAnswer, 0, closedLength);
        agents.deliver(closedAnswer, 0, closedLength);
        cycle(CONNECTION_CYCLE_NANOS);
        return worker.terminator().flowCount();
    }
}
