package org.handoff.director.io;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.handoff.protocol.testing.PacketBuilder;
import org.handoff.protocol.wire.TcpSegment;
import org.handoff.testkit.Netns;
import org.handoff.testkit.NetnsLab;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Measures the live back ends between two namespaces (docs/director-io.md quotes the figures):
 * raw-socket send and pcap injection alone, capture of a bounded flood, and the cost of a
 * poll on an empty ring. Bounded: {@code -Dhandoff.io.bench.packets=N} packets per phase
 * (default 100000, a few seconds in all). Only sanity is asserted; the machine is shared.
 * Results are printed and written to target/director-io-throughput.txt.
 *
 * <pre>
 * mvn -B -pl director -am -Pnetns verify -Dtest=IoThroughputNetnsTest \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dhandoff.io.bench.packets=1000000
 * </pre>
 */
@Tag("netns")
class IoThroughputNetnsTest {
    static final String CLIENT = "198.18.100.1";
    static final String DIRECTOR = "198.18.100.2";
    static final String VIP = "198.18.200.1";

    static String captureFlood(NetnsLab lab, Netns director, RawSocketSink raw, byte[] syn, int n, LivePcapSource.ReadMode mode, int batch,
                               String offloads) throws Exception {
        try (LivePcapSource src = lab.inNamespace(director, () -> LivePcapSource.open(new LivePcapSource.Config()
                .interfaceName("vd").vip(VipEndpoint.parse(VIP + ":80")).readMode(mode)))) {
            long sentBefore = raw.sent();
            AtomicLong sendNanos = new AtomicLong();
            Thread sender = new Thread(() -> {
                long a = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    raw.send(syn, 0, syn.length);
                }
                sendNanos.set(System.nanoTime() - a);
            }, "flood");
            long[] got = {0};
            long[] first = {0};
            long[] last = {0};
            PacketHandler count = (b, off, len, ts) -> {
                if (got[0]++ == 0) {
                    first[0] = System.nanoTime();
                }
                last[0] = System.nanoTime();
            };
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            long cpu0 = mx.getCurrentThreadCpuTime();
            sender.start();
            long idleSince = 0;
            for (long polls = 0; polls < 50_000_000L && got[0] < n; polls++) {
                int k = src.poll(count, batch, TimeUnit.MILLISECONDS.toNanos(10));
                if (k > 0 || sender.isAlive()) {
                    idleSince = 0;
                } else if (idleSince == 0) {
                    idleSince = System.nanoTime();
                } else if (System.nanoTime() - idleSince > TimeUnit.MILLISECONDS.toNanos(500)) {
                    break;
                }
            }
            long cpuNanos = mx.getCurrentThreadCpuTime() - cpu0;
            sender.join(60_000);
            src.updateStats();
            long sent = raw.sent() - sentBefore;
            double cs = (last[0] - first[0]) / 1e9;
            assertTrue(got[0] > 0, "captured something");
            return String.format("capture %-15s batch %3d offloads %-3s: %d of %d delivered in %.3f s = %.0f packets/s,"
                            + " reader CPU %.0f ns/packet; sender %.0f packets/s; kernel dropped %d (ring 32 MB)",
                    mode, batch, offloads, got[0], sent, cs, got[0] / Math.max(cs, 1e-9), cpuNanos / (double) got[0],
                    sent / (sendNanos.get() / 1e9), src.kernelDropped());
        }
    }

    static String drainPrefilled(NetnsLab lab, Netns director, RawSocketSink raw, byte[] syn, int k, LivePcapSource.ReadMode mode)
            throws Exception {
        try (LivePcapSource src = lab.inNamespace(director, () -> LivePcapSource.open(new LivePcapSource.Config()
                .interfaceName("vd").vip(VipEndpoint.parse(VIP + ":80")).readMode(mode)))) {
            long[] got = {0};
            PacketHandler count = (b, off, len, ts) -> got[0]++;
            // Warm-up: go round the whole ring once, so every page of it is mapped in this
            // process (the first touch of each page is a page fault that would dominate).
            for (int round = 0; round < 5; round++) {
                for (int i = 0; i < 5000; i++) {
                    raw.send(syn, 0, syn.length);
                }
                for (int polls = 0; polls < 100_000 && src.poll(count, 256, TimeUnit.MILLISECONDS.toNanos(50)) > 0; polls++) {
                    // drain
                }
            }
            got[0] = 0;
            for (int i = 0; i < k; i++) {
                raw.send(syn, 0, syn.length);
            }
            Thread.sleep(200);
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            long cpu0 = mx.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            for (int polls = 0; polls < 1_000_000 && got[0] < k; polls++) {
                if (src.poll(count, 256, 0) == 0) {
                    break;
                }
            }
            long wall = System.nanoTime() - t0;
            long cpu = mx.getCurrentThreadCpuTime() - cpu0;
            src.updateStats();
            return String.format("drain a pre-filled ring, %-15s: %d frames in %.1f ms = %.0f packets/s, %.0f ns CPU per packet"
                    + " (kernel dropped %d)", mode, got[0], wall / 1e6, got[0] / (wall / 1e9), cpu / (double) got[0], src.kernelDropped());
        }
    }

    @Test
    void measure() throws Exception {
        LiveIoNetnsTest.assumeUsable();
        int n = Integer.getInteger("handoff.io.bench.packets", 100_000);
        List<String> report = new ArrayList<>();
        try (NetnsLab lab = NetnsLab.create()) {
            Netns client = lab.namespace("c");
            Netns director = lab.namespace("d");
            lab.veth(client, "vc", CLIENT + "/24", director, "vd", DIRECTOR + "/24");
            lab.route(client, VIP + "/32", "via", DIRECTOR);
            byte[] syn = PacketBuilder.tcp().from(CLIENT, 40000).to(VIP, 80).flags(TcpSegment.SYN).id(1).build();
            long vdMac = lab.inNamespace(director, () -> NativeIo.hardwareAddress("vd"));

            try (RawSocketSink raw = lab.inNamespace(client, RawSocketSink::open);
                 PcapInjectSink inject = lab.inNamespace(client, () -> PcapInjectSink.open("vc", vdMac))) {
                raw.send(syn, 0, syn.length); // ARP
                Thread.sleep(100);

                // 1. raw socket, nobody capturing (the director's kernel drops the packets)
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    raw.send(syn, 0, syn.length);
                }
                double s = (System.nanoTime() - t0) / 1e9;
                report.add(String.format("raw-socket send alone: %d packets in %.3f s = %.0f packets/s (sent %d, EAGAIN %d, failed %d)",
                        n, s, n / s, raw.sent() - 1, raw.wouldBlock(), raw.failed()));

                // 2. pcap_sendpacket, nobody capturing
                t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    inject.send(syn, 0, syn.length);
                }
                s = (System.nanoTime() - t0) / 1e9;
                report.add(String.format("pcap inject alone:     %d packets in %.3f s = %.0f packets/s (failed %d)",
                        n, s, n / s, inject.failed()));

                // 3. capture of a flood sent by another thread through the raw socket
                boolean ethtool = NetnsLab.findExecutable("ethtool").isPresent();
                for (String offloads : ethtool ? new String[] {"on", "off"} : new String[] {"on"}) {
                    if (offloads.equals("off")) { // ring slots become MTU-sized instead of snaplen-sized
                        lab.exec(director, "ethtool", "-K", "vd", "tso", "off", "gso", "off", "gro", "off");
                    }
                    for (LivePcapSource.ReadMode mode : LivePcapSource.ReadMode.values()) {
                        for (int batch : new int[] {256, 16}) {
                            report.add(captureFlood(lab, director, raw, syn, n, mode, batch, offloads));
                        }
                    }
                }

                // 4. the read cost alone: fill the ring while nobody reads, then drain it
                if (ethtool) { // offloads are off by now: ~2 KB slots, 10000 frames fit in 32 MB
                    for (LivePcapSource.ReadMode mode : LivePcapSource.ReadMode.values()) {
                        report.add(drainPrefilled(lab, director, raw, syn, 10_000, mode));
                    }
                }

                // 5. the cost of a poll that finds the ring empty (no wait)
                for (LivePcapSource.ReadMode mode : LivePcapSource.ReadMode.values()) {
                try (LivePcapSource src = lab.inNamespace(director, () -> LivePcapSource.open(
                        new LivePcapSource.Config().interfaceName("vd").vip(VipEndpoint.parse(VIP + ":80")).readMode(mode)))) {
                    PacketHandler none = (b, off, len, ts) -> { };
                    for (int i = 0; i < 20_000; i++) {
                        src.poll(none, 64, 0);
                    }
                    int calls = 200_000;
                    t0 = System.nanoTime();
                    for (int i = 0; i < calls; i++) {
                        src.poll(none, 64, 0);
                    }
                    double ns = (System.nanoTime() - t0) / (double) calls;
                    report.add(String.format("empty poll, %s: %.0f ns per call", mode, ns));
                }
                }
            }
        }
        report.add(String.format("(%d packets per phase; load average at the end: %.2f on %d cores)", n,
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                Runtime.getRuntime().availableProcessors()));
        report.forEach(System.out::println);
        Path out = Path.of("target", "director-io-throughput.txt");
        Files.createDirectories(out.getParent());
        Files.write(out, report);
    }
}
