package org.handoff.director.replay;

/**
 * One client connection as the replay saw it end: who, what was asked, where it went, how it
 * ended. Written to the report as the flow ends, so a long capture needs no memory per flow
 * already finished.
 *
 * @param client "ip:port"
 * @param vip "ip:port"
 * @param startNanos the capture time of the client's first SYN (epoch ns)
 * @param requestLine "GET /x HTTP/1.1", or null when no head was parsed
 * @param outcome handed-off, bad-request, head-too-large, no-origin, or no-request
 * @param reason the decision's reason, or for no-request how the flow ended
 * @param status the director's own answer (400, 431, 503), 0 when none
 * @param attempts hand-offs sent (one per origin tried)
 * @param decisionMillis from the complete head to the decision (virtual clock), -1 without one
 * @param closed how the flow ended on the director ("released", "answered", ..., "open-at-end")
 * @param clientPackets client packets of this flow that reached the terminator
 * @param laterRequests the connection's requests after its first, each with its own decision
 *     (kept on its origin, moved by a hand-back, pinned, reset); empty for one request
 */
public record FlowRecord(String client, String vip, long startNanos, String requestLine, String host, String rule,
                         String pool, String origin, String outcome, String reason, int status, int attempts,
                         long decisionMillis, String closed, long clientPackets, java.util.List<Request> laterRequests) {

    /** A later request on the connection and where it went. */
    public record Request(String requestLine, String host, String rule, String pool, String origin, String outcome,
                          String reason, int status) {
    }

    public FlowRecord {
        laterRequests = java.util.List.copyOf(laterRequests);
    }

    /** The key that finds the same flow in a replay of the same capture under another config. */
    public String matchKey() {
        return client + "@" + startNanos;
    }
}
