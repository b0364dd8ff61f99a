package org.handoff.bench;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.handoff.director.config.ConfigLoader;
import org.handoff.director.config.DirectorConfig;
import org.handoff.director.config.PoolMember;
import org.handoff.director.http.HeadParseResult;
import org.handoff.director.http.HttpHeadParser;
import org.handoff.director.http.ParsedRequest;
import org.handoff.director.routing.LoadCounter;
import org.handoff.director.routing.RouteDecision;
import org.handoff.director.routing.RoutingTable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The routing decision ({@link RoutingTable#route}), once per request: the first matching
 * rule through the rule index, then the pool's ordering of its servers.
 *
 * <p>{@code route}: {@code rules} rules (10 or 10,000) of one of two sets, and a request that
 * matches the {@code target} rule: the first, the middle one, the last, or none (default pool).
 * Every rule's pool is a 3-server consistent-hash pool. The sets:
 * <ul>
 *   <li>{@code prefix}: one path prefix per rule, {@code /svc<i>/};
 *   <li>{@code mixed}, in config order: 90% exact host plus path prefix
 *       ({@code site<i mod N/3>.example.com}, {@code /app<i>/}), 4% wildcard host plus glob
 *       ({@code *.cdn<i>.example.net}, {@code /img<i>/**}{@code /*.png}), 5.5% path prefix only
 *       ({@code /shared<i>/}), and last 0.5% host-less regexes ({@code /legacy<i>/.*\.php}), at
 *       least one of each of the last three. Host-less regexes cannot be indexed: every request
 *       that reaches them tests them all, by design (docs/configuration.md).
 * </ul>
 *
 * <p>{@code selectServer}: no rules, a default pool of {@code servers} servers with the given
 * {@code selection}; 64 different URLs in turn. The least-loaded pool reads non-zero counts.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar RoutingBenchmark -prof gc}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
// A fixed heap, touched before the first iteration: a growing heap's first-touch page faults
// were timed otherwise (connection benchmarks 30x slower until the heap stopped growing).
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class RoutingBenchmark {
    private static final HttpHeadParser PARSER = new HttpHeadParser();

    static ParsedRequest request(String host, String target) {
        byte[] head = ("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n"
                + "Accept: */*\r\nAccept-Encoding: gzip\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        HeadParseResult r = PARSER.parse(head, 0, head.length);
        if (!r.isComplete()) {
            throw new IllegalStateException("benchmark request does not parse: " + r);
        }
        return r.request();
    }

    static String server(String pool, int i) {
        String a = "198.18." + (4 + i / 250) + "." + (1 + i % 250);
        return "      - {name: " + pool + "-s" + i + ", agent: \"" + a + ":7070\", service: \"" + a + ":80\"}\n";
    }

    static DirectorConfig config(String yaml) {
        try {
            return ConfigLoader.DIRECTOR.parse(yaml, null);
        } catch (Exception e) {
            throw new IllegalStateException("benchmark config does not load: " + e.getMessage(), e);
        }
    }

    @State(Scope.Thread)
    public static class Rules {
        @Param({"10", "10000"})
        public int rules;

        @Param({"prefix", "mixed"})
        public String ruleSet;

        @Param({"first", "middle", "last", "none"})
        public String target;

        RoutingTable table;
        ParsedRequest request;

        @Setup
        public void setUp() {
            StringBuilder y = new StringBuilder("vips: [198.18.1.1:80]\npools:\n");
            for (int p = 0; p < 4; p++) {
                y.append("  pool").append(p).append(":\n    servers:\n");
                for (int s = 0; s < 3; s++) {
                    y.append(server("pool" + p, s));
                }
            }
            y.append("default-pool: pool0\nrules:\n");
            int n = rules;
            int regexes = Math.max(1, n / 200);
            int prefixOnly = Math.max(1, n * 55 / 1000);
            int wildcards = Math.max(1, n * 4 / 100);
            int exact = n - regexes - prefixOnly - wildcards;
            int hosts = Math.max(1, n / 3);
            for (int i = 0; i < n; i++) {
                String match;
                if (ruleSet.equals("prefix")) {
                    match = "path: {prefix: /svc" + i + "/}";
                } else if (i < exact) {
                    match = "host: site" + (i % hosts) + ".example.com, path: {prefix: /app" + i + "/}";
                } else if (i < exact + wildcards) {
                    match = "host: '*.cdn" + i + ".example.net', path: {glob: '/img" + i + "/**/*.png'}";
                } else if (i < exact + wildcards + prefixOnly) {
                    match = "path: {prefix: /shared" + i + "/}";
                } else {
                    match = "path: {regex: '/legacy" + i + "/.*\\.php'}";
                }
                y.append("  - {name: r").append(i).append(", match: {").append(match).append("}, pool: pool")
                        .append(i % 4).append("}\n");
            }
            table = RoutingTable.of(config(y.toString()), new LoadCounter());

            int hit = switch (target) {
                case "first" -> 0;
                case "middle" -> n / 2;
                case "last" -> n - 1;
                default -> -1;
            };
            if (hit < 0) {
                request = request("nowhere.example.org", "/nothing/index.html");
            } else if (ruleSet.equals("prefix")) {
                request = request("www.example.com", "/svc" + hit + "/index.html");
            } else if (hit < exact) {
                request = request("site" + (hit % hosts) + ".example.com", "/app" + hit + "/index.html");
            } else {
                request = request("www.example.com", "/legacy" + hit + "/index.php"); // the last rule is a regex
            }
            String expected = hit < 0 ? RouteDecision.DEFAULT_RULE : "r" + hit;
            String got = table.route(request).rule();
            if (!got.equals(expected)) {
                throw new IllegalStateException("request " + request.host() + request.path() + " matched rule " + got
                        + " (expected: " + expected + ")");
            }
        }
    }

    @State(Scope.Thread)
    public static class Selection {
        @Param({"consistent-hash", "least-loaded", "weighted"})
        public String selection;

        @Param({"3", "50"})
        public int servers;

        RoutingTable table;
        final ParsedRequest[] requests = new ParsedRequest[64];
        int next;

        @Setup
        public void setUp() {
            StringBuilder y = new StringBuilder("vips: [198.18.1.1:80]\npools:\n  web:\n    selection: ")
                    .append(selection).append("\n    servers:\n");
            for (int s = 0; s < servers; s++) {
                y.append(server("web", s));
            }
            y.append("default-pool: web\n");
            DirectorConfig c = config(y.toString());
            LoadCounter load = new LoadCounter();
            List<PoolMember> members = c.pool("web").members();
            for (int s = 0; s < members.size(); s++) {
                for (int k = 0; k < s % 7; k++) {
                    load.handedOff(members.get(s).server());
                }
            }
            table = RoutingTable.of(c, load);
            for (int i = 0; i < requests.length; i++) {
                requests[i] = request("www.example.com", "/static/" + i + "/app.js?v=" + i);
            }
            if (table.route(requests[0]).candidates().size() != servers) {
                throw new IllegalStateException("the decision does not order every server of the pool");
            }
        }
    }

    @Benchmark
    public RouteDecision route(Rules s) {
        return s.table.route(s.request);
    }

    @Benchmark
    public RouteDecision selectServer(Selection s) {
        return s.table.route(s.requests[s.next++ & 63]);
    }
}
