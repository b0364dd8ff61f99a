package org.handoff.director.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.handoff.config.ConfigException;
import org.handoff.config.ConfigNode;
import org.handoff.config.ConfigSchema;
import org.handoff.config.ConfigTree;
import org.handoff.config.HostPort;
import org.handoff.protocol.message.HandoffFlyweight;
import org.handoff.protocol.message.HandoffKeys;

/**
 * The director's config schema (YAML; JSON too, by a ".json" file name or because JSON is
 * YAML), walked once over a {@link ConfigTree}: every key is checked here and nowhere else,
 * errors are collected, not thrown one by one, and each names its path in the file:
 * {@code pools.static.servers[1].agent=198.18.2.1:99999 (expected: host:port with port
 * 1..65535)}. Unknown keys are errors, so a typo never passes as a default. The format is in
 * docs/configuration.md.
 *
 * <p>Two ways to load ({@link #DIRECTOR}). {@code loadForRun} is what {@code handoff director run} and
 * {@code check-config} use: it also requires what a running director needs, the capture
 * interface and the hand-off key file, and reads and checks that key file, so the two refuse
 * exactly the same configs. {@code load} and {@code parse} check the same schema without
 * those two (trace replay simulates the agents with keys of its own; tests and benchmarks
 * supply their own I/O).
 */
public final class ConfigLoader {
    static final List<String> TOP_KEYS = List.of("vips", "pools", "rules", "default-pool", "limits", "timeouts",
            "handoff", "workers", "metrics", "capture", "tcp", "datapath", "kernel", "cluster");
    static final List<String> POOL_KEYS = List.of("selection", "servers");
    static final List<String> SERVER_KEYS = List.of("name", "agent", "service", "weight");
    static final List<String> RULE_KEYS = List.of("name", "match", "pool");
    static final List<String> MATCH_KEYS = List.of("host", "path", "method", "headers");
    static final List<String> PATH_KEYS = List.of("prefix", "glob", "regex");
    static final List<String> HEADER_VALUE_KEYS = List.of("exact", "regex");
    static final List<String> LIMITS_KEYS = List.of("max-flows", "max-half-open", "max-request-head-bytes",
            "max-request-headers", "max-buffered-bytes-per-flow", "max-buffered-bytes-total");
    static final List<String> TIMEOUTS_KEYS = List.of("handshake", "request", "flow-idle");
    /**
     * The longest handoff.deadline: the agents' answers are accepted for the deadline plus a
     * second (DirectorWorker's replay guard, 10 s at most); a later answer would be refused as stale.
     */
    public static final Duration MAX_HANDOFF_DEADLINE = Duration.ofSeconds(9);
    static final List<String> HANDOFF_KEYS = List.of("retransmit-initial", "retransmit-max", "deadline", "key-file",
            "agent-restart-grace", "request-ack-delay");
    /** The longest handoff.agent-restart-grace: a dead agent's clients wait at most this long for their reset. */
    public static final Duration MAX_AGENT_RESTART_GRACE = Duration.ofMinutes(1);
    /**
     * The longest handoff.request-ack-delay: below the least retransmission timeout of Linux
     * clients (200 ms), so a deferred ACK never makes the client send its request again.
     */
    public static final Duration MAX_REQUEST_ACK_DELAY = Duration.ofMillis(150);
    static final List<String> KERNEL_KEYS = List.of("bpffs");
    static final List<String> CLUSTER_KEYS = List.of("enabled", "director-id", "name", "bind", "transport", "multicast", "port",
            "members", "key-exchange-port", "peer-port", "keystore", "keystore-password-file", "key-file", "failure-timeout",
            "failure-interval", "suspect-verify", "join-timeout", "state-timeout", "secret-rotation", "orphan-expiry",
            "replay-window");
    private static final Map<String, Datapath> DATAPATHS = Map.of(Datapath.AUTO.key(), Datapath.AUTO,
            Datapath.KERNEL.key(), Datapath.KERNEL, Datapath.USER.key(), Datapath.USER);
    static final List<String> METRICS_KEYS = List.of("listen");
    static final List<String> CAPTURE_KEYS = List.of("interface", "buffer-bytes", "announce-device");
    static final List<String> TCP_KEYS = List.of("mss", "window-shift", "initial-window", "retransmit-initial",
            "max-retransmits", "close-linger");

