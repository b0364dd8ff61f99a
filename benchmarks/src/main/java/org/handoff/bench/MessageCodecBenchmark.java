package org.handoff.bench;

import java.util.concurrent.TimeUnit;
import org.handoff.protocol.message.DecodeResult;
import org.handoff.protocol.message.FlowIdentity;
import org.handoff.protocol.message.ForwardEncoder;
import org.handoff.protocol.message.HandoffKeys;
import org.handoff.protocol.message.MessageDecoder;
import org.handoff.protocol.message.MessageIdGenerator;
import org.handoff.protocol.message.MessageSealer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * FORWARD datagrams, the director's per-packet message cost: fill one with {@code packets}
 * client ACKs (66 bytes each) and seal it with HMAC-SHA256; and the agent's side, decode and
 * verify it. Divide by {@code packets} for the cost per forwarded packet: batching amortises
 * the MAC's fixed cost.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar MessageCodecBenchmark -prof gc}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MessageCodecBenchmark {
    @Param({"1", "8", "32"})
    public int packets;

    private final byte[] ack = new byte[66];
    private final byte[] datagram = new byte[65_536];
    private int sealedLength;
    private ForwardEncoder encoder;
    private MessageDecoder decoder;
    private FlowIdentity flow;

    @Setup
    public void setUp() {
        HandoffKeys keys = HandoffKeys.of(1, 1L, new byte[32]);
        MessageSealer sealer = new MessageSealer(() -> keys, MessageIdGenerator.withBootId(1), () -> 1_800_000_000_000L);
        encoder = new ForwardEncoder(sealer);
        decoder = new MessageDecoder(() -> keys, null, () -> 1_800_000_000_000L);
        flow = FlowIdentity.ipv4(0xc6120002, 40000, 0xc6120101, 80);
        sealedLength = encodeForward();
    }

    @Benchmark
    public int encodeForward() {
        encoder.begin(datagram, 0, flow);
        for (int i = 0; i < packets; i++) {
            encoder.append(ack, 0, ack.length);
        }
        return encoder.seal();
    }

    @Benchmark
    public DecodeResult decodeForward() {
        return decoder.decode(datagram, 0, sealedLength);
    }
}
