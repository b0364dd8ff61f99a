package org.handoff.agent.flow;

import org.handoff.protocol.message.MessageBody;
import org.handoff.protocol.message.MessageEncoder;
import org.handoff.protocol.message.MessageHeaderFlyweight;
import org.handoff.protocol.util.LongHashMap;

/**
 * The answers a worker sent, by the message id they answer, so that a retransmission of that
 * message (the decoder reports it DUPLICATE) gets the same bytes again instead of a second
 * decision: the HANDOFF_NACKs by HANDOFF id, the HANDBACKs and RECALL_NACKs by RECALL id (kept
 * also after the flow is gone).
 *
 * <p>Each answer is kept {@link #KEEP_NANOS}: as long as the director may still retransmit the
 * message it answers. It retransmits a HANDOFF or a RECALL until {@code handoff.deadline} after
 * the first send, at most 9 s (the director's config refuses more, because it accepts answers
 * for its replay window: the deadline plus 1 s, at most 10 s, {@code DirectorWorker.replayWindowMillis}),
 * and the first answer is made after that first send. So 10 s covers the director's longest
 * deadline and a second of delay, whatever the director's config.
 *
 * <p>Memory is fixed at construction: a ring of {@code capacity} slots, each a datagram buffer
 * of the longest answer, and an index by message id sized never to grow; an answer is encoded
 * straight into its slot, so no buffer or index entry is allocated per answer. The answer's value
 * (the caller's) and the view its {@code encodeBody} writes with are small objects made once per
 * answer, never per packet. When all slots are in use the oldest answer is forgotten; if it was
 * younger than {@link #KEEP_NANOS}, {@code evictedEarly} runs (a counter), since a retransmission
 * of its message would then find no answer. {@link #CAPACITY} answers at most
 * {@link #ANSWERS_PER_SECOND} a second for the whole {@link #KEEP_NANOS} (docs/agent.md,
 * "Hand-back"). Not thread-safe: one per use per {@link FlowEngine}.
 */
final class AnswerMemory {
    /** How long an answer is kept: the director's longest retransmission span (9 s) and a second. */
    static final long KEEP_NANOS = 10_000_000_000L;
    /**
     * The answers of one kind one worker can give per second, sustained, and still repeat each
     * for the whole {@link #KEEP_NANOS}: twice the ~3,200 RECALLs a second each agent (one worker)
     * answered in the benchmark of hand-back, which moved 6,400 requests a second between two
     * origins (docs/benchmarks.md).
     */
    static final int ANSWERS_PER_SECOND = 6_400;
    /** Slots of one memory: {@link #ANSWERS_PER_SECOND} for {@link #KEEP_NANOS}. */
    static final int CAPACITY = (int) (ANSWERS_PER_SECOND * (KEEP_NANOS / 1_000_000_000L));

    private final LongHashMap<byte[]> byId;
    /** Datagram buffers, preallocated: slot i of the ring holds the answer to {@code ids[i]}. */
    private final byte[][] slots;
    private final long[] ids;
    private final long[] expiry;
    private final long keepNanos;
    private final Runnable evictedEarly;
    private final MessageHeaderFlyweight header = new MessageHeaderFlyweight();
    private int head;
    private int count;

    /**
     * @param capacity     answers kept at most
     * @param keepNanos    how long each is kept
     * @param slotLength   the longest answer, in bytes (a datagram of one fixed-size type)
     * @param evictedEarly runs each time an answer younger than {@code keepNanos} is forgotten to make room
     */
    AnswerMemory(int capacity, long keepNanos, int slotLength, Runnable evictedEarly) {
        if (capacity < 1) {
            throw new IllegalArgumentException("answer memory of " + capacity + " answers (expected: 1+)");
        }
        this.byId = new LongHashMap<>(capacity * 2, capacity);
        this.slots = new byte[capacity][slotLength];
        this.ids = new long[capacity];
        this.expiry = new long[capacity];
        this.keepNanos = keepNanos;
        this.evictedEarly = evictedEarly;
    }

    /**
     * Encodes {@code answer} to message {@code messageId} into the next slot and keeps it; at
     * capacity the oldest answer is forgotten first.
     *
     * @return the slot: the sealed datagram from offset 0, {@link #length} bytes; valid until
     *     {@code capacity} more answers are remembered
     */
    byte[] remember(long messageId, MessageBody answer, MessageEncoder encoder, long nowNanos) {
        if (count == ids.length) {
            // Early only if it still answers its id (not superseded by a newer answer to the same id).
            if (expiry[head] > nowNanos && byId.get(ids[head]) == slots[head]) {
                evictedEarly.run();
            }
            forgetOldest();
        }
        int at = (head + count) % ids.length;
        byte[] slot = slots[at];
        encoder.encode(answer, slot, 0);
        ids[at] = messageId;
        expiry[at] = nowNanos + keepNanos;
        count++;
        byId.put(messageId, slot);
        return slot;
    }

    /** The answer sent to {@code messageId} (a slot, {@link #length} bytes), or null when none is remembered. */
    byte[] answer(long messageId) {
        return byId.get(messageId);
    }

    /** The length of the datagram in a slot {@link #remember} or {@link #answer} returned. */
    int length(byte[] slot) {
        return header.wrap(slot, 0).totalLength();
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
        // The id may have been remembered again since (a newer slot): that answer stays.
        if (byId.get(ids[head]) == slots[head]) {
            byId.remove(ids[head]);
        }
        head = (head + 1) % ids.length;
        count--;
    }
}
