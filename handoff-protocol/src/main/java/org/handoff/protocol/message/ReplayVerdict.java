package org.handoff.protocol.message;

/** What {@link ReplayGuard#admit} decided about one authentic message. */
public enum ReplayVerdict {
    /** First time seen inside the window: process it. */
    FRESH,
    /** Already seen inside the window: a retransmission or a replay; answer again, do not reprocess. */
    DUPLICATE,
    /** Sender timestamp outside now +/- tolerance: too old or from too far in the future. */
    STALE,
    /** The id table for the message's time slice is full: rejected, see {@link ReplayGuard}. */
    CAPACITY_EXHAUSTED
}
