package org.handoff.director.cluster;

import java.util.concurrent.locks.ReentrantLock;

/**
 * Listener events, queued by JGroups' threads and the housekeeping thread, drained by the one
 * thread that calls {@link DirectorCluster#poll}. Events are six longs in a ring: no object per
 * event. Producers take a lock (they are never the packet path); the consumer reads a volatile
 * count first and takes the lock only when there is something to drain, and then only to copy
 * a batch out, so listener calls run unlocked. The ring doubles when full (a burst such as a
 * joiner's whole table): events are never dropped, since the director's kernel map follows them.
 */
final class EventQueue {
    static final int FLOW = 1;
    static final int SECRETS = 2;
    static final int MEMBERS = 3;
    static final int STRIDE = 6;
    /** A flow event's {@code what} for an end: this plus the cause's ordinal. */
    static final int ENDED_BASE = 3;

    private final ReentrantLock lock = new ReentrantLock();
    private long[] ring;
    private int head;
    private int count;
    private volatile int published;
    private int highWater;

    EventQueue(int initialEvents) {
        ring = new long[Integer.highestOneBit(Math.max(16, initialEvents) * 2 - 1) * STRIDE];
    }

    /**
     * Queues a flow event: {@code what} is OwnershipTable's state (TERMINATING, HANDED_OFF) or, for
     * an end, {@code ENDED_BASE + cause ordinal}.
     */
    /** The {@code what} of an end: its cause, and the state the flow was in (so the listener sees its last owner or agent). */
    static int ended(ClusterListener.EndCause cause, int lastState) {
        return (ENDED_BASE + cause.ordinal()) | (lastState << 8);
    }

    void flow(int what, long k0, long k1, long version, long meta, long token) {
        put(FLOW | (what << 8), k0, k1, version, meta, token);
    }

    void signal(int kind) {
        put(kind, 0, 0, 0, 0, 0);
    }

    private void put(long header, long k0, long k1, long version, long meta, long token) {
        lock.lock();
        try {
            int capacity = ring.length / STRIDE;
            if (count == capacity) {
                long[] bigger = new long[ring.length * 2];
                for (int i = 0; i < count; i++) {
                    System.arraycopy(ring, ((head + i) % capacity) * STRIDE, bigger, i * STRIDE, STRIDE);
                }
                ring = bigger;
                head = 0;
                capacity *= 2;
            }
            int b = ((head + count) % capacity) * STRIDE;
            ring[b] = header;
            ring[b + 1] = k0;
            ring[b + 2] = k1;
            ring[b + 3] = version;
            ring[b + 4] = meta;
            ring[b + 5] = token;
            count++;
            highWater = Math.max(highWater, count);
            published = count;
        } finally {
            lock.unlock();
        }
    }

    /** Events waiting; a volatile read, no lock. */
    int pending() {
        return published;
    }

    /** Moves up to {@code out.length / STRIDE} events into {@code out}; returns how many. */
    int drainTo(long[] out) {
        if (published == 0) {
            return 0;
        }
        lock.lock();
        try {
            int capacity = ring.length / STRIDE;
            int n = Math.min(count, out.length / STRIDE);
            for (int i = 0; i < n; i++) {
                System.arraycopy(ring, ((head + i) % capacity) * STRIDE, out, i * STRIDE, STRIDE);
            }
            head = (head + n) % capacity;
            count -= n;
            published = count;
            return n;
        } finally {
            lock.unlock();
        }
    }

    /** The most events ever waiting at once. */
    int highWater() {
        lock.lock();
        try {
            return highWater;
        } finally {
            lock.unlock();
        }
    }
}
