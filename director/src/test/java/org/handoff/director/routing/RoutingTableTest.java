package org.handoff.director.routing;

import static org.handoff.director.routing.Requests.config;
import static org.handoff.director.routing.Requests.get;
import static org.handoff.director.routing.Requests.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.handoff.director.config.Server;
import org.handoff.director.http.ParsedRequest;
import org.junit.jupiter.api.Test;

/** Which rule wins: order, each kind of matcher, hosts, headers, the default pool. */
class RoutingTableTest {
    static final String POOLS = String.join("\n",
            "vips: [198.18.1.1:80]",
            "pools:",
            "  a: {servers: [{name: s1, agent: 198.18.0.11:7070, service: 198.18.0.11:80}]}",
            "  b: {servers: [{name: s2, agent: 198.18.0.12:7070, service: 198.18.0.12:80}]}",
            "  c: {servers: [{name: s3, agent: 198.18.0.13:7070, service: 198.18.0.13:80}]}",
            "  d: {servers: [{name: s1, agent: 198.18.0.11:7070, service: 198.18.0.11:80},",
            "                {name: s2, agent: 198.18.0.12:7070, service: 198.18.0.12:80}]}",
            "default-pool: d",
            "");

    static RoutingTable table(String rules) {
        return RoutingTable.of(config(POOLS + "rules:\n" + rules), LoadView.NONE);
    }

    /** "rule/pool" of the decision, checked against the linear reference on the way. */
    static String route(RoutingTable t, ParsedRequest r) {
        RouteDecision d = t.route(r);
        RouteDecision linear = t.routeLinear(r);
        assertEquals(linear.rule(), d.rule(), "index and linear scan disagree for " + r);
        return d.rule() + "/" + d.pool();
    }

    @Test
    void firstMatchInConfigOrderWins() {
        RoutingTable t = table(String.join("\n",
                "  - {name: static, match: {path: {prefix: /static/}}, pool: a}",
                "  - {name: images, match: {path: {prefix: /static/img/}}, pool: b}",
                ""));
        assertEquals("static/a", route(t, get("h", "/static/img/x.png")));
        RoutingTable reversed = table(String.join("\n",
                "  - {name: images, match: {path: {prefix: /static/img/}}, pool: b}",
                "  - {name: static, match: {path: {prefix: /static/}}, pool: a}",
                ""));
        assertEquals("images/b", route(reversed, get("h", "/static/img/x.png")));
        assertEquals("static/a", route(reversed, get("h", "/static/css/x.css")));
    }

    @Test
    void orderHoldsAcrossIndexBuckets() {
        // A host-less regex rule listed before an exact-host prefix rule still wins when both match.
        RoutingTable t = table(String.join("\n",
                "  - {name: any-png, match: {path: {regex: '.*\\.png'}}, pool: c}",
                "  - {name: host-static, match: {host: www.example.com, path: {prefix: /static/}}, pool: a}",
                "  - {name: wild, match: {host: '*.example.com'}, pool: b}",
                ""));
        assertEquals("any-png/c", route(t, get("www.example.com", "/static/x.png")));
        assertEquals("host-static/a", route(t, get("www.example.com", "/static/x.css")));
        assertEquals("wild/b", route(t, get("www.example.com", "/other")));
        assertEquals("wild/b", route(t, get("img.example.com", "/static/x.css")));
        assertEquals("default/d", route(t, get("example.com", "/static/x.css")));
    }

    @Test
    void prefixMatcher() {
        RoutingTable t = table("  - {name: r, match: {path: {prefix: /static/}}, pool: a}\n");
        assertEquals("r/a", route(t, get("h", "/static/")));
        assertEquals("r/a", route(t, get("h", "/static/a/b.css?x=1")));
        assertEquals("default/d", route(t, get("h", "/static")));
        assertEquals("default/d", route(t, get("h", "/Static/a")));
        // matching is on the normalised path: no escaping the prefix with dot segments
        assertEquals("default/d", route(t, get("h", "/static/../admin")));
        assertEquals("r/a", route(t, get("h", "/x/../static/%61.css")));
    }

    @Test
    void globMatcher() {
        RoutingTable t = table(String.join("\n",
                "  - {name: css, match: {path: {glob: /assets/*.css}}, pool: a}",
                "  - {name: deep, match: {path: {glob: '/media/**/thumb-?.jpg'}}, pool: b}",
                ""));
        assertEquals("css/a", route(t, get("h", "/assets/site.css")));
        assertEquals("default/d", route(t, get("h", "/assets/sub/site.css")));
        assertEquals("default/d", route(t, get("h", "/assets/site.css.map")));
        assertEquals("deep/b", route(t, get("h", "/media/2024/05/thumb-1.jpg")));
        assertEquals("deep/b", route(t, get("h", "/media/thumb-x.jpg")));
        assertEquals("deep/b", route(t, get("h", "/media//thumb-x.jpg")));
        assertEquals("default/d", route(t, get("h", "/media/a/thumb-12.jpg")));
        assertEquals("default/d", route(t, get("h", "/media/a/thumb-/.jpg")));
    }

