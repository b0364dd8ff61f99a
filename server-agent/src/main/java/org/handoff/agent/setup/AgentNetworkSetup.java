package org.handoff.agent.setup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.handoff.host.CommandException;
import org.handoff.host.CommandResult;
import org.handoff.host.CommandRunner;

/**
 * Builds, checks and removes the host set-up the agent's local link needs (docs/agent-link.md,
 * "Set-up"). Used by {@code handoff agent setup}, {@code handoff agent teardown} and by the agent
 * at start ({@link #check()}: it refuses to start while anything is missing).
 *
 * <p>What {@link #setup()} makes, in this order (the equivalent commands):
 * <pre>
 * ip tuntap add dev TUN mode tun                      # persistent: survives the agent
 * sysctl -w net.ipv6.conf.TUN.disable_ipv6=1          # before up: no RS/MLD noise on the link
 * ip link set dev TUN mtu MTU
 * ip link set dev TUN up
 * ip addr add H/32 dev lo                             # the dedicated hand-off address
 * ip route add default dev TUN table T                # what the server sends from H goes to the agent
 * ip route add blackhole default table T metric M     # ... and nowhere else, even without the TUN route
 * nft -f - (table inet handoff_agent: notrack for VIP-sourced packets, guard for H:ports,
 *            and with forwarding: notrack and a forward guard for what arrives on the TUN)
 * sysctl -w net.ipv4.conf.TUN.forwarding=1            # forwarding only: after the guard exists
 * sysctl -w net.ipv4.conf.TUN.rp_filter=0             # forwarding only
 * ip rule add from H/32 lookup T pref P               # last: T is complete before anything uses it
 * </pre>
 *
 * <p>Forwarding (link.offload auto, docs/agent-link.md "Direct return through the TUN"): the
 * agent writes its rewritten super-segments, source the VIP, back into the TUN and the kernel
 * forwards them. IPv4 decides on forwarding by the device a packet <em>arrived</em> on, so
 * forwarding is enabled on the TUN alone ({@code all.forwarding} is left as it is, and no other
 * interface forwards); the reverse-path filter is turned off on the TUN because the VIP is not
 * routed back through it. Both sysctls are recorded with their previous values and restored on
 * teardown. Problems with that path ({@link CheckResult#forwardingProblems()}) do not stop the
 * agent: it then cuts super-segments itself.
 *
 * <p>Idempotent: each item is looked for first and made only if missing. Only what this set-up
 * made is recorded in the state file ({@link AgentNetworkConfig#stateFile()}), written after
 * every step, so {@link #teardown()} removes exactly that, even after a set-up that failed
 * half-way, and never an address, rule or device that was there before. Every command runs
 * through a {@link CommandRunner}; a failure names the command and what it printed.
 *
 * <p>Not changed: {@code all.rp_filter} and {@code all.forwarding} (the host's), any other
 * interface's settings, {@code accept_local}, and no sysctl for sending from the VIP through the
 * raw socket (see {@code RawSocketEgress}). Without forwarding the TUN's rp_filter is left too:
 * strict mode passes the injected packets, whose reverse path (from H) the rule sends to the
 * TUN, the interface they arrived on. Offloads are the agent's own choice when it attaches.
 */
public final class AgentNetworkSetup {
    /** An address no real route should cover specially; used to ask where packets from H go. */
    static final String PROBE_DESTINATION = "192.0.2.1";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final AgentNetworkConfig config;
    private final CommandRunner runner;

    public AgentNetworkSetup(AgentNetworkConfig config, CommandRunner runner) {
        this.config = config;
        this.runner = runner;
    }

    public AgentNetworkConfig config() {
        return config;
    }

    /** One thing the set-up made, with the command that removes it. */
    public enum Kind { TUN, ADDRESS, ROUTE_TUN, ROUTE_BLACKHOLE, NFT_TABLE, RULE, TUN_FORWARDING, TUN_RP_FILTER }

    /** A state-file entry. */
    public record CreatedItem(Kind kind, String description, List<String> undo) {
        public CreatedItem {
            undo = List.copyOf(undo);
        }
    }

