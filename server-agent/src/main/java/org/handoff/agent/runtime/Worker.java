package org.handoff.agent.runtime;

import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;
import org.handoff.agent.flow.AgentCounters;
import org.handoff.agent.flow.FlowEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker thread: owns a {@link FlowEngine} and the two queues the reader threads fill
 * (datagrams first, as the notes advise, then the stack's packets), advances the engine's
 * timers, and parks when there is nothing to do. Readers wake it only when it has said it
 * is parking, so a busy worker costs them no system call.
 */
final class Worker implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
    private static final long PARK_NANOS = 5_000_000L;
    private static final int BATCH = 256;

    final int index;
    final FlowEngine engine;
    final AgentCounters counters;
    final PacketRing datagrams;
    final PacketRing stackPackets;
    private final PacketRing.Handler onDatagram = this::datagram;
    private final PacketRing.Handler onStackPacket = this::stackPacket;
    private volatile boolean parked;
    private volatile boolean running = true;
    private volatile boolean drainRequested;
    private volatile Thread thread;
    private long now;

    Worker(int index, FlowEngine engine, AgentCounters counters, int ringBytes) {
        this.index = index;
        this.engine = engine;
        this.counters = counters;
        this.datagrams = new PacketRing(ringBytes);
        this.stackPackets = new PacketRing(ringBytes);
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        while (running) {
            now = System.nanoTime();
            if (drainRequested && !engine.draining()) {
                engine.startDraining();
            }
            int work = datagrams.drain(onDatagram, BATCH);
            work += stackPackets.drain(onStackPacket, BATCH);
            work += engine.onTick(now);
            if (work == 0) {
                parked = true;
                // Store parked, then load the queues: without a full fence the loads may pass the
                // store and a reader's offer is missed until the park times out (a lost wake-up
                // that cost 1-5 ms per hand-off step).
                VarHandle.fullFence();
                if (running && datagrams.isEmpty() && stackPackets.isEmpty()) {
                    LockSupport.parkNanos(this, PARK_NANOS);
                }
                parked = false;
            }
        }
        // Whatever is still queued is dropped with the flows: every flow is reset and reported.
        int open = engine.closeAll(System.nanoTime());
        if (open > 0) {
            LOG.info("worker {} stopped with {} open flows: reset into the stack and reported as ABORTED", index, open);
        }
    }

    private void datagram(byte[] b, int off, int len, int address, int port) {
        try {
            engine.onDatagram(b, off, len, address, port, now);
        } catch (RuntimeException e) {
            counters.internalErrors++;
            LOG.error("worker {}: datagram of {} bytes failed", index, len, e);
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
        running = false;
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }
}
