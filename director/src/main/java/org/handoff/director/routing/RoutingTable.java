package org.handoff.director.routing;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.handoff.director.config.DirectorConfig;
import org.handoff.director.config.RuleConfig;
import org.handoff.director.config.Selection;
import org.handoff.director.http.ParsedRequest;

/**
 * The routing decision for a request: the first rule in config order whose conditions all
 * hold picks the pool (else the default pool), and the pool's selection orders its servers.
 *
 * <p>Immutable and safe to share between workers; built once per config (and per reload,
 * see {@code ConfigHolder}). The least-loaded and weighted pools read the {@link LoadView} and
 * {@link RandomSource} given here, which are the only moving parts. Rule lookup goes through
 * {@link RuleIndex}: exact hosts by hash, prefixes by trie, only host-less regex rules linearly,
 * with first-match order kept exactly.
 */
public final class RoutingTable {
    private final DirectorConfig config;
    private final CompiledRule[] rules;
    private final RuleIndex index;
    private final Pool defaultPool;

    public RoutingTable(DirectorConfig config, LoadView load, RandomSource random) {
        this.config = config;
        Map<String, Pool> pools = new LinkedHashMap<>();
        config.pools().forEach((name, p) -> pools.put(name, new Pool(p, load, random)));
        List<RuleConfig> rs = config.rules();
        rules = new CompiledRule[rs.size()];
        for (int i = 0; i < rules.length; i++) {
            Pool pool = pools.get(rs.get(i).pool());
            if (pool == null) {
                throw new IllegalArgumentException("rules[" + i + "].pool=" + rs.get(i).pool() + " (expected: a pool in the config)");
            }
            rules[i] = new CompiledRule(i, rs.get(i), pool);
        }
        defaultPool = pools.get(config.defaultPool());
        if (defaultPool == null) {
            throw new IllegalArgumentException("default-pool=" + config.defaultPool() + " (expected: a pool in the config)");
        }
        index = new RuleIndex(rules);
    }

    /** A table whose weighted pools draw from {@link RandomSource#threadLocal()}. */
    public static RoutingTable of(DirectorConfig config, LoadView load) {
        return new RoutingTable(config, load, RandomSource.threadLocal());
    }

    public DirectorConfig config() {
        return config;
    }

    public int ruleCount() {
        return rules.length;
    }

    public RouteDecision route(ParsedRequest request) {
        return decide(index.first(request, null), request);
    }

    /** The reference semantics: every rule in order. Same answers as {@link #route}, slower. */
    RouteDecision routeLinear(ParsedRequest request) {
        for (CompiledRule r : rules) {
            if (r.matches(request)) {
                return decide(r, request);
            }
        }
        return decide(null, request);
    }

    /** How many rules {@link #route} tests in full for this request. */
    int rulesExamined(ParsedRequest request) {
        int[] n = new int[1];
        index.first(request, n);
        return n[0];
    }

    private RouteDecision decide(CompiledRule rule, ParsedRequest request) {
        Pool pool = rule == null ? defaultPool : rule.pool;
        return new RouteDecision(rule == null ? RouteDecision.DEFAULT_RULE : rule.name, pool.name, pool.order(request),
                pool.config.selection() == Selection.CONSISTENT_HASH);
    }
}
