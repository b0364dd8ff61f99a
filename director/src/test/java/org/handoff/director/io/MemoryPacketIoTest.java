package org.handoff.director.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.handoff.protocol.testing.PacketBuilder;
import org.handoff.protocol.wire.EthernetFrame;
import org.handoff.protocol.wire.TcpSegment;
import org.junit.jupiter.api.Test;

class MemoryPacketIoTest {
    private final List<MemoryPacketIo.Packet> got = new ArrayList<>();
    private final PacketHandler collect = (b, off, len, ts) -> got.add(new MemoryPacketIo.Packet(Arrays.copyOfRange(b, off, off + len), ts));

    @Test
    void sourceDeliversInOrderInBatchesWithTimestampsThenEnds() {
        MemoryPacketIo.Source src = new MemoryPacketIo.Source();
        PacketBuilder syn = PacketBuilder.tcp().to("198.18.1.1", 80).flags(TcpSegment.SYN);
        for (int i = 0; i < 5; i++) {
            src.add(syn.from("198.18.0.1", 40000 + i).id(i + 1).build(), 1_000L * i);
        }
        src.finish();
        assertEquals(2, src.poll(collect, 2, 0));
        assertEquals(2, src.poll(collect, 2, 0));
        assertEquals(1, src.poll(collect, 2, 0));
        assertEquals(PacketSource.END_OF_INPUT, src.poll(collect, 2, 0));
        assertEquals(5, got.size());
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(syn.from("198.18.0.1", 40000 + i).id(i + 1).build(), got.get(i).bytes());
            assertEquals(1_000L * i, got.get(i).timestampNanos());
        }
        assertEquals(5, src.delivered());
    }

    @Test
    void sourceKeepsACopyOfWhatWasAdded() {
        MemoryPacketIo.Source src = new MemoryPacketIo.Source();
        byte[] p = PacketBuilder.tcp().from("198.18.0.1", 40000).to("198.18.1.1", 80).flags(TcpSegment.SYN).id(1).build();
        byte[] expected = p.clone();
        src.add(p, 7);
        p[0] = 0;
        src.poll(collect, 10, 0);
        assertArrayEquals(expected, got.get(0).bytes());
    }

    @Test
    void emptySourceWaitsAtMostTheGivenTimeAndReturnsZero() {
        MemoryPacketIo.Source src = new MemoryPacketIo.Source();
        long t0 = System.nanoTime();
        assertEquals(0, src.poll(collect, 10, TimeUnit.MILLISECONDS.toNanos(50)));
        long waited = System.nanoTime() - t0;
        assertTrue(waited >= TimeUnit.MILLISECONDS.toNanos(45), "waited " + waited + " ns (expected: ~50 ms)");
        assertTrue(waited < TimeUnit.SECONDS.toNanos(2), "waited " + waited + " ns");
    }

    @Test
    void aPacketFromAnotherThreadWakesAWaitingPoll() throws Exception {
        MemoryPacketIo.Source src = new MemoryPacketIo.Source();
        Thread feeder = new Thread(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
            src.add(new byte[] {0x45}, 1);
        });
        feeder.start();
        long t0 = System.nanoTime();
        int n = src.poll(collect, 10, TimeUnit.SECONDS.toNanos(5));
        feeder.join(5000);
        assertEquals(1, n);
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(4));
    }

    @Test
    void addAfterFinishIsRefused() {
        MemoryPacketIo.Source src = new MemoryPacketIo.Source().finish();
        assertThrows(IllegalStateException.class, () -> src.add(new byte[20], 0));
    }

    @Test
    void sinkRecordsCopiesStampedByItsClockAndCountsFailures() throws Exception {
        ManualClock clock = new ManualClock(5_000);
        MemoryPacketIo.Sink sink = new MemoryPacketIo.Sink(clock);
        byte[] buf = new byte[100];
        byte[] p = PacketBuilder.tcp().from("198.18.1.1", 80).to("198.18.0.1", 40000).flags(TcpSegment.SYN).id(3).build();
        System.arraycopy(p, 0, buf, 10, p.length);
        assertTrue(sink.send(buf, 10, p.length));
        Arrays.fill(buf, (byte) 0);
        clock.advance(10);
        sink.failNext(1);
        assertFalse(sink.send(p, 0, p.length));
        assertTrue(sink.send(p, 0, p.length));
        sink.flush();
        assertTrue(sink.awaitSent(2, 1, TimeUnit.SECONDS));
        List<MemoryPacketIo.Packet> sent = sink.drain();
        assertEquals(2, sent.size());
        assertArrayEquals(p, sent.get(0).bytes());
        assertEquals(5_000, sent.get(0).timestampNanos());
        assertEquals(5_010, sent.get(1).timestampNanos());
        assertEquals(1, sink.failed());
        assertEquals(1, sink.flushes());
        assertTrue(sink.sent().isEmpty());
    }

    @Test
    void clocks() {
        ManualClock m = new ManualClock(1_500_000_123L);
        assertEquals(1_500, m.epochMillis());
        assertEquals(1_500_000_123L, m.epochNanos());
        CaptureClock c = new CaptureClock();
        c.advanceTo(2_000_000_000L);
        c.advanceTo(1_000_000_000L); // back: ignored, counted
        assertEquals(2_000_000_000L, c.nanos());
        assertEquals(2_000, c.epochMillis());
        assertEquals(1, c.stepsBack());
        SystemClock s = new SystemClock();
        long wall = System.currentTimeMillis();
        assertTrue(Math.abs(s.epochNanos() / 1_000_000L - wall) < 1_000, "SystemClock epochNanos near currentTimeMillis");
        assertTrue(Math.abs(s.epochMillis() - wall) < 1_000);
    }

    static final long HOST_MAC = LinkDecoder.parseMac("02:00:00:00:00:01");

    @Test
    void frameSourceDecodesEachFrameLikeALiveCaptureAndStampsItWithTheClock() {
        ManualClock clock = new ManualClock(7_000);
        MemoryPacketIo.FrameSource src = new MemoryPacketIo.FrameSource(new LinkDecoder(LinkDecoder.DLT_EN10MB, true, HOST_MAC),
                clock, 4, 1514);
        byte[] syn = PacketBuilder.tcp().from("198.18.0.1", 40000).to("198.18.1.1", 80).flags(TcpSegment.SYN).id(1).build();
        byte[] ack = PacketBuilder.tcp().from("198.18.0.1", 40001).to("198.18.1.1", 80).flags(TcpSegment.ACK).id(2).build();
        // A trailer after the IP packet.
        byte[] padded = PacketBuilder.ethernet(HOST_MAC, 2, EthernetFrame.ETHERTYPE_IPV4, ack, 14 + ack.length + 10);
        byte[] forOtherHost = PacketBuilder.ethernet(HOST_MAC + 1, 2, syn);
        assertTrue(src.offer(PacketBuilder.ethernet(HOST_MAC, 2, syn), 0, 14 + syn.length));
        assertTrue(src.offer(padded, 0, padded.length));
        assertTrue(src.offer(forOtherHost, 0, forOtherHost.length));
        assertEquals(3, src.queued());

        assertEquals(2, src.poll(collect, 2, Long.MAX_VALUE), "two frames read, no waiting");
        assertArrayEquals(syn, got.get(0).bytes());
        assertEquals(7_000, got.get(0).timestampNanos());
        assertArrayEquals(ack, got.get(1).bytes(), "cut to the IP total length");
        assertEquals(1, src.poll(collect, 10, 0), "a frame dropped by the decoder still counts as read");
        assertEquals(2, got.size());
        assertEquals(1, src.decoder().notForHost());
        assertEquals(2, src.delivered());
        assertEquals(0, src.poll(collect, 10, Long.MAX_VALUE), "an empty source returns at once");
    }

    @Test
    void frameSourceRefusesAndCountsWhatItCannotHoldThenEndsWhenClosed() {
        MemoryPacketIo.FrameSource src = new MemoryPacketIo.FrameSource(new LinkDecoder(LinkDecoder.DLT_RAW, false,
                LinkDecoder.ANY_MAC), new ManualClock(0), 2, 100);
        byte[] syn = PacketBuilder.tcp().from("198.18.0.1", 40000).to("198.18.1.1", 80).flags(TcpSegment.SYN).id(1).build();
        assertFalse(src.offer(new byte[101], 0, 101), "longer than the snaplen");
        assertTrue(src.offer(syn, 0, syn.length));
        assertTrue(src.offer(syn, 0, syn.length));
        assertFalse(src.offer(syn, 0, syn.length), "full");
        assertEquals(2, src.refused());
        byte[] copy = syn.clone();
        syn[0] = 0; // the source holds its own copy
        assertEquals(2, src.poll(collect, 10, 0));
        assertArrayEquals(copy, got.get(1).bytes());
        src.close();
        assertEquals(PacketSource.END_OF_INPUT, src.poll(collect, 10, 0));
    }

    @Test
    void lastPacketSinkKeepsTheLastPacketAndCounts() {
        MemoryPacketIo.LastPacketSink sink = new MemoryPacketIo.LastPacketSink();
        byte[] a = PacketBuilder.tcp().from("198.18.1.1", 80).to("198.18.0.1", 40000).flags(TcpSegment.SYN).id(3).build();
        byte[] b = PacketBuilder.tcp().from("198.18.1.1", 80).to("198.18.0.1", 40001).flags(TcpSegment.SYN).id(4).build();
        byte[] buf = new byte[200];
        System.arraycopy(a, 0, buf, 5, a.length);
        assertTrue(sink.send(buf, 5, a.length));
        assertTrue(sink.send(b, 0, b.length));
        sink.flush();
        assertArrayEquals(b, Arrays.copyOf(sink.last(), sink.lastLength()));
        assertEquals(2, sink.sent());
        assertEquals(1, sink.flushes());
    }
}
