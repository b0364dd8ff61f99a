package org.handoff.agent.flow;

import org.handoff.protocol.util.LongHashMap;

/**
 * The answers a worker sent, by the message id they answer, so that a retransmission of that
 * message (the decoder reports it DUPLICATE) gets the same bytes again instead of a second
 * decision: the HANDOFF_NACKs by HANDOFF id, the HANDBACKs and RECALL_NACKs by RECALL id (kept
 * also after the flow is gone). Bounded: at most {@code capacity} answers, each kept
 * {@code keepNanos}, the oldest forgotten first. Not thread-safe: one per use per {@link FlowEngine}.
 */
final class AnswerMemory {
    private final LongHashMap<byte[]> answers;
    /** Message ids in the order they were remembered: a ring of {@code capacity}. */
    private final long[] ids;
    private final long[] expiry;
    private final long keepNanos;
    private int head;
    private int count;

    AnswerMemory(int capacity, long keepNanos) {
        this.answers = new LongHashMap<>(capacity * 2, capacity);
        this.ids = new long[capacity];
        this.expiry = new long[capacity];
        this.keepNanos = keepNanos;
    }

    /**
     * Keeps the sealed answer to {@code messageId}; at capacity the oldest answer is forgotten.
     *
     * @return true when an answer was forgotten before its time to make room
     */
    boolean remember(long messageId, byte[] answer, long nowNanos) {
        boolean evicted = false;
        if (count == ids.length) {
            evicted = expiry[head] > nowNanos;
            forgetOldest();
        }
        int at = (head + count) % ids.length;
        ids[at] = messageId;
        expiry[at] = nowNanos + keepNanos;
        count++;
        answers.put(messageId, answer);
        return evicted;
    }

    /** The answer sent to {@code messageId}, or null when none is remembered. */
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
