package org.handoff.director.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.handoff.config.ConfigException;
import org.handoff.config.HostPort;
import org.junit.jupiter.api.Test;

/** Good configs load with the right values and defaults; bad ones give every error, exactly. */
class ConfigLoaderTest {
    /** A minimal valid config; tests append to or replace parts of it. */
    static final String POOLS = String.join("\n",
            "vips: [198.18.1.1:80]",
            "pools:",
            "  static:",
            "    servers:",
            "      - {name: origin1, agent: 198.18.0.11:7070, service: 198.18.0.11:80}",
            "  all:",
            "    servers:",
            "      - {name: origin1, agent: 198.18.0.11:7070, service: 198.18.0.11:80}",
            "      - {name: origin2, agent: 198.18.0.12:7070, service: 198.18.0.12:80, weight: 3}",
            "");

    static DirectorConfig parse(String yaml) throws ConfigException {
        return ConfigLoader.DIRECTOR.parse(yaml, null);
    }

    static List<String> errors(String yaml) {
        return assertThrows(ConfigException.class, () -> parse(yaml)).errors();
    }

    @Test
    void minimalConfigGetsEveryDefault() throws Exception {
        DirectorConfig c = parse(POOLS + "default-pool: all\n");
        assertEquals(List.of(HostPort.parse("198.18.1.1:80")), c.vips());
        assertEquals(List.of("static", "all"), List.copyOf(c.pools().keySet()));
        PoolConfig all = c.pool("all");
        assertEquals(Selection.CONSISTENT_HASH, all.selection());
        assertEquals("origin2", all.members().get(1).server().name());
        assertEquals(3, all.members().get(1).weight());
        assertEquals(1, all.members().get(0).weight());
        assertEquals("198.18.0.12:7070", all.members().get(1).server().agent().toString());
        assertEquals("198.18.0.12:80", all.members().get(1).server().service().toString());
        assertEquals(List.of(), c.rules());
        assertEquals("all", c.defaultPool());

        assertEquals(Limits.defaults(), c.limits());
        assertEquals(1_000_000, c.limits().maxFlows());
        assertEquals(65_536, c.limits().maxHalfOpen());
        assertEquals(16_384, c.limits().maxRequestHeadBytes());
        assertEquals(Timeouts.defaults(), c.timeouts());
        assertEquals(Duration.ofMillis(50), c.handoff().retransmitInitial());
        assertEquals(Duration.ofSeconds(2), c.handoff().deadline());
        assertNull(c.handoff().keyFile());
        assertEquals(Runtime.getRuntime().availableProcessors(), c.workers());
        assertEquals("127.0.0.1:9464", c.metricsListen().toString());
        assertEquals(Capture.defaults(), c.capture());
        assertEquals(Tcp.defaults(), c.tcp());
    }

    @Test
    void everyKeyGiven() throws Exception {
        DirectorConfig c = ConfigLoader.DIRECTOR.parse(POOLS + String.join("\n",
                "rules:",
                "  - name: api",
                "    match:",
                "      host: '*.Example.com'",
                "      path: {glob: /api/**}",
                "      method: [GET, head]",
                "      headers:",
                "        X-Tenant: blue",
                "        User-Agent: {regex: '.*curl.*'}",
                "    pool: static",
                "default-pool: all",
                "limits:",
                "  max-flows: 2000",
                "  max-half-open: 100",
                "  max-request-head-bytes: 8KiB",
                "  max-request-headers: 50",
                "  max-buffered-bytes-per-flow: 128KiB",
                "  max-buffered-bytes-total: 1GiB",
                "timeouts: {handshake: 3s, request: 1500ms, flow-idle: 1h}",
                "handoff: {retransmit-initial: 20ms, retransmit-max: 1s, deadline: 3s, key-file: keys/h.key}",
                "workers: 3",
                "metrics: {listen: '[::1]:9000'}",
                "capture: {interface: veth-dir, buffer-bytes: 32MiB}",
                "tcp: {mss: 1400, window-shift: 9, initial-window: 32768, retransmit-initial: 300ms, max-retransmits: 4,",
                "  close-linger: 1s}",
                ""), Path.of("/etc/handoff/director.yaml"));
        RuleConfig r = c.rules().get(0);
        assertEquals("api", r.name());
        assertEquals("*.example.com", r.host().pattern());
        assertEquals(PathMatcher.Kind.GLOB, r.path().kind());
        assertEquals("/api/", r.path().literalPrefix());
        assertEquals(Set.of("GET", "HEAD"), r.methods());
        assertEquals("x-tenant = blue", r.headers().get(0).toString());
        assertEquals("user-agent ~ .*curl.*", r.headers().get(1).toString());
        assertEquals("static", r.pool());
        assertEquals(new Limits(2000, 100, 8192, 50, 131072, 1L << 30), c.limits());
        assertEquals(new Timeouts(Duration.ofSeconds(3), Duration.ofMillis(1500), Duration.ofHours(1)), c.timeouts());
        assertEquals(new Handoff(Duration.ofMillis(20), Duration.ofSeconds(1), Duration.ofSeconds(3),
                Path.of("/etc/handoff/keys/h.key"), Handoff.DEFAULT_AGENT_RESTART_GRACE, Handoff.DEFAULT_REQUEST_ACK_DELAY),
                c.handoff());
        assertEquals(3, c.workers());
        assertEquals("[::1]:9000", c.metricsListen().toString());
        assertEquals(new Capture("veth-dir", 32 << 20, null), c.capture());
        assertEquals(new Tcp(1400, 9, 32768, Duration.ofMillis(300), 4, Duration.ofSeconds(1)), c.tcp());
    }

