package org.handoff.bench;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.handoff.director.tcp.FlowListener;
import org.handoff.director.tcp.TcpFlow;
import org.handoff.director.tcp.TcpSettings;
import org.handoff.director.tcp.TcpTerminator;
import org.handoff.protocol.wire.TcpOptions;
import org.handoff.protocol.wire.TcpSegment;
import org.handoff.protocol.testing.PacketBuilder;
import org.handoff.protocol.wire.Bytes;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * One director worker's TCP termination on the in-memory back end, no I/O:
 * {@code forwardClientAck} is the per-packet cost of a handed-off flow's client ACK (goal: well
 * under a microsecond), {@code connectionLifecycle} a whole connection up to its hand-off
 * (SYN, SYN-ACK, ACK, request, ACK, hold, accept, release) and so the handshakes per second
 * one worker can take.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar TerminatorBenchmark -prof gc}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
// A fixed heap, touched before the first iteration: a growing heap's first-touch page faults
// were timed otherwise (connection benchmarks 30x slower until the heap stopped growing).
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class TerminatorBenchmark {
    private static final int VIP = 0xc6120101;
    private static final int CLIENT = 0xc6120002;
    private static final byte[] REQUEST = "GET /video/a.mp4 HTTP/1.1\r\nHost: lab\r\nUser-Agent: bench\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    private TcpTerminator<Void> terminator;
    private Blackhole blackhole;
    /** The client's packets: timestamps on; MSS, window scale and SACK-permitted on the SYN. Built into {@link #packet}. */
    private final PacketBuilder client = PacketBuilder.tcp().to(VIP, 80).window(502).linuxSynOptions().timestamps(5, 0);
    private final byte[] packet = new byte[2048];
    private final byte[] lastSent = new byte[2048];
    private final TcpOptions options = new TcpOptions();
    private byte[] forwardAck;
    private long now = 1_000_000_000_000L;
    private int nextPort = 1024;
    private TcpFlow<Void> lastFlow;

    @Setup
    public void setUp(Blackhole bh) {
        blackhole = bh;
        FlowListener<Void> listener = new FlowListener<>() {
            @Override
            public void onRequestData(TcpFlow<Void> flow, long nowNanos) {
                lastFlow = flow;
            }

            @Override
            public void onForward(TcpFlow<Void> flow, byte[] p, int offset, int length, long nowNanos) {
                blackhole.consume(length);
            }

            @Override
            public void onNextRequestData(TcpFlow<Void> flow, long nowNanos) {
            }

            @Override
            public void onClosed(TcpFlow<Void> flow, CloseCause cause, long nowNanos) {
            }
        };
        terminator = new TcpTerminator<>(TcpSettings.DEFAULTS, new int[] {VIP}, new int[] {80}, 1, 2, listener,
                (b, off, len) -> System.arraycopy(b, off, lastSent, 0, len), now);
        // One handed-off flow for the forwarding benchmark.
        connect(65000);
        terminator.startHandoff(lastFlow, now);
        terminator.handoffAccepted(lastFlow, now);
        int n = client.from(CLIENT, 65000).flags(TcpSegment.ACK).seq(1).ack(1).noPayload().buildInto(packet, 0);
        forwardAck = Arrays.copyOf(packet, n);
    }


    /** SYN, final ACK and request from one client port; leaves the flow RECEIVING in lastFlow. */
    private void connect(int port) {
        int isn = port * 7919;
        client.from(CLIENT, port).noPayload();
        terminator.onPacket(packet, 0, client.flags(TcpSegment.SYN).seq(isn).ack(0).buildInto(packet, 0), now);
        int synAckSeq = Bytes.i32(lastSent, 24);
        terminator.onPacket(packet, 0, client.flags(TcpSegment.ACK).seq(isn + 1).ack(synAckSeq + 1).buildInto(packet, 0), now);
        terminator.onPacket(packet, 0, client.flags(TcpSegment.ACK | TcpSegment.PSH).payload(REQUEST).buildInto(packet, 0), now);
    }

    @Benchmark
    public void forwardClientAck() {
        terminator.onPacket(forwardAck, 0, forwardAck.length, now);
    }

    @Benchmark
    public void connectionLifecycle() {
        int port = nextPort;
        nextPort = port == 60000 ? 1024 : port + 1;
        now += 1000;
        connect(port);
        TcpFlow<Void> flow = lastFlow;
        terminator.startHandoff(flow, now);
        terminator.handoffAccepted(flow, now);
        terminator.release(flow, now);
    }
}
