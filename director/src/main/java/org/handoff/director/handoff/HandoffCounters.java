package org.handoff.director.handoff;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counters of the hand-off layer: requests by outcome, and hand-offs per origin. Written by
 * workers (per request and per hand-off event, not per packet), read by the metrics exporter.
 */
public final class HandoffCounters {
    /**
     * Per-origin hand-off events, indexed by {@link OriginEvent#ordinal()}: HANDOFF sent,
     * retransmitted, acknowledged, refused, timed out, aborted, the flow closed, the agent found
     * unreachable; and for hand-back, a RECALL sent, the connection handed back, or refused.
     */
    public enum OriginEvent {
        SENT, RETRANSMITTED, ACKED, NACKED, TIMED_OUT, ABORTED, CLOSED, UNREACHABLE, RECALLED, HANDED_BACK, RECALL_REFUSED
    }

    /**
     * What became of a request: handed off to an origin (the first on a connection, or one
     * that moved it); answered by the director itself (400, 431, 503); routed to the origin its
     * connection already had (KEPT); left with its connection's origin although the rules chose
     * another (PINNED: pipelined, or not followed); or the connection reset (RESET: the agent
     * could not give it back).
     */
    public enum RequestOutcome { HANDED_OFF, BAD_REQUEST, HEAD_TOO_LARGE, NO_ORIGIN, KEPT, PINNED, RESET }

    /** Why a connection's later requests all stay with its origin. */
    public enum PinReason {
        /** A request was sent before the previous response had arrived. */
        PIPELINED,
        /** A chunked request body: its end is not followed. */
        CHUNKED_BODY,
        /** CONNECT or an Upgrade: what follows is no longer HTTP requests. */
        UPGRADE,
        /** A body of 1 GiB or more: its end is further than sequence numbers compare safely. */
        LARGE_BODY,
        /** A next request head the director could not read (malformed, too large, too slow): its origin answers it. */
        UNPARSED_REQUEST,
        /** The connection was closing (a FIN either way) when its next request came. */
        CLOSING,
        /** Adopted by a restarted director from the kernel flow map: where its current request ends is unknown. */
        ADOPTED
    }

    private final AtomicLongArray outcomes = new AtomicLongArray(RequestOutcome.values().length);
    private final AtomicLongArray pinned = new AtomicLongArray(PinReason.values().length);
    private final Map<String, AtomicLongArray> origins = new ConcurrentHashMap<>();
    public long forwardDatagrams;
    public long forwardPackets;
    public long forwardSplit;
    public long forwardUnsplittable;
    /** Client packets Java forwarded for flows with a kernel entry: each a TUNNEL, not in a FORWARD. */
    public long tunnelPackets;
    public long sendFailures;
    public long unknownFlowMessages;
    public long staleAcks;
    /** Kernel path: flow entries written (at HANDOFF_ACK, and again when a flow is pinned), and deleted. */
    public long kernelEntriesWritten;
    public long kernelEntriesDeleted;
    /** Kernel path: entries the worker could not write (no next hop for the agent): those flows stay on the user path. */
    public long kernelEntriesUnwritten;
    /** Kernel path: entries the worker holds now. */
    public long kernelEntries;
    /** Agents found unreachable that answered again within handoff.agent-restart-grace (their flows kept). */
    public long agentsRecovered;

    void count(RequestOutcome o) {
        outcomes.incrementAndGet(o.ordinal());
    }

    public long outcome(RequestOutcome o) {
        return outcomes.get(o.ordinal());
    }

    void count(PinReason r) {
        pinned.incrementAndGet(r.ordinal());
    }

    /** Connections pinned to their origin, by why. */
    public long pinned(PinReason r) {
        return pinned.get(r.ordinal());
    }

    void count(String origin, OriginEvent e) {
        origins.computeIfAbsent(origin, k -> new AtomicLongArray(OriginEvent.values().length)).incrementAndGet(e.ordinal());
    }

    public long origin(String origin, OriginEvent e) {
        AtomicLongArray a = origins.get(origin);
        return a == null ? 0 : a.get(e.ordinal());
    }

    public Iterable<String> originNames() {
        return origins.keySet();
    }
}
