package org.handoff.protocol.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.handoff.protocol.testing.Seeds;
import org.junit.jupiter.api.Test;

class LongHashMapTest {
    @Test
    void behavesLikeHashMapUnderRandomChurn() {
        long seed = Seeds.seed("LongHashMapTest");
        Random r = new Random(seed);
        LongHashMap<Long> map = new LongHashMap<>(4, 1 << 20);
        Map<Long, Long> reference = new HashMap<>();
        for (int op = 0; op < 300_000; op++) {
            long key = r.nextInt(5000) * 0x1_0000_0001L; // clustered keys stress probing
            switch (r.nextInt(3)) {
                case 0 -> {
                    assertTrue(map.put(key, (long) op));
                    reference.put(key, (long) op);
                }
                case 1 -> assertEquals(reference.remove(key), map.remove(key), "seed " + seed + " op " + op);
                default -> assertEquals(reference.get(key), map.get(key), "seed " + seed + " op " + op);
            }
            assertEquals(reference.size(), map.size());
        }
        for (Map.Entry<Long, Long> e : reference.entrySet()) {
            assertEquals(e.getValue(), map.get(e.getKey()));
        }
        int[] visited = {0};
        map.forEachValue(v -> visited[0]++);
        assertEquals(reference.size(), visited[0]);
    }

    @Test
    void refusesNewKeysAtTheBound() {
        LongHashMap<String> map = new LongHashMap<>(4, 3);
        assertTrue(map.put(1, "a"));
        assertTrue(map.put(2, "b"));
        assertTrue(map.put(3, "c"));
        assertFalse(map.put(4, "d"));
        assertNull(map.get(4));
        assertTrue(map.put(3, "c2"), "replacing an existing key is always allowed");
        assertEquals("c2", map.get(3));
        map.remove(1);
        assertTrue(map.put(4, "d"));
    }
}
