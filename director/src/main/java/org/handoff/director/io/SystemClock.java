package org.handoff.director.io;

/**
 * The live clock: {@link System#nanoTime()} for {@link #nanos()}, {@link System#currentTimeMillis()}
 * for {@link #epochMillis()}. {@link #epochNanos()} is the wall clock sampled once at creation
 * plus the monotonic time elapsed since, so it never steps back and allocates nothing.
 */
public final class SystemClock implements Clock {
    public static final SystemClock INSTANCE = new SystemClock();

    private final long epochNanosAtZero;

    public SystemClock() {
        long wall = System.currentTimeMillis() * 1_000_000L;
        epochNanosAtZero = wall - System.nanoTime();
    }

    @Override
    public long nanos() {
        return System.nanoTime();
    }

    @Override
    public long epochMillis() {
        return System.currentTimeMillis();
    }

    @Override
    public long epochNanos() {
        return epochNanosAtZero + System.nanoTime();
    }
}
