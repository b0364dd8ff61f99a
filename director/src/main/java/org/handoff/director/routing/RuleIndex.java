package org.handoff.director.routing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.handoff.director.http.ParsedRequest;

/**
 * Finds the first rule, in config order, that matches a request, without asking every rule.
 *
 * <p>Each rule is filed once, by the two conditions that can be looked up instead of tested:
 * <ol>
 *   <li>its host: an exact host in a hash map, a wildcard "*.d" in a hash map under "d", or no
 *       host condition;
 *   <li>within that, its path's literal prefix (a prefix rule's prefix, a glob's text up to its
 *       first wildcard) in a {@link PrefixTrie}; rules with a regex path or no path condition go
 *       in a plain list.
 * </ol>
 * For a request the index gathers the lists that can hold a matching rule: the exact-host
 * bucket of its host, the wildcard bucket of each of its parent domains, the any-host bucket;
 * in each, the trie lists of every prefix of the path, and the plain list. A rule in none of
 * them cannot match (its host or literal prefix rules it out). The lists are ascending, so a
 * k-way merge visits the gathered rules in config order and tests each in full
 * ({@link CompiledRule#matches}); the first that matches is exactly the rule a linear scan of
 * all rules would return. Only regex-path rules without a host condition, and rules with no
 * host and no path condition, are tried for every request: they are the linear remainder.
 */
final class RuleIndex {
    private static final int[] NONE = new int[0];

    private static final class Bucket {
        final PrefixTrie trie;
        final int[] plain;

        Bucket(PrefixTrie trie, int[] plain) {
            this.trie = trie;
            this.plain = plain;
        }

        void collect(String path, List<int[]> out) {
            if (plain.length > 0) {
                out.add(plain);
            }
            if (trie != null) {
                trie.collect(path, out);
            }
        }
    }

    private static final class BucketBuilder {
        final PrefixTrie.Builder trie = new PrefixTrie.Builder();
        final List<Integer> plain = new ArrayList<>();

        Bucket build() {
            return new Bucket(trie.isEmpty() ? null : trie.build(),
                    plain.isEmpty() ? NONE : plain.stream().mapToInt(Integer::intValue).toArray());
        }
    }

    private final CompiledRule[] rules;
    private final Map<String, Bucket> exactHosts;
    private final Map<String, Bucket> wildcardDomains;
    private final Bucket anyHost;

    RuleIndex(CompiledRule[] rules) {
        this.rules = rules;
        Map<String, BucketBuilder> exact = new HashMap<>();
        Map<String, BucketBuilder> wildcard = new HashMap<>();
        BucketBuilder any = new BucketBuilder();
        for (CompiledRule r : rules) {
            BucketBuilder b;
            if (r.host == null) {
                b = any;
            } else if (r.host.isWildcard()) {
                b = wildcard.computeIfAbsent(r.host.domain(), k -> new BucketBuilder());
            } else {
                b = exact.computeIfAbsent(r.host.pattern(), k -> new BucketBuilder());
            }
            String prefix = r.path == null ? "" : r.path.literalPrefix();
            if (prefix.isEmpty()) {
                b.plain.add(r.position);
            } else {
                b.trie.add(prefix, r.position);
            }
        }
        this.exactHosts = freeze(exact);
        this.wildcardDomains = freeze(wildcard);
        this.anyHost = any.build();
    }

    private static Map<String, Bucket> freeze(Map<String, BucketBuilder> m) {
        Map<String, Bucket> out = new HashMap<>(m.size() * 2);
        m.forEach((k, v) -> out.put(k, v.build()));
        return out;
    }

    /**
     * The first matching rule, or null.
     *
     * @param examined when not null, {@code examined[0]} is set to how many rules were tested
     */
    CompiledRule first(ParsedRequest request, int[] examined) {
        List<int[]> lists = new ArrayList<>(8);
        String host = request.host();
        String path = request.path();
        if (!host.isEmpty()) {
            Bucket b = exactHosts.get(host);
            if (b != null) {
                b.collect(path, lists);
            }
            if (!wildcardDomains.isEmpty()) {
                for (int dot = host.indexOf('.'); dot >= 0; dot = host.indexOf('.', dot + 1)) {
                    b = wildcardDomains.get(host.substring(dot + 1));
                    if (b != null) {
                        b.collect(path, lists);
                    }
                }
            }
        }
        anyHost.collect(path, lists);

        int k = lists.size();
        int[] at = new int[k];
        int tested = 0;
        try {
            while (true) {
                int best = -1;
                int bestPosition = Integer.MAX_VALUE;
                for (int i = 0; i < k; i++) {
                    int[] l = lists.get(i);
                    if (at[i] < l.length && l[at[i]] < bestPosition) {
                        bestPosition = l[at[i]];
                        best = i;
                    }
                }
                if (best < 0) {
                    return null;
                }
                at[best]++;
                tested++;
                CompiledRule r = rules[bestPosition];
                if (r.matches(request)) {
                    return r;
                }
            }
        } finally {
            if (examined != null) {
                examined[0] = tested;
            }
        }
    }
}
