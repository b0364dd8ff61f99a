package org.handoff.agent.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.handoff.agent.setup.AgentNetworkConfig;
import org.handoff.protocol.wire.Bytes;

/**
 * Loads and validates the agent's YAML config. Every key is checked once, here; errors are
 * collected, not thrown one by one, and each names its path in the file, the value found and
 * what was expected: {@code timeouts.connect=5 (expected: a duration 10ms..30s written like
 * 500ms, 2s)}. Unknown keys are errors, so a typo never passes as a default. The format is in
 * docs/configuration.md ("Server agent").
 */
public final class AgentConfigLoader {
    static final List<String> TOP_KEYS = List.of("listen", "key-file", "handoff-address", "services", "vips", "link",
            "limits", "timeouts", "replay", "workers", "metrics");
    static final List<String> LINK_KEYS = List.of("tun", "table", "rule-priority", "mtu", "conntrack-exemption", "offload",
            "state-file");
    static final List<String> LIMITS_KEYS = List.of("max-flows", "max-buffered-packets");
    static final List<String> TIMEOUTS_KEYS = List.of("connect", "flow-idle", "close-linger", "drain");
    static final List<String> REPLAY_KEYS = List.of("window", "skew", "capacity");
    static final List<String> METRICS_KEYS = List.of("listen");

    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(us|ms|s|m|h)");
    private static final Pattern IFNAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");
    private static final String EXPECTED_HOST_PORT = "IPv4 a.b.c.d:port with port 1..65535";

    private AgentConfigLoader() {
    }

