package org.handoff.director.routing;

import java.util.List;
import java.util.Set;
import org.handoff.director.config.HeaderMatcher;
import org.handoff.director.config.HostMatcher;
import org.handoff.director.config.PathMatcher;
import org.handoff.director.config.RuleConfig;
import org.handoff.director.http.ParsedRequest;

/** A rule with its position, its pool resolved, and its full match test. */
final class CompiledRule {
    final int position;
    final String name;
    final HostMatcher host;
    final PathMatcher path;
    final Set<String> methods;
    final HeaderMatcher[] headers;
    final Pool pool;

    CompiledRule(int position, RuleConfig rule, Pool pool) {
        this.position = position;
        this.name = rule.name();
        this.host = rule.host();
        this.path = rule.path();
        this.methods = rule.methods();
        this.headers = rule.headers().toArray(new HeaderMatcher[0]);
        this.pool = pool;
    }

    /**
     * Every condition of the rule, checked in full: the index only narrows which rules are
     * asked, it never answers for them.
     */
    boolean matches(ParsedRequest r) {
        if (host != null && !host.matches(r.host())) {
            return false;
        }
        if (!methods.isEmpty() && !methods.contains(r.method())) {
            return false;
        }
        if (path != null && !path.matches(r.path())) {
            return false;
        }
        for (HeaderMatcher h : headers) {
            List<String> values = r.headerValues(h.name());
            if (!h.matches(values)) {
                return false;
            }
        }
        return true;
    }
}
