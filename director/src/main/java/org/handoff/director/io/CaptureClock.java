package org.handoff.director.io;

/**
 * The replay clock: it follows the timestamps of the packets read from a capture, so a replay
 * sees the same time between packets as the live run did, whatever the machine's speed.
 * {@link PcapFileSource} advances it before delivering each packet; time never goes back (a
 * capture whose timestamps step back leaves the clock where it was, and counts it).
 *
 * <p>{@link #nanos()} and {@link #epochNanos()} are both the capture's epoch nanoseconds.
 * Before the first packet the clock reads the start value given at construction.
 */
public final class CaptureClock implements Clock {
    private long nanos;
    private long stepsBack;

    public CaptureClock() {
        this(0);
    }

    public CaptureClock(long startEpochNanos) {
        this.nanos = startEpochNanos;
    }

    /** Moves the clock to a packet's timestamp, never backwards. */
    public void advanceTo(long epochNanos) {
        if (epochNanos >= nanos) {
            nanos = epochNanos;
        } else {
            stepsBack++;
        }
    }

    /** Packets whose timestamp was earlier than the clock (ignored for the clock's value). */
    public long stepsBack() {
        return stepsBack;
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