    @Test
    void jsonToo() throws Exception {
        String json = "{\"vips\": [\"198.18.1.1:80\", \"198.18.1.2:80\"], \"pools\": {\"p\": {\"selection\": \"weighted\","
                + " \"servers\": [{\"name\": \"s\", \"agent\": \"198.18.0.11:7070\", \"service\": \"198.18.0.11:80\"}]}},"
                + " \"default-pool\": \"p\", \"metrics\": {\"listen\": \"[2001:db8::1]:9464\"}}";
        DirectorConfig c = ConfigLoader.DIRECTOR.parse(json, Path.of("d.json"));
        assertEquals("198.18.1.2:80", c.vips().get(1).toString());
        assertEquals("[2001:db8::1]:9464", c.metricsListen().toString());
        assertEquals(Selection.WEIGHTED, c.pool("p").selection());
    }

    /**
     * The director terminates IPv4 flows and reaches its agents over IPv4: an IPv6 VIP, agent or
     * service is refused here, by the loader, rather than at start or at the first hand-off.
     */
    @Test
    void ipv6VipsAgentsAndServicesAreRefused() {
        assertEquals(List.of(
                "vips[1]=[2001:db8::1]:80 (expected: IPv4 a.b.c.d:port (the director terminates IPv4 flows only))",
                "pools.p.servers[0].agent=[2001:db8::11]:7070 (expected: IPv4 a.b.c.d:port (agents are reached over IPv4 only))",
                "pools.p.servers[0].service=[2001:db8::11]:80 (expected: IPv4 a.b.c.d:port (agents connect over IPv4 only))"),
                errors("vips: [198.18.1.1:80, '[2001:db8::1]:80']\n"
                        + "pools: {p: {servers: [{name: s, agent: '[2001:db8::11]:7070', service: '[2001:db8::11]:80'}]}}\n"
                        + "default-pool: p\n"));
    }

    @Test
    void badPort() {
        assertEquals(List.of("pools.static.servers[0].agent=198.18.2.1:99999 (expected: host:port with port 1..65535)"),
                errors(POOLS.replace("agent: 198.18.0.11:7070, service: 198.18.0.11:80}\n  all",
                        "agent: 198.18.2.1:99999, service: 198.18.0.11:80}\n  all") + "default-pool: all\n"));
    }

    @Test
    void badAddresses() {
        assertEquals(List.of(
                "vips[0]=www.example.com:80 (expected: IPv4 a.b.c.d:port or [IPv6]:port)",
                "vips[1]=198.18.1.1 (expected: host:port with port 1..65535)",
                "vips[2]=2001:db8::1:80 (expected: IPv4 a.b.c.d:port or [IPv6]:port)",
                "vips[3]=198.18.1.1:0 (expected: host:port with port 1..65535)",
                "vips[5]=198.18.1.1:80 (expected: a VIP not already listed at vips[4])"),
                errors(POOLS.replace("vips: [198.18.1.1:80]", "vips: [www.example.com:80, 198.18.1.1, '2001:db8::1:80', "
                        + "198.18.1.1:0, 198.18.1.1:80, 198.18.1.1:80]") + "default-pool: all\n"));
    }