    /** The state file's content. */
    public record SetupState(int version, String tunName, String handoffAddress, int table, List<CreatedItem> created) {
        public SetupState {
            created = List.copyOf(created);
        }
    }

    /**
     * What {@link #check()} found: problems stop the agent, warnings are logged, forwarding
     * problems (only when forwarding is configured) keep the agent from writing super-segments
     * back into the TUN: it then cuts them itself.
     */
    public record CheckResult(List<String> problems, List<String> warnings, List<String> forwardingProblems) {
        public CheckResult {
            problems = List.copyOf(problems);
            warnings = List.copyOf(warnings);
            forwardingProblems = List.copyOf(forwardingProblems);
        }

        public CheckResult(List<String> problems, List<String> warnings) {
            this(problems, warnings, List.of());
        }

        public boolean ok() {
            return problems.isEmpty();
        }
    }

    // ------------------------------------------------------------------ setup

    /**
     * Creates whatever is missing. Returns one line per item, saying what it did.
     *
     * @throws SetupException naming the failed command; what was created before it stays
     *                        recorded for {@link #teardown()}
     */
    public List<String> setup() throws SetupException {
        SetupState state = loadState().orElse(new SetupState(1, config.tunName(), config.handoffAddress(), config.table(), List.of()));
        if (!state.tunName().equals(config.tunName()) || !state.handoffAddress().equals(config.handoffAddress())
                || state.table() != config.table()) {
            throw new SetupException("state file " + config.stateFile() + " records a set-up of tun=" + state.tunName()
                    + " H=" + state.handoffAddress() + " table=" + state.table() + " (expected: tun=" + config.tunName()
                    + " H=" + config.handoffAddress() + " table=" + config.table() + "); run teardown first");
        }
        List<CreatedItem> created = new ArrayList<>(state.created());
        List<String> actions = new ArrayList<>();
        String tun = config.tunName();
        String h = config.handoffAddress();
        String table = Integer.toString(config.table());

        // 1. The persistent TUN device.
        JsonNode link = linkDetails(tun);
        if (link == null) {
            must("create the tun device", "ip", "tuntap", "add", "dev", tun, "mode", "tun");
            record(created, new CreatedItem(Kind.TUN, "tun device " + tun, List.of("ip", "tuntap", "del", "dev", tun, "mode", "tun")));
            actions.add("created tun device " + tun);
        } else {
            String problem = tunProblem(link);
            if (problem != null) {
                throw new SetupException(problem);
            }
            actions.add("tun device " + tun + " present");
        }
        // 2. IPv6 off before the device comes up, MTU, up.
        if (run("sysctl", "-n", "net.ipv6.conf." + tun + ".disable_ipv6").ok()) {
            must("disable IPv6 on the tun", "sysctl", "-q", "-w", "net.ipv6.conf." + tun + ".disable_ipv6=1");
        }
        must("set the tun's MTU", "ip", "link", "set", "dev", tun, "mtu", Integer.toString(config.mtu()));
        must("bring the tun up", "ip", "link", "set", "dev", tun, "up");

        // 3. H on lo.
        if (hasHandoffAddress()) {
            actions.add("address " + h + "/32 on lo present");
        } else {
            must("add the hand-off address", "ip", "addr", "add", h + "/32", "dev", "lo");
            record(created, new CreatedItem(Kind.ADDRESS, "address " + h + "/32 on lo", List.of("ip", "addr", "del", h + "/32", "dev", "lo")));
            actions.add("added " + h + "/32 to lo");
        }

        // 4. Table T: refuse one that holds routes we did not make.
        JsonNode routes = routesInTable();
        List<String> foreign = new ArrayList<>();
        for (JsonNode r : routes) {
            if (!isTunRoute(r) && !isBlackholeRoute(r)) {
                foreign.add(r.toString());
            }
        }
        if (!foreign.isEmpty()) {
            throw new SetupException("routing table " + table + " already holds routes this set-up does not make: " + foreign
                    + " (expected: an unused table; choose another table number)");
        }
        if (hasRoute(routes, true)) {
            actions.add("route default dev " + tun + " table " + table + " present");
        } else {
            must("route the hand-off table to the tun", "ip", "route", "add", "default", "dev", tun, "table", table);
            record(created, new CreatedItem(Kind.ROUTE_TUN, "route default dev " + tun + " table " + table,
                    List.of("ip", "route", "del", "default", "dev", tun, "table", table)));
            actions.add("added route default dev " + tun + " table " + table);
        }
        if (hasRoute(routes, false)) {
            actions.add("blackhole default table " + table + " present");
        } else {
            String metric = Integer.toString(config.blackholeMetric());
            must("add the blackhole fallback", "ip", "route", "add", "blackhole", "default", "table", table, "metric", metric);
            record(created, new CreatedItem(Kind.ROUTE_BLACKHOLE, "route blackhole default table " + table + " metric " + metric,
                    List.of("ip", "route", "del", "blackhole", "default", "table", table, "metric", metric)));
            actions.add("added blackhole default table " + table + " metric " + metric);
        }

        // 5. nftables: our own table, rewritten whole each time (atomically, in one nft run).
        if (config.conntrackExemption()) {
            boolean existed = run("nft", "list", "table", "inet", AgentNetworkConfig.NFT_TABLE).ok();
            CommandResult r = run(List.of("nft", "-f", "-"), nftScript());
            if (!r.ok()) {
                throw SetupException.failed("install nftables table inet " + AgentNetworkConfig.NFT_TABLE, r);
            }
            boolean ours = created.stream().anyMatch(i -> i.kind() == Kind.NFT_TABLE);
            if (!existed && !ours) {
                record(created, new CreatedItem(Kind.NFT_TABLE, "nftables table inet " + AgentNetworkConfig.NFT_TABLE,
                        List.of("nft", "delete", "table", "inet", AgentNetworkConfig.NFT_TABLE)));
            }
            actions.add((existed ? "rewrote" : "created") + " nftables table inet " + AgentNetworkConfig.NFT_TABLE
                    + (existed && !ours ? " (present before this set-up: left in place on teardown)" : ""));
        }

        // 6. Forwarding on the TUN alone, after the nftables guard exists.
        if (config.forwarding()) {
            setTunSysctl(created, actions, Kind.TUN_FORWARDING, "forwarding", "1", "enable forwarding on the tun");
            setTunSysctl(created, actions, Kind.TUN_RP_FILTER, "rp_filter", "0", "turn the tun's reverse-path filter off");
        }

        // 7. The rule last: table T is complete before anything is routed through it.
        if (hasRule()) {
            actions.add("rule from " + h + " lookup " + table + " present");
        } else {
            String pref = Integer.toString(config.rulePriority());
            must("add the hand-off rule", "ip", "rule", "add", "from", h + "/32", "lookup", table, "pref", pref);
            record(created, new CreatedItem(Kind.RULE, "rule from " + h + "/32 lookup " + table + " pref " + pref,
                    List.of("ip", "rule", "del", "from", h + "/32", "lookup", table, "pref", pref)));
            actions.add("added rule from " + h + "/32 lookup " + table + " pref " + pref);
        }
        return actions;
    }

