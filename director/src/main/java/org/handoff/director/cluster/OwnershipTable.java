package org.handoff.director.cluster;

import java.util.Arrays;

/**
 * The replicated flow-ownership table: flow key (client address and port, VIP address and
 * port; IPv4) to {version, state, owner director id, agent address and port, flow token,
 * deadline}. Open addressing with linear probing over one {@code long[]}, six longs a slot,
 * so an entry is 48 bytes of one array and nothing else: no object per entry, no allocation per
 * update (growth excepted: doubling at load 0.7). Removal shifts the following run back, so
 * there are no deletion markers. Memory per entry: 48 bytes / load, 69 bytes at 0.7 just before
 * growing and 137 just after (docs/scale-out.md has the measured figure).
 *
 * <p>Updates follow one rule: an announcement applies only when its version is newer than the
 * entry's, so reordered OOB deliveries and replays of older state are harmless. ENDED leaves a
 * tombstone with the ENDED's version for {@link #TOMBSTONE_MILLIS}, so a late STARTED or
 * HANDED_OFF of the same flow does not bring it back.
 *
 * <p>Not thread-safe: {@link DirectorCluster} guards it with one lock.
 */
final class OwnershipTable {
    static final int STATE_TERMINATING = 1;
    static final int STATE_HANDED_OFF = 2;
    static final int STATE_ENDED = 3;
    /** How long an ENDED flow's tombstone outlives it: far longer than any reordering among live members. */
    static final long TOMBSTONE_MILLIS = 3_000;

    static final int APPLIED = 0;
    static final int STALE = 1;

    private static final int STRIDE = 6;
    private static final int K0 = 0;
    private static final int K1 = 1;
    private static final int VERSION = 2;
    private static final int TOKEN = 3;
    /** agent address (32) | agent port (16) | owner director id (16). */
    private static final int META = 4;
    /** state (top 8 bits) | deadline, epoch ms (low 56 bits; 0 = none). */
    private static final int AUX = 5;
    private static final long DEADLINE_MASK = (1L << 56) - 1;
    private static final double MAX_LOAD = 0.7;

    private long[] slots;
    private int mask;
    private int size;
    private int growAt;
    private final int[] countByState = new int[4];
    /** What the last applied announcement replaced (0: nothing), for the listener's view of an end. */
    private int previousState;
    private long previousMeta;
    private long previousToken;

    OwnershipTable(int expectedEntries) {
        int capacity = Integer.highestOneBit(Math.max(16, (int) (expectedEntries / MAX_LOAD)) * 2 - 1);
        allocate(capacity);
    }

    private void allocate(int capacity) {
        slots = new long[capacity * STRIDE];
        mask = capacity - 1;
        growAt = (int) (capacity * MAX_LOAD);
    }

    /** The key's first half: client address, VIP address. */
    static long k0(int clientAddress, int vipAddress) {
        return ((long) clientAddress << 32) | (vipAddress & 0xffff_ffffL);
    }

    /** The key's second half: family, client port, VIP port; never 0 (ports are 1..65535), which marks an empty slot. */
    static long k1(int clientPort, int vipPort) {
        return ((long) GossipFormat.FAMILY_IPV4 << 32) | ((long) (clientPort & 0xffff) << 16) | (vipPort & 0xffff);
    }

    static long meta(int agentAddress, int agentPort, int owner) {
        return ((long) agentAddress << 32) | ((long) (agentPort & 0xffff) << 16) | (owner & 0xffff);
    }

    int size() {
        return size;
    }

    /** Slots allocated: the memory is {@code capacity() * 48} bytes. */
    int capacity() {
        return mask + 1;
    }

    int count(int state) {
        return countByState[state];
    }

