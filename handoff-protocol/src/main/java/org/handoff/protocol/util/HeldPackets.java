package org.handoff.protocol.util;

import org.handoff.protocol.wire.Bytes;

/**
 * Client packets held per flow while its hand-off is in progress, released in the order they
 * came: the director holds a flow's packets from its HANDOFF until the agent's HANDOFF_ACK, the
 * agent from the HANDOFF until connection B is ready (docs/director.md, docs/agent.md). One store
 * per worker; a flow {@link #take() takes} a {@link Queue} when it first holds a packet and
 * {@link #giveBack gives it back} when its hand-off ends.
 *
 * <p>A queue keeps its packets back to back in one array, each behind a 2-byte length, bounded
 * per flow by a number of packets and a number of bytes (each packet costs its length plus
 * {@link #LENGTH_PREFIX}). The array starts at {@link #INITIAL_CAPACITY} bytes and doubles when a
 * packet does not fit, up to the byte bound; the caller may forbid growing (the director's
 * worker-wide memory budget). A queue given back keeps its first array and waits in the store
 * for the next flow, so after warm-up holding and releasing allocate nothing; only a flow that
 * holds more than the first array grows a larger one, which the garbage collector takes when the
 * queue is given back.
 *
 * <p>Not thread-safe: one store per worker, as the flow tables.
 */
public final class HeldPackets {
    /** What became of a packet offered to {@link Queue#hold}. */
    public enum Outcome {
        /** Copied into the queue. */
        HELD,
        /** The flow holds its bound of packets already. */
        TOO_MANY_PACKETS,
        /** The packet would take the flow's held bytes past their bound (or is longer than 65,535 bytes). */
        TOO_MANY_BYTES,
        /** The queue would have to reserve more memory and the caller said it may not. */
        NO_MEMORY
    }

    /** Each packet is stored behind its length, two bytes: an IP packet is at most 65,535 bytes. */
    public static final int LENGTH_PREFIX = 2;
    public static final int MAX_PACKET_LENGTH = 0xffff;
    /**
     * A queue's first array, in bytes: one page. It holds what a hand-off usually meets without
     * growing, the client ACKs that race the agent's answer (52 to 66 bytes each, tens of them)
     * or two full 1500-byte segments; half of it (the director's old 2048) held one segment only.
     */
    public static final int INITIAL_CAPACITY = 4096;
    /** Queues kept for the next flows: with their first arrays, 256 KiB per worker. */
    static final int MAX_IDLE_QUEUES = 64;

    private int maxPackets;
    private int maxBytes;
    private int firstCapacity;
    private final Queue[] idle = new Queue[MAX_IDLE_QUEUES];
    private int idleCount;
    private int inUse;
    private long reservedBytes;

    /**
     * @param maxPacketsPerFlow packets one flow may hold, 0 or more
     * @param maxBytesPerFlow   bytes one flow may hold, counting {@link #LENGTH_PREFIX} per packet, 0 or more
     */
    public HeldPackets(int maxPacketsPerFlow, int maxBytesPerFlow) {
        bound(maxPacketsPerFlow, maxBytesPerFlow);
    }

    /**
     * Changes the per-flow bounds (a configuration reload): they apply from the next packet
     * held on; a queue already past a lowered bound keeps what it holds and takes no more.
     */
    public void bound(int maxPacketsPerFlow, int maxBytesPerFlow) {
        if (maxPacketsPerFlow < 0) {
            throw new IllegalArgumentException("maxPacketsPerFlow=" + maxPacketsPerFlow + " (expected: 0+)");
        }
        if (maxBytesPerFlow < 0) {
            throw new IllegalArgumentException("maxBytesPerFlow=" + maxBytesPerFlow + " (expected: 0+)");
        }
        this.maxPackets = maxPacketsPerFlow;
        this.maxBytes = maxBytesPerFlow;
        this.firstCapacity = Math.min(INITIAL_CAPACITY, maxBytesPerFlow);
    }

    /** An empty queue for a flow: one kept from an earlier flow, or a new one. */
    public Queue take() {
        Queue q = null;
        while (q == null && idleCount > 0) {
            q = idle[--idleCount];
            idle[idleCount] = null;
            if (q.first.length != firstCapacity) {
                q = null; // its first array was sized for bounds a reload has changed
            }
        }
        if (q == null) {
            q = new Queue(new byte[firstCapacity]);
        }
        q.taken = true;
        inUse++;
        return q;
    }

