package org.handoff.director;

import java.util.concurrent.atomic.AtomicLong;
import org.handoff.director.io.PacketHandler;

/**
 * One worker's queue of client packets that other directors sent it (wrong-director packets of
 * its flows, {@link PeerPacketReceiver}): one producer (the receiver's thread), one consumer (the
 * worker's duty cycle). Fixed slots, copied in and out, nothing allocated per packet; a full
 * queue or a packet longer than a slot is counted and dropped (the client retransmits).
 */
final class PeerInbox {
    static final int SLOTS = 512;
    /** An MTU-sized packet: the peers send what their capture took, at most the link's MTU on the kernel path. */
    static final int SLOT_BYTES = 2048;

    private final byte[][] slots = new byte[SLOTS][SLOT_BYTES];
    private final int[] lengths = new int[SLOTS];
    /** Next slot the worker reads; written by the worker only. */
    private final AtomicLong head = new AtomicLong();
    /** Next slot the receiver writes; written by the receiver only. */
    private final AtomicLong tail = new AtomicLong();
    private final AtomicLong full = new AtomicLong();
    private final AtomicLong tooLong = new AtomicLong();

    /** Receiver's side: false when the packet was dropped (queue full, or longer than a slot). */
    boolean offer(byte[] b, int off, int len) {
        if (len > SLOT_BYTES) {
            tooLong.incrementAndGet();
            return false;
        }
        long t = tail.get();
        if (t - head.get() >= SLOTS) {
            full.incrementAndGet();
            return false;
        }
        int slot = (int) (t % SLOTS);
        System.arraycopy(b, off, slots[slot], 0, len);
        lengths[slot] = len;
        tail.lazySet(t + 1); // publishes the slot's bytes to the worker
        return true;
    }

    /** Worker's side: hands up to {@code max} packets to {@code handler}; returns how many. */
    int drain(PacketHandler handler, int max, long nowNanos) {
        long h = head.get();
        long t = tail.get();
        int n = (int) Math.min(max, t - h);
        for (int i = 0; i < n; i++) {
            int slot = (int) ((h + i) % SLOTS);
            handler.onPacket(slots[slot], 0, lengths[slot], nowNanos);
        }
        head.lazySet(h + n);
        return n;
    }

    long droppedFull() {
        return full.get();
    }

    long droppedTooLong() {
        return tooLong.get();
    }
}
