package org.handoff.bench;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.handoff.protocol.message.DecodeResult;
import org.handoff.protocol.message.FlowIdentity;
import org.handoff.protocol.message.ForwardEncoder;
import org.handoff.protocol.message.Handoff;
import org.handoff.protocol.message.HandoffAck;
import org.handoff.protocol.message.HandoffKeys;
import org.handoff.protocol.message.MessageDecoder;
import org.handoff.protocol.message.MessageEncoder;
import org.handoff.protocol.message.MessageIdGenerator;
import org.handoff.protocol.message.MessageSealer;
import org.handoff.protocol.message.NegotiatedOptions;
import org.handoff.protocol.seq.SeqNumber;
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
 * The hand-off messages' codec, sealed and verified with HMAC-SHA256 (docs/handoff-protocol.md):
 *
 * <ul>
 *   <li>FORWARD, the director's per-packet message cost: fill one with {@code packets} client
 *       ACKs (66 bytes each) and seal it; and the agent's side, decode and verify it. Divide by
 *       {@code packets} for the cost per forwarded packet: batching amortises the MAC's fixed
 *       cost.
 *   <li>HANDOFF, once per connection: the director encodes and seals one carrying the
 *       connection's state and a request of {@code requestBytes}; the agent decodes and verifies
 *       it.
 *   <li>HANDOFF_ACK, the agent's answer: encoded and sealed by the agent, decoded and verified
 *       by the director.
 * </ul>
 * Decoding here has no replay guard (the same datagram is decoded again and again); the
 * guard's lookup is in {@code DirectorWorkerBenchmark}.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar MessageCodecBenchmark -prof gc}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
// A fixed heap, touched before the first iteration: a growing heap's first-touch page faults
// were timed otherwise (connection benchmarks 30x slower until the heap stopped growing).
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class MessageCodecBenchmark {
    private static final HandoffKeys KEYS = HandoffKeys.of(1, 1L, new byte[32]);
    private static final FlowIdentity FLOW = FlowIdentity.ipv4(0xc6120002, 40000, 0xc6120101, 80);

    static MessageSealer sealer(int bootId) {
        return new MessageSealer(() -> KEYS, MessageIdGenerator.withBootId(bootId), () -> 1_800_000_000_000L);
    }

    static MessageDecoder decoder() {
        return new MessageDecoder(() -> KEYS, null, () -> 1_800_000_000_000L);
    }

    @State(Scope.Thread)
    public static class ForwardState {
        @Param({"1", "8", "32"})
        public int packets;

        final byte[] ack = new byte[66];
        final byte[] datagram = new byte[65_536];
        int sealedLength;
        ForwardEncoder encoder;
        MessageDecoder decoder;

        @Setup
        public void setUp() {
            encoder = new ForwardEncoder(sealer(1));
            decoder = decoder();
            sealedLength = encode();
            if (decoder.decode(datagram, 0, sealedLength) != DecodeResult.ACCEPTED) {
                throw new IllegalStateException("FORWARD does not decode: " + decoder.describe());
            }
        }

        int encode() {
            encoder.begin(datagram, 0, FLOW);
            for (int i = 0; i < packets; i++) {
                encoder.append(ack, 0, ack.length);
            }
            return encoder.seal();
        }
    }

    @State(Scope.Thread)
    public static class HandoffState {
        /** A bare GET is ~80 bytes; a browser's with cookies ~1 KB. */
        @Param({"100", "1000"})
        public int requestBytes;

        final byte[] datagram = new byte[65_536];
        int sealedLength;
        Handoff handoff;
        MessageEncoder encoder;
        MessageDecoder decoder;

        @Setup
        public void setUp() throws Exception {
            byte[] request = new byte[requestBytes];
            byte[] head = "GET /static/logo.png HTTP/1.1\r\nHost: lab\r\nCookie: ".getBytes(StandardCharsets.US_ASCII);
            Arrays.fill(request, (byte) 'a');
            System.arraycopy(head, 0, request, 0, Math.min(head.length, requestBytes));
            request[requestBytes - 4] = '\r';
            request[requestBytes - 3] = '\n';
            request[requestBytes - 2] = '\r';
            request[requestBytes - 1] = '\n';
            handoff = new Handoff(FLOW, InetAddress.getByName("198.18.0.11"), 80, 1, SeqNumber.of(0x12345678),
                    SeqNumber.of(0x9abcdef0), SeqNumber.of(0x12345679 + requestBytes), SeqNumber.of(0x9abcdef1), 502,
                    new NegotiatedOptions(1460, 7, 7, true, true, 12345, 67890), 0x0123_4567_89ab_cdefL, request);
            encoder = new MessageEncoder(sealer(1));
            decoder = decoder();
            sealedLength = encoder.encode(handoff, datagram, 0);
            if (decoder.decode(datagram, 0, sealedLength) != DecodeResult.ACCEPTED) {
                throw new IllegalStateException("HANDOFF does not decode: " + decoder.describe());
            }
        }
    }

    @State(Scope.Thread)
    public static class AckState {
        final byte[] datagram = new byte[512];
        final HandoffAck ack = HandoffAck.of(FLOW, 0x0000000100000001L);
        int sealedLength;
        MessageEncoder encoder;
        MessageDecoder decoder;

        @Setup
        public void setUp() {
            encoder = new MessageEncoder(sealer(2));
            decoder = decoder();
            sealedLength = encoder.encode(ack, datagram, 0);
            if (decoder.decode(datagram, 0, sealedLength) != DecodeResult.ACCEPTED) {
                throw new IllegalStateException("HANDOFF_ACK does not decode: " + decoder.describe());
            }
        }
    }

    @Benchmark
    public int encodeForward(ForwardState s) {
        return s.encode();
    }

    @Benchmark
    public DecodeResult decodeForward(ForwardState s) {
        return s.decoder.decode(s.datagram, 0, s.sealedLength);
    }

    /** The director's HANDOFF into a reused buffer (the coordinator itself keeps an exactly sized copy). */
    @Benchmark
    public int encodeHandoff(HandoffState s) {
        return s.encoder.encode(s.handoff, s.datagram, 0);
    }

    @Benchmark
    public DecodeResult decodeHandoff(HandoffState s) {
        return s.decoder.decode(s.datagram, 0, s.sealedLength);
    }

    @Benchmark
    public int encodeHandoffAck(AckState s) {
        return s.encoder.encode(s.ack, s.datagram, 0);
    }

    @Benchmark
    public DecodeResult decodeHandoffAck(AckState s) {
        return s.decoder.decode(s.datagram, 0, s.sealedLength);
    }
}
