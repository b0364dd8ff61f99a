package org.handoff.director.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.handoff.host.CommandException;
import org.handoff.host.CommandResult;
import org.handoff.host.CommandRunner;
import org.handoff.host.ProcessRunner;
import org.handoff.protocol.wire.Bytes;

/**
 * Checks that the director host's kernel will stay silent for the VIPs: it must neither
 * answer a VIP's SYNs itself (a RST for a port with no socket) nor forward them or answer with
 * ICMP. Packet capture sees the client's packets whatever the kernel does next, so the only
 * question is what the kernel does. Two set-ups are accepted (docs/director-io.md):
 *
 * <ol type="a">
 *   <li><b>Routed, not local.</b> The VIP is routed to the director but is no local address
 *       (on no interface, no {@code local} route covers it) and {@code net.ipv4.ip_forward=0}:
 *       the kernel drops the packets silently (only IpInAddrErrors grows).</li>
 *   <li><b>nft drop.</b> An nftables rule drops VIP:port before the stack: in a prerouting or
 *       netdev ingress hook, or in an input hook when the VIP is local, or in a forward hook
 *       when the host forwards.</li>
 * </ol>
 *
 * What is read: {@code ip -j addr show}, {@code ip -j route get VIP},
 * {@code /proc/sys/net/ipv4/ip_forward}, {@code nft -j list ruleset}, through a
 * {@link CommandRunner} (tests run them in a namespace or feed canned output). An nft rule
 * counts only when its verdict is drop and its conditions are destination address, TCP (or
 * transport) destination port, layer-4 protocol TCP, input interface, counters or log; a rule
 * with any other condition (ct state, a negation) might not match every SYN and is not
 * counted. Rules in chains reached by jump, and accept rules placed before the drop, are not
 * analysed.
 */
public final class VipSetupCheck {
    public static final String DOC = "docs/director-io.md (\"VIP set-up\")";

    /** The outcome: problems make the director refuse to start; notes say which set-up holds. */
    public record Report(List<String> problems, List<String> notes) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration COMMAND_TIME_LIMIT = Duration.ofSeconds(10);

    private final CommandRunner runner;

    public VipSetupCheck(CommandRunner runner) {
        this.runner = runner;
    }

    /** Runs commands on this host (10 s limit each). */
    public static VipSetupCheck local() {
        return new VipSetupCheck(new ProcessRunner().timeLimit(COMMAND_TIME_LIMIT));
    }

    /** Runs commands inside a named network namespace ({@code ip netns exec NAME ...}). */
    public static VipSetupCheck inNamespace(String namespace) {
        return new VipSetupCheck(new ProcessRunner().timeLimit(COMMAND_TIME_LIMIT).inNamespace(namespace));
    }

    /** Runs one command; one that cannot be started or does not finish in time is an IOException. */
    private CommandResult run(String... argv) throws IOException {
        CommandResult r;
        try {
            r = runner.run(List.of(argv), null);
        } catch (CommandException e) {
            throw new IOException(e.getMessage(), e);
        }
        if (r.timedOut()) {
            throw new IOException(r.describe());
        }
        return r;
    }

