package org.handoff.agent.config;

import java.net.Inet4Address;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.handoff.agent.kernel.AgentKernelConfig.EgressMode;
import org.handoff.agent.setup.AgentNetworkConfig;
import org.handoff.config.ConfigException;
import org.handoff.config.ConfigNode;
import org.handoff.config.ConfigSchema;
import org.handoff.config.ConfigTree;
import org.handoff.config.HostPort;
import org.handoff.protocol.message.HandoffKeys;
import org.handoff.protocol.wire.Bytes;

/**
 * The agent's config schema (YAML), walked once over a {@link ConfigTree}: every key is checked
 * here and nowhere else; errors are collected, not thrown one by one, and each names its path
 * in the file, the value found and what was expected: {@code timeouts.connect=5 (expected: a
 * duration 10ms..30s written like 500ms, 2s, 5m)}. Unknown keys are errors, so a typo never
 * passes as a default. The format is in docs/configuration.md ("Server agent").
 *
 * <p>{@code AGENT.loadForRun} is what {@code handoff agent}, {@code agent check} and
 * {@code agent check-config} use: it also reads and checks the key file, so they refuse the
 * same configs. {@code AGENT.load} checks the schema alone, for {@code setup} and {@code teardown},
 * which need no key.
 */
public final class AgentConfigLoader {
    static final List<String> TOP_KEYS = List.of("listen", "key-file", "handoff-address", "services", "vips", "link",
            "limits", "timeouts", "replay", "workers", "metrics", "datapath", "kernel");
    static final List<String> LINK_KEYS = List.of("tun", "table", "rule-priority", "mtu", "conntrack-exemption", "offload",
            "state-file");
    static final List<String> LIMITS_KEYS = List.of("max-flows", "max-buffered-packets");
    static final List<String> TIMEOUTS_KEYS = List.of("connect", "flow-idle", "close-linger", "drain");
    static final List<String> REPLAY_KEYS = List.of("window", "skew", "capacity");
    static final List<String> METRICS_KEYS = List.of("listen");
    static final List<String> KERNEL_KEYS = List.of("bpffs", "uplink", "egress", "on-stop", "restart-grace");
    private static final Map<String, Datapath> DATAPATHS = Map.of(
            Datapath.AUTO.yaml(), Datapath.AUTO,
            Datapath.KERNEL.yaml(), Datapath.KERNEL,
            Datapath.USER.yaml(), Datapath.USER);
    private static final Map<String, EgressMode> EGRESS_MODES = Map.of(
            KernelSettings.yaml(EgressMode.FIB), EgressMode.FIB,
            KernelSettings.yaml(EgressMode.TUN_INGRESS), EgressMode.TUN_INGRESS);
    private static final Map<String, KernelSettings.OnStop> ON_STOP = Map.of(
            KernelSettings.OnStop.KEEP.yaml(), KernelSettings.OnStop.KEEP,
            KernelSettings.OnStop.DRAIN.yaml(), KernelSettings.OnStop.DRAIN);
    /** {@code ip netns exec} remounts /sys: pins there are not the ones the agent's namespace sees. */
    private static final Path SYS = Path.of("/sys");

    /** How errors name a config given as text, and how they say durations are written. */
    static final ConfigTree.Wording WORDING = new ConfigTree.Wording("agent config", "500ms, 2s, 5m");
    private static final Pattern IFNAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");
    private static final Pattern PORT = Pattern.compile("\\d{1,5}");
    private static final String EXPECTED_HOST_PORT = "IPv4 a.b.c.d:port with port 1..65535";
    private static final Map<String, LinkOffload> OFFLOADS = Map.of(
            LinkOffload.AUTO.yaml(), LinkOffload.AUTO,
            LinkOffload.SPLIT.yaml(), LinkOffload.SPLIT,
            LinkOffload.OFF.yaml(), LinkOffload.OFF);

    /**
     * The agent's schema: {@code loadForRun} (for {@code handoff agent}, {@code check} and
     * {@code check-config}) reads and checks the key file too; {@code load} (setup, teardown)
     * leaves {@link AgentConfig#keys()} null.
     */
    public static final ConfigSchema<AgentConfig> AGENT = new ConfigSchema<>(WORDING, Checker::new);

