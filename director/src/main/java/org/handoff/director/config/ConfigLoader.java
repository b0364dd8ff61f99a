package org.handoff.director.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Loads and validates the director's config (YAML; JSON too, by a ".json" file name or because
 * JSON is YAML). Every key is checked once, here; errors are collected, not thrown one by one,
 * and each names its path in the file: {@code pools.static.servers[1].agent=198.18.2.1:99999
 * (expected: host:port with port 1..65535)}. Unknown keys are errors, so a typo never passes
 * as a default. The format is in docs/configuration.md.
 */
public final class ConfigLoader {
    static final List<String> TOP_KEYS = List.of("vips", "pools", "rules", "default-pool", "limits", "timeouts",
            "handoff", "workers", "metrics", "capture", "tcp");
    static final List<String> POOL_KEYS = List.of("selection", "servers");
    static final List<String> SERVER_KEYS = List.of("name", "agent", "service", "weight");
    static final List<String> RULE_KEYS = List.of("name", "match", "pool");
    static final List<String> MATCH_KEYS = List.of("host", "path", "method", "headers");
    static final List<String> PATH_KEYS = List.of("prefix", "glob", "regex");
    static final List<String> HEADER_VALUE_KEYS = List.of("exact", "regex");
    static final List<String> LIMITS_KEYS = List.of("max-flows", "max-half-open", "max-request-head-bytes",
            "max-request-headers", "max-buffered-bytes-per-flow", "max-buffered-bytes-total");
    static final List<String> TIMEOUTS_KEYS = List.of("handshake", "request", "flow-idle");
    static final List<String> HANDOFF_KEYS = List.of("retransmit-initial", "retransmit-max", "deadline", "key-file");
    static final List<String> METRICS_KEYS = List.of("listen");
    static final List<String> CAPTURE_KEYS = List.of("interface", "buffer-bytes");
    static final List<String> TCP_KEYS = List.of("mss", "window-shift", "initial-window");

    static final int MAX_WEIGHT = 10_000;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final String EXPECTED_NAME = "1 to 64 letters, digits, '_', '.', '-', starting with a letter or digit";
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Pattern HOST_LABELS = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*");
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(us|ms|s|m|h)");
    private static final Pattern SIZE = Pattern.compile("(\\d{1,12})\\s*(KiB|MiB|GiB)?");

    private ConfigLoader() {}

