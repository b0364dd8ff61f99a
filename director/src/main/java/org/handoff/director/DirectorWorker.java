package org.handoff.director;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import org.handoff.director.handoff.HandoffCoordinator;
import org.handoff.director.io.Clock;
import org.handoff.director.io.LivePcapSource;
import org.handoff.director.io.PacketHandler;
import org.handoff.director.io.PacketSink;
import org.handoff.director.io.PacketSource;
import org.handoff.director.tcp.TcpTerminator;
import org.handoff.protocol.message.DecodeResult;
import org.handoff.protocol.message.MessageDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One director worker: its own packet source (a capture handle whose filter selects this
 * worker's share of client endpoints), its own terminator and hand-off coordinator, and its own
 * UDP socket to the agents, whose answers therefore come back to the worker that owns the
 * flow. Workers share nothing on the packet path, so they need no locks and no queues.
 *
 * <p>The duty cycle ({@link #doWork()}) reads a batch of packets, the agents' answers, and
 * advances timers; between batches it waits inside the packet source's poll (the kernel wakes
 * it), never spinning. While a hand-off is waiting for its answer the wait is kept short, so a
 * HANDOFF_ACK is read within a fraction of a millisecond.
 */
public final class DirectorWorker implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(DirectorWorker.class);
    private static final int BATCH = 256;
    private static final long IDLE_WAIT_NANOS = 5_000_000L;
    private static final long PENDING_WAIT_NANOS = 50_000L;

    private final int index;
    private final PacketSource source;
    private final PacketSink sink;
    private final DatagramChannel control;
    private final TcpTerminator terminator;
    private final HandoffCoordinator coordinator;
    private final MessageDecoder decoder;
    private final Clock clock;
    private final PacketHandler onPacket;
    private final ByteBuffer controlBuffer = ByteBuffer.allocate(65_536);
    private volatile boolean running = true;
    private long nextStatsNanos;
    private volatile Thread thread;
    public volatile long controlDecodeFailures;
    public volatile long controlReceived;

    public DirectorWorker(int index, PacketSource source, PacketSink sink, DatagramChannel control, TcpTerminator terminator,
                          HandoffCoordinator coordinator, MessageDecoder decoder, Clock clock) {
        this.index = index;
        this.source = source;
        this.sink = sink;
        this.control = control;
        this.terminator = terminator;
        this.coordinator = coordinator;
        this.decoder = decoder;
        this.clock = clock;
        this.onPacket = terminator::onPacket;
    }

    public int index() {
        return index;
    }

    public TcpTerminator terminator() {
        return terminator;
    }

    public HandoffCoordinator coordinator() {
        return coordinator;
    }

    /** The live capture behind this worker, or null (files, memory). */
    public LivePcapSource liveSource() {
        return source instanceof LivePcapSource live ? live : null;
    }

    public MessageDecoder decoder() {
        return decoder;
    }

    public InetSocketAddress controlAddress() throws IOException {
        return (InetSocketAddress) control.getLocalAddress();
    }

    /** One duty cycle; returns the work done (0 when idle). */
    public int doWork() throws IOException {
        long wait = coordinator.pendingHandoffs() > 0 ? PENDING_WAIT_NANOS : IDLE_WAIT_NANOS;
        int work = source.poll(onPacket, BATCH, wait);
        if (work < 0) {
            return -1;
        }
        long now = clock.nanos();
        if (now >= nextStatsNanos && source instanceof LivePcapSource live) {
            // pcap_stats from the polling thread: libpcap handles are not thread-safe.
            live.updateStats();
            nextStatsNanos = now + 1_000_000_000L;
        }
        work += drainControl(now);
        work += terminator.onTick(now);
        work += coordinator.onTick(now);
        coordinator.flush();
        sink.flush();
        return work;
    }

    private int drainControl(long now) throws IOException {
        int n = 0;
        while (n < BATCH) {
            controlBuffer.clear();
            if (control.receive(controlBuffer) == null) {
                break;
            }
            n++;
            controlReceived++;
            DecodeResult r = decoder.decode(controlBuffer.array(), 0, controlBuffer.position());
            if (r == DecodeResult.ACCEPTED || r == DecodeResult.DUPLICATE) {
                coordinator.onAgentMessage(decoder, now);
            } else {
                controlDecodeFailures++;
                LOG.debug("worker {}: agent datagram dropped: {}", index, decoder.describe());
            }
        }
        return n;
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        try {
            while (running) {
                if (doWork() < 0) {
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("worker {} stopped: {}", index, e.toString(), e);
        } finally {
            coordinator.flush();
            sink.flush();
        }
    }

    public void stop() {
        running = false;
    }

    public void join(long millis) throws InterruptedException {
        Thread t = thread;
        if (t != null) {
            t.join(millis);
        }
    }

    public void close() {
        source.close();
        sink.close();
        try {
            control.close();
        } catch (IOException e) {
            LOG.debug("closing control socket: {}", e.toString());
        }
    }
}
