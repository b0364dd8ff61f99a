package org.handoff.agent.runtime;

import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;
import org.handoff.agent.flow.AgentCounters;
import org.handoff.agent.flow.FlowEngine;
import org.handoff.agent.link.LocalLink;
import org.handoff.agent.link.TunLink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker thread: owns a {@link FlowEngine} and the two queues the reader threads fill
 * (datagrams first, as the notes advise, then the stack's packets), advances the engine's
 * timers, and parks when there is nothing to do. Readers wake it only when it has said it
 * is parking, so a busy worker costs them no system call.
 *
 * <p>The only worker of an agent reads the local link itself ({@code stackLink}): no reader
 * thread, no copy into a queue and no wake-up between them per packet, which with TSO
 * super-segments was a third of the agent's CPU (docs/agent-link.md, "Measured"). It then
 * waits in the link's {@code ppoll} instead of parking, and a datagram reader wakes it through
 * {@link LocalLink#wakeReader()}.
 */
final class Worker implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
    private static final long PARK_NANOS = 5_000_000L;
    private static final int BATCH = 256;
    /** The smallest PacketRing: room for about 4,600 queued events (16 bytes and a 12-byte header each; one a close). */
    private static final int KERNEL_EVENT_RING_BYTES = 1 << 17;

    final int index;
    final FlowEngine engine;
    final AgentCounters counters;
    final PacketRing datagrams;
    final PacketRing stackPackets;
    /** The kernel path's events for this worker's flows (struct agent_event records), from the events reader. */
    final PacketRing kernelEvents;
    private final PacketRing.Handler onDatagram = this::datagram;
    private final PacketRing.Handler onKernelEvent = this::kernelEvent;
    private final PacketRing.Handler onStackPacket = this::stackPacket;
    private volatile boolean parked;
    private volatile boolean running = true;
    private volatile boolean drainRequested;
    /** At stop, leave established kernel-path flows to the kernel instead of ending them. */
    private volatile boolean keepKernelFlows;
    private volatile Thread thread;
    private long now;
    /** The link this worker reads itself, or null when a reader thread fills {@link #stackPackets}. */
    private final LocalLink stackLink;
    private final byte[] frame;
    /** Link read failures (logged once per kind of failure is enough: counted here). */
    long linkReadErrors;

    Worker(int index, FlowEngine engine, AgentCounters counters, int ringBytes) {
        this(index, engine, counters, ringBytes, null);
    }

    Worker(int index, FlowEngine engine, AgentCounters counters, int ringBytes, LocalLink stackLink) {
        this.index = index;
        this.engine = engine;
        this.counters = counters;
        this.datagrams = new PacketRing(ringBytes);
        this.stackPackets = new PacketRing(ringBytes);
        this.kernelEvents = new PacketRing(KERNEL_EVENT_RING_BYTES);
        this.stackLink = stackLink;
        this.frame = stackLink == null ? null : new byte[TunLink.MAX_FRAME];
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        while (running) {
            now = System.nanoTime();
            if (drainRequested && !engine.draining()) {
                engine.startDraining();
            }
            // Datagrams, then the link: the stack answers a SYN within the write that injects it
            // (the TUN hands it to the stack in that system call), so the SYN-ACK of a HANDOFF
            // handled here is already queued when this worker reads the link next, and the
            // request goes in within this cycle, at the same `now` (FlowEngine counts these:
            // synAcksInSynCycle). The read takes the link's packets in order, at most BATCH, so
            // no other flow's packets wait for it. With a reader thread (2+ workers) the SYN-ACK
            // makes this cycle only when that thread has queued it by then.
            int work = datagrams.drain(onDatagram, BATCH);
            work += stackLink != null ? readStack(0) : stackPackets.drain(onStackPacket, BATCH);
            work += kernelEvents.drain(onKernelEvent, BATCH);
            work += engine.onTick(now);
            if (work == 0) {
                parked = true;
                // Store parked, then load the queues: without a full fence the loads may pass the
                // store and a reader's offer is missed until the park times out (a lost wake-up
                // that cost 1-5 ms per hand-off step).
                VarHandle.fullFence();
                if (running && datagrams.isEmpty() && stackPackets.isEmpty() && kernelEvents.isEmpty()) {
                    if (stackLink != null) {
                        readStack(PARK_NANOS); // waits in ppoll for the link or wake()
                    } else {
                        LockSupport.parkNanos(this, PARK_NANOS);
                    }
                }
                parked = false;
            }
        }
        if (keepKernelFlows) {
            int left = engine.leaveToKernel(System.nanoTime());
            if (left > 0) {
                LOG.info("worker {} stopped: {} established flows left to the kernel for the next run", index, left);
            }
            return;
        }
        // Whatever is still queued is dropped with the flows: every flow is reset and reported.
        int open = engine.closeAll(System.nanoTime());
        if (open > 0) {
            LOG.info("worker {} stopped with {} open flows: reset into the stack and reported as ABORTED", index, open);
        }
    }

    /**
     * Reads and processes stack packets straight from the link: up to {@link #BATCH} that are
     * already queued, the first waiting up to {@code waitNanos}. Returns how many.
     */
    private int readStack(long waitNanos) {
        int n = 0;
        while (n < BATCH) {
            int len;
            try {
                len = stackLink.read(frame, 0, frame.length, n == 0 ? waitNanos : 0);
            } catch (IOException e) {
                if (linkReadErrors++ == 0) {
                    LOG.warn("worker {}: link read failed: {}", index, e.toString());
                }
                return n;
            }
            if (len <= 0) {
                if (len < 0 && waitNanos > 0) {
                    LockSupport.parkNanos(this, PARK_NANOS); // closed: do not spin until stopped
                }
                return n;
            }
            if (n == 0 && waitNanos > 0) {
                now = System.nanoTime(); // it waited
            }
            stackPacket(frame, 0, len, 0, 0);
            n++;
        }
        return n;
    }

    private void datagram(byte[] b, int off, int len, int address, int port) {
        try {
            engine.onDatagram(b, off, len, address, port, now);
        } catch (RuntimeException e) {
            counters.internalErrors++;
            LOG.error("worker {}: datagram of {} bytes failed", index, len, e);
        }
    }

    private void kernelEvent(byte[] b, int off, int len, int unused1, int unused2) {
        try {
            engine.onKernelEvent(b, off, len, now);
        } catch (RuntimeException e) {
            counters.internalErrors++;
            LOG.error("worker {}: kernel event of {} bytes failed", index, len, e);
        }
    }

    private void stackPacket(byte[] b, int off, int len, int unused1, int unused2) {
        try {
            engine.onStackPacket(b, off, len, now);
        } catch (RuntimeException e) {
            counters.internalErrors++;
            LOG.error("worker {}: stack packet of {} bytes failed", index, len, e);
        }
    }

    /** Called by a reader after it queued something. */
    void wake() {
        // The reader's release-store of the queue tail must not pass this load of parked
        // (StoreLoad): the mirror image of the fence in run().
        VarHandle.fullFence();
        if (parked) {
            if (stackLink != null) {
                stackLink.wakeReader();
                return;
            }
            Thread t = thread;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }

    void requestDrain() {
        drainRequested = true;
        wake();
    }

    void stop() {
        stop(false);
    }

    /** @param keepKernelFlows leave established kernel-path flows to the kernel (a restart), instead of ending them */
    void stop(boolean keepKernelFlows) {
        this.keepKernelFlows = keepKernelFlows;
        running = false;
        if (stackLink != null) {
            stackLink.wakeReader();
        }
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }
}