    @Test
    void unknownPoolReference() {
        assertEquals(List.of("rules[0].pool=vidoe (expected: one of the pools: static, all)"),
                errors(POOLS + "rules:\n  - {name: v, match: {path: {prefix: /video/}}, pool: vidoe}\ndefault-pool: all\n"));
    }

    @Test
    void missingDefaultPool() {
        assertEquals(List.of("default-pool=<missing> (expected: one of the pools: static, all)"), errors(POOLS));
        assertEquals(List.of("default-pool=none (expected: one of the pools: static, all)"), errors(POOLS + "default-pool: none\n"));
    }

    @Test
    void duplicateNames() {
        assertEquals(List.of(
                "pools.all.servers[1].name=origin1 (expected: a server name not already in pool all (at servers[0]))",
                "rules[1].name=r (expected: a name not used by rules[0])"),
                errors(POOLS.replace("name: origin2, agent: 198.18.0.12:7070", "name: origin1, agent: 198.18.0.11:7070")
                        + "rules:\n  - {name: r, pool: all}\n  - {name: r, pool: static}\ndefault-pool: all\n"));
    }

    @Test
    void defaultIsNotARuleName() {
        assertEquals(List.of("rules[0].name=default (expected: a name other than default, which marks decisions made "
                + "by default-pool)"), errors(POOLS + "rules:\n  - {name: default, pool: all}\ndefault-pool: all\n"));
    }

    @Test
    void emptyRulesIsNoRules() throws Exception {
        assertEquals(List.of(), parse(POOLS + "rules:\ndefault-pool: all\n").rules());
    }

    @Test
    void oneServerNameIsOneServer() {
        assertEquals(List.of("pools.all.servers[0].agent=198.18.0.99:7070 (expected: 198.18.0.11:7070 as in "
                        + "pools.static.servers[0] (one name is one server))"),
                errors(POOLS.replace("- {name: origin1, agent: 198.18.0.11:7070, service: 198.18.0.11:80}\n      - {name: origin2",
                        "- {name: origin1, agent: 198.18.0.99:7070, service: 198.18.0.11:80}\n      - {name: origin2")
                        + "default-pool: all\n"));
    }

    @Test
    void twoPathMatchersInOneRule() {
        assertEquals(List.of("rules[0].match.path={\"prefix\":\"/a/\",\"regex\":\"/a/.*\"} (expected: exactly one of prefix, glob, regex)"),
                errors(POOLS + "rules:\n  - name: r\n    match: {path: {prefix: /a/, regex: /a/.*}}\n    pool: all\ndefault-pool: all\n"));
    }

    @Test
    void badRegex() {
        assertEquals(List.of(
                "rules[0].match.path.regex=/a(b (expected: a Java regular expression: Unclosed group near index 4)",
                "rules[0].match.headers.X-A.regex=[z (expected: a Java regular expression: Unclosed character class near index 1)"),
                errors(POOLS + "rules:\n  - name: r\n    match: {path: {regex: '/a(b'}, headers: {X-A: {regex: '[z'}}}\n"
                        + "    pool: all\ndefault-pool: all\n"));
    }

    @Test
    void theRequestsAckWaitsAsADelayedAckWouldUnlessTurnedOff() throws Exception {
        assertEquals(Duration.ofMillis(40), parse(POOLS + "default-pool: all\n").handoff().requestAckDelay());
        assertEquals(Duration.ZERO, parse(POOLS + "default-pool: all\nhandoff:\n  request-ack-delay: 0s\n").handoff().requestAckDelay());
        assertEquals(Duration.ofMillis(150),
                parse(POOLS + "default-pool: all\nhandoff:\n  request-ack-delay: 150ms\n").handoff().requestAckDelay());
        assertEquals(List.of("handoff.request-ack-delay=200ms (expected: a duration 0s..150ms written like 50ms, 2s, 5m)"),
                errors(POOLS + "default-pool: all\nhandoff:\n  request-ack-delay: 200ms\n"));
        assertEquals(List.of("handoff.request-ack-delay=-1ms (expected: a duration 0s..150ms written like 50ms, 2s, 5m)"),
                errors(POOLS + "default-pool: all\nhandoff:\n  request-ack-delay: -1ms\n"));
    }

