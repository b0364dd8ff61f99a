package org.handoff.agent.setup;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What {@link AgentNetworkSetup} builds, validated once at construction; every message says
 * {@code name=value (expected: ...)}.
 *
 * @param tunName          the persistent TUN device, e.g. {@code ho-tun0} (1..15 characters)
 * @param handoffAddress   H: the dedicated hand-off address the server listens on, put on
 *                         {@code lo} as a /32; everything the stack sends from H goes to the TUN
 * @param table            routing table T for {@code from H} (1..2^31-1, not 253..255)
 * @param rulePriority     the {@code ip rule} preference of {@code from H lookup T} (1..32765,
 *                         before the main table's 32766)
 * @param blackholeMetric  metric of the blackhole default route in T (above the TUN route's 0)
 * @param serverPorts      the server's listening ports on H: checked for a listener, and only
 *                         the TUN (or lo) may open connections to them
 * @param vips             the VIPs the agent sends from; exempted from conntrack
 * @param mtu              the TUN's MTU; must not exceed the egress interface's (the raw
 *                         socket does not fragment)
 * @param conntrackExemption whether to install the nftables {@code notrack} rule for VIP-sourced
 *                         packets (and the guard rules); needs {@code nft}
 * @param forwarding       whether to make the path that forwards the agent's super-segments
 *                         written back into the TUN (link.offload auto): IPv4 forwarding and no
 *                         reverse-path filter on the TUN, and with nftables a notrack and a
 *                         forward guard for packets arriving on it
 * @param stateFile        where the set-up records what it created, for teardown
 */
public record AgentNetworkConfig(
        String tunName,
        String handoffAddress,
        int table,
        int rulePriority,
        int blackholeMetric,
        List<Integer> serverPorts,
        List<String> vips,
        int mtu,
        boolean conntrackExemption,
        boolean forwarding,
        Path stateFile) {

    public static final Path DEFAULT_STATE_FILE = Path.of("/run/handoff-agent/setup.json");
    public static final String NFT_TABLE = "handoff_agent";
    private static final Pattern IFNAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");

    public AgentNetworkConfig {
        serverPorts = List.copyOf(serverPorts);
        vips = List.copyOf(vips);
        if (tunName == null || !IFNAME.matcher(tunName).matches()) {
            throw new IllegalArgumentException("tunName=" + tunName + " (expected: 1..15 of [A-Za-z0-9_.-])");
        }
        checkAddress("handoffAddress", handoffAddress);
        if (table < 1 || (table >= 253 && table <= 255)) {
            throw new IllegalArgumentException("table=" + table + " (expected: 1..2147483647 except 253..255, the kernel's own)");
        }
        if (rulePriority < 1 || rulePriority > 32765) {
            throw new IllegalArgumentException("rulePriority=" + rulePriority + " (expected: 1..32765, before the main table)");
        }
        if (blackholeMetric < 1) {
            throw new IllegalArgumentException("blackholeMetric=" + blackholeMetric + " (expected: 1+, above the TUN route's 0)");
        }
        if (serverPorts.isEmpty()) {
            throw new IllegalArgumentException("serverPorts=[] (expected: at least one port)");
        }
        for (int p : serverPorts) {
            if (p < 1 || p > 65535) {
                throw new IllegalArgumentException("serverPorts contains " + p + " (expected: 1..65535)");
            }
        }
        if (vips.isEmpty()) {
            throw new IllegalArgumentException("vips=[] (expected: at least one VIP)");
        }
        for (String v : vips) {
            checkAddress("vips", v);
            if (v.equals(handoffAddress)) {
                throw new IllegalArgumentException("vips contains the hand-off address " + v + " (expected: H apart from every VIP)");
            }
        }
        if (mtu < 576 || mtu > 65535) {
            throw new IllegalArgumentException("mtu=" + mtu + " (expected: 576..65535, at most the egress MTU)");
        }
        if (stateFile == null) {
            throw new IllegalArgumentException("stateFile=null (expected: a path, default " + DEFAULT_STATE_FILE + ")");
        }
    }

    /**
     * The usual values: table 100, rule priority 100, blackhole metric 4096, MTU 1500, notrack on,
     * no forwarding set-up, /run state file.
     */
    public static AgentNetworkConfig of(String tunName, String handoffAddress, List<Integer> serverPorts, List<String> vips) {
        return new AgentNetworkConfig(tunName, handoffAddress, 100, 100, 4096, serverPorts, vips, 1500, true, false,
                DEFAULT_STATE_FILE);
    }

    public AgentNetworkConfig withForwarding(boolean newForwarding) {
        return new AgentNetworkConfig(tunName, handoffAddress, table, rulePriority, blackholeMetric, serverPorts, vips,
                mtu, conntrackExemption, newForwarding, stateFile);
    }

    public AgentNetworkConfig withTable(int newTable, int newRulePriority) {
        return new AgentNetworkConfig(tunName, handoffAddress, newTable, newRulePriority, blackholeMetric, serverPorts, vips,
                mtu, conntrackExemption, forwarding, stateFile);
    }

    public AgentNetworkConfig withStateFile(Path newStateFile) {
        return new AgentNetworkConfig(tunName, handoffAddress, table, rulePriority, blackholeMetric, serverPorts, vips,
                mtu, conntrackExemption, forwarding, newStateFile);
    }

    public AgentNetworkConfig withMtu(int newMtu) {
        return new AgentNetworkConfig(tunName, handoffAddress, table, rulePriority, blackholeMetric, serverPorts, vips,
                newMtu, conntrackExemption, forwarding, stateFile);
    }

    private static void checkAddress(String name, String a) {
        if (a == null || !IPV4.matcher(a).matches()) {
            throw new IllegalArgumentException(name + "=" + a + " (expected: a dotted IPv4 address such as 198.18.1.1)");
        }
    }
}