    public Report check(List<VipEndpoint> vips) {
        List<String> problems = new ArrayList<>();
        List<String> notes = new ArrayList<>();

        Map<Integer, String> localAddresses;
        try {
            CommandResult r = run("ip", "-j", "addr", "show");
            if (r.exitCode() != 0) {
                problems.add("cannot list addresses: 'ip -j addr show' exited " + r.exitCode() + ": " + r.stderr().strip());
                return new Report(problems, notes);
            }
            localAddresses = parseAddresses(r.stdout());
        } catch (IOException e) {
            problems.add("cannot list addresses: 'ip -j addr show' failed (" + e.getMessage() + "); is iproute2 installed?");
            return new Report(problems, notes);
        }

        Boolean forwarding = null;
        try {
            CommandResult r = run("cat", "/proc/sys/net/ipv4/ip_forward");
            if (r.exitCode() == 0) {
                forwarding = !r.stdout().strip().equals("0");
            }
        } catch (IOException e) {
            // reported below
        }
        if (forwarding == null) {
            problems.add("cannot read /proc/sys/net/ipv4/ip_forward");
            return new Report(problems, notes);
        }

        List<NftDrop> drops = List.of();
        try {
            CommandResult r = run("nft", "-j", "list", "ruleset");
            if (r.exitCode() == 0) {
                drops = parseNftDrops(r.stdout());
            } else {
                notes.add("nft -j list ruleset exited " + r.exitCode() + " (" + r.stderr().strip() + "): no nft rules considered");
            }
        } catch (IOException e) {
            notes.add("nft not available (" + e.getMessage() + "): no nft rules considered");
        }

        for (VipEndpoint vip : vips) {
            String ifname = localAddresses.get(vip.address());
            boolean localRoute = false;
            try {
                CommandResult r = run("ip", "-j", "route", "get", vip.addressString());
                localRoute = r.exitCode() == 0 && routeIsLocal(r.stdout());
            } catch (IOException e) {
                problems.add("VIP " + vip + ": 'ip route get' failed: " + e.getMessage());
                continue;
            }
            boolean local = ifname != null || localRoute;
            String pre = coveringRule(drops, vip, "prerouting", "ingress");
            if (local) {
                String rule = pre != null ? pre : coveringRule(drops, vip, "input");
                if (rule != null) {
                    notes.add("VIP " + vip + ": set-up (b): local address, dropped by nft rule " + rule);
                } else {
                    String where = ifname != null
                            ? "is assigned to interface " + ifname
                            : "is a local address (a 'local' route covers it, see 'ip route show table local')";
                    problems.add("VIP " + vip.addressString() + " " + where + ": the kernel would answer its SYNs with RST; "
                            + (ifname != null ? "remove it" : "remove that route") + " or add an nft drop rule for "
                            + vip + " in a prerouting or input hook, see " + DOC + hint(drops, vip));
                }
            } else if (forwarding) {
                String rule = pre != null ? pre : coveringRule(drops, vip, "forward");
                if (rule != null) {
                    notes.add("VIP " + vip + ": set-up (b): ip_forward=1, dropped by nft rule " + rule);
                } else {
                    problems.add("VIP " + vip.addressString() + " is not local but net.ipv4.ip_forward=1: the kernel would forward "
                            + "the client's packets or answer them with ICMP; set net.ipv4.ip_forward=0 or add an nft drop rule for "
                            + vip + " in a prerouting hook, see " + DOC + hint(drops, vip));
                }
            } else {
                notes.add("VIP " + vip + ": set-up (a): not a local address, ip_forward=0"
                        + (pre != null ? ", and dropped by nft rule " + pre : ""));
            }
        }
        return new Report(List.copyOf(problems), List.copyOf(notes));
    }

    private static String hint(List<NftDrop> drops, VipEndpoint vip) {
        for (NftDrop d : drops) {
            if (!d.unsupportedCondition().isEmpty() && d.coversAddress(vip.address())) {
                return " (nft rule " + d.name() + " drops it only under a condition this check cannot confirm: "
                        + d.unsupportedCondition() + ")";
            }
        }
        return "";
    }

    private static String coveringRule(List<NftDrop> drops, VipEndpoint vip, String... hooks) {
        for (NftDrop d : drops) {
            for (String h : hooks) {
                if (h.equals(d.hook()) && d.covers(vip)) {
                    return d.name();
                }
            }
        }
        return null;
    }

    /** IPv4 address -> interface name, from {@code ip -j addr show}. */
    static Map<Integer, String> parseAddresses(String json) throws IOException {
        Map<Integer, String> out = new HashMap<>();
        for (JsonNode link : JSON.readTree(json)) {
            String name = link.path("ifname").asText();
            for (JsonNode a : link.path("addr_info")) {
                if ("inet".equals(a.path("family").asText()) && a.hasNonNull("local")) {
                    out.put(Bytes.parseIpv4(a.get("local").asText()), name);
                }
            }
        }
        return out;
    }

    /** True when {@code ip -j route get} says the address is delivered locally. */
    static boolean routeIsLocal(String json) throws IOException {
        for (JsonNode r : JSON.readTree(json)) {
            if ("local".equals(r.path("type").asText())) {
                return true;
            }
        }
        return false;
    }

    /** One drop rule in a base chain: which addresses and ports it covers. */
    record NftDrop(String name, String hook, List<long[]> addressRanges, List<int[]> portRanges, String unsupportedCondition) {
        boolean coversAddress(int address) {
            long a = address & 0xffffffffL;
            for (long[] r : addressRanges) {
                if (a >= r[0] && a <= r[1]) {
                    return true;
                }
            }
            return false;
        }

        boolean covers(VipEndpoint vip) {
            if (!unsupportedCondition.isEmpty() || !coversAddress(vip.address())) {
                return false;
            }
            if (portRanges == null) {
                return true; // no port condition: every port
            }
            for (int[] r : portRanges) {
                if (vip.port() >= r[0] && vip.port() <= r[1]) {
                    return true;
                }
            }
            return false;
        }
    }

