package org.handoff.director.tcp;

import org.handoff.protocol.seq.SeqNumber;

/**
 * The bytes a client has sent on connection A before its hand-off, indexed by sequence number
 * from the first data byte. Segments may arrive reordered, duplicated, overlapping or as one
 * 64 KB GRO frame: each is written at its own offset, and a short list of received ranges
 * above the in-order prefix both drives the prefix forward when a hole fills and supplies the
 * SACK blocks. Nothing is allocated per segment; the array grows by doubling up to a bound.
 */
final class ReceiveBuffer {
    static final int MAX_RANGES = 4;
    /** The first array a buffer takes: a request head and a little more. */
    static final int FIRST_ARRAY_BYTES = 2048;
    private static final byte[] EMPTY = new byte[0];

    private byte[] data;
    private final int capacity;
    private int base;
    private int contiguous;
    private final int[] rangeStart = new int[MAX_RANGES];
    private final int[] rangeEnd = new int[MAX_RANGES];
    private int rangeCount;

    ReceiveBuffer(int firstSeq, int capacity) {
        this.base = firstSeq;
        this.capacity = capacity;
        this.data = EMPTY; // memory comes with the first data byte, counted against the worker's budget
    }

    /**
     * Starts the buffer again at {@code firstSeq}, empty (a handed-off connection's next request
     * is assembled here while the director reads its head), into {@code array} when it has none:
     * an empty buffer's array given back by another flow; null: a new one when bytes come.
     */
    void restart(int firstSeq, byte[] array) {
        base = firstSeq;
        contiguous = 0;
        rangeCount = 0;
        if (array != null && data.length == 0) {
            data = array;
        }
    }

    /** Gives up the array (null when it holds none) and keeps no bytes, as {@link #release()} does. */
    byte[] detach() {
        byte[] d = data.length == 0 ? null : data;
        data = EMPTY;
        return d;
    }

    /** The sequence number of the buffer's first byte: where the request it holds begins. */
    int base() {
        return base;
    }

    /** Bytes received in order from the first data byte. */
    int contiguous() {
        return contiguous;
    }

    /** The next sequence number expected in order (RCV.NXT). */
    int nextSeq() {
        return SeqNumber.add(base, contiguous);
    }

    int capacity() {
        return capacity;
    }

    /** Room left for new data: what the advertised window may offer. */
    int room() {
        return capacity - contiguous;
    }

    byte[] array() {
        return data;
    }

    /** Bytes of memory the buffer holds now. */
    int allocated() {
        return data.length;
    }

    /** Whether storing this segment would need a larger array. */
    boolean wouldGrow(int seq, int len) {
        int end = Math.min(SeqNumber.diff(seq, base) + len, capacity);
        return end > data.length;
    }

    /**
     * Drops the bytes (after a hand-off the agent has them) and returns how many bytes of
     * memory that gave back. The prefix length stays, so RCV.NXT is still known.
     */
    int release() {
        int n = data.length;
        data = EMPTY;
        return n;
    }

    int rangeCount() {
        return rangeCount;
    }

    int rangeStartSeq(int i) {
        return SeqNumber.add(base, rangeStart[i]);
    }

    int rangeEndSeq(int i) {
        return SeqNumber.add(base, rangeEnd[i]);
    }

    /**
     * Stores what is new in a segment. Returns how many bytes the in-order prefix grew by
     * (0 for a duplicate, an out-of-order segment, or one dropped because it lies outside the
     * buffer or the range list is full: the client retransmits those).
     */
    int accept(int seq, byte[] b, int off, int len) {
        int rel = SeqNumber.diff(seq, base);
        int end = rel + len;
        if (rel < 0) {
            // Part already consumed before the buffer's start (cannot happen for data after the SYN).
            off -= rel;
            rel = 0;
        }
        if (rel < contiguous) {
            off += contiguous - rel;
            rel = contiguous;
        }
        if (end > capacity) {
            end = capacity;
        }
        if (end <= rel) {
            return 0;
        }
        ensure(end);
        System.arraycopy(b, off, data, rel, end - rel);
        int before = contiguous;
        if (rel == contiguous) {
            contiguous = end;
            absorbRanges();
        } else if (!addRange(rel, end)) {
            return 0;
        }
        return contiguous - before;
    }

    private void ensure(int end) {
        if (end > data.length) {
            int n = Math.max(data.length, FIRST_ARRAY_BYTES);
            while (n < end) {
                n *= 2;
            }
            byte[] grown = new byte[Math.min(n, capacity)];
            System.arraycopy(data, 0, grown, 0, data.length);
            data = grown;
        }
    }

    /** Moves the prefix over every range it now reaches. */
    private void absorbRanges() {
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int i = 0; i < rangeCount; i++) {
                if (rangeStart[i] <= contiguous) {
                    contiguous = Math.max(contiguous, rangeEnd[i]);
                    removeRange(i);
                    changed = true;
                    break;
                }
            }
        }
    }

    /** Adds [start, end) merging overlaps; false when it would need a fifth range. */
    private boolean addRange(int start, int end) {
        for (int i = 0; i < rangeCount; i++) {
            if (start <= rangeEnd[i] && end >= rangeStart[i]) {
                int s = Math.min(start, rangeStart[i]);
                int e = Math.max(end, rangeEnd[i]);
                removeRange(i);
                return addRange(s, e);
            }
        }
        if (rangeCount == MAX_RANGES) {
            return false;
        }
        // Newest first: RFC 2018 wants the block holding the latest segment reported first.
        System.arraycopy(rangeStart, 0, rangeStart, 1, rangeCount);
        System.arraycopy(rangeEnd, 0, rangeEnd, 1, rangeCount);
        rangeStart[0] = start;
        rangeEnd[0] = end;
        rangeCount++;
        return true;
    }

    private void removeRange(int i) {
        System.arraycopy(rangeStart, i + 1, rangeStart, i, rangeCount - i - 1);
        System.arraycopy(rangeEnd, i + 1, rangeEnd, i, rangeCount - i - 1);
        rangeCount--;
    }
}
