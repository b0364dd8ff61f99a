package org.handoff.agent.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.handoff.protocol.wire.Bytes;

/**
 * A bounded single-producer single-consumer queue of variable-length records in one byte
 * array: a reader thread copies each packet or datagram in, the worker processes it in place.
 * Nothing is allocated per record. A record is a 12-byte header (length, two ints of metadata:
 * the sender's address and port for datagrams) and its bytes; a record never wraps around the
 * end of the array (the producer skips the tail, marking it when there is room for a marker).
 *
 * <p>Positions are ever-growing longs; the producer publishes {@code tail} with release
 * semantics after writing a record, the consumer publishes {@code head} after processing one,
 * so neither ever sees the other's half-written bytes.
 */
final class PacketRing {
    /** What the consumer does with one record; the bytes are valid only during the call. */
    @FunctionalInterface
    interface Handler {
        void onRecord(byte[] buffer, int offset, int length, int meta1, int meta2);
    }

    static final int HEADER = 12;
    private static final int SKIP = -1;
    private static final VarHandle HEAD;
    private static final VarHandle TAIL;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            HEAD = l.findVarHandle(PacketRing.class, "head", long.class);
            TAIL = l.findVarHandle(PacketRing.class, "tail", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final byte[] buffer;
    private final int mask;
    @SuppressWarnings("unused") // through HEAD
    private volatile long head;
    @SuppressWarnings("unused") // through TAIL
    private volatile long tail;

    /** @param capacity bytes, a power of two, at least 64 KiB + header so any packet fits */
    PacketRing(int capacity) {
        if (Integer.bitCount(capacity) != 1 || capacity < (1 << 17)) {
            throw new IllegalArgumentException("capacity=" + capacity + " (expected: a power of two, 128 KiB+)");
        }
        this.buffer = new byte[capacity];
        this.mask = capacity - 1;
    }

    /** Producer: copies one record in; false (nothing written) when the ring is full. */
    boolean offer(byte[] src, int off, int len, int meta1, int meta2) {
        long t = (long) TAIL.getOpaque(this);
        long h = (long) HEAD.getAcquire(this);
        int capacity = buffer.length;
        int need = HEADER + len;
        int at = (int) (t & mask);
        int toEnd = capacity - at;
        long end = t;
        if (need > toEnd) {
            if (t + toEnd + need - h > capacity) {
                return false;
            }
            if (toEnd >= 4) {
                Bytes.putI32(buffer, at, SKIP);
            }
            end += toEnd;
            at = 0;
        } else if (t + need - h > capacity) {
            return false;
        }
        Bytes.putI32(buffer, at, len);
        Bytes.putI32(buffer, at + 4, meta1);
        Bytes.putI32(buffer, at + 8, meta2);
        System.arraycopy(src, off, buffer, at + HEADER, len);
        TAIL.setRelease(this, end + need);
        return true;
    }

    /** Consumer: hands up to {@code max} records to {@code handler}; returns how many. */
    int drain(Handler handler, int max) {
        long h = (long) HEAD.getOpaque(this);
        long t = (long) TAIL.getAcquire(this);
        int capacity = buffer.length;
        int n = 0;
        while (h < t && n < max) {
            int at = (int) (h & mask);
            int toEnd = capacity - at;
            if (toEnd < HEADER || Bytes.i32(buffer, at) == SKIP) {
                h += toEnd;
                continue;
            }
            int len = Bytes.i32(buffer, at);
            try {
                handler.onRecord(buffer, at + HEADER, len, Bytes.i32(buffer, at + 4), Bytes.i32(buffer, at + 8));
            } finally {
                h += HEADER + len;
                HEAD.setRelease(this, h);
            }
            n++;
        }
        HEAD.setRelease(this, h);
        return n;
    }

    boolean isEmpty() {
        return (long) HEAD.getAcquire(this) == (long) TAIL.getAcquire(this);
    }
}
