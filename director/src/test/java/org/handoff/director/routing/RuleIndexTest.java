package org.handoff.director.routing;

import static org.handoff.director.routing.Requests.config;
import static org.handoff.director.routing.Requests.get;
import static org.handoff.director.routing.Requests.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.handoff.director.http.ParsedRequest;
import org.junit.jupiter.api.Test;

/** The index returns what a linear scan returns, and asks few rules even with 10,000 of them. */
class RuleIndexTest {
    static final String POOLS = "vips: [198.18.1.1:80]\npools:\n"
            + "  a: {servers: [{name: s1, agent: 198.18.0.11:7070, service: 198.18.0.11:80}]}\n"
            + "  b: {servers: [{name: s2, agent: 198.18.0.12:7070, service: 198.18.0.12:80}]}\n"
            + "default-pool: a\nrules:\n";

    static final String[] HOSTS = {"www.example.com", "img.example.com", "a.b.example.com", "example.com", "other.org", "x"};
    static final String[] HOST_RULES = {null, null, "www.example.com", "*.example.com", "*.b.example.com", "other.org", "example.com"};
    static final String[] SEGMENTS = {"static", "img", "api", "v1", "a", "x.css", "y.png"};
    static final String[] METHODS = {"GET", "POST", "HEAD"};

    static String randomPath(Random rnd) {
        StringBuilder sb = new StringBuilder();
        int n = 1 + rnd.nextInt(4);
        for (int i = 0; i < n; i++) {
            sb.append('/').append(SEGMENTS[rnd.nextInt(SEGMENTS.length)]);
        }
        if (rnd.nextBoolean()) {
            sb.append('/');
        }
        return sb.toString();
    }

    static String randomRule(Random rnd, int i) {
        StringBuilder m = new StringBuilder();
        String host = HOST_RULES[rnd.nextInt(HOST_RULES.length)];
        if (host != null) {
            m.append("host: '").append(host).append("', ");
        }
        switch (rnd.nextInt(5)) {
            case 0:
                break;
            case 1:
            case 2:
                String p = randomPath(rnd);
                m.append("path: {prefix: '").append(p, 0, 1 + rnd.nextInt(p.length())).append("'}, ");
                break;
            case 3:
                m.append("path: {glob: '").append(randomPath(rnd).replace("static", "*").replace("v1", "**"))
                        .append("'}, ");
                break;
            default:
                m.append("path: {regex: '.*").append(SEGMENTS[rnd.nextInt(SEGMENTS.length)].replace(".", "\\.")).append("'}, ");
        }
        if (rnd.nextInt(4) == 0) {
            m.append("method: [").append(METHODS[rnd.nextInt(3)]).append("], ");
        }
        if (rnd.nextInt(5) == 0) {
            m.append("headers: {X-T: ").append(rnd.nextBoolean() ? "'1'" : "{regex: '[12]'}").append("}, ");
        }
        return "  - {name: r" + i + ", match: {" + m + "}, pool: " + (rnd.nextBoolean() ? "a" : "b") + "}\n";
    }

    @Test
    void indexAgreesWithLinearScanOnRandomRuleSets() {
        Random rnd = new Random(7);
        int checked = 0;
        int matched = 0;
        for (int set = 0; set < 40; set++) {
            StringBuilder rules = new StringBuilder();
            int n = 1 + rnd.nextInt(60);
            for (int i = 0; i < n; i++) {
                rules.append(randomRule(rnd, i));
            }
            RoutingTable t = RoutingTable.of(config(POOLS + rules), LoadView.NONE);
            for (int q = 0; q < 300; q++) {
                String method = METHODS[rnd.nextInt(3)];
                String host = HOSTS[rnd.nextInt(HOSTS.length)];
                String path = randomPath(rnd);
                ParsedRequest r = rnd.nextBoolean() ? request(method, host, path, "X-T: " + (1 + rnd.nextInt(3)), "Content-Length: 0")
                        : request(method, host, path, "Content-Length: 0");
                String rule = t.route(r).rule();
                assertEquals(t.routeLinear(r).rule(), rule, () -> "rules:\n" + rules + "request " + r);
                checked++;
                if (!rule.equals(RouteDecision.DEFAULT_RULE)) {
                    matched++;
                }
            }
        }
        assertEquals(12_000, checked);
        System.out.printf("index vs linear: %d requests, %d matched a rule%n", checked, matched);
        assertTrue(matched > checked / 3, "too few requests match a rule to test the order: " + matched);
    }

    /** 10,000 rules: 9,000 host+prefix, 950 prefix only, 50 host-less regex. */
    static RoutingTable tenThousandRules() {
        StringBuilder rules = new StringBuilder();
        int i = 0;
        for (; i < 9000; i++) {
            rules.append("  - {name: h").append(i).append(", match: {host: site").append(i % 3000)
                    .append(".example.com, path: {prefix: /app").append(i).append("/}}, pool: b}\n");
        }
        for (; i < 9950; i++) {
            rules.append("  - {name: p").append(i).append(", match: {path: {prefix: /shared").append(i).append("/}}, pool: b}\n");
        }
        for (; i < 10_000; i++) {
            rules.append("  - {name: x").append(i).append(", match: {path: {regex: '/legacy").append(i)
                    .append("/.*\\.php'}}, pool: b}\n");
        }
        return RoutingTable.of(config(POOLS + rules), LoadView.NONE);
    }

    @Test
    void tenThousandRulesAskFewRulesPerRequest() {
        RoutingTable t = tenThousandRules();
        assertEquals(10_000, t.ruleCount());

        ParsedRequest hit = get("site42.example.com", "/app3042/index.html");
        assertEquals("h3042", t.route(hit).rule());
        ParsedRequest shared = get("anything.example.net", "/shared9500/x");
        assertEquals("p9500", t.route(shared).rule());
        ParsedRequest legacy = get("site1.example.com", "/legacy9990/a.php");
        assertEquals("x9990", t.route(legacy).rule());
        ParsedRequest miss = get("nowhere", "/nothing");
        assertEquals("default", t.route(miss).rule());

        for (ParsedRequest r : new ParsedRequest[] {hit, shared, legacy, miss}) {
            assertEquals(t.routeLinear(r).rule(), t.route(r).rule());
            int asked = t.rulesExamined(r);
            assertTrue(asked <= 51, asked + " rules asked for " + r);
        }
        // the 50 host-less regex rules are the linear remainder; nothing else is asked in vain
        assertEquals(1, t.rulesExamined(hit));
        assertEquals(50, t.rulesExamined(miss));

        long t0 = System.nanoTime();
        int rounds = 20_000;
        int sink = 0;
        for (int k = 0; k < rounds; k++) {
            sink += t.route(hit).rule().length();
        }
        long indexed = System.nanoTime() - t0;
        t0 = System.nanoTime();
        for (int k = 0; k < 200; k++) {
            sink += t.routeLinear(miss).rule().length();
        }
        long linear = System.nanoTime() - t0;
        System.out.printf("10,000 rules: indexed route %.2f us (hit), linear scan %.1f us (miss) %d%n",
                indexed / 1e3 / rounds, linear / 1e3 / 200, sink & 1);
    }
}
