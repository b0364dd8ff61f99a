package org.handoff.director.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.handoff.protocol.wire.Bytes;
import org.jgroups.protocols.TP;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The numbers in docs/scale-out.md ("Measured"), not a test: nothing is asserted about speed.
 * Three directors in one JVM (ClusterFixture: TCP on 127.0.0.x, the production stack with
 * encryption and sealing); director 1 announces 2000 flows, one a millisecond, each flushed
 * alone (the worst case: one message per announcement), after as many for warm-up; directors 2
 * and 3 each poll on a thread of their own and note when each flow's event arrives. One JVM
 * shares one clock, so the delay is announce() to the listener's call on another director.
 * Then a batched round (10 announcements a flush), the wire bytes per announcement from
 * JGroups' transport counters, and the table's bytes per entry at 1 M entries.
 * Run: see docs/scale-out.md ("How to measure"); tagged "measurement", so unit runs leave it out.
 */
@Tag("measurement")
class GossipPropagationMeasurement {
    static final int N = 2000;
    static final int VIP = Bytes.parseIpv4("198.18.1.1");

    @Test
    void propagationDelayWireBytesAndEntrySize() throws Exception {
        Path dir = Files.createTempDirectory("gossip-measure");
        try (ClusterFixture fixture = new ClusterFixture(dir, 3)) {
            DirectorCluster a = fixture.start(0);
            DirectorCluster b = fixture.start(1);
            DirectorCluster c = fixture.start(2);
            ClusterFixture.await("three members", 10_000, () -> a.members().length == 3 && c.members().length == 3);
            GossipAnnouncer announcer = a.announcer();
            round(announcer, b, c, 0, 1, false);
            TP transport = a.channel().getProtocolStack().getTransport();
            transport.getMessageStats().enable(true);
            long bytesBefore = transport.getMessageStats().getNumBytesSent();
            long messagesBefore = transport.getMessageStats().getNumMsgsSent();
            long[][] delays = round(announcer, b, c, N, 1, true);
            long bytes = transport.getMessageStats().getNumBytesSent() - bytesBefore;
            long messages = transport.getMessageStats().getNumMsgsSent() - messagesBefore;
            report("one announcement a message", delays);
            System.out.printf("wire: %d bytes in %d transport messages from director 1 for %d announcements to 2 members:"
                    + " %.0f bytes per announcement (both copies, heartbeats included)%n", bytes, messages, N, (double) bytes / N);
            bytesBefore = transport.getMessageStats().getNumBytesSent();
            long[][] batched = round(announcer, b, c, 2 * N, 10, true);
            bytes = transport.getMessageStats().getNumBytesSent() - bytesBefore;
            report("10 announcements a message", batched);
            System.out.printf("wire, batched by 10: %.0f bytes per announcement (both copies)%n", (double) bytes / N);
        }
        OwnershipTable t = new OwnershipTable(16);
        for (int i = 0; i < 1_000_000; i++) {
            t.apply(GossipFormat.KIND_HANDED_OFF, OwnershipTable.k0(0x0A000000 + i / 50_000, VIP), OwnershipTable.k1(1 + i % 50_000, 80),
                    i + 1, 1, 1, 1, 1, 0);
        }
        System.out.printf("table: %d entries in %d slots x 48 bytes = %.1f bytes per entry (load %.2f)%n", t.size(), t.capacity(),
                48.0 * t.capacity() / t.size(), (double) t.size() / t.capacity());
    }

    /** Announces N flows from {@code first}, {@code perFlush} per message, one a millisecond; returns [receiver][i] delays in ns. */
    private static long[][] round(GossipAnnouncer announcer, DirectorCluster b, DirectorCluster c, int first, int perFlush, boolean keep)
            throws Exception {
        long[] sent = new long[N];
        long[][] seen = new long[2][N];
        AtomicBoolean done = new AtomicBoolean();
        Thread[] pollers = new Thread[2];
        DirectorCluster[] receivers = {b, c};
        for (int r = 0; r < 2; r++) {
            int rr = r;
            ClusterListener listener = new RecordingListener() {
                @Override
                public void onTerminating(FlowOwnership flow) {
                    int i = flow.clientPort() - 1 + (flow.clientAddress() & 0xff) * 50_000 - first;
                    if (i >= 0 && i < N) {
                        seen[rr][i] = System.nanoTime();
                    }
                }
            };
            pollers[r] = new Thread(() -> {
                while (!done.get()) {
                    if (receivers[rr].poll(listener, 256) == 0) {
                        LockSupport.parkNanos(20_000); // not a spin: 2 shared cores, and JGroups needs them
                    }
                }
            });
            pollers[r].start();
        }
        long next = System.nanoTime();
        for (int i = 0; i < N; i++) {
            int flow = first + i;
            sent[i] = System.nanoTime();
            announcer.started(0x0A000000 + flow / 50_000, 1 + flow % 50_000, VIP, 80);
            if ((i + 1) % perFlush == 0) {
                announcer.flush();
                next += 1_000_000L * perFlush;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
        }
        announcer.flush();
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline && (Arrays.stream(seen[0]).anyMatch(v -> v == 0)
                || Arrays.stream(seen[1]).anyMatch(v -> v == 0))) {
            Thread.sleep(10);
        }
        done.set(true);
        for (Thread p : pollers) {
            p.join();
        }
        long[][] delays = new long[2][N];
        for (int r = 0; r < 2; r++) {
            for (int i = 0; i < N; i++) {
                delays[r][i] = seen[r][i] == 0 ? Long.MAX_VALUE : seen[r][i] - sent[i];
            }
        }
        return delays;
    }

    private static void report(String what, long[][] delays) {
        for (int r = 0; r < delays.length; r++) {
            long[] d = delays[r].clone();
            Arrays.sort(d);
            long lost = Arrays.stream(d).filter(v -> v == Long.MAX_VALUE).count();
            System.out.printf("%s, director %d: n=%d p50=%d us p99=%d us max=%d us%s%n", what, r + 2, d.length, d[d.length / 2] / 1000,
                    d[(int) (d.length * 0.99)] / 1000, d[d.length - 1 - (int) lost] / 1000, lost > 0 ? " NOT SEEN: " + lost : "");
        }
    }
}