    /**
     * Sets {@code net.ipv4.conf.TUN.NAME} to {@code value} unless it is already; records the
     * value it had, so teardown restores exactly that. A value someone else set is left alone
     * on teardown (nothing recorded), like an address that was there before.
     */
    private void setTunSysctl(List<CreatedItem> created, List<String> actions, Kind kind, String name, String value,
                              String why) throws SetupException {
        String key = "net.ipv4.conf." + config.tunName() + "." + name;
        CommandResult now = run("sysctl", "-n", key);
        if (!now.ok()) {
            throw SetupException.failed("read " + key, now);
        }
        String old = now.stdout().strip();
        if (old.equals(value)) {
            actions.add(key + "=" + value + " present");
            return;
        }
        must(why, "sysctl", "-q", "-w", key + "=" + value);
        record(created, new CreatedItem(kind, key + "=" + value + " (was " + old + ")",
                List.of("sysctl", "-q", "-w", key + "=" + old)));
        actions.add("set " + key + "=" + value + " (was " + old + ")");
    }

    /** The nftables script: table inet handoff_agent, replaced whole. */
    String nftScript() {
        String t = AgentNetworkConfig.NFT_TABLE;
        String vips = String.join(", ", config.vips());
        String ports = config.serverPorts().stream().map(String::valueOf).collect(Collectors.joining(", "));
        String tun = "\"" + config.tunName() + "\"";
        List<String> lines = new ArrayList<>(List.of(
                "table inet " + t + " {}",
                "delete table inet " + t,
                "table inet " + t + " {",
                "    chain output_notrack {",
                "        type filter hook output priority raw; policy accept;",
                "        ip saddr { " + vips + " } meta l4proto tcp notrack comment \"direct return: VIP to client, never answered here\"",
                "    }",
                "    chain input_guard {",
                "        type filter hook input priority filter; policy accept;",
                "        ip daddr " + config.handoffAddress() + " tcp dport { " + ports + " } iifname != { \"lo\", " + tun
                        + " } drop comment \"only the agent opens connections to H\"",
                "    }"));
        if (config.forwarding()) {
            lines.addAll(List.of(
                    "    chain prerouting_notrack {",
                    "        type filter hook prerouting priority raw; policy accept;",
                    "        iifname " + tun + " ip saddr { " + vips + " } meta l4proto tcp notrack comment"
                            + " \"direct return written into the tun: forwarded, never answered here\"",
                    "    }",
                    "    chain " + FORWARD_GUARD + " {",
                    "        type filter hook forward priority filter; policy accept;",
                    "        iifname " + tun + " ip saddr { " + vips + " } meta l4proto tcp accept comment"
                            + " \"direct return: the agent's rewritten packets\"",
                    "        iifname " + tun + " counter drop comment \"nothing else is forwarded from the tun\"",
                    "    }"));
        }
        lines.add("}");
        lines.add("");
        return String.join("\n", lines);
    }