    static final int MAX_WEIGHT = 10_000;
    /**
     * The most request bytes one HANDOFF datagram carries, and so the most the director
     * receives before the hand-off: its receive buffer is {@code min(tcp.initial-window, this)}.
     */
    public static final int MAX_RECEIVE_BUFFER = HandoffFlyweight.MAX_REQUEST_LENGTH;
    /** How errors name a config given as text, and how they say durations are written. */
    static final ConfigTree.Wording WORDING = new ConfigTree.Wording("config", "50ms, 2s, 5m");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final String EXPECTED_NAME = "1 to 64 letters, digits, '_', '.', '-', starting with a letter or digit";
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Pattern HOST_LABELS = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*");
    private static final Pattern INTERFACE = Pattern.compile("[A-Za-z0-9_.:@-]{1,15}");
    private static final Map<String, Selection> SELECTIONS = Map.of(
            Selection.CONSISTENT_HASH.key(), Selection.CONSISTENT_HASH,
            Selection.LEAST_LOADED.key(), Selection.LEAST_LOADED,
            Selection.WEIGHTED.key(), Selection.WEIGHTED);

    /**
     * The director's schema. {@code loadForRun} also requires what {@code handoff director run}
     * needs besides the schema: a capture interface and a readable, valid hand-off key file (read
     * here, into {@link DirectorConfig#keys()}); {@code load} and {@code parse} (replay, tests)
     * require neither.
     */
    public static final ConfigSchema<DirectorConfig> DIRECTOR = new ConfigSchema<>(WORDING, Checker::new);

    private ConfigLoader() {}

    /** "50ms", "2s", "5m", "1h", "500us": as the config writes durations. */
    public static String format(Duration d) {
        return ConfigNode.format(d);
    }

    /** Walks the tree once, collecting errors; takes defaults where a value is bad so the walk goes on. */
    private static final class Checker extends ConfigSchema.Walk<DirectorConfig> {
        Checker(ConfigTree tree, boolean forRun) {
            super(tree, forRun);
        }

        @Override
        protected DirectorConfig check() throws ConfigException {
            ConfigNode root = tree.root(TOP_KEYS);
            List<HostPort> vips = vips(root.get("vips"));
            Map<String, PoolConfig> pools = pools(root.get("pools"));
            List<RuleConfig> rules = rules(root.get("rules"), pools);
            String defaultPool = poolRef(root.get("default-pool"), pools);
            Limits limits = limits(root.section("limits", LIMITS_KEYS));
            Timeouts timeouts = timeouts(root.section("timeouts", TIMEOUTS_KEYS));
            ConfigNode handoffSection = root.section("handoff", HANDOFF_KEYS);
            Handoff handoff = handoff(handoffSection);
            int workers = (int) root.get("workers").integer(Runtime.getRuntime().availableProcessors(), 1, 1024);
            ConfigNode listen = root.section("metrics", METRICS_KEYS).get("listen");
            HostPort metricsListen = listen.isMissing() ? HostPort.parse("127.0.0.1:9464") : listen.hostPort(null);
            Capture capture = capture(root.section("capture", CAPTURE_KEYS));
            Tcp tcp = tcp(root.section("tcp", TCP_KEYS));
            Datapath datapath = root.get("datapath").oneOf(Datapath.AUTO, DATAPATHS, "auto, kernel or user");
            Kernel kernel = kernel(root.section("kernel", KERNEL_KEYS));
            HandoffKeys keys = forRun ? keys(handoffSection.get("key-file"), handoff.keyFile()) : null;
            Cluster cluster = ClusterSection.check(root.section("cluster", CLUSTER_KEYS), forRun, tree);
            crossChecks(limits, handoff, tcp);
            tree.throwIfErrors();
            return new DirectorConfig(tree.source(), vips, pools, rules, defaultPool, limits, timeouts, handoff, workers,
                    metricsListen, capture, tcp, keys, datapath, kernel, cluster);
        }

        // ---- sections ----

        private List<HostPort> vips(ConfigNode node) {
            return node.uniqueList("a list of one or more VIP address:port, e.g. [198.18.1.1:80]", "VIP",
                    element -> ipv4(element.hostPort(null), element, "the director terminates IPv4 flows only"));
        }

        /** {@code address} when it is IPv4; otherwise (an IPv6 literal) an error saying why not. */
        private static HostPort ipv4(HostPort address, ConfigNode node, String why) {
            if (address != null && !address.isIpv4()) {
                node.error("IPv4 a.b.c.d:port (" + why + ")");
                return null;
            }
            return address;
        }