    /**
     * Ends a queue's use: its packets are dropped (or were released), its memory is no longer
     * reserved, and it is kept for the next flow. The caller drops its reference; a release in
     * progress on it ends ({@link Queue#next()} is false).
     */
    public void giveBack(Queue q) {
        if (!q.taken) {
            throw new IllegalStateException("a queue given back twice");
        }
        if (q.data != null) {
            reservedBytes -= q.data.length;
        }
        q.clear();
        inUse--;
        if (idleCount < idle.length) {
            idle[idleCount++] = q;
        }
    }

    /** Bytes of the arrays that queues in use hold packets in (what a memory budget counts). */
    public long reservedBytes() {
        return reservedBytes;
    }

    /** Queues taken and not given back. */
    public int queuesInUse() {
        return inUse;
    }

    /** Queues waiting for the next flows. */
    public int idleQueues() {
        return idleCount;
    }

    /**
     * One flow's held packets: filled while its hand-off is in progress, then released once in
     * arrival order through {@link #next()}, then given back to the store.
     */
    public final class Queue {
        /** The first array, kept across flows. */
        private final byte[] first;
        /** Where the packets are: null until the first packet, then {@link #first} or a grown array. */
        private byte[] data;
        private int end;
        private int packets;
        private long bytes;
        private int readAt;
        private int current;
        private int currentLength;
        private boolean taken;

        private Queue(byte[] first) {
            this.first = first;
        }

        /**
         * Copies {@code b[off, off+len)} to the end of the queue, unless a bound or the budget
         * stops it. Allocates only to grow past the first array.
         *
         * @param mayGrow false when the queue may not reserve more memory than it has: a packet
         *                that does not fit is then {@link Outcome#NO_MEMORY}
         */
        public Outcome hold(byte[] b, int off, int len, boolean mayGrow) {
            if (!taken) {
                throw new IllegalStateException("hold on a queue given back");
            }
            if (packets >= maxPackets) {
                return Outcome.TOO_MANY_PACKETS;
            }
            if (len > MAX_PACKET_LENGTH) {
                return Outcome.TOO_MANY_BYTES;
            }
            int need = end + LENGTH_PREFIX + len;
            if (need > maxBytes) {
                return Outcome.TOO_MANY_BYTES;
            }
            if (data == null || data.length < need) {
                if (!mayGrow) {
                    return Outcome.NO_MEMORY;
                }
                grow(need);
            }
            Bytes.putU16(data, end, len);
            System.arraycopy(b, off, data, end + LENGTH_PREFIX, len);
            end = need;
            packets++;
            bytes += len;
            return Outcome.HELD;
        }

        private void grow(int need) {
            byte[] next;
            if (data == null && need <= first.length) {
                next = first;
            } else {
                int capacity = data == null ? first.length : data.length;
                next = new byte[(int) Math.min(maxBytes, Math.max(need, 2L * capacity))];
                if (data != null) {
                    System.arraycopy(data, 0, next, 0, end);
                }
            }
            reservedBytes += next.length - (data == null ? 0 : data.length);
            data = next;
        }

        /**
         * Moves to the next held packet, oldest first: {@link #buffer()}, {@link #offset()} and
         * {@link #length()} then describe it, until the next call on this queue or its store.
         * False when every packet has been released (or the queue was given back meanwhile).
         */
        public boolean next() {
            if (readAt >= end) {
                return false;
            }
            currentLength = Bytes.u16(data, readAt);
            current = readAt + LENGTH_PREFIX;
            readAt = current + currentLength;
            return true;
        }

        public byte[] buffer() {
            return data;
        }

        public int offset() {
            return current;
        }

        public int length() {
            return currentLength;
        }

        /** Packets held, released ones included. */
        public int packets() {
            return packets;
        }

        /** The held packets' bytes, without their length prefixes; released ones included. */
        public long bytes() {
            return bytes;
        }

        /** Bytes the queue's array reserves: 0 before its first packet. */
        public int capacity() {
            return data == null ? 0 : data.length;
        }

        private void clear() {
            data = null;
            end = 0;
            packets = 0;
            bytes = 0;
            readAt = 0;
            current = 0;
            currentLength = 0;
            taken = false;
        }
    }
}