    static final String FORWARD_GUARD = "forward_guard";

    // ------------------------------------------------------------------ teardown

    /**
     * Removes exactly what the state file records, last made first, then the state file.
     * Something already gone counts as removed. Returns one line per item.
     *
     * @throws SetupException listing what could not be removed; those items stay in the state file
     */
    public List<String> teardown() throws SetupException {
        Optional<SetupState> loaded = loadState();
        if (loaded.isEmpty()) {
            return List.of("no state file " + config.stateFile() + ": nothing recorded, nothing removed");
        }
        SetupState state = loaded.get();
        List<CreatedItem> items = new ArrayList<>(state.created());
        List<CreatedItem> left = new ArrayList<>();
        List<String> actions = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (int i = items.size() - 1; i >= 0; i--) {
            CreatedItem item = items.get(i);
            CommandResult r = run(item.undo(), null);
            if (r.ok()) {
                actions.add("removed " + item.description());
            } else if (!stillThere(item)) {
                actions.add(item.description() + " already gone");
            } else {
                failures.add(r.describe());
                left.add(0, item);
            }
        }
        if (failures.isEmpty()) {
            try {
                Files.deleteIfExists(config.stateFile());
            } catch (IOException e) {
                throw new SetupException("cannot delete state file " + config.stateFile() + ": " + e.getMessage(), e);
            }
            return actions;
        }
        writeState(new SetupState(state.version(), state.tunName(), state.handoffAddress(), state.table(), left));
        throw new SetupException("teardown left " + left.size() + " item(s) in " + config.stateFile() + ": " + String.join("; ", failures));
    }

    private boolean stillThere(CreatedItem item) throws SetupException {
        return switch (item.kind()) {
            case TUN -> linkDetails(config.tunName()) != null;
            case ADDRESS -> hasHandoffAddress();
            case ROUTE_TUN -> hasRoute(routesInTable(), true);
            case ROUTE_BLACKHOLE -> hasRoute(routesInTable(), false);
            case NFT_TABLE -> run("nft", "list", "table", "inet", AgentNetworkConfig.NFT_TABLE).ok();
            case RULE -> hasRule();
            case TUN_FORWARDING -> tunSysctlIs("forwarding", "1");
            case TUN_RP_FILTER -> tunSysctlIs("rp_filter", "0");
        };
    }

