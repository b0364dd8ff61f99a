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
}
