package org.handoff.director.io;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * In-memory packet I/O for tests: a {@link Source} fed with packets and timestamps, and a
 * {@link Sink} that records copies of what was sent. Both are thread-safe, so a test thread
 * can feed a worker thread; a poll with nothing queued waits on a condition, not a spin.
 *
 * <p>For allocation tests and benchmarks, which drive a worker's duty cycle from their own
 * thread, {@link FrameSource} and {@link LastPacketSink} do the same with nothing allocated per
 * packet; the frame source also runs the capture's link decoding, as a live source does.
 */
public final class MemoryPacketIo {
    private MemoryPacketIo() {
    }

    /** A queued or recorded packet: a copy of the bytes and the timestamp. */
    public record Packet(byte[] bytes, long timestampNanos) {
        @Override
        public String toString() {
            return "Packet[" + bytes.length + " bytes @" + timestampNanos + "]";
        }
    }

    /** A source fed by the test. {@link #finish()} ends the input once the queue drains. */
    public static final class Source implements PacketSource {
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition ready = lock.newCondition();
        private final ArrayDeque<Packet> queue = new ArrayDeque<>();
        private boolean finished;
        private boolean closed;
        private long delivered;

        /** Queues a copy of the packet (IP header first). */
        public Source add(byte[] packet, long timestampNanos) {
            return add(packet, 0, packet.length, timestampNanos);
        }

        public Source add(byte[] packet, int offset, int length, long timestampNanos) {
            Packet p = new Packet(Arrays.copyOfRange(packet, offset, offset + length), timestampNanos);
            lock.lock();
            try {
                if (finished) {
                    throw new IllegalStateException("source already finished");
                }
                queue.add(p);
                ready.signalAll();
            } finally {
                lock.unlock();
            }
            return this;
        }

        /** No more packets: polls return {@link #END_OF_INPUT} once the queue is empty. */
        public Source finish() {
            lock.lock();
            try {
                finished = true;
                ready.signalAll();
            } finally {
                lock.unlock();
            }
            return this;
        }

        public int queued() {
            lock.lock();
            try {
                return queue.size();
            } finally {
                lock.unlock();
            }
        }

        public long delivered() {
            return delivered;
        }

