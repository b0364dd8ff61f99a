package org.handoff.director;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryAgentTransportTest {
    static final InetSocketAddress AGENT = new InetSocketAddress("198.18.0.11", 7070);

    final List<byte[]> toAgent = new ArrayList<>();
    final List<byte[]> drained = new ArrayList<>();
    final List<InetSocketAddress> senders = new ArrayList<>();
    final AgentTransport.Receiver collect = (b, len, from) -> {
        drained.add(Arrays.copyOf(b, len));
        senders.add(from);
    };

    @Test
    void sendsGoToTheFakeAgentAndItsAnswersAreDrainedInOrder() {
        MemoryAgentTransport t = new MemoryAgentTransport((to, b, off, len) -> {
            assertEquals(AGENT, to);
            return toAgent.add(Arrays.copyOfRange(b, off, off + len));
        }, 4, 16);
        byte[] buf = {9, 1, 2, 3, 9};
        assertTrue(t.send(AGENT, buf, 1, 3));
        assertFalse(t.send(null, buf, 1, 3), "an agent with no address is a failed send");
        assertArrayEquals(new byte[] {1, 2, 3}, toAgent.get(0));
        assertEquals(1, t.sent());

        assertTrue(t.deliver(new byte[] {1}, 0, 1));
        assertTrue(t.deliver(new byte[] {0, 2, 2}, 1, 2));
        assertTrue(t.deliver(AGENT, new byte[] {3}, 0, 1));
        assertEquals(2, t.drain(collect, 2), "at most max");
        assertEquals(1, t.drain(collect, 10));
        assertEquals(0, t.drain(collect, 10));
        assertArrayEquals(new byte[] {1}, drained.get(0));
        assertArrayEquals(new byte[] {2, 2}, drained.get(1));
        assertArrayEquals(new byte[] {3}, drained.get(2));
        assertEquals(java.util.Arrays.asList(null, null, AGENT), senders, "each answer's sender, where it was given");
    }

    @Test
    void aFullQueueOrAnOversizedAnswerIsRefusedAndCounted() {
        MemoryAgentTransport t = new MemoryAgentTransport((to, b, off, len) -> true, 2, 4);
        assertFalse(t.deliver(new byte[5], 0, 5));
        assertTrue(t.deliver(new byte[4], 0, 4));
        assertTrue(t.deliver(new byte[4], 0, 4));
        assertFalse(t.deliver(new byte[1], 0, 1));
        assertEquals(2, t.refused());
        assertEquals(2, t.queued());
        // The ring wraps: drain one, the freed slot takes the next answer.
        assertEquals(1, t.drain(collect, 1));
        assertTrue(t.deliver(new byte[] {7}, 0, 1));
        assertEquals(2, t.drain(collect, 10));
        assertArrayEquals(new byte[] {7}, drained.get(2));
    }

    @Test
    void anAnswerDeliveredWhileDrainingDoesNotOverwriteTheOneBeingRead() {
        MemoryAgentTransport[] t = new MemoryAgentTransport[1];
        t[0] = new MemoryAgentTransport((to, b, off, len) -> true, 2, 4);
        t[0].deliver(new byte[] {1}, 0, 1);
        t[0].deliver(new byte[] {2}, 0, 1);
        List<Byte> seen = new ArrayList<>();
        List<Boolean> accepted = new ArrayList<>();
        t[0].drain((b, len, from) -> {
            seen.add(b[0]);
            if (b[0] != 5) {
                accepted.add(t[0].deliver(new byte[] {5}, 0, 1));
            }
        }, 10);
        assertEquals(List.of(false, true), accepted, "refused while the slot being read is taken, then accepted");
        assertEquals(List.of((byte) 1, (byte) 2, (byte) 5), seen);
    }

    @Test
    void unreachableAgentsAreReportedOnceEachThenClosedRefusesEverything() {
        MemoryAgentTransport t = new MemoryAgentTransport((to, b, off, len) -> true, 2, 4);
        t.unreachable(AGENT);
        assertEquals(AGENT, t.pollUnreachable());
        assertNull(t.pollUnreachable());
        t.deliver(new byte[1], 0, 1);
        t.close();
        assertEquals(0, t.drain(collect, 10));
        assertFalse(t.send(AGENT, new byte[1], 0, 1));
        assertFalse(t.deliver(new byte[1], 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new MemoryAgentTransport((to, b, off, len) -> true, 0, 4));
    }
}
