package org.handoff.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PacketRingTest {
    private static final int CAPACITY = 1 << 17;

    @Test
    void recordsComeOutInOrderWithTheirMetadataAcrossTheWrap() {
        PacketRing ring = new PacketRing(CAPACITY);
        Random r = new Random(7);
        List<byte[]> sent = new ArrayList<>();
        List<byte[]> got = new ArrayList<>();
        for (int round = 0; round < 200; round++) {
            for (int i = 0; i < 5; i++) {
                byte[] p = new byte[1 + r.nextInt(9000)];
                r.nextBytes(p);
                if (ring.offer(p, 0, p.length, p.length, -p.length)) {
                    sent.add(p);
                }
            }
            ring.drain((b, off, len, m1, m2) -> {
                assertEquals(len, m1);
                assertEquals(-len, m2);
                got.add(Arrays.copyOfRange(b, off, off + len));
            }, 3);
        }
        ring.drain((b, off, len, m1, m2) -> got.add(Arrays.copyOfRange(b, off, off + len)), Integer.MAX_VALUE);
        assertEquals(sent.size(), got.size());
        for (int i = 0; i < sent.size(); i++) {
            assertArrayEquals(sent.get(i), got.get(i), "record " + i);
        }
        assertTrue(ring.isEmpty());
    }

    @Test
    void aFullRingRefusesAndAcceptsAgainOnceDrained() {
        PacketRing ring = new PacketRing(CAPACITY);
        byte[] p = new byte[65_535];
        assertTrue(ring.offer(p, 0, p.length, 0, 0));
        assertFalse(ring.offer(p, 0, p.length, 0, 0), "two 64 KB records and their headers exceed 128 KB");
        assertTrue(ring.offer(p, 0, 60_000, 0, 0));
        assertEquals(2, ring.drain((b, off, len, m1, m2) -> { }, 10));
        assertTrue(ring.offer(p, 0, p.length, 0, 0), "room again (after the skipped tail)");
        assertEquals(1, ring.drain((b, off, len, m1, m2) -> assertEquals(65_535, len), 10));
    }

    @Test
    void oneProducerThreadAndOneConsumerThread() throws Exception {
        PacketRing ring = new PacketRing(CAPACITY);
        int count = 200_000;
        long[] sum = new long[1];
        int[] seen = new int[1];
        Thread producer = new Thread(() -> {
            byte[] b = new byte[1500];
            for (int i = 0; i < count; i++) {
                int len = 40 + (i % 1400);
                b[0] = (byte) i;
                for (int tries = 0; !ring.offer(b, 0, len, i, len); tries++) {
                    Thread.onSpinWait();
                    if (tries > 50_000_000) {
                        throw new AssertionError("stuck");
                    }
                }
            }
        });
        producer.start();
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (seen[0] < count && System.nanoTime() < deadline) {
            ring.drain((b, off, len, m1, m2) -> {
                assertEquals(seen[0], m1, "in order");
                assertEquals(len, m2);
                assertEquals((byte) m1, b[off]);
                sum[0] += len;
                seen[0]++;
            }, 64);
        }
        producer.join(5_000);
        assertEquals(count, seen[0]);
    }
}
