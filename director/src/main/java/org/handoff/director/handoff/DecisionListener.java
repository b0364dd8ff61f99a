package org.handoff.director.handoff;

/**
 * Receives the hand-off layer's decision for each request, the same facts the
 * {@code handoff.decisions} log line carries, as a value: trace replay collects them without
 * parsing logs. Called on the worker thread, once per request; must not block.
 */
@FunctionalInterface
public interface DecisionListener {
    DecisionListener NONE = d -> { };

    void onDecision(Decision decision);

    /**
     * One request's fate.
     *
     * @param requestLine "METHOD target HTTP/x.y", or null when the head could not be parsed
     * @param rule the matching rule's name, or null when the request was not routed
     * @param origin the origin that took the flow, or null (none accepted, or not routed)
     * @param attempts hand-offs sent for the request (0 when not routed)
     * @param status the director's own answer (400, 431, 503), or 0 when handed off
     * @param reason how it ended, as in the log line ("accepted", "503: tried 2 of 2", ...)
     * @param elapsedNanos from the complete request head to this decision
     */
    record Decision(int clientAddress, int clientPort, int vipAddress, int vipPort, String requestLine, String host,
                    String rule, String pool, String origin, int attempts, HandoffCounters.RequestOutcome outcome,
                    int status, String reason, long elapsedNanos) {
    }
}
