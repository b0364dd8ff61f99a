package org.handoff.agent.link;

/**
 * What every direct-return egress counts, the way a router counts its output: packets handed
 * to the kernel, and drops by {@code errno} (0: a short send, or an errno above 255). Written
 * by the one thread that sends; read by metrics (a stale read is harmless).
 */
public abstract class CountingEgress implements DirectReturn {
    private static final int MAX_ERRNO = 256;

    private final long[] failuresByErrno = new long[MAX_ERRNO];
    private long sent;
    private long failed;
    private int lastErrno;

    /** Counts a packet the kernel took; returns {@code true} for {@link #send}. */
    protected final boolean sentOne() {
        sent++;
        return true;
    }

    /** Counts a dropped packet; returns {@code false} for {@link #send}. */
    protected final boolean fail(int errno) {
        failed++;
        lastErrno = errno;
        failuresByErrno[errno >= 0 && errno < MAX_ERRNO ? errno : 0]++;
        return false;
    }

    /** Packets handed to the kernel. */
    public final long sent() {
        return sent;
    }

    /** Packets dropped (any reason). */
    public final long failed() {
        return failed;
    }

    /** Packets dropped with {@code errno} (0: short send or an errno above 255). */
    public final long failures(int errno) {
        return errno >= 0 && errno < MAX_ERRNO ? failuresByErrno[errno] : 0;
    }

    /** The errno of the last dropped packet, 0 if none. */
    public final int lastErrno() {
        return lastErrno;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[sent=" + sent + ", failed=" + failed
                + (lastErrno != 0 ? ", lastErrno=" + lastErrno : "") + "]";
    }
}