        private Map<String, PoolConfig> pools(ConfigNode node) {
            Map<String, PoolConfig> pools = new LinkedHashMap<>();
            if (!node.isMapping() || node.json().isEmpty()) {
                node.error("a mapping of pool name to {selection, servers}");
                return pools;
            }
            Map<String, Server> serversByName = new HashMap<>();
            Map<String, String> whereDefined = new HashMap<>();
            for (Map.Entry<String, ConfigNode> e : node.entries().entrySet()) {
                String name = e.getKey();
                if (!NAME.matcher(name).matches()) {
                    e.getValue().error("a pool name: " + EXPECTED_NAME);
                    continue;
                }
                ConfigNode pool = e.getValue().mapping(POOL_KEYS);
                if (pool.isMissing()) {
                    continue;
                }
                Selection selection = pool.get("selection").oneOf(Selection.CONSISTENT_HASH, SELECTIONS,
                        "consistent-hash, least-loaded or weighted");
                List<PoolMember> members = new ArrayList<>();
                ConfigNode servers = pool.get("servers");
                if (!servers.isList() || servers.json().isEmpty()) {
                    servers.error("a list of one or more {name, agent, service, weight}");
                } else {
                    Map<String, Integer> inPool = new HashMap<>();
                    List<ConfigNode> list = servers.elements();
                    for (int i = 0; i < list.size(); i++) {
                        PoolMember m = member(list.get(i), name, inPool, i, serversByName, whereDefined);
                        if (m != null) {
                            members.add(m);
                        }
                    }
                }
                pools.put(name, new PoolConfig(name, selection, members));
            }
            return pools;
        }

        private PoolMember member(ConfigNode element, String poolName, Map<String, Integer> inPool, int index,
                Map<String, Server> serversByName, Map<String, String> whereDefined) {
            ConfigNode node = element.mapping(SERVER_KEYS);
            if (node.isMissing()) {
                return null;
            }
            int errorsBefore = tree.errorCount();
            String name = node.get("name").text(NAME, "a server name: " + EXPECTED_NAME);
            ConfigNode agentNode = node.get("agent");
            ConfigNode serviceNode = node.get("service");
            HostPort agent = ipv4(agentNode.hostPort("the UDP address:port of the server's agent"), agentNode,
                    "agents are reached over IPv4 only");
            HostPort service = ipv4(serviceNode.hostPort("the address:port of the service the agent connects to"),
                    serviceNode, "agents connect over IPv4 only");
            int weight = (int) node.get("weight").integer(1, 1, MAX_WEIGHT);
            if (name != null) {
                Integer before = inPool.putIfAbsent(name, index);
                if (before != null) {
                    node.get("name").error("a server name not already in pool " + poolName + " (at servers[" + before + "])");
                    return null;
                }
            }
            if (tree.errorCount() > errorsBefore) {
                return null;
            }
            Server server = new Server(name, agent, service);
            Server known = serversByName.putIfAbsent(name, server);
            if (known != null && !known.equals(server)) {
                String where = whereDefined.get(name);
                if (!known.agent().equals(agent)) {
                    agentNode.error(known.agent() + " as in " + where + " (one name is one server)");
                }
                if (!known.service().equals(service)) {
                    serviceNode.error(known.service() + " as in " + where + " (one name is one server)");
                }
                return null;
            }
            whereDefined.putIfAbsent(name, node.path());
            return new PoolMember(known != null ? known : server, weight);
        }