    /** The slot holding the key, or -1. */
    int find(long k0, long k1) {
        long[] s = slots;
        int m = s.length / STRIDE - 1; // from the array itself: a lock-free reader may see slots and mask of two sizes
        for (int i = index(k0, k1, m), n = 0; n <= m; i = (i + 1) & m, n++) {
            long key1 = s[i * STRIDE + K1];
            if (key1 == 0) {
                return -1;
            }
            if (key1 == k1 && s[i * STRIDE + K0] == k0) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Applies an announcement: STARTED makes the flow TERMINATING at {@code owner}, HANDED_OFF
     * records its agent and token, ENDED leaves a tombstone until {@code nowMillis + TOMBSTONE_MILLIS}.
     * Returns APPLIED, or STALE when the entry's version is the same or newer.
     */
    int apply(int kind, long k0, long k1, long version, int owner, int agentAddress, int agentPort, long token, long nowMillis) {
        int slot = find(k0, k1);
        if (slot >= 0 && slots[slot * STRIDE + VERSION] >= version) {
            return STALE;
        }
        if (slot < 0) {
            if (size + 1 > growAt) {
                grow();
            }
            slot = insertSlot(k0, k1);
            size++;
            previousState = 0;
            previousMeta = 0;
            previousToken = 0;
        } else {
            previousState = state(slot);
            previousMeta = slots[slot * STRIDE + META];
            previousToken = slots[slot * STRIDE + TOKEN];
            countByState[previousState]--;
        }
        int state = kind == GossipFormat.KIND_STARTED ? STATE_TERMINATING
                : kind == GossipFormat.KIND_HANDED_OFF ? STATE_HANDED_OFF : STATE_ENDED;
        int base = slot * STRIDE;
        slots[base + VERSION] = version;
        slots[base + TOKEN] = state == STATE_HANDED_OFF ? token : 0;
        slots[base + META] = state == STATE_HANDED_OFF ? meta(agentAddress, agentPort, owner) : meta(0, 0, owner);
        long deadline = state == STATE_ENDED ? nowMillis + TOMBSTONE_MILLIS : 0;
        slots[base + AUX] = ((long) state << 56) | (deadline & DEADLINE_MASK);
        countByState[state]++;
        return APPLIED;
    }

    private int insertSlot(long k0, long k1) {
        int i = index(k0, k1, mask);
        while (slots[i * STRIDE + K1] != 0) {
            i = (i + 1) & mask;
        }
        slots[i * STRIDE + K0] = k0;
        slots[i * STRIDE + K1] = k1;
        return i;
    }

    private void grow() {
        long[] old = slots;
        allocate((mask + 1) * 2);
        for (int b = 0; b < old.length; b += STRIDE) {
            if (old[b + K1] != 0) {
                int slot = insertSlot(old[b + K0], old[b + K1]);
                System.arraycopy(old, b + VERSION, slots, slot * STRIDE + VERSION, STRIDE - VERSION);
            }
        }
    }

    /** Removes the entry in {@code slot}; the run after it shifts back, so {@code slot} may now hold another entry. */
    void remove(int slot) {
        countByState[state(slot)]--;
        size--;
        int hole = slot;
        int i = slot;
        while (true) {
            i = (i + 1) & mask;
            int b = i * STRIDE;
            if (slots[b + K1] == 0) {
                break;
            }
            int home = index(slots[b + K0], slots[b + K1], mask);
            // The entry at i may fill the hole when its home is not in (hole, i] cyclically.
            boolean movable = hole <= i ? home <= hole || home > i : home <= hole && home > i;
            if (movable) {
                System.arraycopy(slots, b, slots, hole * STRIDE, STRIDE);
                hole = i;
            }
        }
        Arrays.fill(slots, hole * STRIDE, hole * STRIDE + STRIDE, 0L);
    }

    int previousState() {
        return previousState;
    }

    long previousMeta() {
        return previousMeta;
    }

    long previousToken() {
        return previousToken;
    }

    /** Whether {@code slot} holds an entry. */
    boolean occupied(int slot) {
        return slots[slot * STRIDE + K1] != 0;
    }

    long k0(int slot) {
        return slots[slot * STRIDE + K0];
    }

    long k1(int slot) {
        return slots[slot * STRIDE + K1];
    }

    long version(int slot) {
        return slots[slot * STRIDE + VERSION];
    }

    long token(int slot) {
        return slots[slot * STRIDE + TOKEN];
    }

    long meta(int slot) {
        return slots[slot * STRIDE + META];
    }

    int owner(int slot) {
        return (int) (slots[slot * STRIDE + META] & 0xffff);
    }

    int state(int slot) {
        return (int) (slots[slot * STRIDE + AUX] >>> 56);
    }

    /** Epoch ms when the entry goes (tombstones, orphans), or 0. */
    long deadline(int slot) {
        return slots[slot * STRIDE + AUX] & DEADLINE_MASK;
    }

    void deadline(int slot, long deadlineMillis) {
        int b = slot * STRIDE + AUX;
        slots[b] = (slots[b] & ~DEADLINE_MASK) | (deadlineMillis & DEADLINE_MASK);
    }

    /** A copy of the slots, for a state transfer streamed after the lock is released. */
    long[] copySlots() {
        return slots.clone();
    }

    /** The slot array's stride, for readers of {@link #copySlots()}. */
    static int stride() {
        return STRIDE;
    }

    static int stateOfCopy(long[] copy, int base) {
        return (int) (copy[base + AUX] >>> 56);
    }

    static long deadlineOfCopy(long[] copy, int base) {
        return copy[base + AUX] & DEADLINE_MASK;
    }

    /** Spreads the key over the table: the finaliser of MurmurHash3's 64-bit mix over both halves. */
    private static int index(long k0, long k1, int mask) {
        long x = k0 * 0x9E3779B97F4A7C15L ^ k1;
        x ^= x >>> 33;
        x *= 0xff51afd7ed558ccdL;
        x ^= x >>> 33;
        x *= 0xc4ceb9fe1a85ec53L;
        x ^= x >>> 33;
        return (int) x & mask;
    }
}