    @Test
    void unknownKeys() {
        // top-level keys first, then each section as it is read
        assertEquals(List.of(
                "timeout=1s (expected: a known key: vips, pools, rules, default-pool, limits, timeouts, handoff, "
                        + "workers, metrics, capture, tcp, datapath, kernel, cluster)",
                "pools.static.sever=x (expected: a known key: selection, servers)",
                "rules[0].match.paht={\"prefix\":\"/a/\"} (expected: a known key: host, path, method, headers)",
                "limits.max-flow=10 (expected: a known key: max-flows, max-half-open, max-request-head-bytes, "
                        + "max-request-headers, max-buffered-bytes-per-flow, max-buffered-bytes-total)"),
                errors(POOLS.replace("  static:\n", "  static:\n    sever: x\n")
                        + "rules:\n  - {name: r, match: {paht: {prefix: /a/}}, pool: all}\ndefault-pool: all\n"
                        + "limits: {max-flow: 10}\ntimeout: 1s\n"));
    }

    @Test
    void badScalars() {
        assertEquals(List.of(
                "pools.all.selection=round-robin (expected: consistent-hash, least-loaded or weighted)",
                "pools.all.servers[1].weight=0 (expected: an integer 1..10000)",
                "timeouts.handshake=5 (expected: a duration 100ms..5m written like 50ms, 2s, 5m)",
                "timeouts.request=10 s (expected: a duration 100ms..10m written like 50ms, 2s, 5m)",
                "handoff.deadline=1d (expected: a duration 10ms..9s written like 50ms, 2s, 5m)",
                "workers=0 (expected: an integer 1..1024)",
                "capture.buffer-bytes=64MB (expected: a size in bytes 1048576..2147483647 (an integer, or with KiB, MiB, GiB))",
                "tcp.window-shift=15 (expected: an integer 0..14)"),
                errors(POOLS.replace("  all:\n", "  all:\n    selection: round-robin\n").replace("weight: 3", "weight: 0")
                        + "default-pool: all\ntimeouts: {handshake: 5, request: 10 s}\nhandoff: {deadline: 1d}\nworkers: 0\n"
                        + "capture: {buffer-bytes: 64MB}\ntcp: {window-shift: 15}\n"));
    }

    /** capture.announce-device: a TUN device name of its own, never the capture interface; absent by default. */
    @Test
    void announceDevice() throws Exception {
        assertEquals(new Capture("eth0", Capture.DEFAULT_BUFFER_BYTES, "vip0"),
                parse(POOLS + "default-pool: all\ncapture: {interface: eth0, announce-device: vip0}\n").capture());
        assertEquals(null, parse(POOLS + "default-pool: all\ncapture: {interface: eth0}\n").capture().announceDevice());
        assertEquals(List.of("capture.announce-device=vip0-much-too-long (expected: a TUN device name, at most 15 characters)"),
                errors(POOLS + "default-pool: all\ncapture: {interface: eth0, announce-device: vip0-much-too-long}\n"));
        assertEquals(List.of("capture.announce-device=eth0 (expected: a device of its own, not capture.interface=eth0 (the"
                        + " director creates it and it vanishes with the director))"),
                errors(POOLS + "default-pool: all\ncapture: {interface: eth0, announce-device: eth0}\n"));
    }

    @Test
    void badMatchers() {
        assertEquals(List.of(
                "rules[0].match.host=www.*.com (expected: a host name like www.example.com, or *.example.com for any subdomain)",
                "rules[0].match.path.prefix=static/ (expected: a path prefix starting with /)",
                "rules[0].match.method[1]=GE T (expected: an HTTP method token, e.g. GET)",
                "rules[0].match.headers.X-A={\"exact\":\"a\",\"regex\":\"b\"} (expected: a value, {exact: value} or {regex: expression})"),
                errors(POOLS + "rules:\n  - name: r\n    match:\n      host: www.*.com\n      path: {prefix: static/}\n"
                        + "      method: [GET, GE T]\n      headers: {X-A: {exact: a, regex: b}}\n    pool: all\ndefault-pool: all\n"));
    }