        private List<RuleConfig> rules(ConfigNode node, Map<String, PoolConfig> pools) {
            List<RuleConfig> rules = new ArrayList<>();
            if (node.isMissingOrNull()) { // absent, or "rules:" with nothing under it
                return rules;
            }
            if (!node.isList()) {
                node.error("a list of {name, match, pool}");
                return rules;
            }
            Map<String, Integer> names = new HashMap<>();
            List<ConfigNode> list = node.elements();
            for (int i = 0; i < list.size(); i++) {
                ConfigNode rule = list.get(i).mapping(RULE_KEYS);
                if (rule.isMissing()) {
                    continue;
                }
                int errorsBefore = tree.errorCount();
                ConfigNode nameNode = rule.get("name");
                String name = nameNode.text(NAME, "a rule name: " + EXPECTED_NAME);
                if ("default".equals(name)) {
                    nameNode.error("a name other than default, which marks decisions made by default-pool");
                } else if (name != null) {
                    Integer before = names.putIfAbsent(name, i);
                    if (before != null) {
                        nameNode.error("a name not used by rules[" + before + "]");
                    }
                }
                HostMatcher host = null;
                PathMatcher pathMatcher = null;
                Set<String> methods = new LinkedHashSet<>();
                List<HeaderMatcher> headers = new ArrayList<>();
                ConfigNode match = rule.get("match").mapping(MATCH_KEYS);
                if (!match.isMissing()) {
                    host = hostMatcher(match.get("host"));
                    pathMatcher = pathMatcher(match.get("path"));
                    methods(match.get("method"), methods);
                    headers(match.get("headers"), headers);
                }
                String pool = poolRef(rule.get("pool"), pools);
                if (tree.errorCount() == errorsBefore) {
                    rules.add(new RuleConfig(name, host, pathMatcher, methods, headers, pool));
                }
            }
            return rules;
        }

