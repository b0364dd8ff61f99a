package org.handoff.protocol.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class MessageIdGeneratorTest {

    @Test
    void bootIdHighCounterLowStartingAtOne() {
        MessageIdGenerator g = MessageIdGenerator.withBootId(0x1a2b3c4d);
        assertEquals(0x1a2b3c4d_00000001L, g.next());
        assertEquals(0x1a2b3c4d_00000002L, g.next());
    }

    @Test
    void bootIdIsNeverZero() {
        // A random source that yields 0 twice before a usable value.
        int[] draws = {0, 0, 5};
        int[] next = {0};
        MessageIdGenerator g = new MessageIdGenerator(new RandomGenerator() {
            @Override
            public long nextLong() {
                return nextInt();
            }

            @Override
            public int nextInt() {
                return draws[Math.min(next[0]++, draws.length - 1)];
            }
        });
        assertEquals(5, g.bootId());
        assertEquals(5L << 32 | 1, g.next());
        assertThrows(IllegalArgumentException.class, () -> MessageIdGenerator.withBootId(0));
    }

    @Test
    void counterWrapDrawsANewBootIdAndNeverYieldsZero() {
        MessageIdGenerator g = MessageIdGenerator.withBootId(-1);
        g.skipTo(0xffff_fffe);
        assertEquals(0xffffffff_ffffffffL, g.next());
        long afterWrap = g.next();
        assertNotEquals(-1, g.bootId());
        assertNotEquals(0, g.bootId());
        assertEquals(1, (int) afterWrap);
        assertEquals(g.bootId(), (int) (afterWrap >>> 32));
    }

    @Test
    void twoGeneratorsDoNotShareIds() {
        assertNotEquals(new MessageIdGenerator().next(), new MessageIdGenerator().next());
    }
}