    /** Reads, parses and validates the file. */
    public static DirectorConfig load(Path path) throws ConfigException {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(path, List.of("file=" + path + " (expected: a readable file: " + e + ")"));
        }
        return parse(text, path);
    }

    /**
     * Parses and validates config text. {@code source} names the file in errors and is where a
     * relative {@code handoff.key-file} is resolved from; it may be null.
     */
    public static DirectorConfig parse(String text, Path source) throws ConfigException {
        boolean json = source != null && source.toString().endsWith(".json");
        JsonFactory factory = json ? new JsonFactory() : new YAMLFactory();
        ObjectMapper mapper = new ObjectMapper(factory);
        mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        JsonNode root;
        try {
            root = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": ";
            throw new ConfigException(source, List.of(where + e.getOriginalMessage()
                    + " (expected: " + (json ? "JSON" : "YAML") + " without duplicate keys)"));
        }
        return new Checker(source).check(root);
    }

    /** Walks the tree once, collecting errors; returns defaults where a value is bad so the walk goes on. */
    private static final class Checker {
        private final Path source;
        private final List<String> errors = new ArrayList<>();

        Checker(Path source) {
            this.source = source;
        }

        DirectorConfig check(JsonNode root) throws ConfigException {
            if (root == null || root.isMissingNode() || root.isNull()) {
                throw new ConfigException(source, List.of("(root)=<empty> (expected: a mapping with keys "
                        + String.join(", ", TOP_KEYS) + ")"));
            }
            if (!root.isObject()) {
                throw new ConfigException(source, List.of("(root)=" + show(root) + " (expected: a mapping with keys "
                        + String.join(", ", TOP_KEYS) + ")"));
            }
            onlyKeys(root, "", TOP_KEYS);
            List<HostPort> vips = vips(root.get("vips"));
            Map<String, PoolConfig> pools = pools(root.get("pools"));
            List<RuleConfig> rules = rules(root.get("rules"), pools);
            String defaultPool = defaultPool(root.get("default-pool"), pools);
            Limits limits = limits(section(root, "limits", LIMITS_KEYS));
            Timeouts timeouts = timeouts(section(root, "timeouts", TIMEOUTS_KEYS));
            Handoff handoff = handoff(section(root, "handoff", HANDOFF_KEYS));
            int workers = (int) integer(root, "workers", "workers", Runtime.getRuntime().availableProcessors(), 1, 1024);
            JsonNode metrics = section(root, "metrics", METRICS_KEYS);
            HostPort listen = metrics == null || metrics.get("listen") == null
                    ? HostPort.parse("127.0.0.1:9464") : hostPort(metrics.get("listen"), "metrics.listen", null);
            Capture capture = capture(section(root, "capture", CAPTURE_KEYS));
            Tcp tcp = tcp(section(root, "tcp", TCP_KEYS));
            crossChecks(limits, handoff, tcp);
            if (!errors.isEmpty()) {
                throw new ConfigException(source, errors);
            }
            return new DirectorConfig(source, vips, pools, rules, defaultPool, limits, timeouts, handoff, workers,
                    listen, capture, tcp);
        }

        // ---- sections ----

        private List<HostPort> vips(JsonNode node) {
            List<HostPort> vips = new ArrayList<>();
            if (node == null || !node.isArray() || node.isEmpty()) {
                error("vips", node, "a list of one or more VIP address:port, e.g. [198.18.1.1:80]");
                return vips;
            }
            Map<HostPort, Integer> seen = new HashMap<>();
            for (int i = 0; i < node.size(); i++) {
                String path = "vips[" + i + "]";
                HostPort vip = hostPort(node.get(i), path, null);
                if (vip == null) {
                    continue;
                }
                Integer before = seen.putIfAbsent(vip, i);
                if (before != null) {
                    error(path, node.get(i), "a VIP not already listed at vips[" + before + "]");
                } else {
                    vips.add(vip);
                }
            }
            return vips;
        }

        private Map<String, PoolConfig> pools(JsonNode node) {
            Map<String, PoolConfig> pools = new LinkedHashMap<>();
            if (node == null || !node.isObject() || node.isEmpty()) {
                error("pools", node, "a mapping of pool name to {selection, servers}");
                return pools;
            }
            Map<String, Server> serversByName = new HashMap<>();
            Map<String, String> whereDefined = new HashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String name = e.getKey();
                String path = "pools." + name;
                if (!NAME.matcher(name).matches()) {
                    error(path, e.getValue(), "a pool name: " + EXPECTED_NAME);
                    continue;
                }
                JsonNode pool = e.getValue();
                if (!pool.isObject()) {
                    error(path, pool, "a mapping with keys " + String.join(", ", POOL_KEYS));
                    continue;
                }
                onlyKeys(pool, path, POOL_KEYS);
                Selection selection = Selection.CONSISTENT_HASH;
                JsonNode sel = pool.get("selection");
                if (sel != null) {
                    selection = sel.isTextual() ? Selection.fromKey(sel.asText()) : null;
                    if (selection == null) {
                        error(path + ".selection", sel, "consistent-hash, least-loaded or weighted");
                        selection = Selection.CONSISTENT_HASH;
                    }
                }
                List<PoolMember> members = new ArrayList<>();
                JsonNode servers = pool.get("servers");
                if (servers == null || !servers.isArray() || servers.isEmpty()) {
                    error(path + ".servers", servers, "a list of one or more {name, agent, service, weight}");
                } else {
                    Map<String, Integer> inPool = new HashMap<>();
                    for (int i = 0; i < servers.size(); i++) {
                        PoolMember m = member(servers.get(i), path + ".servers[" + i + "]", name, inPool, i,
                                serversByName, whereDefined);
                        if (m != null) {
                            members.add(m);
                        }
                    }
                }
                pools.put(name, new PoolConfig(name, selection, members));
            }
            return pools;
        }

        private PoolMember member(JsonNode node, String path, String poolName, Map<String, Integer> inPool, int index,
                Map<String, Server> serversByName, Map<String, String> whereDefined) {
            if (!node.isObject()) {
                error(path, node, "a mapping with keys " + String.join(", ", SERVER_KEYS));
                return null;
            }
            onlyKeys(node, path, SERVER_KEYS);
            int errorsBefore = errors.size();
            String name = name(node, path + ".name", "a server name: " + EXPECTED_NAME);
            HostPort agent = hostPort(node.get("agent"), path + ".agent", "the UDP address:port of the server's agent");
            HostPort service = hostPort(node.get("service"), path + ".service",
                    "the address:port of the service the agent connects to");
            int weight = (int) integer(node, "weight", path + ".weight", 1, 1, MAX_WEIGHT);
            if (name != null) {
                Integer before = inPool.putIfAbsent(name, index);
                if (before != null) {
                    error(path + ".name", node.get("name"), "a server name not already in pool " + poolName
                            + " (at servers[" + before + "])");
                    return null;
                }
            }
            if (errors.size() > errorsBefore) {
                return null;
            }
            Server server = new Server(name, agent, service);
            Server known = serversByName.putIfAbsent(name, server);
            if (known != null && !known.equals(server)) {
                String where = whereDefined.get(name);
                if (!known.agent().equals(agent)) {
                    error(path + ".agent", node.get("agent"), known.agent() + " as in " + where
                            + " (one name is one server)");
                }
                if (!known.service().equals(service)) {
                    error(path + ".service", node.get("service"), known.service() + " as in " + where
                            + " (one name is one server)");
                }
                return null;
            }
            whereDefined.putIfAbsent(name, path);
            return new PoolMember(known != null ? known : server, weight);
        }

        private List<RuleConfig> rules(JsonNode node, Map<String, PoolConfig> pools) {
            List<RuleConfig> rules = new ArrayList<>();
            if (node == null || node.isNull()) { // absent, or "rules:" with nothing under it
                return rules;
            }
            if (!node.isArray()) {
                error("rules", node, "a list of {name, match, pool}");
                return rules;
            }
            Map<String, Integer> names = new HashMap<>();
            for (int i = 0; i < node.size(); i++) {
                String path = "rules[" + i + "]";
                JsonNode rule = node.get(i);
                if (!rule.isObject()) {
                    error(path, rule, "a mapping with keys " + String.join(", ", RULE_KEYS));
                    continue;
                }
                onlyKeys(rule, path, RULE_KEYS);
                int errorsBefore = errors.size();
                String name = name(rule, path + ".name", "a rule name: " + EXPECTED_NAME);
                if ("default".equals(name)) {
                    error(path + ".name", rule.get("name"), "a name other than default, which marks decisions "
                            + "made by default-pool");
                } else if (name != null) {
                    Integer before = names.putIfAbsent(name, i);
                    if (before != null) {
                        error(path + ".name", rule.get("name"), "a name not used by rules[" + before + "]");
                    }
                }
                HostMatcher host = null;
                PathMatcher pathMatcher = null;
                Set<String> methods = new LinkedHashSet<>();
                List<HeaderMatcher> headers = new ArrayList<>();
                JsonNode match = rule.get("match");
                if (match != null) {
                    if (!match.isObject()) {
                        error(path + ".match", match, "a mapping with keys " + String.join(", ", MATCH_KEYS));
                    } else {
                        onlyKeys(match, path + ".match", MATCH_KEYS);
                        host = hostMatcher(match.get("host"), path + ".match.host");
                        pathMatcher = pathMatcher(match.get("path"), path + ".match.path");
                        methods(match.get("method"), path + ".match.method", methods);
                        headers(match.get("headers"), path + ".match.headers", headers);
                    }
                }
                String pool = poolRef(rule.get("pool"), path + ".pool", pools);
                if (errors.size() == errorsBefore) {
                    rules.add(new RuleConfig(name, host, pathMatcher, methods, headers, pool));
                }
            }
            return rules;
        }

        private HostMatcher hostMatcher(JsonNode node, String path) {
            if (node == null) {
                return null;
            }
            String expected = "a host name like www.example.com, or *.example.com for any subdomain";
            if (!node.isTextual()) {
                error(path, node, expected);
                return null;
            }
            String h = node.asText().toLowerCase(Locale.ROOT);
            String domain = h.startsWith("*.") ? h.substring(2) : h;
            boolean wildcard = h.startsWith("*.");
            if (!HOST_LABELS.matcher(domain).matches() && (wildcard || !isIpLiteral(domain))) {
                error(path, node, expected);
                return null;
            }
            return new HostMatcher(h);
        }

        private static boolean isIpLiteral(String h) {
            if (h.startsWith("[") && h.endsWith("]")) {
                return com.google.common.net.InetAddresses.isInetAddress(h.substring(1, h.length() - 1));
            }
            return false;
        }

        private PathMatcher pathMatcher(JsonNode node, String path) {
            if (node == null) {
                return null;
            }
            String expected = "exactly one of prefix, glob, regex";
            if (!node.isObject()) {
                error(path, node, expected);
                return null;
            }
            onlyKeys(node, path, PATH_KEYS);
            List<String> given = new ArrayList<>();
            for (String k : PATH_KEYS) {
                if (node.has(k)) {
                    given.add(k);
                }
            }
            if (given.size() != 1) {
                error(path, node, expected);
                return null;
            }
            String kind = given.get(0);
            JsonNode v = node.get(kind);
            String p = path + "." + kind;
            switch (kind) {
                case "prefix":
                    if (!v.isTextual() || !v.asText().startsWith("/")) {
                        error(p, v, "a path prefix starting with /");
                        return null;
                    }
                    return PathMatcher.prefix(v.asText());
                case "glob":
                    if (!v.isTextual() || !v.asText().startsWith("/")) {
                        error(p, v, "a glob starting with / (* within a segment, ** across, ? one character)");
                        return null;
                    }
                    return PathMatcher.glob(v.asText());
                default:
                    if (!v.isTextual()) {
                        error(p, v, "a Java regular expression");
                        return null;
                    }
                    try {
                        return PathMatcher.regex(v.asText());
                    } catch (PatternSyntaxException e) {
                        error(p, v, regexExpectation(e));
                        return null;
                    }
            }
        }

        private static String regexExpectation(PatternSyntaxException e) {
            return "a Java regular expression: " + e.getDescription() + (e.getIndex() >= 0 ? " near index " + e.getIndex() : "");
        }

        private void methods(JsonNode node, String path, Set<String> out) {
            if (node == null) {
                return;
            }
            String expected = "a list of methods, e.g. [GET, HEAD]";
            if (node.isTextual()) {
                method(node, path, out);
                return;
            }
            if (!node.isArray() || node.isEmpty()) {
                error(path, node, expected);
                return;
            }
            for (int i = 0; i < node.size(); i++) {
                method(node.get(i), path + "[" + i + "]", out);
            }
        }

        private void method(JsonNode node, String path, Set<String> out) {
            if (!node.isTextual() || !TOKEN.matcher(node.asText()).matches()) {
                error(path, node, "an HTTP method token, e.g. GET");
                return;
            }
            // Methods are case-sensitive and registered in upper case; "get" in a config means GET.
            out.add(node.asText().toUpperCase(Locale.ROOT));
        }

        private void headers(JsonNode node, String path, List<HeaderMatcher> out) {
            if (node == null) {
                return;
            }
            if (!node.isObject() || node.isEmpty()) {
                error(path, node, "a mapping of header name to a value, or to {regex: ...}");
                return;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String name = e.getKey();
                String p = path + "." + name;
                JsonNode v = e.getValue();
                if (!TOKEN.matcher(name).matches()) {
                    error(p, v, "a header name (an HTTP token)");
                    continue;
                }
                String lower = name.toLowerCase(Locale.ROOT);
                if (v.isTextual()) {
                    out.add(HeaderMatcher.exact(lower, v.asText()));
                    continue;
                }
                String expected = "a value, {exact: value} or {regex: expression}";
                if (!v.isObject() || v.size() != 1) {
                    error(p, v, expected);
                    continue;
                }
                onlyKeys(v, p, HEADER_VALUE_KEYS);
                if (v.get("exact") != null) {
                    if (v.get("exact").isTextual()) {
                        out.add(HeaderMatcher.exact(lower, v.get("exact").asText()));
                    } else {
                        error(p + ".exact", v.get("exact"), "a header value");
                    }
                } else if (v.get("regex") != null) {
                    JsonNode r = v.get("regex");
                    if (!r.isTextual()) {
                        error(p + ".regex", r, "a Java regular expression");
                        continue;
                    }
                    try {
                        out.add(HeaderMatcher.regex(lower, r.asText()));
                    } catch (PatternSyntaxException ex) {
                        error(p + ".regex", r, regexExpectation(ex));
                    }
                }
            }
        }

        private String poolRef(JsonNode node, String path, Map<String, PoolConfig> pools) {
            if (node == null || !node.isTextual() || !pools.containsKey(node.asText())) {
                error(path, node, pools.isEmpty() ? "the name of a pool in pools"
                        : "one of the pools: " + String.join(", ", pools.keySet()));
                return null;
            }
            return node.asText();
        }

        private String defaultPool(JsonNode node, Map<String, PoolConfig> pools) {
            return poolRef(node, "default-pool", pools);
        }

        private Limits limits(JsonNode s) {
            Limits d = Limits.defaults();
            return new Limits(
                    integer(s, "max-flows", "limits.max-flows", d.maxFlows(), 1, 100_000_000),
                    (int) integer(s, "max-half-open", "limits.max-half-open", d.maxHalfOpen(), 1, 100_000_000),
                    (int) size(s, "max-request-head-bytes", "limits.max-request-head-bytes", d.maxRequestHeadBytes(),
                            256, 1 << 20),
                    (int) integer(s, "max-request-headers", "limits.max-request-headers", d.maxRequestHeaders(), 1, 10_000),
                    (int) size(s, "max-buffered-bytes-per-flow", "limits.max-buffered-bytes-per-flow",
                            d.maxBufferedBytesPerFlow(), 256, 64 << 20),
                    size(s, "max-buffered-bytes-total", "limits.max-buffered-bytes-total", d.maxBufferedBytesTotal(),
                            1 << 16, 1L << 40));
        }

        private Timeouts timeouts(JsonNode s) {
            Timeouts d = Timeouts.defaults();
            return new Timeouts(
                    duration(s, "handshake", "timeouts.handshake", d.handshake(), Duration.ofMillis(100), Duration.ofMinutes(5)),
                    duration(s, "request", "timeouts.request", d.request(), Duration.ofMillis(100), Duration.ofMinutes(10)),
                    duration(s, "flow-idle", "timeouts.flow-idle", d.flowIdle(), Duration.ofSeconds(1), Duration.ofHours(24)));
        }

        private Handoff handoff(JsonNode s) {
            Handoff d = Handoff.defaults();
            Path keyFile = null;
            JsonNode k = s == null ? null : s.get("key-file");
            if (k != null) {
                try {
                    if (!k.isTextual() || k.asText().isEmpty()) {
                        throw new InvalidPathException(k.asText(), "empty");
                    }
                    keyFile = Path.of(k.asText());
                    if (!keyFile.isAbsolute() && source != null && source.getParent() != null) {
                        keyFile = source.getParent().resolve(keyFile);
                    }
                } catch (InvalidPathException e) {
                    error("handoff.key-file", k, "a file path, relative to the config file's folder");
                }
            }
            return new Handoff(
                    duration(s, "retransmit-initial", "handoff.retransmit-initial", d.retransmitInitial(),
                            Duration.ofMillis(1), Duration.ofSeconds(10)),
                    duration(s, "retransmit-max", "handoff.retransmit-max", d.retransmitMax(),
                            Duration.ofMillis(1), Duration.ofSeconds(60)),
                    duration(s, "deadline", "handoff.deadline", d.deadline(), Duration.ofMillis(10), Duration.ofMinutes(5)),
                    keyFile);
        }

        private Capture capture(JsonNode s) {
            String iface = null;
            JsonNode i = s == null ? null : s.get("interface");
            if (i != null) {
                if (!i.isTextual() || !i.asText().matches("[A-Za-z0-9_.:@-]{1,15}")) {
                    error("capture.interface", i, "a network interface name, at most 15 characters");
                } else {
                    iface = i.asText();
                }
            }
            return new Capture(iface, (int) size(s, "buffer-bytes", "capture.buffer-bytes",
                    Capture.DEFAULT_BUFFER_BYTES, 1 << 20, Integer.MAX_VALUE));
        }

        private Tcp tcp(JsonNode s) {
            Tcp d = Tcp.defaults();
            return new Tcp(
                    (int) integer(s, "mss", "tcp.mss", d.mss(), 536, 65495),
                    (int) integer(s, "window-shift", "tcp.window-shift", d.windowShift(), 0, 14),
                    (int) integer(s, "initial-window", "tcp.initial-window", d.initialWindow(), 1, 65535));
        }

        private void crossChecks(Limits limits, Handoff handoff, Tcp tcp) {
            if (limits.maxHalfOpen() > limits.maxFlows()) {
                errors.add("limits.max-half-open=" + limits.maxHalfOpen() + " (expected: at most limits.max-flows="
                        + limits.maxFlows() + ")");
            }
            if (limits.maxBufferedBytesPerFlow() < limits.maxRequestHeadBytes()) {
                errors.add("limits.max-buffered-bytes-per-flow=" + limits.maxBufferedBytesPerFlow()
                        + " (expected: at least limits.max-request-head-bytes=" + limits.maxRequestHeadBytes() + ")");
            }
            if (limits.maxBufferedBytesTotal() < limits.maxBufferedBytesPerFlow()) {
                errors.add("limits.max-buffered-bytes-total=" + limits.maxBufferedBytesTotal()
                        + " (expected: at least limits.max-buffered-bytes-per-flow=" + limits.maxBufferedBytesPerFlow() + ")");
            }
            if (tcp.initialWindow() > limits.maxBufferedBytesPerFlow()) {
                errors.add("tcp.initial-window=" + tcp.initialWindow()
                        + " (expected: at most limits.max-buffered-bytes-per-flow=" + limits.maxBufferedBytesPerFlow()
                        + ": the director must hold what its window lets the client send)");
            }
            if (handoff.retransmitMax().compareTo(handoff.retransmitInitial()) < 0) {
                errors.add("handoff.retransmit-max=" + format(handoff.retransmitMax())
                        + " (expected: at least handoff.retransmit-initial=" + format(handoff.retransmitInitial()) + ")");
            }
            if (handoff.deadline().compareTo(handoff.retransmitInitial()) <= 0) {
                errors.add("handoff.deadline=" + format(handoff.deadline())
                        + " (expected: more than handoff.retransmit-initial=" + format(handoff.retransmitInitial()) + ")");
            }
        }

        // ---- scalar helpers ----

        /** A section (limits, timeouts, ...): null when absent; unknown keys reported. */
        private JsonNode section(JsonNode root, String key, List<String> keys) {
            JsonNode s = root.get(key);
            if (s == null) {
                return null;
            }
            if (!s.isObject()) {
                error(key, s, "a mapping with keys " + String.join(", ", keys));
                return null;
            }
            onlyKeys(s, key, keys);
            return s;
        }

        private void onlyKeys(JsonNode obj, String path, List<String> keys) {
            for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!keys.contains(e.getKey())) {
                    error(path.isEmpty() ? e.getKey() : path + "." + e.getKey(), e.getValue(),
                            "a known key: " + String.join(", ", keys));
                }
            }
        }

        /** The object's "name" key: required, {@link #NAME} syntax. */
        private String name(JsonNode obj, String path, String expected) {
            JsonNode n = obj.get("name");
            if (n == null || !n.isTextual() || !NAME.matcher(n.asText()).matches()) {
                error(path, n, expected);
                return null;
            }
            return n.asText();
        }

        private HostPort hostPort(JsonNode node, String path, String missingExpectation) {
            if (node == null || !node.isTextual()) {
                error(path, node, missingExpectation != null ? missingExpectation + ", " + HostPort.EXPECTED_ADDRESS
                        : HostPort.EXPECTED_ADDRESS);
                return null;
            }
            try {
                return HostPort.parse(node.asText());
            } catch (IllegalArgumentException e) {
                error(path, node, e.getMessage());
                return null;
            }
        }

        private long integer(JsonNode obj, String key, String path, long def, long min, long max) {
            JsonNode n = obj == null ? null : obj.get(key);
            if (n == null) {
                return def;
            }
            if (!n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < min || n.asLong() > max) {
                error(path, n, "an integer " + min + ".." + max);
                return def;
            }
            return n.asLong();
        }

        /** Bytes: an integer, or a string with a KiB, MiB or GiB suffix ("64MiB"). */
        private long size(JsonNode obj, String key, String path, long def, long min, long max) {
            JsonNode n = obj == null ? null : obj.get(key);
            if (n == null) {
                return def;
            }
            long v = -1;
            if (n.isIntegralNumber() && n.canConvertToLong()) {
                v = n.asLong();
            } else if (n.isTextual()) {
                Matcher m = SIZE.matcher(n.asText().trim());
                if (m.matches()) {
                    int shift = m.group(2) == null ? 0 : m.group(2).equals("KiB") ? 10 : m.group(2).equals("MiB") ? 20 : 30;
                    v = Long.parseLong(m.group(1)) << shift;
                }
            }
            if (v < min || v > max) {
                error(path, n, "a size in bytes " + min + ".." + max + " (an integer, or with KiB, MiB, GiB)");
                return def;
            }
            return v;
        }

        /** A duration: digits then us, ms, s, m or h ("50ms", "2s", "5m"). */
        private Duration duration(JsonNode obj, String key, String path, Duration def, Duration min, Duration max) {
            JsonNode n = obj == null ? null : obj.get(key);
            if (n == null) {
                return def;
            }
            Duration d = null;
            Matcher m = n.isTextual() ? DURATION.matcher(n.asText().trim()) : null;
            if (m != null && m.matches()) {
                long v = Long.parseLong(m.group(1));
                switch (m.group(2)) {
                    case "us":
                        d = Duration.ofNanos(v * 1000);
                        break;
                    case "ms":
                        d = Duration.ofMillis(v);
                        break;
                    case "s":
                        d = Duration.ofSeconds(v);
                        break;
                    case "m":
                        d = Duration.ofMinutes(v);
                        break;
                    default:
                        d = Duration.ofHours(v);
                }
            }
            if (d == null || d.compareTo(min) < 0 || d.compareTo(max) > 0) {
                error(path, n, "a duration " + format(min) + ".." + format(max) + " written like 50ms, 2s, 5m");
                return def;
            }
            return d;
        }

        private void error(String path, JsonNode value, String expected) {
            errors.add(path + "=" + show(value) + " (expected: " + expected + ")");
        }
    }

    static String show(JsonNode n) {
        if (n == null || n.isMissingNode()) {
            return "<missing>";
        }
        if (n.isNull()) {
            return "null";
        }
        String s = n.isValueNode() ? n.asText() : n.toString();
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }

    /** "50ms", "2s", "5m", "1h", "500us": the shortest exact form. */
    public static String format(Duration d) {
        long nanos = d.toNanos();
        if (nanos % 3_600_000_000_000L == 0 && nanos > 0) {
            return nanos / 3_600_000_000_000L + "h";
        }
        if (nanos % 60_000_000_000L == 0 && nanos > 0) {
            return nanos / 60_000_000_000L + "m";
        }
        if (nanos % 1_000_000_000L == 0) {
            return nanos / 1_000_000_000L + "s";
        }
        if (nanos % 1_000_000L == 0) {
            return nanos / 1_000_000L + "ms";
        }
        return nanos / 1000 + "us";
    }
}
