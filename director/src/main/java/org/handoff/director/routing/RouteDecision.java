package org.handoff.director.routing;

import java.util.List;
import org.handoff.director.config.Server;

/**
 * Where a request goes: the rule that matched ({@link #DEFAULT_RULE} when none did), its pool,
 * and every server of the pool in failover order. The first candidate is the chosen server;
 * if its agent does not acknowledge the hand-off, the director tries the next.
 */
public record RouteDecision(String rule, String pool, List<Server> candidates) {
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

    public boolean isDefault() {
        return DEFAULT_RULE.equals(rule);
    }
}