    private boolean tunSysctlIs(String name, String value) throws SetupException {
        CommandResult r = run("sysctl", "-n", "net.ipv4.conf." + config.tunName() + "." + name);
        return r.ok() && r.stdout().strip().equals(value);
    }

    // ------------------------------------------------------------------ check

    /**
     * Looks at everything the agent relies on. A problem means the agent must not start; each
     * names what is missing and the command that would fix it.
     */
    public CheckResult check() throws SetupException {
        List<String> problems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        String tun = config.tunName();
        String h = config.handoffAddress();
        int table = config.table();
        String fix = " (run `handoff agent setup`)";

        JsonNode link = linkDetails(tun);
        if (link == null) {
            problems.add("tun device " + tun + " does not exist" + fix);
        } else {
            String p = tunProblem(link);
            if (p != null) {
                problems.add(p);
            }
            if (!hasFlag(link, "UP")) {
                problems.add("tun device " + tun + " is down (ip link set dev " + tun + " up, then re-run setup: its route went with it)");
            }
            if (link.path("mtu").asInt() > config.mtu()) {
                warnings.add("tun device " + tun + " mtu=" + link.path("mtu").asInt() + " (expected: at most " + config.mtu()
                        + "; the raw socket does not fragment)");
            }
        }
        CommandResult v6 = run("sysctl", "-n", "net.ipv6.conf." + tun + ".disable_ipv6");
        if (v6.ok() && !v6.stdout().strip().equals("1")) {
            warnings.add("IPv6 is on for " + tun + " (net.ipv6.conf." + tun + ".disable_ipv6=" + v6.stdout().strip()
                    + "): router solicitations and MLD reports reach the agent, which skips them");
        }
        if (!hasHandoffAddress()) {
            problems.add("hand-off address " + h + "/32 is not on lo" + fix);
        }
        JsonNode routes = routesInTable();
        if (!hasRoute(routes, true)) {
            problems.add("routing table " + table + " has no `default dev " + tun + "`: the server's packets from " + h
                    + " do not reach the agent" + fix);
        }
        if (!hasRoute(routes, false)) {
            problems.add("routing table " + table + " has no blackhole fallback: with the tun gone the server's packets from "
                    + h + " would leak to the wire" + fix);
        }
        if (!hasRule()) {
            problems.add("no rule `from " + h + " lookup " + table + "`" + fix);
        } else if (link != null && hasRoute(routes, true)) {
            CommandResult get = run("ip", "route", "get", PROBE_DESTINATION, "from", h);
            if (!get.ok() || !get.stdout().contains("dev " + tun + " ")) {
                problems.add("packets from " + h + " do not route to " + tun + ": " + get.describe().strip()
                        + " (a rule with a higher preference than " + config.rulePriority() + " may shadow it)");
            }
        }
        if (config.conntrackExemption()) {
            CommandResult nft = run("nft", "list", "table", "inet", AgentNetworkConfig.NFT_TABLE);
            if (!nft.ok()) {
                problems.add("nftables table inet " + AgentNetworkConfig.NFT_TABLE + " is missing: conntrack would count every"
                        + " direct-return packet as a new flow" + fix);
            } else if (!nft.stdout().contains("notrack")) {
                problems.add("nftables table inet " + AgentNetworkConfig.NFT_TABLE + " has no notrack rule" + fix);
            }
        }
        List<String> forwarding = config.forwarding() && link != null ? forwardingProblems() : List.of();
        CommandResult ss;
        try {
            ss = run("ss", "-Hltn");
        } catch (SetupException e) {
            warnings.add("cannot look for a listener on " + h + ": " + e.getMessage());
            return new CheckResult(problems, warnings, forwarding);
        }
        if (ss.ok()) {
            for (int port : config.serverPorts()) {
                if (!listening(ss.stdout(), h, port)) {
                    warnings.add("nothing listens on " + h + ":" + port + " (nor on a wildcard address): hand-offs to it will be refused");
                }
            }
        }
        return new CheckResult(problems, warnings, forwarding);
    }

