package org.handoff.director.io;

/**
 * Time for the pipeline, injected so a replay is deterministic: live runs use
 * {@link SystemClock}, replays {@link CaptureClock}, tests {@link ManualClock}.
 */
public interface Clock {
    /** Monotonic nanoseconds for timers and RTTs; the origin is the clock's own. */
    long nanos();

    /** Wall-clock milliseconds since the epoch, for logs and TCP timestamps. */
    long epochMillis();

    /**
     * Wall-clock nanoseconds since the epoch, for records such as capture files. The default
     * has millisecond resolution; the project's clocks give full resolution.
     */
    default long epochNanos() {
        return epochMillis() * 1_000_000L;
    }
}
