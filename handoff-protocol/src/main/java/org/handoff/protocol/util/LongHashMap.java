package org.handoff.protocol.util;

import java.util.function.Consumer;

/**
 * An open-addressing hash map from {@code long} keys to objects: no boxing and no entry
 * objects, so a lookup or update on the per-packet path allocates nothing. Linear probing with
 * backward-shift deletion (no tombstones, so lookups stay short after churn). Not thread-safe:
 * each worker owns its own map, which is the point of sharding flows by client endpoint.
 *
 * <p>Grows by doubling at half load; {@link #maxSize()} bounds it, and {@link #put} refuses a
 * new key beyond that bound so a flood cannot grow memory without limit.
 */
public final class LongHashMap<V> {
    private long[] keys;
    private Object[] values;
    private int mask;
    private int size;
    private final int maxSize;

    public LongHashMap(int initialCapacity, int maxSize) {
        if (maxSize < 1) {
            throw new IllegalArgumentException("maxSize=" + maxSize + " (expected: 1+)");
        }
        int cap = Integer.highestOneBit(Math.max(4, initialCapacity - 1)) << 1;
        keys = new long[cap];
        values = new Object[cap];
        mask = cap - 1;
        this.maxSize = maxSize;
    }

    public int size() {
        return size;
    }

    public int maxSize() {
        return maxSize;
    }

    /** A well-mixed slot for a key (the murmur3 64-bit finaliser). */
    private static long mix(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }

    @SuppressWarnings("unchecked")
    public V get(long key) {
        int i = (int) mix(key) & mask;
        while (true) {
            Object v = values[i];
            if (v == null) {
                return null;
            }
            if (keys[i] == key) {
                return (V) v;
            }
            i = (i + 1) & mask;
        }
    }

    /**
     * Maps {@code key} to {@code value} (not null). Returns false, changing nothing, when the
     * key is new and the map already holds {@link #maxSize()} entries.
     */
    public boolean put(long key, V value) {
        if (value == null) {
            throw new IllegalArgumentException("value null (expected: an object; use remove)");
        }
        int i = (int) mix(key) & mask;
        while (values[i] != null) {
            if (keys[i] == key) {
                values[i] = value;
                return true;
            }
            i = (i + 1) & mask;
        }
        if (size >= maxSize) {
            return false;
        }
        keys[i] = key;
        values[i] = value;
        if (++size > (mask + 1) / 2) {
            grow();
        }
        return true;
    }

    @SuppressWarnings("unchecked")
    public V remove(long key) {
        int i = (int) mix(key) & mask;
        while (true) {
            Object v = values[i];
            if (v == null) {
                return null;
            }
            if (keys[i] == key) {
                values[i] = null;
                size--;
                shiftBack(i);
                return (V) v;
            }
            i = (i + 1) & mask;
        }
    }

    /** Backward-shift deletion: moves later members of the probe run into the hole. */
    private void shiftBack(int hole) {
        int i = (hole + 1) & mask;
        while (values[i] != null) {
            int home = (int) mix(keys[i]) & mask;
            // Move the entry if its home is not in the cyclic range (hole, i].
            if (((i - home) & mask) >= ((i - hole) & mask)) {
                keys[hole] = keys[i];
                values[hole] = values[i];
                values[i] = null;
                hole = i;
            }
            i = (i + 1) & mask;
        }
    }

    private void grow() {
        long[] oldKeys = keys;
        Object[] oldValues = values;
        int cap = oldKeys.length * 2;
        keys = new long[cap];
        values = new Object[cap];
        mask = cap - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldValues[j] != null) {
                int i = (int) mix(oldKeys[j]) & mask;
                while (values[i] != null) {
                    i = (i + 1) & mask;
                }
                keys[i] = oldKeys[j];
                values[i] = oldValues[j];
            }
        }
    }

    /** Visits every value; the action must not modify the map. */
    @SuppressWarnings("unchecked")
    public void forEachValue(Consumer<? super V> action) {
        for (Object v : values) {
            if (v != null) {
                action.accept((V) v);
            }
        }
    }
}
