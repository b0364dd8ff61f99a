package org.handoff.bpf;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * A {@code BPF_MAP_TYPE_RINGBUF} map read through libbpf's {@code ring_buffer}: {@link #poll}
 * waits (epoll) until a program has written records, then hands each to the {@link Reader} on
 * the polling thread, copied into one buffer this object reuses. For events (a flow's close),
 * not packets: each record costs a call from native code into Java.
 *
 * <p>One thread polls; {@link #close} waits for a poll in progress to return.
 */
public final class BpfRingBuffer implements AutoCloseable {
    private static final int EINTR = 4;

    /** Takes one record: {@code length} bytes at the start of {@code record}, valid during the call. */
    @FunctionalInterface
    public interface Reader {
        void record(byte[] record, int length);
    }

    private final String name;
    private final Reader reader;
    private final byte[] record;
    /** Held for the ring buffer's life: libbpf keeps only the native pointer to it. */
    private final Libbpf.RingBufferSample sample;
    private Pointer rb;
    /** Records longer than {@code maxRecord}: cut to it (a program that wrote more than agreed). */
    private long truncated;

    private BpfRingBuffer(String name, Reader reader, int maxRecord) {
        this.name = name;
        this.reader = reader;
        this.record = new byte[maxRecord];
        this.sample = (ctx, data, size) -> {
            int n = (int) Math.min(size, record.length);
            if (n < size) {
                truncated++;
            }
            data.read(0, record, 0, n);
            reader.record(record, n);
            return 0;
        };
    }

    /**
     * Opens a reader of {@code map} (a loaded ring buffer map).
     *
     * @param maxRecord the longest record the programs write, in bytes
     */
    public static BpfRingBuffer open(BpfMap map, int maxRecord, Reader reader) {
        BpfRingBuffer b = new BpfRingBuffer(map.name(), reader, maxRecord);
        LibbpfLog.clear();
        Pointer rb = Libbpf.ring_buffer__new(map.fd(), b.sample, null, null);
        if (rb == null) {
            throw BpfException.of("ring_buffer__new", map.name(), Native.getLastError());
        }
        b.rb = rb;
        return b;
    }

    /**
     * Waits up to {@code timeoutMillis} for records and reads every one there. Returns how many
     * (0 on a timeout or an interrupted wait).
     */
    public synchronized int poll(int timeoutMillis) {
        if (rb == null) {
            throw new IllegalStateException("ring buffer " + name + " is closed");
        }
        int n = Libbpf.ring_buffer__poll(rb, timeoutMillis);
        if (n == -EINTR) {
            return 0;
        }
        if (n < 0) {
            throw BpfException.of("ring_buffer__poll", name, n);
        }
        return n;
    }

    /** Records cut to the length given at open. */
    public synchronized long truncated() {
        return truncated;
    }

    @Override
    public synchronized void close() {
        if (rb != null) {
            Libbpf.ring_buffer__free(rb);
            rb = null;
        }
    }

    @Override
    public String toString() {
        return "BpfRingBuffer[" + name + "]";
    }
}
