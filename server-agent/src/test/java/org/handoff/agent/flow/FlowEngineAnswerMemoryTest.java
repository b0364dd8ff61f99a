package org.handoff.agent.flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.time.Duration;
import java.util.function.Supplier;
import org.handoff.protocol.message.FlowIdentity;
import org.handoff.protocol.message.Handback;
import org.handoff.protocol.message.HandoffNack;
import org.handoff.protocol.message.NackReason;
import org.handoff.protocol.message.Recall;
import org.handoff.protocol.message.ReplayGuard;
import org.handoff.protocol.seq.SeqNumber;
import org.junit.jupiter.api.Test;

/**
 * The engine's memories of its answers hold what they are sized for (docs/agent.md, "Hand-back":
 * 6,400 answers a second for 10 s per worker): a HANDBACK and a HANDOFF_NACK are each sent
 * again, byte for byte, for a retransmission 9 s later (the director's longest
 * {@code handoff.deadline}) after 63,999 other answers of their kind. Once the memory is full,
 * the next answer pushes the first out while it is still young: counted, and the next
 * retransmission of its message gets no answer. The engine's replay guard is that of an agent
 * whose {@code replay.window} matches that deadline (9 s, skew 0.5 s), so the retransmissions are
 * DUPLICATE, not STALE.
 */
class FlowEngineAnswerMemoryTest {
    /** The director retransmits a HANDOFF or a RECALL for at most this long (handoff.deadline at most 9 s). */
    private static final Duration LONGEST_DEADLINE = Duration.ofSeconds(9);
    /** Answers one worker must be able to repeat: 6,400 a second for 10 s (the first answer and the others). */
    private static final int REQUIRED = 64_000;
    /** Other answers per simulated millisecond: REQUIRED - 1 of them take 8 s, 8,000 a second. */
    private static final int PER_MILLI = 8;

    private final GoldenFlow g = new GoldenFlow();
    private final EngineHarness t = new EngineHarness(g.h, 100,
            EngineHarness.settings(g.h, Duration.ofMillis(300), Duration.ofSeconds(30), Duration.ofMillis(500)),
            EngineHarness.Link.PLAIN, new ReplayGuard(9_000, 500, 1 << 17));

    /** {@code n} other messages of one kind, each with its own id (and so its own answer), 8 a millisecond. */
    private void otherAnswers(int n, Supplier<byte[]> message) {
        for (int i = 1; i <= n; i++) {
            t.deliver(message.get());
            if (i % PER_MILLI == 0) {
                t.advance(Duration.ofMillis(1));
            }
        }
    }

    /** Advances the clock to {@code LONGEST_DEADLINE} after {@code sentNanos}. */
    private void untilTheLongestDeadline(long sentNanos) {
        t.advance(Duration.ofNanos(sentNanos + LONGEST_DEADLINE.toNanos() - t.nowNanos));
    }

    @Test
    void aHandbackIsSentAgainNineSecondsLaterAtSixThousandFourHundredAnswersASecond() {
        long handoffId = g.idle(t);
        byte[] recall = g.recallOfIdle(t, handoffId);
        long sent = t.nowNanos;
        t.deliver(recall);
        byte[] handback = t.lastControl();
        assertInstanceOf(Handback.class, t.decode(handback).body());

        // Other connections' RECALLs, each answered (UNKNOWN_FLOW) and remembered.
        FlowIdentity other = EngineHarness.flow(g.client, g.clientPort + 1);
        Supplier<byte[]> otherRecall = () -> t.encode(new Recall(other, 1, SeqNumber.of(1), SeqNumber.of(1)));
        otherAnswers(REQUIRED - 1, otherRecall);
        assertEquals(REQUIRED - 1, t.counters.recalled(AgentCounters.Recall.UNKNOWN_FLOW));
        untilTheLongestDeadline(sent);

        t.deliver(recall); // the HANDBACK was lost, and the RECALLs before this one too
        assertArrayEquals(handback, t.lastControl(), "the HANDBACK again, " + (REQUIRED - 1) + " answers and 9 s later");
        assertEquals(1, t.counters.recalled(AgentCounters.Recall.DUPLICATE));
        assertEquals(0, t.counters.evicted(AgentCounters.Answered.RECALL));

        // The memory full, one answer more: the HANDBACK, 9 s old of its 10, makes room.
        otherAnswers(AnswerMemory.CAPACITY - REQUIRED, otherRecall);
        assertEquals(0, t.counters.evicted(AgentCounters.Answered.RECALL));
        t.deliver(otherRecall.get());
        assertEquals(1, t.counters.evicted(AgentCounters.Answered.RECALL));
        int answers = t.control.size();
        t.deliver(recall);
        assertEquals(answers, t.control.size(), "no answer: deciding again could contradict the HANDBACK");
        assertEquals(1, t.counters.recalled(AgentCounters.Recall.DUPLICATE_UNANSWERED));
        assertEquals(1, t.counters.recalled(AgentCounters.Recall.DUPLICATE));
    }

    @Test
    void aHandoffNackIsSentAgainNineSecondsLaterAtSixThousandFourHundredAnswersASecond() {
        t.engine.startDraining(); // every HANDOFF is refused, SHUTTING_DOWN
        byte[] handoff = t.encode(g.handoff());
        long sent = t.nowNanos;
        t.deliver(handoff);
        byte[] nack = t.lastControl();
        assertEquals(NackReason.SHUTTING_DOWN, assertInstanceOf(HandoffNack.class, t.decode(nack).body()).reason());

        otherAnswers(REQUIRED - 1, () -> t.encode(g.handoff()));
        assertEquals(REQUIRED, t.counters.refused(NackReason.SHUTTING_DOWN));
        untilTheLongestDeadline(sent);

        t.deliver(handoff); // the NACK was lost
        assertArrayEquals(nack, t.lastControl(), "the HANDOFF_NACK again, " + (REQUIRED - 1) + " answers and 9 s later");
        assertEquals(1, t.counters.handoffsReanswered);
        assertEquals(0, t.counters.evicted(AgentCounters.Answered.HANDOFF));

        otherAnswers(AnswerMemory.CAPACITY - REQUIRED, () -> t.encode(g.handoff()));
        assertEquals(0, t.counters.evicted(AgentCounters.Answered.HANDOFF));
        t.deliver(t.encode(g.handoff()));
        assertEquals(1, t.counters.evicted(AgentCounters.Answered.HANDOFF));
        int answers = t.control.size();
        t.deliver(handoff);
        assertEquals(answers, t.control.size(), "no answer for a refusal forgotten early");
        assertEquals(1, t.counters.handoffsDuplicateUnanswered);
        assertEquals(0, t.counters.evicted(AgentCounters.Answered.RECALL));
    }
}