    private AgentConfigLoader() {
    }

    private static final class Checker extends ConfigSchema.Walk<AgentConfig> {
        Checker(ConfigTree tree, boolean forRun) {
            super(tree, forRun);
        }

        @Override
        protected AgentConfig check() throws ConfigException {
            ConfigNode root = tree.root(TOP_KEYS);
            ConfigNode listenNode = root.get("listen");
            HostPort listen = listenNode.require("a value (required)") ? listenNode.ipv4HostPort(EXPECTED_HOST_PORT) : null;
            ConfigNode keyFileNode = root.get("key-file");
            Path keyFile = keyFileNode.require("the path of the shared key file (docs/handoff-protocol.md section 4)")
                    ? keyFileNode.path("a file path") : null;
            ConfigNode handoffNode = root.get("handoff-address");
            int handoffAddress = 0;
            if (handoffNode.require("a value (required)")) {
                handoffAddress = ipv4(handoffNode.ipv4Address("a dotted IPv4 address such as 198.18.10.11"));
            }
            List<Service> services = services(root.get("services"));
            List<Integer> vips = vips(root.get("vips"));

            ConfigNode link = root.section("link", LINK_KEYS);
            ConfigNode tunNode = link.get("tun");
            String tun = tunNode.isMissing() ? "ho-tun0" : tunNode.text(IFNAME, "an interface name of 1..15 of [A-Za-z0-9_.-]");
            int table = (int) link.get("table").integer(100, 1, Integer.MAX_VALUE);
            if (table >= 253 && table <= 255) {
                link.get("table").error("1..2147483647 except 253..255, the kernel's own tables");
            }
            int rulePriority = (int) link.get("rule-priority").integer(100, 1, 32765);
            int mtu = (int) link.get("mtu").integer(1500, 576, 65535);
            boolean notrack = link.get("conntrack-exemption").bool(true);
            ConfigNode offloadNode = link.get("offload");
            LinkOffload offload = !offloadNode.isMissing() && offloadNode.json().isBoolean() && !offloadNode.json().asBoolean()
                    ? LinkOffload.OFF // YAML 1.1 reads a bare `off` as false
                    : offloadNode.oneOf(LinkOffload.AUTO, OFFLOADS, "auto, split or off");
            ConfigNode stateNode = link.get("state-file");
            Path stateFile = stateNode.isMissing() ? AgentNetworkConfig.DEFAULT_STATE_FILE : stateNode.path("a file path");

            ConfigNode limits = root.section("limits", LIMITS_KEYS);
            int maxFlows = (int) limits.get("max-flows").integer(100_000, 1, 10_000_000);
            int maxBuffered = (int) limits.get("max-buffered-packets").integer(64, 0, 4096);

            ConfigNode timeouts = root.section("timeouts", TIMEOUTS_KEYS);
            Duration connect = timeouts.get("connect").duration(Duration.ofMillis(500), Duration.ofMillis(10),
                    Duration.ofSeconds(30));
            Duration idle = timeouts.get("flow-idle").duration(Duration.ofMinutes(5), Duration.ofSeconds(1),
                    Duration.ofHours(24));
            Duration linger = timeouts.get("close-linger").duration(Duration.ofSeconds(2), Duration.ZERO,
                    Duration.ofSeconds(60));
            Duration drain = timeouts.get("drain").duration(Duration.ofSeconds(2), Duration.ZERO, Duration.ofSeconds(60));

            ConfigNode replay = root.section("replay", REPLAY_KEYS);
            Duration window = replay.get("window").duration(Duration.ofSeconds(2), Duration.ofMillis(100),
                    Duration.ofSeconds(60));
            Duration skew = replay.get("skew").duration(Duration.ofMillis(500), Duration.ZERO, Duration.ofSeconds(60));
            int capacity = (int) replay.get("capacity").integer(65_536, 1_024, 1 << 24);

            int workers = (int) root.get("workers").integer(1, 1, 64);
            ConfigNode metricsNode = root.section("metrics", METRICS_KEYS).get("listen");
            HostPort metricsListen = metricsNode.isMissing() ? HostPort.parse("127.0.0.1:9465")
                    : metricsNode.ipv4HostPort(EXPECTED_HOST_PORT);

            Datapath datapath = root.get("datapath").oneOf(Datapath.AUTO, DATAPATHS, "auto, kernel or user");
            ConfigNode kernel = root.section("kernel", KERNEL_KEYS);
            ConfigNode bpffsNode = kernel.get("bpffs");
            Path bpffs = bpffsNode.isMissing() ? KernelSettings.DEFAULT_BPFFS : bpffsNode.path("a directory path");
            if (bpffs != null && bpffs.toAbsolutePath().normalize().startsWith(SYS)) {
                bpffsNode.error("a directory outside /sys (ip netns exec remounts /sys, so pins there are not the agent's)");
            }
            ConfigNode uplinkNode = kernel.get("uplink");
            String uplink = uplinkNode.isMissing() ? null : uplinkNode.text(IFNAME, "an interface name of 1..15 of [A-Za-z0-9_.-]");
            EgressMode egress = kernel.get("egress").oneOf(EgressMode.FIB, EGRESS_MODES, "fib or tun-ingress");
            KernelSettings.OnStop onStop = kernel.get("on-stop").oneOf(KernelSettings.OnStop.KEEP, ON_STOP, "keep or drain");
            Duration restartGrace = kernel.get("restart-grace").duration(Duration.ofSeconds(10), Duration.ZERO, Duration.ofMinutes(5));

            if (handoffAddress != 0 && vips.contains(handoffAddress)) {
                handoffNode.error("an address apart from every VIP (it is also in vips)");
            }
            HandoffKeys keys = forRun && keyFile != null ? keyFileNode.readFile(keyFile, "key file", HandoffKeys::load) : null;
            tree.throwIfErrors();
            return new AgentConfig(tree.source(), listen, keyFile, handoffAddress, services, vips,
                    new AgentConfig.Link(tun, table, rulePriority, mtu, notrack, offload, stateFile), maxFlows, maxBuffered,
                    connect, idle, linger, drain, window, skew, capacity, workers, metricsListen, datapath,
                    new KernelSettings(bpffs, uplink, egress, onStop, restartGrace), keys);
        }

