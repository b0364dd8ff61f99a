package org.handoff.director.routing;

import java.util.List;
import org.handoff.director.config.Server;

/**
 * Where a request goes: the rule that matched ({@link #DEFAULT_RULE} when none did), its pool,
 * and every server of the pool in failover order. The first candidate is the chosen server;
 * if its agent does not acknowledge the hand-off, the director tries the next.
 *
 * @param contentBound whether the order places content (consistent-hash: the first candidate is
 *     where this content lives) rather than spreads load (least-loaded, weighted)
 */
public record RouteDecision(String rule, String pool, List<Server> candidates, boolean contentBound) {
    /** The rule name reported when no rule matched and the default pool was used. */
    public static final String DEFAULT_RULE = "default";

    public RouteDecision {
        candidates = List.copyOf(candidates);
        if (candidates.isEmpty()) {
            throw new IllegalArgumentException("candidates=[] (expected: at least one server)");
        }
    }

    public Server chosen() {
        return candidates.get(0);
    }

    /**
     * Whether a later request on a connection already at {@code current} may stay there: when
     * the pool spreads load, any of its servers serves it as well as the first, and moving the
     * connection would cost a RECALL and a new origin connection for nothing (a least-loaded
     * pool would otherwise move it on every request, since the connection itself counts as its
     * origin's load); when the pool places content, only the first candidate does.
     */
    public boolean keeps(Server current) {
        return contentBound ? chosen().equals(current) : candidates.contains(current);
    }

    public boolean isDefault() {
        return DEFAULT_RULE.equals(rule);
    }
}
