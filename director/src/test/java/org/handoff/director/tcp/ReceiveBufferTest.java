package org.handoff.director.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReceiveBufferTest {
    @Test
    void reorderedDuplicatedOverlappingSegmentsAssembleExactly() {
        long seed = org.handoff.protocol.testing.Seeds.seed("ReceiveBufferTest");
        Random r = new Random(seed);
        for (int round = 0; round < 500; round++) {
            byte[] message = new byte[1 + r.nextInt(6000)];
            r.nextBytes(message);
            int first = r.nextInt(); // any ISN, wrap included
            List<int[]> segments = new ArrayList<>();
            for (int at = 0; at < message.length; ) {
                int len = 1 + r.nextInt(700);
                segments.add(new int[] {at, Math.min(len, message.length - at)});
                at += len;
            }
            List<int[]> sent = new ArrayList<>(segments);
            for (int k = 0; k < 3; k++) {
                // duplicates and overlapping retransmissions
                int[] s = segments.get(r.nextInt(segments.size()));
                int extra = r.nextInt(200);
                sent.add(new int[] {Math.max(0, s[0] - extra), Math.min(message.length - Math.max(0, s[0] - extra), s[1] + 2 * extra)});
            }
            ReceiveBuffer buf = new ReceiveBuffer(first, 8192);
            int grown = 0;
            // Deliver in random order until complete; the range list may refuse some, so keep retrying.
            for (int pass = 0; pass < 50 && buf.contiguous() < message.length; pass++) {
                Collections.shuffle(sent, r);
                for (int[] s : sent) {
                    grown += buf.accept(first + s[0], message, s[0], s[1]);
                    assertTrue(buf.rangeCount() <= ReceiveBuffer.MAX_RANGES);
                }
            }
            assertEquals(message.length, buf.contiguous(), "seed " + seed);
            assertEquals(message.length, grown, "seed " + seed);
            assertEquals(first + message.length, buf.nextSeq());
            assertArrayEquals(message, Arrays.copyOf(buf.array(), message.length), "seed " + seed);
            assertEquals(0, buf.rangeCount());
        }
    }

    @Test
    void rangesBecomeSackBlocksNewestFirst() {
        ReceiveBuffer buf = new ReceiveBuffer(1000, 10_000);
        byte[] b = new byte[100];
        assertEquals(0, buf.accept(1200, b, 0, 100));
        assertEquals(0, buf.accept(1400, b, 0, 100));
        assertEquals(2, buf.rangeCount());
        assertEquals(1400, buf.rangeStartSeq(0));
        assertEquals(1500, buf.rangeEndSeq(0));
        assertEquals(1200, buf.rangeStartSeq(1));
        assertEquals(0, buf.accept(1300, b, 0, 100), "fills the hole between the ranges");
        assertEquals(1, buf.rangeCount());
        assertEquals(1200, buf.rangeStartSeq(0));
        assertEquals(1500, buf.rangeEndSeq(0));
        assertEquals(500, buf.accept(1000, new byte[200], 0, 200), "prefix absorbs the merged range");
        assertEquals(0, buf.rangeCount());
        assertEquals(1500, buf.nextSeq());
    }

    @Test
    void boundedByCapacity() {
        ReceiveBuffer buf = new ReceiveBuffer(0, 1000);
        byte[] big = new byte[65_000];
        assertEquals(1000, buf.accept(0, big, 0, big.length), "a GRO frame is cut at the capacity");
        assertEquals(0, buf.room());
        assertEquals(0, buf.accept(1000, big, 0, 10));
        assertEquals(1000, buf.array().length);
    }
}