        private HostMatcher hostMatcher(ConfigNode node) {
            if (node.isMissing()) {
                return null;
            }
            String expected = "a host name like www.example.com, or *.example.com for any subdomain";
            if (!node.isText()) {
                node.error(expected);
                return null;
            }
            String h = node.text().toLowerCase(Locale.ROOT);
            String domain = h.startsWith("*.") ? h.substring(2) : h;
            boolean wildcard = h.startsWith("*.");
            if (!HOST_LABELS.matcher(domain).matches() && (wildcard || !isIpLiteral(domain))) {
                node.error(expected);
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

        private PathMatcher pathMatcher(ConfigNode node) {
            if (node.isMissing()) {
                return null;
            }
            String expected = "exactly one of prefix, glob, regex";
            if (!node.isMapping()) {
                node.error(expected);
                return null;
            }
            node.onlyKeys(PATH_KEYS);
            List<String> given = new ArrayList<>();
            for (String k : PATH_KEYS) {
                if (node.json().has(k)) {
                    given.add(k);
                }
            }
            if (given.size() != 1) {
                node.error(expected);
                return null;
            }
            String kind = given.get(0);
            ConfigNode v = node.get(kind);
            switch (kind) {
                case "prefix":
                    if (!v.isText() || !v.text().startsWith("/")) {
                        v.error("a path prefix starting with /");
                        return null;
                    }
                    return PathMatcher.prefix(v.text());
                case "glob":
                    if (!v.isText() || !v.text().startsWith("/")) {
                        v.error("a glob starting with / (* within a segment, ** across, ? one character)");
                        return null;
                    }
                    return PathMatcher.glob(v.text());
                default:
                    if (!v.isText()) {
                        v.error("a Java regular expression");
                        return null;
                    }
                    try {
                        return PathMatcher.regex(v.text());
                    } catch (PatternSyntaxException e) {
                        v.error(regexExpectation(e));
                        return null;
                    }
            }
        }

        private static String regexExpectation(PatternSyntaxException e) {
            return "a Java regular expression: " + e.getDescription() + (e.getIndex() >= 0 ? " near index " + e.getIndex() : "");
        }

        private void methods(ConfigNode node, Set<String> out) {
            if (node.isMissing()) {
                return;
            }
            if (node.isText()) {
                method(node, out);
                return;
            }
            if (!node.isList() || node.json().isEmpty()) {
                node.error("a list of methods, e.g. [GET, HEAD]");
                return;
            }
            for (ConfigNode m : node.elements()) {
                method(m, out);
            }
        }

        private void method(ConfigNode node, Set<String> out) {
            String method = node.text(TOKEN, "an HTTP method token, e.g. GET");
            if (method != null) {
                // Methods are case-sensitive and registered in upper case; "get" in a config means GET.
                out.add(method.toUpperCase(Locale.ROOT));
            }
        }

        private void headers(ConfigNode node, List<HeaderMatcher> out) {
            if (node.isMissing()) {
                return;
            }
            if (!node.isMapping() || node.json().isEmpty()) {
                node.error("a mapping of header name to a value, or to {regex: ...}");
                return;
            }
            for (Map.Entry<String, ConfigNode> e : node.entries().entrySet()) {
                String name = e.getKey();
                ConfigNode v = e.getValue();
                if (!TOKEN.matcher(name).matches()) {
                    v.error("a header name (an HTTP token)");
                    continue;
                }
                String lower = name.toLowerCase(Locale.ROOT);
                if (v.isText()) {
                    out.add(HeaderMatcher.exact(lower, v.text()));
                    continue;
                }
                if (!v.isMapping() || v.json().size() != 1) {
                    v.error("a value, {exact: value} or {regex: expression}");
                    continue;
                }
                v.onlyKeys(HEADER_VALUE_KEYS);
                ConfigNode exact = v.get("exact");
                ConfigNode regex = v.get("regex");
                if (!exact.isMissing()) {
                    if (exact.isText()) {
                        out.add(HeaderMatcher.exact(lower, exact.text()));
                    } else {
                        exact.error("a header value");
                    }
                } else if (!regex.isMissing()) {
                    if (!regex.isText()) {
                        regex.error("a Java regular expression");
                        continue;
                    }
                    try {
                        out.add(HeaderMatcher.regex(lower, regex.text()));
                    } catch (PatternSyntaxException ex) {
                        regex.error(regexExpectation(ex));
                    }
                }
            }
        }

        private String poolRef(ConfigNode node, Map<String, PoolConfig> pools) {
            if (!node.isText() || !pools.containsKey(node.text())) {
                node.error(pools.isEmpty() ? "the name of a pool in pools" : "one of the pools: " + String.join(", ", pools.keySet()));
                return null;
            }
            return node.text();
        }

        private Limits limits(ConfigNode s) {
            Limits d = Limits.defaults();
            return new Limits(
                    s.get("max-flows").integer(d.maxFlows(), 1, 100_000_000),
                    (int) s.get("max-half-open").integer(d.maxHalfOpen(), 1, 100_000_000),
                    (int) s.get("max-request-head-bytes").size(d.maxRequestHeadBytes(), 256, 1 << 20),
                    (int) s.get("max-request-headers").integer(d.maxRequestHeaders(), 1, 10_000),
                    (int) s.get("max-buffered-bytes-per-flow").size(d.maxBufferedBytesPerFlow(), 256, 64 << 20),
                    s.get("max-buffered-bytes-total").size(d.maxBufferedBytesTotal(), 1 << 16, 1L << 40));
        }

        private Timeouts timeouts(ConfigNode s) {
            Timeouts d = Timeouts.defaults();
            return new Timeouts(
                    s.get("handshake").duration(d.handshake(), Duration.ofMillis(100), Duration.ofMinutes(5)),
                    s.get("request").duration(d.request(), Duration.ofMillis(100), Duration.ofMinutes(10)),
                    s.get("flow-idle").duration(d.flowIdle(), Duration.ofSeconds(1), Duration.ofHours(24)));
        }

        private Handoff handoff(ConfigNode s) {
            Handoff d = Handoff.defaults();
            ConfigNode k = s.get("key-file");
            Path keyFile = k.isMissing() ? null : k.path("a file path, relative to the config file's folder");
            return new Handoff(
                    s.get("retransmit-initial").duration(d.retransmitInitial(), Duration.ofMillis(1), Duration.ofSeconds(10)),
                    s.get("retransmit-max").duration(d.retransmitMax(), Duration.ofMillis(1), Duration.ofSeconds(60)),
                    s.get("deadline").duration(d.deadline(), Duration.ofMillis(10), MAX_HANDOFF_DEADLINE),
                    keyFile,
                    s.get("agent-restart-grace").duration(d.agentRestartGrace(), Duration.ZERO, MAX_AGENT_RESTART_GRACE),
                    s.get("request-ack-delay").duration(d.requestAckDelay(), Duration.ZERO, MAX_REQUEST_ACK_DELAY));
        }

        private Kernel kernel(ConfigNode s) {
            ConfigNode b = s.get("bpffs");
            Path bpffs = b.isMissing() ? Kernel.DEFAULT_BPFFS : b.path("a directory for the pinned maps, relative to the config file's folder");
            return new Kernel(bpffs == null ? Kernel.DEFAULT_BPFFS : bpffs);
        }

        /** The key ring a running director signs and checks with: required, read and checked now. */
        private HandoffKeys keys(ConfigNode node, Path file) {
            if (node.isMissing()) {
                node.error("the shared key file, relative to the config file's folder (docs/handoff-protocol.md section 4)");
                return null;
            }
            if (file == null) {
                return null; // a bad path, reported already
            }
            return node.readFile(file, "key file", HandoffKeys::load);
        }

        private Capture capture(ConfigNode s) {
            ConfigNode i = s.get("interface");
            String iface = null;
            if (!i.isMissing()) {
                iface = i.text(INTERFACE, "a network interface name, at most 15 characters");
            } else if (forRun) {
                i.error("the interface the VIP traffic arrives on (a running director captures there)");
            }
            ConfigNode a = s.get("announce-device");
            String announce = a.isMissing() ? null : a.text(INTERFACE, "a TUN device name, at most 15 characters");
            if (announce != null && announce.equals(iface)) {
                a.error("a device of its own, not capture.interface=" + iface + " (the director creates it and it vanishes"
                        + " with the director)");
            }
            return new Capture(iface, (int) s.get("buffer-bytes").size(Capture.DEFAULT_BUFFER_BYTES, 1 << 20,
                    Integer.MAX_VALUE), announce);
        }

        private Tcp tcp(ConfigNode s) {
            Tcp d = Tcp.defaults();
            return new Tcp(
                    (int) s.get("mss").integer(d.mss(), 536, 65495),
                    (int) s.get("window-shift").integer(d.windowShift(), 0, 14),
                    (int) s.get("initial-window").integer(d.initialWindow(), 1, 65535),
                    s.get("retransmit-initial").duration(d.retransmitInitial(), Duration.ofMillis(10), Duration.ofSeconds(10)),
                    (int) s.get("max-retransmits").integer(d.maxRetransmits(), 0, 20),
                    s.get("close-linger").duration(d.closeLinger(), Duration.ofMillis(1), Duration.ofSeconds(60)));
        }

        private void crossChecks(Limits limits, Handoff handoff, Tcp tcp) {
            if (limits.maxHalfOpen() > limits.maxFlows()) {
                tree.error("limits.max-half-open=" + limits.maxHalfOpen() + " (expected: at most limits.max-flows="
                        + limits.maxFlows() + ")");
            }
            if (limits.maxBufferedBytesPerFlow() < limits.maxRequestHeadBytes()) {
                tree.error("limits.max-buffered-bytes-per-flow=" + limits.maxBufferedBytesPerFlow()
                        + " (expected: at least limits.max-request-head-bytes=" + limits.maxRequestHeadBytes() + ")");
            }
            if (limits.maxBufferedBytesTotal() < limits.maxBufferedBytesPerFlow()) {
                tree.error("limits.max-buffered-bytes-total=" + limits.maxBufferedBytesTotal()
                        + " (expected: at least limits.max-buffered-bytes-per-flow=" + limits.maxBufferedBytesPerFlow() + ")");
            }
            if (tcp.initialWindow() > limits.maxBufferedBytesPerFlow()) {
                tree.error("tcp.initial-window=" + tcp.initialWindow()
                        + " (expected: at most limits.max-buffered-bytes-per-flow=" + limits.maxBufferedBytesPerFlow()
                        + ": the director must hold what its window lets the client send)");
            }
            int receiveBuffer = receiveBuffer(tcp);
            if (limits.maxRequestHeadBytes() > receiveBuffer) {
                tree.error("limits.max-request-head-bytes=" + limits.maxRequestHeadBytes() + " (expected: at most "
                        + receiveBuffer + ", the director's receive buffer, min(tcp.initial-window=" + tcp.initialWindow()
                        + ", " + MAX_RECEIVE_BUFFER + " bytes a HANDOFF carries): a longer head could never arrive)");
            }
            if (handoff.retransmitMax().compareTo(handoff.retransmitInitial()) < 0) {
                tree.error("handoff.retransmit-max=" + format(handoff.retransmitMax())
                        + " (expected: at least handoff.retransmit-initial=" + format(handoff.retransmitInitial()) + ")");
            }
            if (handoff.deadline().compareTo(handoff.retransmitInitial()) <= 0) {
                tree.error("handoff.deadline=" + format(handoff.deadline())
                        + " (expected: more than handoff.retransmit-initial=" + format(handoff.retransmitInitial()) + ")");
            }
        }
    }

    /** The bytes a flow may send before the hand-off: the SYN-ACK's window, at most what one HANDOFF carries. */
    public static int receiveBuffer(Tcp tcp) {
        return Math.min(tcp.initialWindow(), MAX_RECEIVE_BUFFER);
    }
}
