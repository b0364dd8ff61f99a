package org.handoff.protocol.util;

/**
 * A hashed timing wheel (Varghese and Lauck) over intrusive nodes: a flow is its own timer
 * node, so arming, re-arming and cancelling a timer allocate nothing and cost O(1). Deadlines
 * beyond one turn of the wheel wait in their slot until their turn comes. Not thread-safe: one
 * wheel per worker.
 */
public final class TimerWheel {
    /** A timer: subclass it (a flow is a Node) and arm it with {@link #schedule}. */
    public abstract static class Node {
        long deadlineNanos;
        int slot;
        Node prev;
        Node next;
        boolean scheduled;

        public final boolean isScheduled() {
            return scheduled;
        }

        public final long deadlineNanos() {
            return deadlineNanos;
        }
    }

    /** Called for each expired node, already unscheduled; it may re-arm the node. */
    @FunctionalInterface
    public interface ExpiryHandler<N extends Node> {
        void expired(N node, long nowNanos);
    }

    private final Node[] slots;
    private final int mask;
    private final long tickNanos;
    private long currentTick;
    private int size;

    public TimerWheel(long tickNanos, int slotCount, long startNanos) {
        if (Integer.bitCount(slotCount) != 1) {
            throw new IllegalArgumentException("slotCount=" + slotCount + " (expected: a power of two)");
        }
        if (tickNanos <= 0) {
            throw new IllegalArgumentException("tickNanos=" + tickNanos + " (expected: > 0)");
        }
        this.slots = new Node[slotCount];
        this.mask = slotCount - 1;
        this.tickNanos = tickNanos;
        this.currentTick = startNanos / tickNanos;
    }

    public int size() {
        return size;
    }

    /** Arms (or re-arms) {@code node} for {@code deadlineNanos}. */
    public void schedule(Node node, long deadlineNanos) {
        if (node.scheduled) {
            unlink(node);
        }
        node.deadlineNanos = deadlineNanos;
        long tick = Math.max(deadlineNanos / tickNanos, currentTick);
        int slot = (int) (tick & mask);
        node.slot = slot;
        node.next = slots[slot];
        node.prev = null;
        if (node.next != null) {
            node.next.prev = node;
        }
        slots[slot] = node;
        node.scheduled = true;
        size++;
    }

    public void cancel(Node node) {
        if (node.scheduled) {
            unlink(node);
        }
    }

    private void unlink(Node node) {
        if (node.prev != null) {
            node.prev.next = node.next;
        } else {
            slots[node.slot] = node.next;
        }
        if (node.next != null) {
            node.next.prev = node.prev;
        }
        node.prev = null;
        node.next = null;
        node.scheduled = false;
        size--;
    }

    /**
     * Fires every node whose deadline is at or before {@code nowNanos}, slot by slot up to now.
     * Returns the number fired (a worker's duty cycle counts it as work done).
     */
    @SuppressWarnings("unchecked")
    public <N extends Node> int advance(long nowNanos, ExpiryHandler<N> handler) {
        long targetTick = nowNanos / tickNanos;
        int fired = 0;
        // At most one full turn needs visiting: later ticks map onto the same slots.
        long last = Math.min(targetTick, currentTick + mask);
        for (long tick = currentTick; tick <= last; tick++) {
            int slot = (int) (tick & mask);
            Node n = slots[slot];
            while (n != null) {
                if (n.deadlineNanos <= nowNanos) {
                    unlink(n);
                    handler.expired((N) n, nowNanos);
                    fired++;
                    // The handler may have re-armed or cancelled any node: rescan the slot.
                    n = slots[slot];
                } else {
                    n = n.next;
                }
            }
        }
        currentTick = targetTick;
        return fired;
    }
}