        @Override
        public int poll(PacketHandler handler, int maxPackets, long maxWaitNanos) {
            Packet[] batch = new Packet[Math.max(0, maxPackets)];
            int n = 0;
            lock.lock();
            try {
                long wait = maxWaitNanos;
                while (queue.isEmpty() && !finished && !closed && wait > 0) {
                    wait = ready.awaitNanos(wait);
                }
                if (queue.isEmpty() && (finished || closed)) {
                    return END_OF_INPUT;
                }
                while (n < batch.length && !queue.isEmpty()) {
                    batch[n++] = queue.poll();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                lock.unlock();
            }
            for (int i = 0; i < n; i++) { // outside the lock: a handler may feed the source
                handler.onPacket(batch[i].bytes(), 0, batch[i].bytes().length, batch[i].timestampNanos());
            }
            delivered += n;
            return n;
        }

        @Override
        public void close() {
            lock.lock();
            try {
                closed = true;
                ready.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** A sink that records a copy of every packet, stamped with its clock. */
    public static final class Sink implements PacketSink {
        private final Clock clock;
        private final List<Packet> sent = new ArrayList<>();
        private int failNext;
        private long failed;
        private long flushes;

        public Sink(Clock clock) {
            this.clock = clock;
        }

        /** The next {@code n} sends fail (return false), as a full socket buffer would. */
        public synchronized Sink failNext(int n) {
            this.failNext = n;
            return this;
        }

        @Override
        public synchronized boolean send(byte[] b, int off, int len) {
            if (failNext > 0) {
                failNext--;
                failed++;
                return false;
            }
            sent.add(new Packet(Arrays.copyOfRange(b, off, off + len), clock.nanos()));
            notifyAll();
            return true;
        }

        @Override
        public synchronized void flush() {
            flushes++;
        }

        @Override
        public void close() {
        }

        /** A copy of the list of packets sent so far. */
        public synchronized List<Packet> sent() {
            return new ArrayList<>(sent);
        }

        /** Removes and returns the packets sent so far. */
        public synchronized List<Packet> drain() {
            List<Packet> out = new ArrayList<>(sent);
            sent.clear();
            return out;
        }

        public synchronized long failed() {
            return failed;
        }

        public synchronized long flushes() {
            return flushes;
        }

        /** Waits (bounded) until at least {@code count} packets were sent; true if they were. */
        public boolean awaitSent(int count, long timeout, TimeUnit unit) throws InterruptedException {
            long deadline = System.nanoTime() + unit.toNanos(timeout);
            synchronized (this) {
                while (sent.size() < count) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                }
                return true;
            }
        }
    }

    /**
     * Captured frames in memory, read the way {@link LivePcapSource} reads its ring: each frame
     * is copied out of its slot into one reused buffer, decoded by a {@link LinkDecoder} (link
     * header, "for this host", cut to the IP length; dropped frames counted there) and handed
     * on stamped with the clock. Nothing is allocated per frame.
     *
     * <p>Single-threaded and never waits: a poll with nothing queued returns 0 at once, so the
     * caller feeds frames with {@link #offer} and runs the worker's duty cycle on its own thread.
     * Not for {@code DirectorWorker.run()}, which would spin on it.
     */
    public static final class FrameSource implements PacketSource {
        private final LinkDecoder decoder;
        private final Clock clock;
        private final byte[][] slots;
        private final int[] lengths;
        private final byte[] frame;
        private int head;
        private int count;
        private long delivered;
        private long refused;
        private boolean closed;

        /**
         * @param capacity frames that can wait to be polled
         * @param maxFrameLength the longest frame accepted (a snaplen)
         */
        public FrameSource(LinkDecoder decoder, Clock clock, int capacity, int maxFrameLength) {
            if (capacity < 1 || maxFrameLength < 1) {
                throw new IllegalArgumentException("capacity=" + capacity + ", maxFrameLength=" + maxFrameLength
                        + " (expected: both >= 1)");
            }
            this.decoder = decoder;
            this.clock = clock;
            this.slots = new byte[capacity][maxFrameLength];
            this.lengths = new int[capacity];
            this.frame = new byte[maxFrameLength];
        }

        /** Queues a copy of a frame; false (and counted) when the queue is full or the frame too long. */
        public boolean offer(byte[] f, int offset, int length) {
            if (closed || count == slots.length || length > frame.length || length < 0) {
                refused++;
                return false;
            }
            int tail = (head + count) % slots.length;
            System.arraycopy(f, offset, slots[tail], 0, length);
            lengths[tail] = length;
            count++;
            return true;
        }

        /** Returns the frames read (decoded or dropped by the link decoder), or END_OF_INPUT once closed. */
        @Override
        public int poll(PacketHandler handler, int maxPackets, long maxWaitNanos) {
            if (closed) {
                return END_OF_INPUT;
            }
            int n = 0;
            while (n < maxPackets && count > 0) {
                int length = lengths[head];
                System.arraycopy(slots[head], 0, frame, 0, length);
                head = (head + 1) % slots.length;
                count--;
                n++;
                if (decoder.decode(frame, 0, length)) {
                    delivered++;
                    handler.onPacket(frame, decoder.ipOffset(), decoder.ipLength(), clock.nanos());
                }
            }
            return n;
        }

        public LinkDecoder decoder() {
            return decoder;
        }

        public int queued() {
            return count;
        }

        /** IP packets handed on (frames the link decoder kept). */
        public long delivered() {
            return delivered;
        }

        /** Frames not queued: the queue was full or the frame too long. */
        public long refused() {
            return refused;
        }

        @Override
        public void close() {
            closed = true;
            count = 0;
        }
    }

    /**
     * A sink that keeps only a copy of the last packet sent, and counts: enough to read a
     * SYN-ACK's sequence number, with nothing allocated per packet.
     */
    public static final class LastPacketSink implements PacketSink {
        private final byte[] last = new byte[65_535];
        private int lastLength;
        private long sent;
        private long flushes;

        @Override
        public boolean send(byte[] b, int off, int len) {
            System.arraycopy(b, off, last, 0, len);
            lastLength = len;
            sent++;
            return true;
        }

        @Override
        public void flush() {
            flushes++;
        }

        @Override
        public void close() {
        }

        /** The last packet sent, valid up to {@link #lastLength()}; overwritten by the next send. */
        public byte[] last() {
            return last;
        }

        public int lastLength() {
            return lastLength;
        }

        public long sent() {
            return sent;
        }

        public long flushes() {
            return flushes;
        }
    }
}