    /** The drop rules of base chains (with a hook) that match on an IPv4 destination address. */
    static List<NftDrop> parseNftDrops(String json) throws IOException {
        JsonNode items = JSON.readTree(json).path("nftables");
        Map<String, String> hooks = new LinkedHashMap<>();
        for (JsonNode item : items) {
            JsonNode c = item.get("chain");
            if (c != null && c.hasNonNull("hook")) {
                hooks.put(c.path("family").asText() + " " + c.path("table").asText() + " " + c.path("name").asText(),
                        c.get("hook").asText());
            }
        }
        List<NftDrop> out = new ArrayList<>();
        for (JsonNode item : items) {
            JsonNode r = item.get("rule");
            if (r == null) {
                continue;
            }
            String chain = r.path("family").asText() + " " + r.path("table").asText() + " " + r.path("chain").asText();
            String hook = hooks.get(chain);
            if (hook == null) {
                continue;
            }
            NftDrop d = parseRule(chain + " handle " + r.path("handle").asText(), hook, r.path("expr"));
            if (d != null) {
                out.add(d);
            }
        }
        return out;
    }

    private static NftDrop parseRule(String name, String hook, JsonNode exprs) {
        boolean drop = false;
        List<long[]> addresses = null;
        List<int[]> ports = null;
        List<String> unsupported = new ArrayList<>();
        for (JsonNode e : exprs) {
            if (e.has("drop")) {
                drop = true;
            } else if (e.has("counter") || e.has("log")) {
                continue;
            } else if (e.has("match")) {
                JsonNode m = e.get("match");
                String op = m.path("op").asText();
                JsonNode left = m.path("left");
                JsonNode right = m.path("right");
                boolean positive = op.equals("==") || op.equals("in");
                JsonNode payload = left.path("payload");
                String meta = left.path("meta").path("key").asText("");
                if (positive && "ip".equals(payload.path("protocol").asText()) && "daddr".equals(payload.path("field").asText())) {
                    addresses = addressRanges(right);
                } else if (positive && "dport".equals(payload.path("field").asText())
                        && ("tcp".equals(payload.path("protocol").asText()) || "th".equals(payload.path("protocol").asText()))) {
                    ports = portRanges(right);
                } else if (positive && (meta.equals("l4proto")
                        || ("ip".equals(payload.path("protocol").asText()) && "protocol".equals(payload.path("field").asText())))
                        && (right.asText().equals("tcp") || right.asInt(-1) == 6)) {
                    continue;
                } else if (positive && (meta.equals("iifname") || meta.equals("iif"))) {
                    continue; // the operator chose the interface; capture is on it too
                } else {
                    unsupported.add(m.toString());
                }
            } else {
                unsupported.add(e.toString()); // other statements (jump, reject, ...) before the verdict
            }
        }
        if (!drop || addresses == null) {
            return null;
        }
        return new NftDrop(name, hook, addresses, ports, String.join(", ", unsupported));
    }

    private static List<long[]> addressRanges(JsonNode right) {
        List<long[]> out = new ArrayList<>();
        if (right.isTextual()) {
            long a = Bytes.parseIpv4(right.asText()) & 0xffffffffL;
            out.add(new long[] {a, a});
        } else if (right.has("set")) {
            for (JsonNode x : right.get("set")) {
                out.addAll(addressRanges(x));
            }
        } else if (right.has("prefix")) {
            long a = Bytes.parseIpv4(right.get("prefix").path("addr").asText()) & 0xffffffffL;
            int len = right.get("prefix").path("len").asInt();
            long size = 1L << (32 - len);
            long base = a & ~(size - 1) & 0xffffffffL;
            out.add(new long[] {base, base + size - 1});
        } else if (right.has("range")) {
            out.add(new long[] {Bytes.parseIpv4(right.get("range").get(0).asText()) & 0xffffffffL,
                    Bytes.parseIpv4(right.get("range").get(1).asText()) & 0xffffffffL});
        }
        return out;
    }

    private static List<int[]> portRanges(JsonNode right) {
        List<int[]> out = new ArrayList<>();
        if (right.isInt()) {
            out.add(new int[] {right.asInt(), right.asInt()});
        } else if (right.has("set")) {
            for (JsonNode x : right.get("set")) {
                out.addAll(portRanges(x));
            }
        } else if (right.has("range")) {
            out.add(new int[] {right.get("range").get(0).asInt(), right.get("range").get(1).asInt()});
        }
        return out;
    }
}
