package org.handoff.director.tcp;

/**
 * Counters of one worker's TCP termination. Plain fields written by the worker thread only;
 * the metrics exporter reads them (a stale read is harmless, a lock per packet is not).
 */
public final class TcpCounters {
    /**
     * What became of the ACK of a segment that completed a request and started its hand-off
     * ({@code handoff.request-ack-delay}).
     */
    public enum RequestAck {
        /** Sent with the segment, as for any other (a delay of 0). */
        SENT_AT_ONCE,
        /** Deferred, then sent: the delay passed first (a slow agent, retries, NACKs). */
        DEFERRED_SENT,
        /**
         * Deferred and never sent: the hand-off was accepted first (the agent's side acknowledges
         * the request), the director answered the client itself (its answer acknowledges it), or
         * the flow ended first.
         */
        CANCELLED
    }

    public long packets;
    public long notIpv4;
    public long malformed;
    public long fragments;
    public long notForVip;
    public long syns;
    public long synAcks;
    public long synAckRetransmits;
    public long cookiesSent;
    public long cookiesValid;
    public long cookiesInvalid;
    public long flowTableFull;
    public long established;
    public long unknownFlow;
    public long dataSegments;
    public long duplicateSegments;
    public long outOfWindow;
    public long acksSent;
    public long answers;
    public long answerRetransmits;
    public long resetsSent;
    public long forwarded;
    /** New connections on a handed-off flow's client port (see {@code CloseCause.PORT_REUSED}). */
    public long portReuses;
    /** Client packets held while their flow was HANDING_OFF or reading its next request (NEXT_REQUEST). */
    public long held;
    /** Their bytes (whole IP packets). */
    public long heldBytes;
    public long heldDropped;
    /** Data segments not stored because the worker's buffer budget (limits.max-buffered-bytes-total) was spent. */
    public long bufferLimitDrops;
    public long originProven;
    /** Handed-off flows whose client began a next request: its packets held while it was read and routed. */
    public long nextRequests;
    /** Handed-off flows the director took back (HANDBACK) to hand their next request to another origin. */
    public long resumed;
    /**
     * Of those, the ones whose origin had offered the client more window than the director's
     * receive buffer: the window the client sees shrank (bytes past it are sent again).
     */
    public long resumedWindowShrunk;
    public long sendFailures;
    /** Idle expiries of handed-off flows the listener kept: their packets still moved (the kernel path tunnels them). */
    public long idleKept;
    /** Flows taken over without a handshake, already handed off (a restarted director adopting its kernel entries). */
    public long adopted;
    public final long[] closed = new long[FlowListener.CloseCause.values().length];
    public final long[] requestAcks = new long[RequestAck.values().length];

    public long closed(FlowListener.CloseCause cause) {
        return closed[cause.ordinal()];
    }

    public long requestAcks(RequestAck outcome) {
        return requestAcks[outcome.ordinal()];
    }
}