    /** Reads, parses and validates the file. */
    public static AgentConfig load(Path path) throws AgentConfigException {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AgentConfigException(path, List.of("file=" + path + " (expected: a readable file: " + e + ")"));
        }
        return parse(text, path);
    }

    /**
     * Parses and validates config text. {@code source} names the file in errors and is where
     * relative {@code key-file} and {@code link.state-file} paths are resolved from; may be null.
     */
    public static AgentConfig parse(String text, Path source) throws AgentConfigException {
        ObjectMapper mapper = new ObjectMapper(new YAMLFactory());
        mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        JsonNode root;
        try {
            root = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": ";
            throw new AgentConfigException(source, List.of(where + e.getOriginalMessage()
                    + " (expected: YAML without duplicate keys)"));
        }
        return new Checker(source).check(root);
    }

    private static final class Checker {
        private final Path source;
        private final List<String> errors = new ArrayList<>();

        Checker(Path source) {
            this.source = source;
        }

        AgentConfig check(JsonNode root) throws AgentConfigException {
            if (root == null || root.isMissingNode() || root.isNull() || !root.isObject()) {
                throw new AgentConfigException(source, List.of("(root)=" + (root == null || root.isMissingNode() || root.isNull()
                        ? "<empty>" : show(root)) + " (expected: a mapping with keys " + String.join(", ", TOP_KEYS) + ")"));
            }
            onlyKeys(root, "", TOP_KEYS);
            InetSocketAddress listen = required(root, "listen") ? hostPort(root.get("listen"), "listen") : null;
            Path keyFile = keyFile(root.get("key-file"));
            int handoffAddress = 0;
            if (required(root, "handoff-address")) {
                handoffAddress = ipv4(root.get("handoff-address"), "handoff-address", "a dotted IPv4 address such as 198.18.10.11");
            }
            List<Service> services = services(root.get("services"));
            List<Integer> vips = vips(root.get("vips"));

            JsonNode link = section(root, "link", LINK_KEYS);
            String tun = "ho-tun0";
            if (link != null && link.get("tun") != null) {
                JsonNode n = link.get("tun");
                if (n.isTextual() && IFNAME.matcher(n.asText()).matches()) {
                    tun = n.asText();
                } else {
                    error("link.tun", n, "an interface name of 1..15 of [A-Za-z0-9_.-]");
                }
            }
            int table = (int) integer(link, "table", "link.table", 100, 1, Integer.MAX_VALUE);
            if (table >= 253 && table <= 255) {
                error("link.table", link.get("table"), "1..2147483647 except 253..255, the kernel's own tables");
            }
            int rulePriority = (int) integer(link, "rule-priority", "link.rule-priority", 100, 1, 32765);
            int mtu = (int) integer(link, "mtu", "link.mtu", 1500, 576, 65535);
            boolean notrack = bool(link, "conntrack-exemption", "link.conntrack-exemption", true);
            LinkOffload offload = LinkOffload.AUTO;
            if (link != null && link.get("offload") != null) {
                JsonNode n = link.get("offload");
                offload = null;
                for (LinkOffload o : LinkOffload.values()) {
                    if (n.isTextual() && o.yaml().equals(n.asText())) {
                        offload = o;
                    }
                }
                if (n.isBoolean() && !n.asBoolean()) {
                    offload = LinkOffload.OFF; // YAML 1.1 reads a bare `off` as false
                }
                if (offload == null) {
                    error("link.offload", n, "auto, split or off");
                    offload = LinkOffload.AUTO;
                }
            }
            Path stateFile = AgentNetworkConfig.DEFAULT_STATE_FILE;
            if (link != null && link.get("state-file") != null) {
                stateFile = path(link.get("state-file"), "link.state-file");
            }

            JsonNode limits = section(root, "limits", LIMITS_KEYS);
            int maxFlows = (int) integer(limits, "max-flows", "limits.max-flows", 100_000, 1, 10_000_000);
            int maxBuffered = (int) integer(limits, "max-buffered-packets", "limits.max-buffered-packets", 64, 0, 4096);

            JsonNode timeouts = section(root, "timeouts", TIMEOUTS_KEYS);
            Duration connect = duration(timeouts, "connect", "timeouts.connect", Duration.ofMillis(500),
                    Duration.ofMillis(10), Duration.ofSeconds(30), "10ms..30s");
            Duration idle = duration(timeouts, "flow-idle", "timeouts.flow-idle", Duration.ofMinutes(5),
                    Duration.ofSeconds(1), Duration.ofHours(24), "1s..24h");
            Duration linger = duration(timeouts, "close-linger", "timeouts.close-linger", Duration.ofSeconds(2),
                    Duration.ZERO, Duration.ofSeconds(60), "0s..60s");
            Duration drain = duration(timeouts, "drain", "timeouts.drain", Duration.ofSeconds(2),
                    Duration.ZERO, Duration.ofSeconds(60), "0s..60s");

            JsonNode replay = section(root, "replay", REPLAY_KEYS);
            Duration window = duration(replay, "window", "replay.window", Duration.ofSeconds(2),
                    Duration.ofMillis(100), Duration.ofSeconds(60), "100ms..60s");
            Duration skew = duration(replay, "skew", "replay.skew", Duration.ofMillis(500),
                    Duration.ZERO, Duration.ofSeconds(60), "0s..60s");
            int capacity = (int) integer(replay, "capacity", "replay.capacity", 65_536, 1_024, 1 << 24);

            int workers = (int) integer(root, "workers", "workers", 1, 1, 64);
            JsonNode metrics = section(root, "metrics", METRICS_KEYS);
            InetSocketAddress metricsListen = metrics != null && metrics.get("listen") != null
                    ? hostPort(metrics.get("listen"), "metrics.listen") : new InetSocketAddress(loopback(), 9465);

            if (handoffAddress != 0 && vips.contains(handoffAddress)) {
                error("handoff-address", root.get("handoff-address"), "an address apart from every VIP (it is also in vips)");
            }
            if (!errors.isEmpty()) {
                throw new AgentConfigException(source, errors);
            }
            return new AgentConfig(source, listen, keyFile, handoffAddress, services, vips,
                    new AgentConfig.Link(tun, table, rulePriority, mtu, notrack, offload, stateFile), maxFlows, maxBuffered,
                    connect, idle, linger, drain, window, skew, capacity, workers, metricsListen);
        }

        // ---- sections ----

        /** The key file's path; it is read when the agent starts (the lab writes it at start). */
        private Path keyFile(JsonNode node) {
            if (node == null) {
                error("key-file", null, "the path of the shared key file (docs/handoff-protocol.md section 4)");
                return null;
            }
            return path(node, "key-file");
        }

        private List<Service> services(JsonNode node) {
            List<Service> out = new ArrayList<>();
            if (node == null || !node.isArray() || node.isEmpty()) {
                error("services", node, "a list of one or more origin ports (80) or address:port (198.18.0.11:80)");
                return out;
            }
            for (int i = 0; i < node.size(); i++) {
                JsonNode n = node.get(i);
                String path = "services[" + i + "]";
                Service s = null;
                if (n.isInt()) {
                    if (n.asInt() >= 1 && n.asInt() <= 65535) {
                        s = new Service(0, n.asInt());
                    }
                } else if (n.isTextual()) {
                    String t = n.asText();
                    if (t.matches("\\d{1,5}")) {
                        int port = Integer.parseInt(t);
                        s = port >= 1 && port <= 65535 ? new Service(0, port) : null;
                    } else {
                        InetSocketAddress a = parseHostPort(t);
                        s = a == null ? null : new Service(Bytes.parseIpv4(a.getAddress().getHostAddress()), a.getPort());
                    }
                }
                if (s == null) {
                    error(path, n, "a port 1..65535 or " + EXPECTED_HOST_PORT);
                } else if (out.contains(s)) {
                    error(path, n, "a service not already listed");
                } else {
                    out.add(s);
                }
            }
            return out;
        }

        private List<Integer> vips(JsonNode node) {
            List<Integer> out = new ArrayList<>();
            if (node == null || !node.isArray() || node.isEmpty()) {
                error("vips", node, "a list of one or more VIP addresses (a.b.c.d, or a.b.c.d:port as the director lists them)");
                return out;
            }
            Map<Integer, Integer> seen = new HashMap<>();
            for (int i = 0; i < node.size(); i++) {
                JsonNode n = node.get(i);
                String path = "vips[" + i + "]";
                Integer address = null;
                if (n.isTextual()) {
                    String t = n.asText();
                    if (IPV4.matcher(t).matches()) {
                        address = Bytes.parseIpv4(t);
                    } else {
                        InetSocketAddress a = parseHostPort(t);
                        address = a == null ? null : Bytes.parseIpv4(a.getAddress().getHostAddress());
                    }
                }
                if (address == null) {
                    error(path, n, "an IPv4 address a.b.c.d (or a.b.c.d:port; the port is not used)");
                    continue;
                }
                Integer before = seen.putIfAbsent(address, i);
                if (before != null) {
                    error(path, n, "a VIP not already listed at vips[" + before + "]");
                } else {
                    out.add(address);
                }
            }
            return out;
        }

        // ---- values ----

        private boolean required(JsonNode parent, String key) {
            if (parent.get(key) == null) {
                error(key, null, "a value (required)");
                return false;
            }
            return true;
        }

        private JsonNode section(JsonNode parent, String key, List<String> keys) {
            JsonNode n = parent.get(key);
            if (n == null) {
                return null;
            }
            if (!n.isObject()) {
                error(key, n, "a mapping with keys " + String.join(", ", keys));
                return null;
            }
            onlyKeys(n, key, keys);
            return n;
        }

        private void onlyKeys(JsonNode node, String path, List<String> allowed) {
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!allowed.contains(k)) {
                    error(path.isEmpty() ? k : path + "." + k, node.get(k), "a known key: " + String.join(", ", allowed));
                }
            }
        }

        private InetSocketAddress hostPort(JsonNode n, String path) {
            InetSocketAddress a = n.isTextual() ? parseHostPort(n.asText()) : null;
            if (a == null) {
                error(path, n, EXPECTED_HOST_PORT);
            }
            return a;
        }

        private int ipv4(JsonNode n, String path, String expected) {
            if (n.isTextual() && IPV4.matcher(n.asText()).matches() && !n.asText().equals("0.0.0.0")) {
                return Bytes.parseIpv4(n.asText());
            }
            error(path, n, expected);
            return 0;
        }

        private long integer(JsonNode parent, String key, String path, long dflt, long min, long max) {
            JsonNode n = parent == null ? null : parent.get(key);
            if (n == null) {
                return dflt;
            }
            if (!n.canConvertToLong() || !n.isIntegralNumber() || n.asLong() < min || n.asLong() > max) {
                error(path, n, "an integer " + min + ".." + max);
                return dflt;
            }
            return n.asLong();
        }

        private boolean bool(JsonNode parent, String key, String path, boolean dflt) {
            JsonNode n = parent == null ? null : parent.get(key);
            if (n == null) {
                return dflt;
            }
            if (!n.isBoolean()) {
                error(path, n, "true or false");
                return dflt;
            }
            return n.asBoolean();
        }

        private Duration duration(JsonNode parent, String key, String path, Duration dflt, Duration min, Duration max,
                                  String range) {
            JsonNode n = parent == null ? null : parent.get(key);
            if (n == null) {
                return dflt;
            }
            Matcher m = n.isTextual() ? DURATION.matcher(n.asText()) : null;
            Duration d = null;
            if (m != null && m.matches()) {
                long v = Long.parseLong(m.group(1));
                d = switch (m.group(2)) {
                    case "us" -> Duration.ofNanos(v * 1_000);
                    case "ms" -> Duration.ofMillis(v);
                    case "s" -> Duration.ofSeconds(v);
                    case "m" -> Duration.ofMinutes(v);
                    default -> Duration.ofHours(v);
                };
            }
            if (d == null || d.compareTo(min) < 0 || d.compareTo(max) > 0) {
                error(path, n, "a duration " + range + " written like 500ms, 2s, 5m");
                return dflt;
            }
            return d;
        }

        private Path path(JsonNode n, String path) {
            if (!n.isTextual() || n.asText().isBlank()) {
                error(path, n, "a file path");
                return null;
            }
            try {
                Path p = Path.of(n.asText());
                if (!p.isAbsolute() && source != null && source.toAbsolutePath().getParent() != null) {
                    p = source.toAbsolutePath().getParent().resolve(p);
                }
                return p;
            } catch (InvalidPathException e) {
                error(path, n, "a file path (" + e.getReason() + ")");
                return null;
            }
        }

        private void error(String path, JsonNode value, String expected) {
            errors.add(path + "=" + (value == null ? "<missing>" : show(value)) + " (expected: " + expected + ")");
        }
    }

    /** "a.b.c.d:port" to an address, or null. */
    static InetSocketAddress parseHostPort(String text) {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            return null;
        }
        String host = text.substring(0, colon);
        String port = text.substring(colon + 1);
        if (!IPV4.matcher(host).matches() || !port.matches("\\d{1,5}")) {
            return null;
        }
        int p = Integer.parseInt(port);
        if (p < 1 || p > 65535) {
            return null;
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(ipv4Bytes(Bytes.parseIpv4(host))), p);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static byte[] ipv4Bytes(int a) {
        return new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a};
    }

    private static InetAddress loopback() {
        return InetAddress.getLoopbackAddress();
    }

    private static String show(JsonNode n) {
        String s = n.isTextual() ? n.asText() : n.toString();
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }
}
