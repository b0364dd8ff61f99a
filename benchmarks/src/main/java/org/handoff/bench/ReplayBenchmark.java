package org.handoff.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.handoff.director.config.ConfigLoader;
import org.handoff.director.config.DirectorConfig;
import org.handoff.director.io.CaptureClock;
import org.handoff.director.io.PacketSource;
import org.handoff.director.io.PcapFileSource;
import org.handoff.director.replay.ReplayEngine;
import org.handoff.director.replay.ReplayOptions;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.PacketEmitter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Trace replay throughput on director logic, output off: the packets of an example capture,
 * repeated with a new client port per copy until {@value #PACKETS} packets (one flow after the other on the
 * capture clock), fed from memory to a fresh {@link ReplayEngine} per invocation (no --out, no
 * report). Reading the file (libpcap through pcap4j) is not measured. One operation = one packet.
 *
 * <p>Run from the repository root: {@code java -jar benchmarks/target/benchmarks.jar ReplayBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
// A fixed heap, touched before the first iteration: a growing heap's first-touch page faults
// were timed otherwise (connection benchmarks 30x slower until the heap stopped growing).
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class ReplayBenchmark {
    /** Packets per invocation (the last copy of the capture may be cut short). */
    static final int PACKETS = 100_000;

    @Param({"examples/traces/ipv4-sack-blocks.pcap", "examples/traces/ipv4-http-all-options.pcap"})
    public String capture;

    @Param("examples/traces/director.yaml")
    public String config;

    private DirectorConfig directorConfig;
    private byte[][] packets;
    private long[] times;

    @Setup
    public void setup() throws Exception {
        directorConfig = ConfigLoader.DIRECTOR.load(Path.of(config));
        List<byte[]> one = new ArrayList<>();
        List<Long> at = new ArrayList<>();
        try (PcapFileSource source = PcapFileSource.open(Path.of(capture), new CaptureClock())) {
            while (source.poll((b, off, len, ts) -> {
                one.add(java.util.Arrays.copyOfRange(b, off, off + len));
                at.add(ts);
            }, 256, 0) != PacketSource.END_OF_INPUT) {
                // read on
            }
        }
        long span = at.get(at.size() - 1) - at.get(0) + 1_000_000L;
        int client = Bytes.i32(one.get(0), 12);
        PacketEmitter emitter = new PacketEmitter();
        packets = new byte[PACKETS][];
        times = new long[PACKETS];
        for (int i = 0; i < PACKETS; i++) {
            int flow = i / one.size();
            int k = i % one.size();
            byte[] p = one.get(k).clone();
            int l4 = (p[0] & 0xf) * 4;
            int port = 1024 + flow % 60_000;
            Bytes.putU16(p, Bytes.i32(p, 12) == client ? l4 : l4 + 2, port);
            emitter.fillIpv4TcpChecksums(p, 0);
            packets[i] = p;
            times[i] = at.get(0) + flow * span + (at.get(k) - at.get(0));
        }
    }

    @Benchmark
    @OperationsPerInvocation(PACKETS)
    public long replay() {
        ReplayEngine engine = new ReplayEngine(directorConfig, ReplayOptions.DEFAULTS, null, new CaptureClock(), null);
        for (int i = 0; i < PACKETS; i++) {
            byte[] p = packets[i];
            engine.onPacket(p, 0, p.length, times[i]);
        }
        engine.finish();
        return engine.packets();
    }
}
