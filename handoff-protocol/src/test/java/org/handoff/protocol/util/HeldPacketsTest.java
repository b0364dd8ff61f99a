package org.handoff.protocol.util;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeldPacketsTest {
    /** A packet of {@code len} bytes that says which it is: every byte is {@code tag}. */
    private static byte[] packet(int len, int tag) {
        byte[] p = new byte[len];
        Arrays.fill(p, (byte) tag);
        return p;
    }

    private static List<byte[]> releaseAll(HeldPackets.Queue q) {
        List<byte[]> out = new ArrayList<>();
        while (q.next()) {
            out.add(Arrays.copyOfRange(q.buffer(), q.offset(), q.offset() + q.length()));
        }
        return out;
    }

    @Test
    void releasesInArrivalOrderAcrossGrowth() {
        HeldPackets store = new HeldPackets(100, 1 << 20);
        HeldPackets.Queue q = store.take();
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            byte[] p = packet(40 + i * 97, i); // 40..1883 bytes: the array grows twice on the way
            byte[] framed = new byte[p.length + 6];
            System.arraycopy(p, 0, framed, 3, p.length);
            assertEquals(HeldPackets.Outcome.HELD, q.hold(framed, 3, p.length, true));
            sent.add(p);
        }
        assertEquals(20, q.packets());
        List<byte[]> released = releaseAll(q);
        assertEquals(sent.size(), released.size());
        for (int i = 0; i < sent.size(); i++) {
            assertArrayEquals(sent.get(i), released.get(i), "packet " + i);
        }
        assertFalse(q.next(), "released once");
    }

    @Test
    void countsPacketsAndBytesAndTheMemoryReserved() {
        HeldPackets store = new HeldPackets(100, 1 << 20);
        HeldPackets.Queue q = store.take();
        assertEquals(0, store.reservedBytes(), "nothing reserved before the first packet");
        assertEquals(0, q.capacity());
        q.hold(packet(1000, 1), 0, 1000, true);
        q.hold(packet(66, 2), 0, 66, true);
        assertEquals(2, q.packets());
        assertEquals(1066, q.bytes(), "packet bytes, prefixes not counted");
        assertEquals(HeldPackets.INITIAL_CAPACITY, store.reservedBytes());
        q.hold(packet(3100, 3), 0, 3100, true); // 1002 + 68 + 3102 bytes: past the first array
        assertEquals(2 * HeldPackets.INITIAL_CAPACITY, q.capacity(), "doubled");
        assertEquals(2 * HeldPackets.INITIAL_CAPACITY, store.reservedBytes(), "the first array is no longer reserved");
        HeldPackets.Queue other = store.take();
        other.hold(packet(100, 4), 0, 100, true);
        assertEquals(3 * HeldPackets.INITIAL_CAPACITY, store.reservedBytes());
        assertEquals(2, store.queuesInUse());
        store.giveBack(q);
        store.giveBack(other);
        assertEquals(0, store.reservedBytes());
        assertEquals(0, store.queuesInUse());
    }

    @Test
    void boundedByPackets() {
        HeldPackets store = new HeldPackets(3, 1 << 20);
        HeldPackets.Queue q = store.take();
        for (int i = 0; i < 3; i++) {
            assertEquals(HeldPackets.Outcome.HELD, q.hold(packet(52, i), 0, 52, true));
        }
        assertEquals(HeldPackets.Outcome.TOO_MANY_PACKETS, q.hold(packet(52, 9), 0, 52, true));
        assertEquals(3, q.packets());
        assertEquals(3 * 52, q.bytes(), "a dropped packet is not counted");
        assertEquals(3, releaseAll(q).size());
    }

    @Test
    void boundedByBytesWithEachPacketCostingItsLengthPlusThePrefix() {
        HeldPackets store = new HeldPackets(1000, 300);
        HeldPackets.Queue q = store.take();
        int held = 0;
        int refused = 0;
        for (int i = 0; i < 10; i++) {
            HeldPackets.Outcome o = q.hold(packet(52, i), 0, 52, true);
            if (o == HeldPackets.Outcome.HELD) {
                held++;
            } else {
                assertEquals(HeldPackets.Outcome.TOO_MANY_BYTES, o);
                refused++;
            }
        }
        assertEquals(300 / (52 + HeldPackets.LENGTH_PREFIX), held);
        assertEquals(10 - held, refused);
        assertEquals(300, q.capacity(), "a bound below the first array's size caps it");
        assertEquals(HeldPackets.Outcome.HELD, q.hold(packet(300 - 5 * 54 - 2, 7), 0, 300 - 5 * 54 - 2, true),
                "exactly up to the bound");
        assertEquals(HeldPackets.Outcome.TOO_MANY_BYTES, q.hold(packet(0, 0), 0, 0, true), "a prefix alone no longer fits");
        assertEquals(HeldPackets.Outcome.TOO_MANY_BYTES, new HeldPackets(10, 1 << 20).take().hold(new byte[70_000], 0, 65_536, true),
                "longer than a length prefix can say");
        assertEquals(HeldPackets.Outcome.TOO_MANY_BYTES, new HeldPackets(10, 0).take().hold(new byte[1], 0, 1, true),
                "a zero byte bound holds nothing");
        assertEquals(HeldPackets.Outcome.TOO_MANY_PACKETS, new HeldPackets(0, 1 << 20).take().hold(new byte[1], 0, 1, true),
                "a zero packet bound holds nothing");
    }

    @Test
    void aCallerBudgetStopsGrowthButNotPacketsThatFit() {
        HeldPackets store = new HeldPackets(1000, 1 << 20);
        HeldPackets.Queue q = store.take();
        assertEquals(HeldPackets.Outcome.NO_MEMORY, q.hold(packet(60, 1), 0, 60, false), "the first array is a reservation too");
        assertEquals(0, store.reservedBytes());
        assertEquals(HeldPackets.Outcome.HELD, q.hold(packet(60, 1), 0, 60, true));
        assertEquals(HeldPackets.Outcome.HELD, q.hold(packet(60, 2), 0, 60, false), "fits in what is reserved");
        assertEquals(HeldPackets.Outcome.NO_MEMORY, q.hold(packet(4000, 3), 0, 4000, false));
        assertEquals(2, q.packets());
        assertEquals(HeldPackets.INITIAL_CAPACITY, store.reservedBytes());
    }

    @Test
    void aQueueGivenBackIsReusedWithItsFirstArray() {
        HeldPackets store = new HeldPackets(10, 1 << 20);
        HeldPackets.Queue q = store.take();
        q.hold(packet(100, 1), 0, 100, true);
        byte[] first = q.buffer();
        store.giveBack(q);
        assertEquals(1, store.idleQueues());
        HeldPackets.Queue again = store.take();
        assertSame(q, again);
        assertEquals(0, again.packets());
        assertEquals(0, again.bytes());
        assertFalse(again.next(), "nothing of the earlier flow is left");
        again.hold(packet(80, 2), 0, 80, true);
        assertSame(first, again.buffer(), "the same first array");
        assertArrayEquals(packet(80, 2), releaseAll(again).get(0));
        assertThrows(IllegalStateException.class, () -> {
            store.giveBack(again);
            store.giveBack(again);
        });
        assertThrows(IllegalStateException.class, () -> again.hold(packet(1, 1), 0, 1, true));
    }

    @Test
    void aQueueGivenBackDuringItsReleaseEndsTheRelease() {
        HeldPackets store = new HeldPackets(10, 1 << 20);
        HeldPackets.Queue q = store.take();
        for (int i = 0; i < 3; i++) {
            q.hold(packet(60, i), 0, 60, true);
        }
        assertTrue(q.next());
        store.giveBack(q); // as when the flow is freed by the packet being released
        assertFalse(q.next());
    }

    @Test
    void newBoundsApplyFromTheNextPacket() {
        HeldPackets store = new HeldPackets(10, 300);
        HeldPackets.Queue q = store.take();
        assertEquals(HeldPackets.Outcome.HELD, q.hold(packet(200, 1), 0, 200, true));
        store.bound(10, 150); // lowered below what the queue holds
        assertEquals(HeldPackets.Outcome.TOO_MANY_BYTES, q.hold(packet(10, 2), 0, 10, true));
        assertArrayEquals(packet(200, 1), releaseAll(q).get(0), "what it held stays");
        store.giveBack(q);
        store.bound(2, 1 << 20); // raised: the first array may be the full initial size again
        HeldPackets.Queue next = store.take();
        assertEquals(HeldPackets.Outcome.HELD, next.hold(packet(1000, 3), 0, 1000, true));
        assertEquals(HeldPackets.INITIAL_CAPACITY, next.capacity(), "a first array sized for the new bound");
        assertEquals(HeldPackets.Outcome.HELD, next.hold(packet(10, 4), 0, 10, true));
        assertEquals(HeldPackets.Outcome.TOO_MANY_PACKETS, next.hold(packet(10, 5), 0, 10, true));
    }

    @Test
    void idleQueuesAreBounded() {
        HeldPackets store = new HeldPackets(10, 1 << 20);
        List<HeldPackets.Queue> queues = new ArrayList<>();
        for (int i = 0; i < HeldPackets.MAX_IDLE_QUEUES + 10; i++) {
            queues.add(store.take());
        }
        queues.forEach(store::giveBack);
        assertEquals(HeldPackets.MAX_IDLE_QUEUES, store.idleQueues());
    }

    /**
     * After warm-up a flow's life in the store (take, hold a few packets, release them, give
     * back) allocates nothing: measured with the thread's allocation counter, like the
     * protocol's ForwardHotPathAllocationTest.
     */
    @Test
    void holdingAndReleasingAllocateNothingAfterWarmUp() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        HeldPackets store = new HeldPackets(64, 1 << 20);
        HeldPackets.Queue[] flows = new HeldPackets.Queue[8];
        byte[] ack = packet(66, 1);
        byte[] segment = packet(1500, 2);
        int rounds = 10_000;
        long sum = cycle(store, flows, ack, segment, 3 * rounds);
        long before = threads.getCurrentThreadAllocatedBytes();
        sum += cycle(store, flows, ack, segment, rounds);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(sum > 0);
        assertEquals(0, store.reservedBytes());
        assertTrue(allocated < 1024, "allocated " + allocated + " bytes over " + rounds + " rounds of 8 flows x 3 packets");
    }

    private static long cycle(HeldPackets store, HeldPackets.Queue[] flows, byte[] ack, byte[] segment, int rounds) {
        long sum = 0;
        for (int r = 0; r < rounds; r++) {
            for (int f = 0; f < flows.length; f++) {
                flows[f] = store.take();
                flows[f].hold(ack, 0, ack.length, true);
                flows[f].hold(segment, 0, segment.length, true);
                flows[f].hold(ack, 0, ack.length, true);
            }
            for (HeldPackets.Queue q : flows) {
                while (q.next()) {
                    sum += q.length() + q.buffer()[q.offset()];
                }
                store.giveBack(q);
            }
        }
        return sum;
    }
}