        // ---- sections ----

        private List<Service> services(ConfigNode node) {
            List<Service> out = new ArrayList<>();
            if (!node.isList() || node.json().isEmpty()) {
                node.error("a list of one or more origin ports (80) or address:port (198.18.0.11:80)");
                return out;
            }
            for (ConfigNode n : node.elements()) {
                Service s = null;
                if (n.json().isInt()) {
                    int port = n.json().asInt();
                    s = port >= 1 && port <= 65535 ? new Service(0, port) : null;
                } else if (n.isText() && PORT.matcher(n.text()).matches()) {
                    int port = Integer.parseInt(n.text());
                    s = port >= 1 && port <= 65535 ? new Service(0, port) : null;
                } else if (n.isText()) {
                    HostPort a = HostPort.parseOrNull(n.text());
                    s = a == null || !a.isIpv4() ? null : new Service(ipv4(a), a.port());
                }
                if (s == null) {
                    n.error("a port 1..65535 or " + EXPECTED_HOST_PORT);
                } else if (out.contains(s)) {
                    n.error("a service not already listed");
                } else {
                    out.add(s);
                }
            }
            return out;
        }

        private List<Integer> vips(ConfigNode node) {
            return node.uniqueList("a list of one or more VIP addresses (a.b.c.d, or a.b.c.d:port as the director lists them)",
                    "VIP", n -> {
                        Inet4Address a = n.isText() ? ConfigNode.ipv4OrNull(n.text()) : null;
                        HostPort withPort = n.isText() && a == null ? HostPort.parseOrNull(n.text()) : null;
                        if (a != null) {
                            return ipv4(a);
                        }
                        if (withPort != null && withPort.isIpv4()) {
                            return ipv4(withPort);
                        }
                        n.error("an IPv4 address a.b.c.d (or a.b.c.d:port; the port is not used)");
                        return null;
                    });
        }

        private static int ipv4(Inet4Address a) {
            return a == null ? 0 : Bytes.i32(a.getAddress(), 0);
        }

        private static int ipv4(HostPort a) {
            return Bytes.i32(a.address().getAddress(), 0);
        }
    }
}
