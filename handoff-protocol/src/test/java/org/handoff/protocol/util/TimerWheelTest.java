package org.handoff.protocol.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.handoff.protocol.testing.Seeds;
import org.junit.jupiter.api.Test;

class TimerWheelTest {
    static final class T extends TimerWheel.Node {
        final int id;
        long firedAt = -1;

        T(int id) {
            this.id = id;
        }
    }

    private static final long MS = 1_000_000L;

    @Test
    void firesEachTimerOnceNoEarlierThanItsDeadline() {
        long seed = Seeds.seed("TimerWheelTest");
        Random r = new Random(seed);
        TimerWheel wheel = new TimerWheel(10 * MS, 64, 0);
        List<T> timers = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            T t = new T(i);
            wheel.schedule(t, r.nextInt(5000) * MS); // up to 5 s: many turns of a 640 ms wheel
            timers.add(t);
        }
        // Cancel some, re-arm some.
        for (int i = 0; i < 500; i++) {
            wheel.cancel(timers.get(i));
        }
        for (int i = 500; i < 1000; i++) {
            wheel.schedule(timers.get(i), 6000 * MS);
        }
        assertEquals(4500, wheel.size());
        long now = 0;
        while (now <= 7000 * MS) {
            final long at = now;
            wheel.<T>advance(now, (t, n) -> {
                assertTrue(t.firedAt < 0, "fired twice: " + t.id);
                t.firedAt = at;
            });
            now += r.nextInt(37) * MS;
        }
        for (T t : timers) {
            if (t.id < 500) {
                assertEquals(-1, t.firedAt, "cancelled timer fired, seed " + seed);
            } else {
                assertTrue(t.firedAt >= t.deadlineNanos(), "early, seed " + seed);
                assertTrue(t.firedAt - t.deadlineNanos() < 50 * MS, "late, seed " + seed);
                assertFalse(t.isScheduled());
            }
        }
        assertEquals(0, wheel.size());
    }

    @Test
    void handlerMayRearmAndCancelOthers() {
        TimerWheel wheel = new TimerWheel(MS, 8, 0);
        T a = new T(1);
        T b = new T(2);
        T c = new T(3);
        wheel.schedule(a, 5 * MS);
        wheel.schedule(b, 5 * MS);
        wheel.schedule(c, 5 * MS);
        List<Integer> fired = new ArrayList<>();
        wheel.<T>advance(5 * MS, (t, now) -> {
            fired.add(t.id);
            if (t.id == 3) {
                wheel.cancel(b); // cancel a node later in the same slot
                wheel.schedule(t, now + 3 * MS); // re-arm itself
            }
        });
        // Newest first in a slot: c fires, cancels b and re-arms itself; a still fires.
        assertEquals(List.of(3, 1), fired);
        assertTrue(c.isScheduled());
        assertFalse(b.isScheduled());
        wheel.<T>advance(8 * MS, (t, now) -> fired.add(t.id));
        assertEquals(3, (int) fired.get(fired.size() - 1));
    }

    @Test
    void pastDeadlinesFireOnTheNextAdvance() {
        TimerWheel wheel = new TimerWheel(MS, 8, 100 * MS);
        T t = new T(1);
        wheel.schedule(t, 3 * MS);
        int[] n = {0};
        assertEquals(1, wheel.<T>advance(100 * MS, (x, now) -> n[0]++));
        assertEquals(1, n[0]);
        wheel.schedule(t, 50 * MS);
        wheel.cancel(t);
        assertEquals(0, wheel.size());
    }
}