    @Test
    void hostMatcherForms() throws Exception {
        assertEquals("[2001:db8::1]", parse(POOLS + "rules:\n  - {name: r, match: {host: '[2001:DB8::1]'}, pool: all}\n"
                + "default-pool: all\n").rules().get(0).host().pattern());
        assertEquals(List.of("rules[0].match.host=*.[::1] (expected: a host name like www.example.com, or *.example.com "
                + "for any subdomain)"), errors(POOLS + "rules:\n  - {name: r, match: {host: '*.[::1]'}, pool: all}\n"
                + "default-pool: all\n"));
    }

    @Test
    void crossChecks() {
        assertEquals(List.of(
                "limits.max-half-open=5000 (expected: at most limits.max-flows=1000)",
                "limits.max-buffered-bytes-per-flow=1024 (expected: at least limits.max-request-head-bytes=16384)",
                "tcp.initial-window=65535 (expected: at most limits.max-buffered-bytes-per-flow=1024: the director must "
                        + "hold what its window lets the client send)",
                "handoff.retransmit-max=10ms (expected: at least handoff.retransmit-initial=50ms)"),
                errors(POOLS + "default-pool: all\nlimits: {max-flows: 1000, max-half-open: 5000, max-buffered-bytes-per-flow: 1024}\n"
                        + "handoff: {retransmit-max: 10ms}\n"));
    }

    @Test
    void allErrorsTogetherInOneMessage() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.DIRECTOR.parse(
                POOLS.replace("198.18.0.12:7070", "198.18.0.12:70000") + "default-pool: nope\nworkers: many\n",
                Path.of("director.yaml")));
        assertEquals("director.yaml: 3 errors\n"
                + "  pools.all.servers[1].agent=198.18.0.12:70000 (expected: host:port with port 1..65535)\n"
                + "  default-pool=nope (expected: one of the pools: static, all)\n"
                + "  workers=many (expected: an integer 1..1024)", e.getMessage());
    }

    @Test
    void poolsServersRulesAndMatchMustBeMappings() {
        String yaml = POOLS.replace("      - {name: origin1, agent: 198.18.0.11:7070, service: 198.18.0.11:80}\n  all:",
                "      - {name: origin1, agent: 198.18.0.11:7070, service: 198.18.0.11:80}\n      - 7\n  all:")
                + "  broken: 5\n"
                + "rules:\n  - just a rule\n  - {name: r, match: 3, pool: static}\n"
                + "default-pool: all\n";
        assertEquals(List.of(
                "pools.static.servers[1]=7 (expected: a mapping with keys name, agent, service, weight)",
                "pools.broken=5 (expected: a mapping with keys selection, servers)",
                "rules[0]=just a rule (expected: a mapping with keys name, match, pool)",
                "rules[1].match=3 (expected: a mapping with keys host, path, method, headers)"), errors(yaml));
    }

    @Test
    void syntaxAndDuplicateKeys() {
        List<String> dup = errors(POOLS + "default-pool: all\ndefault-pool: static\n");
        assertEquals(1, dup.size());
        assertTrue(dup.get(0).startsWith("line 11, column "), dup.get(0));
        assertTrue(dup.get(0).contains("Duplicate field 'default-pool'"), dup.get(0));
        assertEquals(List.of("(root)=just text (expected: a mapping with keys vips, pools, rules, default-pool, limits, "
                + "timeouts, handoff, workers, metrics, capture, tcp, datapath, kernel, cluster)"), errors("just text"));
        assertEquals(List.of("(root)=<empty> (expected: a mapping with keys vips, pools, rules, default-pool, limits, "
                + "timeouts, handoff, workers, metrics, capture, tcp, datapath, kernel, cluster)"), errors(""));
    }

    @Test
    void emptyConfigSectionsAreErrors() {
        assertEquals(List.of(
                "vips=<missing> (expected: a list of one or more VIP address:port, e.g. [198.18.1.1:80])",
                "pools=<missing> (expected: a mapping of pool name to {selection, servers})",
                "default-pool=x (expected: the name of a pool in pools)"),
                errors("default-pool: x\n"));
    }
}
