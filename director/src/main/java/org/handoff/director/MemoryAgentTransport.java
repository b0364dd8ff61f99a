package org.handoff.director;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import org.handoff.director.handoff.AgentChannel;

/**
 * Agent datagrams in memory, so a {@link DirectorWorker} can be driven without sockets (tests,
 * benchmarks): what the worker sends goes straight to a given {@link AgentChannel}, the test's
 * fake agents; what they answer is queued with {@link #deliver} and read by the worker's next
 * duty cycle; {@link #unreachable} reports an agent gone, as an ICMP port-unreachable on a
 * connected socket would.
 *
 * <p>Single-threaded: the caller runs {@code doWork()} on its own thread. Answers are copied
 * into fixed slots, so nothing is allocated per datagram. A full queue or an oversized answer
 * is refused and counted ({@link #refused()}), never thrown.
 */
public final class MemoryAgentTransport implements AgentTransport {
    private final AgentChannel agents;
    private final byte[][] slots;
    private final int[] lengths;
    private final InetSocketAddress[] senders;
    private int head;
    private int count;
    private final ArrayDeque<InetSocketAddress> unreachable = new ArrayDeque<>();
    private long sent;
    private long refused;
    private boolean closed;

    /**
     * @param agents receives every datagram the worker sends (its return value is the send's)
     * @param capacity answers that can wait to be drained
     * @param maxDatagramLength the longest answer accepted (agents answer in a few hundred bytes)
     */
    public MemoryAgentTransport(AgentChannel agents, int capacity, int maxDatagramLength) {
        if (capacity < 1 || maxDatagramLength < 1) {
            throw new IllegalArgumentException("capacity=" + capacity + ", maxDatagramLength=" + maxDatagramLength
                    + " (expected: both >= 1)");
        }
        this.agents = agents;
        this.slots = new byte[capacity][maxDatagramLength];
        this.lengths = new int[capacity];
        this.senders = new InetSocketAddress[capacity];
    }

    @Override
    public boolean send(InetSocketAddress agent, byte[] datagram, int offset, int length) {
        if (closed || agent == null) {
            return false;
        }
        sent++;
        return agents.send(agent, datagram, offset, length);
    }

    /** Queues a copy of an agent's answer for the worker, its sender unknown; false (and counted) when it cannot. */
    public boolean deliver(byte[] datagram, int offset, int length) {
        return deliver(null, datagram, offset, length);
    }

    /** Queues a copy of the answer of agent {@code from} for the worker; false (and counted) when it cannot. */
    public boolean deliver(InetSocketAddress from, byte[] datagram, int offset, int length) {
        if (closed || count == slots.length || length > slots[0].length || length < 0) {
            refused++;
            return false;
        }
        int tail = (head + count) % slots.length;
        System.arraycopy(datagram, offset, slots[tail], 0, length);
        lengths[tail] = length;
        senders[tail] = from;
        count++;
        return true;
    }

    /** The worker will learn at its next duty cycle that {@code agent}'s port is closed. */
    public void unreachable(InetSocketAddress agent) {
        unreachable.add(agent);
    }

    @Override
    public int drain(Receiver receiver, int max) {
        int n = 0;
        while (n < max && count > 0) {
            byte[] slot = slots[head];
            int length = lengths[head];
            // Freed only after the call, so an answer delivered from inside it cannot overwrite this one.
            receiver.onDatagram(slot, length, senders[head]);
            head = (head + 1) % slots.length;
            count--;
            n++;
        }
        return n;
    }

    @Override
    public InetSocketAddress pollUnreachable() {
        return unreachable.poll();
    }

    /** Answers waiting to be drained. */
    public int queued() {
        return count;
    }

    /** Datagrams the worker sent (including any the fake agents refused). */
    public long sent() {
        return sent;
    }

    /** Answers not queued: the queue was full or the answer too long. */
    public long refused() {
        return refused;
    }

    @Override
    public void close() {
        closed = true;
        count = 0;
    }
}
