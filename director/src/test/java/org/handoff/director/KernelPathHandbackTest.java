package org.handoff.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.handoff.director.kernel.KernelFlows;
import org.handoff.director.kernel.MemoryKernelFlows;
import org.handoff.protocol.message.Handback;
import org.handoff.protocol.message.Handoff;
import org.handoff.protocol.message.HandoffAck;
import org.handoff.protocol.message.MessageType;
import org.handoff.protocol.seq.SeqNumber;
import org.junit.jupiter.api.Test;

/**
 * Every hand-back test of {@link DirectorHandbackTest} again with the worker on the kernel path
 * (its map in memory): per-request routing stays as it is. And the map's side of a hand-back:
 * the first origin's entry goes at HANDBACK (the director terminates connection A again), the
 * next HANDOFF's acceptance writes a new one with its new token and agent.
 */
class KernelPathHandbackTest extends DirectorHandbackTest {
    final MemoryKernelFlows map = new MemoryKernelFlows();

    @Override
    KernelFlows kernelFlows() {
        return map;
    }

    @Test
    void theEntryGoesAtHandbackAndTheNextHandoffWritesItsOwn() throws Exception {
        handedOffToOrigin2(41900);
        MemoryKernelFlows.Entry first = map.entry(CLIENT, 41900, VIP, 80);
        assertNotNull(first);
        assertEquals(ORIGIN2, first.agent);

        nextRequestAfterTheResponse("GET /static/b.txt HTTP/1.1\r\nHost: lab\r\n\r\n");
        only(MessageType.RECALL);
        long recallId = agentSide.header().messageId();
        assertNotNull(map.entry(CLIENT, 41900, VIP, 80), "kept while the RECALL is out: the origin may still be sending");

        agentAnswers(new Handback(flow, recallId, SeqNumber.of(c.ack), false, 0, 0, 0, 0, 0));
        cycle();
        assertNull(map.entry(CLIENT, 41900, VIP, 80), "deleted at HANDBACK: the client's ACKs are the director's again");

        only(MessageType.HANDOFF);
        long token = ((Handoff) agentSide.message().body()).flowToken();
        agentAnswers(HandoffAck.of(flow, agentSide.header().messageId()));
        cycle();
        MemoryKernelFlows.Entry second = map.entry(CLIENT, 41900, VIP, 80);
        assertNotNull(second, "written again at the new HANDOFF_ACK");
        assertEquals(ORIGIN1, second.agent);
        assertEquals(token, second.token);
        assertNotEquals(first.token, second.token, "a new token per hand-off");
        assertEquals(1, worker.coordinator().counters().kernelEntries);
    }
}