    /**
     * What would stop the kernel from forwarding the super-segments the agent writes back into
     * the TUN: forwarding off on it, a reverse-path filter that rejects the VIP as a source there,
     * the nftables forward guard missing, or a firewall whose forward chain drops by default.
     * Asks the kernel itself where it can ({@code ip route get D from VIP iif TUN} takes the same
     * input-route decision, reverse-path check included).
     */
    private List<String> forwardingProblems() throws SetupException {
        List<String> out = new ArrayList<>();
        String tun = config.tunName();
        String vip = config.vips().get(0);
        String fix = " (run `handoff agent setup`, or set link.offload: split)";
        CommandResult fwd = run("sysctl", "-n", "net.ipv4.conf." + tun + ".forwarding");
        if (!fwd.ok() || !fwd.stdout().strip().equals("1")) {
            out.add("IPv4 forwarding is off on " + tun + " (net.ipv4.conf." + tun + ".forwarding=" + fwd.stdout().strip()
                    + "): the kernel drops what the agent writes back into it" + fix);
        }
        int rpAll = intSysctl("net.ipv4.conf.all.rp_filter");
        int rpTun = intSysctl("net.ipv4.conf." + tun + ".rp_filter");
        int rp = Math.max(rpAll, rpTun); // the kernel applies the larger of the two
        if (rp == 1) {
            out.add("strict reverse-path filter on " + tun + " (net.ipv4.conf.all.rp_filter=" + rpAll + ", " + tun + "=" + rpTun
                    + "): VIP-sourced packets arriving on it are dropped, the VIP is not routed through it (expected: 0, or 2"
                    + " with a route covering the VIP; all.rp_filter is the host's, so the set-up leaves it; or set link.offload: split)");
        } else if (rp == 2 && !run("ip", "route", "get", vip).ok()) {
            out.add("loose reverse-path filter (net.ipv4.conf.all.rp_filter=" + rpAll + ") and no route covering the VIP " + vip
                    + ": VIP-sourced packets arriving on " + tun + " are dropped (expected: a default route, or rp_filter 0;"
                    + " or set link.offload: split)");
        }
        for (String v : config.vips()) {
            CommandResult probe = run("ip", "route", "get", PROBE_DESTINATION, "from", v, "iif", tun);
            String said = probe.stderr().strip();
            if (!probe.ok() && said.contains("No route to host")) {
                out.add("`ip route get " + PROBE_DESTINATION + " from " + v + " iif " + tun + "`: " + said
                        + ": the kernel does not forward from " + tun + fix);
            } else if (!probe.ok() && said.contains("Invalid argument")) {
                out.add("`ip route get " + PROBE_DESTINATION + " from " + v + " iif " + tun + "`: " + said
                        + ": the kernel rejects " + v + " as a source on " + tun + " (reverse-path filter, or the VIP is a"
                        + " local address here)");
            }
            // "Network is unreachable": no route to the probe address on this host; says nothing about the TUN.
        }
        if (config.conntrackExemption()) {
            CommandResult nft = run("nft", "list", "table", "inet", AgentNetworkConfig.NFT_TABLE);
            if (nft.ok() && !nft.stdout().contains(FORWARD_GUARD)) {
                out.add("nftables table inet " + AgentNetworkConfig.NFT_TABLE + " has no " + FORWARD_GUARD + " chain" + fix);
            }
        }
        out.addAll(forwardDropPolicies());
        return out;
    }

