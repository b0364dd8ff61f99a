package org.handoff.director.config;

import java.util.List;
import java.util.Set;

/**
 * One routing rule. A null host or path matcher, an empty method set, an empty header list:
 * that condition is not checked. All given conditions must hold.
 */
public record RuleConfig(String name, HostMatcher host, PathMatcher path, Set<String> methods,
        List<HeaderMatcher> headers, String pool) {
    public RuleConfig {
        methods = Set.copyOf(methods);
        headers = List.copyOf(headers);
    }
}
