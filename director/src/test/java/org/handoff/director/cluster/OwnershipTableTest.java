package org.handoff.director.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The table against a HashMap model: versions, tombstones, removal with back-shifting, growth. */
class OwnershipTableTest {
    static final long NOW = 1_700_000_000_000L;

    @Test
    void onlyNewerVersionsApplyWhateverTheOrder() {
        OwnershipTable t = new OwnershipTable(16);
        long k0 = OwnershipTable.k0(0xCB007101, 0xC6120101);
        long k1 = OwnershipTable.k1(40000, 80);
        assertEquals(OwnershipTable.APPLIED, t.apply(GossipFormat.KIND_HANDED_OFF, k0, k1, 20, 3, 0xC612000B, 7070, 9, NOW));
        assertEquals(OwnershipTable.STALE, t.apply(GossipFormat.KIND_STARTED, k0, k1, 10, 3, 0, 0, 0, NOW), "older");
        assertEquals(OwnershipTable.STALE, t.apply(GossipFormat.KIND_STARTED, k0, k1, 20, 3, 0, 0, 0, NOW), "the same version");
        int slot = t.find(k0, k1);
        assertEquals(OwnershipTable.STATE_HANDED_OFF, t.state(slot));
        assertEquals(9, t.token(slot));
        assertEquals(3, t.owner(slot));
        assertEquals(OwnershipTable.APPLIED, t.apply(GossipFormat.KIND_ENDED, k0, k1, 30, 3, 0, 0, 0, NOW));
        assertEquals(OwnershipTable.STATE_HANDED_OFF, t.previousState(), "the listener learns what ended");
        assertEquals(OwnershipTable.STATE_ENDED, t.state(t.find(k0, k1)));
        assertEquals(NOW + OwnershipTable.TOMBSTONE_MILLIS, t.deadline(t.find(k0, k1)));
        assertEquals(OwnershipTable.STALE, t.apply(GossipFormat.KIND_HANDED_OFF, k0, k1, 25, 3, 1, 1, 1, NOW),
                "the tombstone refuses what came before the end");
        assertEquals(1, t.count(OwnershipTable.STATE_ENDED));
        assertEquals(0, t.count(OwnershipTable.STATE_HANDED_OFF));
    }

    @Test
    void matchesAMapThroughInsertsRemovalsAndGrowth() {
        Random random = new Random(14);
        OwnershipTable t = new OwnershipTable(16);
        Map<Long, long[]> model = new HashMap<>();
        long version = 1;
        for (int step = 0; step < 200_000; step++) {
            // Few distinct client addresses and ports: long probe runs, many collisions and removals inside runs.
            int client = 0x0A000000 + random.nextInt(64);
            int port = 1 + random.nextInt(300);
            long k0 = OwnershipTable.k0(client, 0xC6120101);
            long k1 = OwnershipTable.k1(port, 80);
            long key = k0 * 31 + k1;
            int slot = t.find(k0, k1);
            if (random.nextInt(3) == 0 && slot >= 0) {
                t.remove(slot);
                model.remove(key);
            } else {
                int kind = 1 + random.nextInt(2);
                t.apply(kind, k0, k1, version, 7, kind == 2 ? client : 0, kind == 2 ? port : 0, kind == 2 ? version : 0, NOW);
                model.put(key, new long[] {k0, k1, version});
                version++;
            }
            if (step % 10_000 == 0) {
                check(t, model);
            }
        }
        check(t, model);
        assertTrue(t.capacity() >= 32, "it grew");
    }

    private static void check(OwnershipTable t, Map<Long, long[]> model) {
        assertEquals(model.size(), t.size());
        int occupied = 0;
        for (int s = 0; s < t.capacity(); s++) {
            occupied += t.occupied(s) ? 1 : 0;
        }
        assertEquals(model.size(), occupied);
        for (long[] e : model.values()) {
            int slot = t.find(e[0], e[1]);
            assertTrue(slot >= 0, "every entry is found after removals shifted its run");
            assertEquals(e[2], t.version(slot));
        }
        assertEquals(model.size(), t.count(OwnershipTable.STATE_TERMINATING) + t.count(OwnershipTable.STATE_HANDED_OFF));
    }
}
