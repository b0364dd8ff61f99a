package org.handoff.agent.flow;

import org.handoff.protocol.util.LongHashMap;

/**
 * The HANDOFF_NACKs a worker sent, by the refused HANDOFF's message id, so that a retransmitted
 * HANDOFF (the decoder reports it DUPLICATE) gets the same answer again instead of a second
 * decision. Bounded: at most {@code capacity} answers, each kept {@code keepNanos}, the oldest
 * forgotten first. Not thread-safe: one per {@link FlowEngine}.
 */
final class RefusalMemory {
    private final LongHashMap<byte[]> answers;
    /** Message ids in the order they were remembered: a ring of {@code capacity}. */
    private final long[] ids;
    private final long[] expiry;
    private final long keepNanos;
    private int head;
    private int count;

    RefusalMemory(int capacity, long keepNanos) {
        this.answers = new LongHashMap<>(capacity * 2, capacity);
        this.ids = new long[capacity];
        this.expiry = new long[capacity];
        this.keepNanos = keepNanos;
    }

    /** Keeps the sealed NACK for {@code messageId}; at capacity the oldest answer is forgotten. */
    void remember(long messageId, byte[] nack, long nowNanos) {
        if (count == ids.length) {
            forgetOldest();
        }
        int at = (head + count) % ids.length;
        ids[at] = messageId;
        expiry[at] = nowNanos + keepNanos;
        count++;
        answers.put(messageId, nack);
    }

    /** The NACK sent for {@code messageId}, or null when none is remembered. */
    byte[] answer(long messageId) {
        return answers.get(messageId);
    }

    /** Forgets the answers older than {@code keepNanos}. */
    void expire(long nowNanos) {
        while (count > 0 && expiry[head] <= nowNanos) {
            forgetOldest();
        }
    }

    int size() {
        return count;
    }

    private void forgetOldest() {
        answers.remove(ids[head]);
        head = (head + 1) % ids.length;
        count--;
    }
}