    private int intSysctl(String key) throws SetupException {
        CommandResult r = run("sysctl", "-n", key);
        try {
            return r.ok() ? Integer.parseInt(r.stdout().strip()) : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * Base chains on the forward hook (other than ours) whose policy is drop and which say
     * nothing about the TUN: a verdict drop in any table is final, so our accept cannot override
     * them. nftables (iptables-nft included) from {@code nft -j list chains}; iptables-legacy
     * from {@code iptables-legacy -S FORWARD} when that command exists.
     */
    private List<String> forwardDropPolicies() throws SetupException {
        List<String> out = new ArrayList<>();
        String tun = config.tunName();
        String accept = "iifname \"" + tun + "\" ip saddr { " + String.join(", ", config.vips()) + " } accept";
        CommandResult chains = run("nft", "-j", "list", "chains");
        if (chains.ok()) {
            for (JsonNode item : parse(chains).path("nftables")) {
                JsonNode c = item.path("chain");
                if (!c.path("hook").asText().equals("forward") || !c.path("policy").asText().equals("drop")
                        || c.path("table").asText().equals(AgentNetworkConfig.NFT_TABLE)) {
                    continue;
                }
                String family = c.path("family").asText();
                String table = c.path("table").asText();
                String name = c.path("name").asText();
                CommandResult listing = run("nft", "list", "chain", family, table, name);
                if (listing.ok() && listing.stdout().contains("\"" + tun + "\"")) {
                    continue; // the host's firewall knows the tun: trust its rules
                }
                out.add("nftables chain " + family + " " + table + " " + name + " (hook forward, policy drop) would drop the"
                        + " packets forwarded from " + tun + " (add `" + accept + "` to it, or set link.offload: split)");
            }
        }
        CommandResult legacy;
        try {
            legacy = run("iptables-legacy", "-S", "FORWARD");
        } catch (SetupException e) {
            return out; // no iptables-legacy here
        }
        if (legacy.ok() && legacy.stdout().contains("-P FORWARD DROP") && !legacy.stdout().contains(tun)) {
            out.add("iptables (legacy) FORWARD policy DROP would drop the packets forwarded from " + tun + " (add `iptables -I"
                    + " FORWARD -i " + tun + " -j ACCEPT`, or set link.offload: split)");
        }
        return out;
    }

    static boolean listening(String ssOutput, String address, int port) {
        String suffix = ":" + port;
        for (String line : ssOutput.split("\n")) {
            String[] cols = line.trim().split("\\s+");
            if (cols.length < 4 || !cols[3].endsWith(suffix)) {
                continue;
            }
            String host = cols[3].substring(0, cols[3].length() - suffix.length());
            if (host.equals(address) || host.equals("0.0.0.0") || host.equals("*") || host.equals("[::]")) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ probes

    /** {@code ip -d -j link show dev TUN}'s entry, or null when there is no such device. */
    private JsonNode linkDetails(String name) throws SetupException {
        CommandResult r = run("ip", "-d", "-j", "link", "show", "dev", name);
        if (!r.ok()) {
            return null;
        }
        JsonNode arr = parse(r);
        return arr.isArray() && arr.size() > 0 ? arr.get(0) : null;
    }

    private String tunProblem(JsonNode link) {
        String tun = config.tunName();
        JsonNode info = link.path("linkinfo");
        String kind = info.path("info_kind").asText("");
        JsonNode data = info.path("info_data");
        if (!kind.equals("tun") || !data.path("type").asText("").equals("tun")) {
            return "device " + tun + " exists but is not a tun device in tun mode (kind=" + kind + ", type="
                    + data.path("type").asText("") + "); choose another name or remove it";
        }
        if (!data.path("persist").asBoolean(false)) {
            return "tun device " + tun + " is not persistent (another program owns it; expected: made by `ip tuntap add`)";
        }
        if (data.path("pi").asBoolean(false)) {
            return "tun device " + tun + " carries packet information headers (expected: created without `pi`)";
        }
        return null;
    }

    private boolean hasHandoffAddress() throws SetupException {
        CommandResult r = run("ip", "-j", "addr", "show", "dev", "lo");
        if (!r.ok()) {
            throw SetupException.failed("list addresses on lo", r);
        }
        for (JsonNode ifc : parse(r)) {
            for (JsonNode a : ifc.path("addr_info")) {
                if (config.handoffAddress().equals(a.path("local").asText()) && a.path("prefixlen").asInt() == 32) {
                    return true;
                }
            }
        }
        return false;
    }

    private JsonNode routesInTable() throws SetupException {
        CommandResult r = run("ip", "-j", "route", "show", "table", Integer.toString(config.table()));
        if (!r.ok()) {
            // An empty, never-used table: some iproute2 versions say so with an error.
            if (r.stderr().contains("table") && r.stderr().contains("does not exist")) {
                return JSON.createArrayNode();
            }
            throw SetupException.failed("list routing table " + config.table(), r);
        }
        return parse(r);
    }

    private boolean isTunRoute(JsonNode r) {
        return r.path("dst").asText().equals("default") && r.path("dev").asText().equals(config.tunName())
                && r.path("type").asText("unicast").equals("unicast");
    }

    private static boolean isBlackholeRoute(JsonNode r) {
        return r.path("dst").asText().equals("default") && r.path("type").asText().equals("blackhole");
    }

    private boolean hasRoute(JsonNode routes, boolean tunRoute) {
        for (JsonNode r : routes) {
            if (tunRoute ? isTunRoute(r) : isBlackholeRoute(r)) {
                return true;
            }
        }
        return false;
    }

    private boolean hasRule() throws SetupException {
        CommandResult r = run("ip", "-N", "-j", "rule", "show");
        if (!r.ok()) {
            throw SetupException.failed("list rules", r);
        }
        for (JsonNode rule : parse(r)) {
            if (config.handoffAddress().equals(rule.path("src").asText()) && rule.path("srclen").asInt(32) == 32
                    && Integer.toString(config.table()).equals(rule.path("table").asText())
                    && !rule.has("dst") && !rule.has("iifname") && !rule.has("fwmark") && rule.path("action").isMissingNode()) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasFlag(JsonNode link, String flag) {
        for (JsonNode f : link.path("flags")) {
            if (flag.equals(f.asText())) {
                return true;
            }
        }
        return false;
    }

    private static JsonNode parse(CommandResult r) throws SetupException {
        String out = r.stdout().strip();
        if (out.isEmpty()) {
            return JSON.createArrayNode();
        }
        try {
            return JSON.readTree(out);
        } catch (IOException e) {
            throw new SetupException("`" + r.commandLine() + "` printed something that is not JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Runs one command through the runner; a command that cannot be started or does not finish
     * in time is a {@link SetupException}, a non-zero exit is a result the caller judges.
     */
    private CommandResult run(List<String> command, String stdin) throws SetupException {
        CommandResult r;
        try {
            r = runner.run(command, stdin);
        } catch (CommandException e) {
            throw new SetupException(e.getMessage(), e);
        }
        if (r.timedOut()) {
            throw new SetupException(r.describe());
        }
        return r;
    }

    private CommandResult run(String... command) throws SetupException {
        return run(List.of(command), null);
    }

    private void must(String step, String... command) throws SetupException {
        CommandResult r = run(List.of(command), null);
        if (!r.ok()) {
            throw SetupException.failed(step, r);
        }
    }

    // ------------------------------------------------------------------ state file

    private void record(List<CreatedItem> created, CreatedItem item) throws SetupException {
        // Re-made after someone removed it: still one entry.
        created.removeIf(i -> i.kind() == item.kind());
        created.add(item);
        writeState(new SetupState(1, config.tunName(), config.handoffAddress(), config.table(), created));
    }

    /** The recorded state, if a state file exists. */
    public Optional<SetupState> loadState() throws SetupException {
        Path f = config.stateFile();
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(f.toFile(), SetupState.class));
        } catch (IOException e) {
            throw new SetupException("state file " + f + " is unreadable: " + e.getMessage()
                    + " (remove it by hand after checking what it describes)", e);
        }
    }

    private void writeState(SetupState state) throws SetupException {
        Path f = config.stateFile();
        try {
            Path dir = f.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, f.getFileName().toString(), ".tmp");
            JSON.writeValue(tmp.toFile(), state);
            try {
                Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new SetupException("cannot write state file " + f + ": " + e.getMessage(), e);
        }
    }
}
