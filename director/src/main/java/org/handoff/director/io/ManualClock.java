package org.handoff.director.io;

/**
 * A clock tests move by hand. {@link #nanos()} and {@link #epochNanos()} are the same value
 * (nanoseconds since the epoch), so tests can reason about one number.
 */
public final class ManualClock implements Clock {
    private long nanos;

    public ManualClock(long epochNanos) {
        this.nanos = epochNanos;
    }

    public ManualClock set(long epochNanos) {
        this.nanos = epochNanos;
        return this;
    }

    public ManualClock advance(long deltaNanos) {
        this.nanos += deltaNanos;
        return this;
    }

    @Override
    public long nanos() {
        return nanos;
    }

    @Override
    public long epochMillis() {
        return Math.floorDiv(nanos, 1_000_000L);
    }

    @Override
    public long epochNanos() {
        return nanos;
    }
}
