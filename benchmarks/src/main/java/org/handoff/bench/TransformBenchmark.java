package org.handoff.bench;

import java.util.concurrent.TimeUnit;
import org.handoff.protocol.testing.PacketBuilder;
import org.handoff.protocol.transform.FlowTransform;
import org.handoff.protocol.transform.PacketRewriter;
import org.handoff.protocol.transform.RewriteResult;
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
 * The per-packet transform (goal: at most 50 ns and 0 bytes allocated per packet).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar TransformBenchmark -prof gc}
 * (see docs/benchmarks.md). Each invocation rewrites the same buffer again: the work per call
 * is identical (the fields keep moving by the flow's offsets), and no copy is timed.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
// A fixed heap, touched before the first iteration: a growing heap's first-touch page faults
// were timed otherwise (connection benchmarks 30x slower until the heap stopped growing).
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class TransformBenchmark {
    private static final int CLIENT = 0xc6120002;
    private static final int VIP = 0xc6120101;
    private static final int SERVER = 0xc6130005;

    private final PacketRewriter rewriter = new PacketRewriter();
    private FlowTransform flow;
    /** A full-size server data segment with timestamps, as read from the agent's TUN. */
    private byte[] serverData;
    private int serverDataLength;
    /** A client ACK with timestamps and one SACK block, as forwarded by the director. */
    private byte[] clientAck;
    private int clientAckLength;

    @Setup
    public void setUp() {
        flow = FlowTransform.builder().client(CLIENT, 40000).vip(VIP, 80).server(SERVER, 80)
                .isns(0x12345678, 0x9abcdef0).timestamps(1_000_000, 5_000).windowShifts(10, 7).build();
        serverData = new byte[2048];
        serverDataLength = PacketBuilder.tcp().from(SERVER, 80).to(CLIENT, 40000).seq(0x9abcdef0 + 1).ack(1).flags(TcpSegment.ACK)
                .window(509).timestamps(6000, 77).payload(new byte[1448]).buildInto(serverData, 0);
        clientAck = new byte[128];
        clientAckLength = PacketBuilder.tcp().from(CLIENT, 40000).to(VIP, 80).seq(1).ack(0x12345678 + 1449).flags(TcpSegment.ACK)
                .window(2000).timestamps(78, 1_001_000).sackBlock(0x12345678 + 2897, 0x12345678 + 4345).buildInto(clientAck, 0);
    }

    /** The agent's egress path: a TUN packet (valid checksums), incremental update. */
    @Benchmark
    public RewriteResult serverToClientIncremental() {
        return rewriter.serverToClient(serverData, 0, serverDataLength, flow, true);
    }

    /** The same packet when its checksum cannot be trusted: full recompute over 1,500 bytes. */
    @Benchmark
    public RewriteResult serverToClientFullChecksum() {
        return rewriter.serverToClient(serverData, 0, serverDataLength, flow, false);
    }

    /** The agent's ingress path: a forwarded client ACK captured on a veth, full recompute. */
    @Benchmark
    public RewriteResult clientAckToServerFullChecksum() {
        return rewriter.clientToServer(clientAck, 0, clientAckLength, flow, false);
    }
}
