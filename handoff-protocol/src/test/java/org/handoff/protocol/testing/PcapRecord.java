package org.handoff.protocol.testing;

import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * One captured packet: its timestamp, its length on the wire and the bytes captured (as many as
 * the snap length allowed, so {@code data.length <= originalLength}).
 *
 * <p>{@code data} is not copied in or out: a test that rewrites a packet should work on
 * {@link #copyOfData()} (each {@link PcapFile#read} returns fresh arrays, so no other test sees
 * the change either way). {@code equals} compares the bytes.
 *
 * @param epochNanos     capture time, nanoseconds since 1970-01-01T00:00:00Z (microsecond files
 *                       give a multiple of 1000)
 * @param originalLength the packet's length on the wire
 * @param data           the captured bytes, starting with the link-layer header
 */
public record PcapRecord(long epochNanos, int originalLength, byte[] data) {

    public PcapRecord {
        Objects.requireNonNull(data, "data");
        if (originalLength < data.length) {
            throw new IllegalArgumentException(
                    "original length " + originalLength + " (expected: >= captured length " + data.length + ")");
        }
        if (epochNanos < 0) {
            throw new IllegalArgumentException("epochNanos " + epochNanos + " (expected: >= 0)");
        }
    }

    /** A record captured whole (original length = captured length). */
    public static PcapRecord of(long epochNanos, byte[] data) {
        return new PcapRecord(epochNanos, data.length, data);
    }

    public int capturedLength() {
        return data.length;
    }

    /** True when the snap length cut the packet short. */
    public boolean truncated() {
        return data.length < originalLength;
    }

    public Instant timestamp() {
        return Instant.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L), Math.floorMod(epochNanos, 1_000_000_000L));
    }

    public byte[] copyOfData() {
        return data.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PcapRecord r
                && r.epochNanos == epochNanos
                && r.originalLength == originalLength
                && Arrays.equals(r.data, data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Long.hashCode(epochNanos) + originalLength) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "PcapRecord[" + timestamp() + ", " + data.length + "/" + originalLength + " bytes]";
    }
}
