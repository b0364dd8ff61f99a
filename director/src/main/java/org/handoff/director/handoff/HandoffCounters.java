package org.handoff.director.handoff;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counters of the hand-off layer: requests by outcome, and hand-offs per origin. Written by
 * workers (per request and per hand-off event, not per packet), read by the metrics exporter.
 */
public final class HandoffCounters {
    /** Per-origin hand-off events, indexed by {@link OriginEvent#ordinal()}. */
    public enum OriginEvent { SENT, RETRANSMITTED, ACKED, NACKED, TIMED_OUT, ABORTED, CLOSED, UNREACHABLE }

    /** What became of a request. */
    public enum RequestOutcome { HANDED_OFF, BAD_REQUEST, HEAD_TOO_LARGE, NO_ORIGIN }

    private final AtomicLongArray outcomes = new AtomicLongArray(RequestOutcome.values().length);
    private final Map<String, AtomicLongArray> origins = new ConcurrentHashMap<>();
    public long forwardDatagrams;
    public long forwardPackets;
    public long forwardSplit;
    public long forwardUnsplittable;
    public long sendFailures;
    public long unknownFlowMessages;
    public long staleAcks;

    void count(RequestOutcome o) {
        outcomes.incrementAndGet(o.ordinal());
    }

    public long outcome(RequestOutcome o) {
        return outcomes.get(o.ordinal());
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
