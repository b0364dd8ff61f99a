package org.handoff.agent.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Arrays;
import org.handoff.protocol.message.MessageDecoder;
import org.handoff.protocol.message.MessageEncoder;
import org.handoff.protocol.message.MessageIdGenerator;
import org.handoff.protocol.message.MessageSealer;
import org.handoff.protocol.message.MessageType;
import org.handoff.protocol.message.RecallNack;
import org.handoff.protocol.message.RecallNackReason;
import org.junit.jupiter.api.Test;

/**
 * The ring of answers kept for retransmissions: kept for their time and then forgotten without a
 * count, the oldest pushed out at capacity and counted only when it was still young, the same id
 * remembered twice (docs/agent.md, "Hand-back"). FlowEngineAnswerMemoryTest runs the engine's own sizing.
 */
class AnswerMemoryTest {
    private static final long SECOND = 1_000_000_000L;
    private static final long KEEP = 10 * SECOND;

    private final MessageEncoder encoder = new MessageEncoder(new MessageSealer(() -> EngineHarness.KEYS,
            MessageIdGenerator.withBootId(0xa9e7), () -> 1_800_000_000_000L));
    private final MessageDecoder decoder = new MessageDecoder(() -> EngineHarness.KEYS, null, () -> 1_800_000_000_000L);
    private int evictedEarly;

    private AnswerMemory memory(int capacity) {
        return new AnswerMemory(capacity, KEEP, MessageType.RECALL_NACK.maxLength(), () -> evictedEarly++);
    }

    private static RecallNack nack(long recallId, RecallNackReason reason) {
        return new RecallNack(EngineHarness.flow(0xc612_0064, 40_000 + (int) recallId), recallId, reason);
    }

    /** The answer the memory holds for {@code id}, decoded from exactly {@link AnswerMemory#length} bytes. */
    private RecallNack held(AnswerMemory m, long id) throws Exception {
        byte[] slot = m.answer(id);
        byte[] datagram = Arrays.copyOf(slot, m.length(slot));
        return assertInstanceOf(RecallNack.class, decoder.decodeOrThrow(datagram, 0, datagram.length).body());
    }

    @Test
    void anAnswerIsKeptForItsTimeThenForgottenWithoutACount() throws Exception {
        AnswerMemory m = memory(4);
        byte[] sent = m.remember(1, nack(1, RecallNackReason.UNKNOWN_FLOW), encoder, 0);
        assertEquals(MessageType.RECALL_NACK.minLength(), m.length(sent));
        assertSame(sent, m.answer(1), "the bytes sent are the bytes kept");
        assertEquals(nack(1, RecallNackReason.UNKNOWN_FLOW), held(m, 1));
        m.expire(KEEP - 1);
        assertEquals(nack(1, RecallNackReason.UNKNOWN_FLOW), held(m, 1), "still young");
        m.expire(KEEP);
        assertNull(m.answer(1));
        assertEquals(0, m.size());
        assertEquals(0, evictedEarly, "forgotten because its time ran out, not for room");
    }

    @Test
    void atCapacityTheOldestIsForgottenAndCountedOnlyWhenStillYoung() throws Exception {
        AnswerMemory m = memory(3);
        m.remember(1, nack(1, RecallNackReason.UNKNOWN_FLOW), encoder, 0);
        m.remember(2, nack(2, RecallNackReason.CLOSING), encoder, 0);
        m.remember(3, nack(3, RecallNackReason.BAD_STATE), encoder, SECOND);
        m.remember(4, nack(4, RecallNackReason.RESPONSE_PENDING), encoder, 2 * SECOND);
        assertNull(m.answer(1), "the oldest made room");
        assertEquals(1, evictedEarly, "it was 2 s old of its 10");
        assertEquals(nack(2, RecallNackReason.CLOSING), held(m, 2));
        assertEquals(nack(4, RecallNackReason.RESPONSE_PENDING), held(m, 4));
        assertEquals(3, m.size());

        // Past its time but not yet expired (no tick since): pushing it out is no loss.
        m.remember(5, nack(5, RecallNackReason.UNKNOWN_FLOW), encoder, KEEP + 1);
        assertNull(m.answer(2));
        assertEquals(1, evictedEarly);
        assertEquals(nack(3, RecallNackReason.BAD_STATE), held(m, 3));
    }

    @Test
    void anIdRememberedAgainKeepsItsNewerAnswerWhenTheOlderSlotIsReused() throws Exception {
        AnswerMemory m = memory(2);
        m.remember(7, nack(7, RecallNackReason.UNKNOWN_FLOW), encoder, 0);
        m.remember(7, nack(7, RecallNackReason.CLOSING), encoder, 1);
        m.remember(8, nack(8, RecallNackReason.BAD_STATE), encoder, 2); // reuses the first slot of 7
        assertEquals(nack(7, RecallNackReason.CLOSING), held(m, 7));
        assertEquals(nack(8, RecallNackReason.BAD_STATE), held(m, 8));
        assertEquals(0, evictedEarly, "the slot given up answered nothing any more: 7 still has its answer");
    }
}