    @Test
    void regexMatcher() {
        RoutingTable t = table("  - {name: r, match: {path: {regex: '/v[0-9]+/items/[a-z]+'}}, pool: b}\n");
        assertEquals("r/b", route(t, get("h", "/v2/items/abc")));
        assertEquals("default/d", route(t, get("h", "/v2/items/abc/more")));
        assertEquals("default/d", route(t, get("h", "/x/v2/items/abc")));
    }

    @Test
    void methodMatcher() {
        RoutingTable t = table("  - {name: reads, match: {method: [GET, HEAD]}, pool: a}\n");
        assertEquals("reads/a", route(t, request("GET", "h", "/")));
        assertEquals("reads/a", route(t, request("HEAD", "h", "/")));
        assertEquals("default/d", route(t, request("POST", "h", "/", "Content-Length: 0")));
    }

    @Test
    void hostMatchers() {
        RoutingTable t = table(String.join("\n",
                "  - {name: exact, match: {host: www.example.com}, pool: a}",
                "  - {name: wild, match: {host: '*.example.com'}, pool: b}",
                "  - {name: v6, match: {host: '[2001:db8::1]'}, pool: c}",
                ""));
        assertEquals("exact/a", route(t, get("WWW.Example.com:8080", "/")));
        assertEquals("exact/a", route(t, get("www.example.com.", "/")));
        assertEquals("wild/b", route(t, get("img.example.com", "/")));
        assertEquals("wild/b", route(t, get("a.b.example.com", "/")));
        assertEquals("default/d", route(t, get("example.com", "/")));
        assertEquals("default/d", route(t, get("badexample.com", "/")));
        assertEquals("default/d", route(t, get("example.com.evil", "/")));
        assertEquals("v6/c", route(t, get("[2001:DB8::1]:80", "/")));
        assertEquals("exact/a", route(t, get("other", "http://www.example.com/x")));
    }

    @Test
    void headerMatchers() {
        RoutingTable t = table(String.join("\n",
                "  - {name: blue, match: {headers: {X-Tenant: blue}}, pool: a}",
                "  - {name: mobile, match: {headers: {User-Agent: {regex: '.*(Android|iPhone).*'}}}, pool: b}",
                "  - {name: both, match: {headers: {X-A: '1', X-B: {exact: '2'}}}, pool: c}",
                ""));
        assertEquals("blue/a", route(t, request("GET", "h", "/", "x-tenant: blue")));
        assertEquals("default/d", route(t, request("GET", "h", "/", "X-Tenant: Blue")));
        assertEquals("blue/a", route(t, request("GET", "h", "/", "X-Tenant: red", "X-Tenant: blue")));
        assertEquals("mobile/b", route(t, request("GET", "h", "/", "User-Agent: Mozilla/5.0 (iPhone; CPU)")));
        assertEquals("default/d", route(t, request("GET", "h", "/", "User-Agent: curl/8")));
        assertEquals("both/c", route(t, request("GET", "h", "/", "X-A: 1", "X-B: 2")));
        assertEquals("default/d", route(t, request("GET", "h", "/", "X-A: 1")));
        assertEquals("default/d", route(t, get("h", "/")));
    }

    @Test
    void allConditionsMustHold() {
        RoutingTable t = table("  - {name: r, match: {host: '*.example.com', path: {prefix: /api/}, method: [POST],"
                + " headers: {Content-Type: application/json}}, pool: c}\n");
        assertEquals("r/c", route(t, request("POST", "api.example.com", "/api/v1", "Content-Type: application/json",
                "Content-Length: 2")));
        assertEquals("default/d", route(t, request("GET", "api.example.com", "/api/v1", "Content-Type: application/json")));
        assertEquals("default/d", route(t, request("POST", "api.example.org", "/api/v1", "Content-Type: application/json",
                "Content-Length: 2")));
    }

    @Test
    void defaultPoolWhenNothingMatches() {
        RoutingTable t = table("  - {name: r, match: {path: {prefix: /only/}}, pool: a}\n");
        RouteDecision d = t.route(get("h", "/elsewhere"));
        assertTrue(d.isDefault());
        assertEquals("default", d.rule());
        assertEquals("d", d.pool());
        assertEquals(2, d.candidates().size());
        assertEquals(d.candidates().get(0), d.chosen());
    }

    @Test
    void ruleWithoutMatchIsACatchAll() {
        RoutingTable t = table("  - {name: all, pool: c}\n  - {name: never, match: {path: {prefix: /}}, pool: a}\n");
        assertEquals("all/c", route(t, get("h", "/x")));
    }

    @Test
    void asteriskOptionsFallsToHostOrDefaultRules() {
        RoutingTable t = table("  - {name: r, match: {path: {prefix: /}}, pool: a}\n");
        assertEquals("default/d", route(t, request("OPTIONS", "h", "*")));
    }

    @Test
    void candidatesAreThePoolInFailoverOrder() {
        RoutingTable t = table("");
        List<Server> c = t.route(get("h", "/x")).candidates();
        assertEquals(2, c.size());
        assertEquals(2, c.stream().map(Server::name).distinct().count());
    }
}
