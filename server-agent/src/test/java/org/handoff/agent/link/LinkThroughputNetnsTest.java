package org.handoff.agent.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.handoff.agent.setup.AgentNetworkConfig;
import org.handoff.agent.setup.AgentNetworkSetup;
import org.handoff.protocol.checksum.InternetChecksum;
import org.handoff.protocol.testing.PacketBuilder;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.Ipv4Repr;
import org.handoff.protocol.wire.TcpSegment;
import org.handoff.testkit.NetnsLab;
import org.handoff.testkit.Netns;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Packets per second through the {@link TunLink} and the {@link RawSocketEgress} on this
 * machine, for docs/agent-link.md. Not a speed test (no thresholds; the machines are shared):
 * it prints a table and writes it to {@code target/link-throughput.txt}; the assertions only
 * check that the packets were all accounted for.
 *
 * <p>The local stack answers every injected packet inside the {@code write(2)} that injected
 * it, and the answer comes back out of the TUN, so one measurement covers both directions:
 * <ul>
 *   <li>small: a 52-byte TCP ACK (with timestamps) to a closed port on H; the stack answers
 *       with a 40-byte RST;</li>
 *   <li>large: a 1500-byte ICMP echo request to H; the stack answers with a 1500-byte echo
 *       reply (echo replies are not rate-limited).</li>
 * </ul>
 * Each size runs three ways: write only (answers pile up in the TUN's queue, made long enough),
 * read only (draining that queue), and a writer and a reader thread at once. Then the raw
 * socket sends VIP-sourced packets of both sizes to a client namespace that drops them at
 * prerouting.
 *
 * <p>Run: {@code mvn -B -pl testkit,server-agent -am -Pnetns verify -Dtest=LinkThroughputNetnsTest
 * -Dhandoff.linkbench.packets=200000} (default 20,000 per run).
 */
@Tag("netns")
class LinkThroughputNetnsTest {
    private static final String C = "198.18.0.2";
    private static final String H = "198.18.1.1";
    private static final String VIP = "198.18.2.1";
    private static final String TUN = "ho-tun0";
    private static final int PACKETS = Integer.getInteger("handoff.linkbench.packets", 20_000);
    private static final int WARMUP = 5_000;

    @BeforeAll
    static void needRoot() {
        Optional<String> unavailable = NetnsLab.unavailableReason("nft");
        assumeTrue(unavailable.isEmpty(), () -> "skipped: " + unavailable.orElse(""));
    }

    @Test
    void measure() throws Exception {
        List<String> report = new ArrayList<>();
        report.add(String.format(Locale.ROOT, "link throughput, %,d packets per run, %d cores, %s %s, JDK %s", PACKETS,
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"), System.getProperty("os.version"),
                System.getProperty("java.version")));
        try (NetnsLab lab = NetnsLab.create(Duration.ofSeconds(60))) {
            Netns client = lab.namespace("client");
            Netns origin = lab.namespace("origin");
            lab.veth(client, "eth0", origin, "eth0");
            lab.address(client, "eth0", C + "/24");
            lab.address(origin, "eth0", "198.18.0.3/24");
            assertTrue(lab.execWithInput(client, "table inet sink { chain pre { type filter hook prerouting priority raw;"
                    + " ip saddr " + VIP + " counter drop; }; }\n", "nft", "-f", "-").ok());
            AgentNetworkConfig config = AgentNetworkConfig.of(TUN, H, List.of(80), List.of(VIP))
                    .withStateFile(lab.workDir().resolve("setup.json"));
            AgentNetworkSetup setup = new AgentNetworkSetup(config, lab.runner(origin));
            setup.setup();
            // Long enough to hold every answer while nobody reads (write-only runs).
            lab.ip(origin, "link", "set", TUN, "txqueuelen", Integer.toString(PACKETS + WARMUP + 1024));

            TunLink link = lab.inNamespace(origin, () -> TunLink.open(TUN));
            RawSocketEgress egress = lab.inNamespace(origin, () -> RawSocketEgress.open(4 << 20));
            try {
                byte[] ack = tcpAck(Bytes.parseIpv4(C), Bytes.parseIpv4(H));
                byte[] echo = icmpEcho(Bytes.parseIpv4(C), Bytes.parseIpv4(H), 1500);
                for (byte[] p : List.of(ack, echo)) {
                    String what = p.length == ack.length ? "52 B TCP ACK -> 40 B RST" : "1500 B ICMP echo -> 1500 B reply";
                    // warm-up: JIT and first-touch of the queue
                    writeOnly(link, p, WARMUP);
                    assertEquals(WARMUP, readOnly(link, WARMUP));

                    long t0 = System.nanoTime();
                    writeOnly(link, p, PACKETS);
                    double writePps = PACKETS / seconds(System.nanoTime() - t0);
                    t0 = System.nanoTime();
                    int got = readOnly(link, PACKETS);
                    double readPps = got / seconds(System.nanoTime() - t0);
                    assertEquals(PACKETS, got, "every answer queued in the tun was read");
                    double[] both = concurrent(link, p, PACKETS);
                    report.add(String.format(Locale.ROOT,
                            "tun  %-32s inject only %,10.0f pkt/s | read only %,10.0f pkt/s | both threads: inject %,10.0f,"
                                    + " read %,10.0f pkt/s, %d lost", what, writePps, readPps, both[0], both[1], (long) both[2]));
                }
                for (int size : new int[] {52, 1500}) {
                    byte[] p = vipPacket(Bytes.parseIpv4(VIP), Bytes.parseIpv4(C), size);
                    for (int i = 0; i < WARMUP; i++) {
                        egress.send(p, 0, p.length);
                    }
                    long sent0 = egress.sent();
                    long failed0 = egress.failed();
                    long t0 = System.nanoTime();
                    for (int i = 0; i < PACKETS; i++) {
                        egress.send(p, 0, p.length);
                    }
                    double pps = PACKETS / seconds(System.nanoTime() - t0);
                    long sent = egress.sent() - sent0;
                    long failed = egress.failed() - failed0;
                    assertEquals(PACKETS, sent + failed);
                    report.add(String.format(Locale.ROOT, "raw  %-32s sendto      %,10.0f pkt/s | sent %d, dropped %d (last errno %d)",
                            size + " B VIP -> client", pps, sent, failed, egress.lastErrno()));
                }
            } finally {
                link.close();
                egress.close();
            }
            setup.teardown();
        }
        String text = String.join("\n", report) + "\n";
        System.out.print(text);
        Path out = Path.of("target", "link-throughput.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, text, StandardCharsets.UTF_8);
    }

    private static void writeOnly(TunLink link, byte[] p, int n) throws IOException {
        for (int i = 0; i < n; i++) {
            link.write(p, 0, p.length);
        }
    }

    /** Reads up to {@code n} packets; stops at the first 500 ms without one. */
    private static int readOnly(TunLink link, int n) throws IOException {
        byte[] buf = new byte[TunLink.MAX_PACKET];
        int got = 0;
        while (got < n && link.read(buf, 0, buf.length, TimeUnit.MILLISECONDS.toNanos(500)) > 0) {
            got++;
        }
        return got;
    }

    /** A writer and a reader thread at once; returns {inject pkt/s, read pkt/s, lost}. */
    private static double[] concurrent(TunLink link, byte[] p, int n) throws Exception {
        CompletableFuture<long[]> reader = CompletableFuture.supplyAsync(() -> {
            byte[] buf = new byte[TunLink.MAX_PACKET];
            long got = 0;
            long last = 0;
            try {
                while (got < n && link.read(buf, 0, buf.length, TimeUnit.MILLISECONDS.toNanos(500)) > 0) {
                    got++;
                    last = System.nanoTime();
                }
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
            return new long[] {got, last};
        });
        Thread.sleep(50); // the reader is waiting in ppoll
        long t0 = System.nanoTime();
        writeOnly(link, p, n);
        long t1 = System.nanoTime();
        long[] r = reader.get(60, TimeUnit.SECONDS);
        // Reading rate: packets over the time from the first write to the last packet read.
        return new double[] {n / seconds(t1 - t0), r[0] / seconds(Math.max(t1, r[1]) - t0), n - r[0]};
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static byte[] tcpAck(int src, int dst) {
        return PacketBuilder.tcp().from(src, 40_000).to(dst, 9) // nothing listens: the stack answers with a RST
                .seq(1).ack(1).flags(TcpSegment.ACK).window(1000).timestamps(1, 1).build();
    }

    private static byte[] icmpEcho(int src, int dst, int total) {
        byte[] b = new byte[total];
        new Ipv4Repr().set(src, dst, 1).emit(b, 0, total - 20);
        b[20] = 8; // echo request
        Bytes.putU16(b, 24, 0x4242);
        Bytes.putU16(b, 26, 1);
        for (int i = 28; i < total; i++) {
            b[i] = (byte) i;
        }
        Bytes.putU16(b, 22, InternetChecksum.compute(b, 20, total - 20));
        return b;
    }

    /** A VIP-sourced TCP segment of {@code total} bytes, checksums filled. */
    private static byte[] vipPacket(int vip, int client, int total) {
        PacketBuilder b = PacketBuilder.tcp().from(vip, 80).to(client, 40_000).seq(1).ack(1).flags(TcpSegment.ACK).window(1000)
                .timestamps(1, 1);
        byte[] p = b.payload(new byte[total - b.length()]).build();
        assertEquals(total, p.length);
        return p;
    }
}
