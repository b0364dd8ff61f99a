package org.handoff.protocol.message;

import java.util.Arrays;

/**
 * Replay protection for one receiver: a time window on the sender timestamp, plus the set of
 * message ids accepted inside it.
 *
 * <h2>Window</h2>
 * A message is in the window when {@code |now - timestamp| <= window + clockSkew} (the
 * <em>tolerance</em>). {@code window} bounds how long a sender may keep retransmitting the same
 * bytes; {@code clockSkew} is the clock difference tolerated between hosts.
 *
 * <h2>Remembered ids</h2>
 * Ids are kept in four open-addressing tables of longs, one per <em>time slice</em> of the
 * sender timestamp ({@code slice = floor(timestamp / tolerance)}, table {@code slice mod 4}).
 * A retransmission carries the original bytes and so the original timestamp: a duplicate always
 * lands in the slice of the original, and one table lookup decides. Accepted timestamps lie in
 * {@code [now - tolerance, now + tolerance]}, which touches at most three consecutive slices, so
 * a table whose slice is four or more behind can no longer receive a valid duplicate and is
 * cleared when its index comes round again. Memory is fixed at construction:
 * {@code 4 * nextPowerOfTwo(2 * capacityPerSlice) * 8} bytes; nothing is allocated per message.
 *
 * <h2>Capacity</h2>
 * When a slice already holds {@code capacityPerSlice} ids, a new id in that slice is refused
 * ({@link ReplayVerdict#CAPACITY_EXHAUSTED}): the guard fails closed, since forgetting ids would
 * let replays through. Senders retransmit, and the next slice starts empty. Size it as
 * {@code peak messages per second * tolerance in seconds} with headroom, and count refusals.
 *
 * <h2>Clock steps</h2>
 * If the receiver's clock steps back by more than a slice, a table may already hold a newer slice
 * than the message's; the message is then reported STALE, the conservative answer.
 *
 * <p>Not thread-safe: one guard per receiving thread (flows are sharded to threads, and a sender's
 * retransmissions of one flow reach the same thread).
 */
public final class ReplayGuard {
    private static final int SLICES = 4;
    private static final long EMPTY = 0;

    private final long windowMillis;
    private final long clockSkewMillis;
    private final long toleranceMillis;
    private final int capacityPerSlice;
    private final long[][] tables;
    private final long[] sliceOfTable = new long[SLICES];
    private final int[] sizes = new int[SLICES];
    /** 0 is the empty marker in the tables, so id 0 (never generated, but authentic if sent) gets a flag. */
    private final boolean[] holdsZero = new boolean[SLICES];
    private final int mask;

    public ReplayGuard(long windowMillis, long clockSkewMillis, int capacityPerSlice) {
        if (windowMillis < 1) {
            throw new IllegalArgumentException("replay window " + windowMillis + " ms (expected: 1+)");
        }
        if (clockSkewMillis < 0) {
            throw new IllegalArgumentException("clock skew " + clockSkewMillis + " ms (expected: 0+)");
        }
        if (capacityPerSlice < 1 || capacityPerSlice > (1 << 24)) {
            throw new IllegalArgumentException("replay capacity " + capacityPerSlice + " ids per slice (expected: 1.." + (1 << 24) + ")");
        }
        this.windowMillis = windowMillis;
        this.clockSkewMillis = clockSkewMillis;
        this.toleranceMillis = Math.addExact(windowMillis, clockSkewMillis);
        this.capacityPerSlice = capacityPerSlice;
        // Load factor at most 1/2 keeps linear probes short.
        int tableLength = Integer.highestOneBit(capacityPerSlice * 2 - 1) << 1;
        this.mask = tableLength - 1;
        this.tables = new long[SLICES][tableLength];
        Arrays.fill(sliceOfTable, Long.MIN_VALUE);
    }

    public long windowMillis() {
        return windowMillis;
    }

    public long clockSkewMillis() {
        return clockSkewMillis;
    }

    /** window + clock skew: the largest accepted |now - timestamp|. */
    public long toleranceMillis() {
        return toleranceMillis;
    }

    public int capacityPerSlice() {
        return capacityPerSlice;
    }

    /** Whether the sender timestamp is within the tolerance of now (no overflow for any timestamp). */
    public boolean inWindow(long timestampMillis, long nowMillis) {
        return timestampMillis >= nowMillis - toleranceMillis && timestampMillis <= nowMillis + toleranceMillis;
    }

    /**
     * Checks the window, then remembers the id. Call only for authentic, well-formed messages, so
     * that forged or broken datagrams never occupy the tables.
     */
    public ReplayVerdict admit(long messageId, long timestampMillis, long nowMillis) {
        if (!inWindow(timestampMillis, nowMillis)) {
            return ReplayVerdict.STALE;
        }
        long slice = Math.floorDiv(timestampMillis, toleranceMillis);
        int t = (int) Math.floorMod(slice, (long) SLICES);
        if (sliceOfTable[t] != slice) {
            if (sliceOfTable[t] > slice) {
                return ReplayVerdict.STALE;
            }
            Arrays.fill(tables[t], EMPTY);
            sizes[t] = 0;
            holdsZero[t] = false;
            sliceOfTable[t] = slice;
        }
        if (messageId == EMPTY) {
            if (holdsZero[t]) {
                return ReplayVerdict.DUPLICATE;
            }
            if (sizes[t] >= capacityPerSlice) {
                return ReplayVerdict.CAPACITY_EXHAUSTED;
            }
            holdsZero[t] = true;
            sizes[t]++;
            return ReplayVerdict.FRESH;
        }
        long[] table = tables[t];
        int i = (int) mix(messageId) & mask;
        while (true) {
            long v = table[i];
            if (v == messageId) {
                return ReplayVerdict.DUPLICATE;
            }
            if (v == EMPTY) {
                if (sizes[t] >= capacityPerSlice) {
                    return ReplayVerdict.CAPACITY_EXHAUSTED;
                }
                table[i] = messageId;
                sizes[t]++;
                return ReplayVerdict.FRESH;
            }
            i = (i + 1) & mask;
        }
    }

    /** Ids remembered for the slice holding this timestamp (0 if that slice's table was reused); for tests and metrics. */
    public int remembered(long timestampMillis) {
        long slice = Math.floorDiv(timestampMillis, toleranceMillis);
        int t = (int) Math.floorMod(slice, (long) SLICES);
        return sliceOfTable[t] == slice ? sizes[t] : 0;
    }

    /** Spreads sequential counters over the table (the finaliser of MurmurHash3's 64-bit mix). */
    private static long mix(long x) {
        x ^= x >>> 33;
        x *= 0xff51afd7ed558ccdL;
        x ^= x >>> 33;
        x *= 0xc4ceb9fe1a85ec53L;
        x ^= x >>> 33;
        return x;
    }
}
