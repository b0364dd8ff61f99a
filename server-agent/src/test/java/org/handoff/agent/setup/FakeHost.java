package org.handoff.agent.setup;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.handoff.host.CommandException;
import org.handoff.host.CommandResult;
import org.handoff.host.CommandRunner;

/**
 * A pretend host for the set-up's unit tests: understands exactly the commands
 * {@link AgentNetworkSetup} runs, keeps the state they change, and prints what iproute2 6.1
 * prints as JSON. Records every command it was given.
 */
final class FakeHost implements CommandRunner {
    final List<String> commands = new ArrayList<>();
    final Set<String> tuns = new LinkedHashSet<>();
    final Set<String> upLinks = new LinkedHashSet<>();
    final Set<String> loAddresses = new LinkedHashSet<>();
    /** Routes in the hand-off table as iproute2 JSON objects. */
    final List<String> tableRoutes = new ArrayList<>();
    /** Rules as "src table pref". */
    final List<String> rules = new ArrayList<>();
    boolean nftTable;
    /** The script the last {@code nft -f -} installed: what {@code nft list table} prints. */
    String nftScript = "";
    boolean ipv6Disabled;
    /** IPv4 sysctls by key; a tun's own appear when it is made (forwarding 0, rp_filter {@link #tunRpFilter}). */
    final Map<String, String> sysctls = new HashMap<>(Map.of("net.ipv4.conf.all.rp_filter", "0"));
    String tunRpFilter = "2";
    /** Whether some route covers the VIP (a default route, as on most hosts). */
    boolean routeToVip = true;
    /** Base chains as "family table name hook policy", and what {@code nft list chain} prints for each. */
    final Map<String, String> chains = new HashMap<>();
    /** What {@code iptables-legacy -S FORWARD} prints; null: the command does not exist. */
    String iptablesLegacy;
    boolean listener;
    /** A command line (joined by spaces) that fails with exit 2. */
    String failing;

    @Override
    public CommandResult run(List<String> command, String stdin) {
        String line = String.join(" ", command);
        commands.add(line);
        if (line.equals(failing)) {
            return r(command, 2, "", "RTNETLINK answers: Operation not permitted");
        }
        List<String> c = command;
        switch (line.replaceAll(" .*", "")) {
            case "ip":
                return ip(c, line);
            case "sysctl":
                if (line.contains("net.ipv4.")) {
                    return ipv4Sysctl(c, line);
                }
                if (tuns.isEmpty()) {
                    return r(c, 255, "", "sysctl: cannot stat /proc/sys/net/ipv6/conf/ho-tun0/disable_ipv6: No such file or directory");
                }
                if (line.contains(" -w ")) {
                    ipv6Disabled = line.endsWith("=1");
                }
                return r(c, 0, line.contains(" -n ") ? (ipv6Disabled ? "1\n" : "0\n") : "", "");
            case "nft":
                if (line.equals("nft -f -")) {
                    nftTable = true;
                    nftScript = stdin;
                    return r(c, 0, "", "");
                }
                if (line.startsWith("nft list table")) {
                    return nftTable ? r(c, 0, nftScript, "") : r(c, 1, "", "Error: No such file or directory");
                }
                if (line.equals("nft -j list chains")) {
                    StringBuilder json = new StringBuilder("{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\"}}");
                    for (String k : chains.keySet()) {
                        String[] f = k.split(" ");
                        json.append(", {\"chain\": {\"family\": \"").append(f[0]).append("\", \"table\": \"").append(f[1])
                                .append("\", \"name\": \"").append(f[2]).append("\", \"type\": \"filter\", \"hook\": \"")
                                .append(f[3]).append("\", \"prio\": 0, \"policy\": \"").append(f[4]).append("\"}}");
                    }
                    return r(c, 0, json.append("]}").toString(), "");
                }
                if (line.startsWith("nft list chain ")) {
                    for (Map.Entry<String, String> e : chains.entrySet()) {
                        if (e.getKey().startsWith(c.get(3) + " " + c.get(4) + " " + c.get(5) + " ")) {
                            return r(c, 0, e.getValue(), "");
                        }
                    }
                    return r(c, 1, "", "Error: No such file or directory");
                }
                if (line.startsWith("nft delete table")) {
                    boolean had = nftTable;
                    nftTable = false;
                    return r(c, had ? 0 : 1, "", had ? "" : "Error: No such file or directory");
                }
                break;
            case "iptables-legacy":
                if (iptablesLegacy == null) {
                    throw new CommandException("cannot run `" + line + "`: No such file or directory");
                }
                return r(c, 0, iptablesLegacy, "");
            case "ss":
                return r(c, 0, listener ? "LISTEN 0 511 198.18.1.1:80 0.0.0.0:*\n" : "", "");
            default:
                break;
        }
        return r(c, 127, "", "fake host: unknown command " + line);
    }

    private CommandResult ip(List<String> c, String line) {
        if (line.startsWith("ip -d -j link show dev ")) {
            String dev = c.get(6);
            if (!tuns.contains(dev)) {
                return r(c, 1, "", "Device \"" + dev + "\" does not exist.");
            }
            String flags = upLinks.contains(dev) ? "\"NO-CARRIER\",\"POINTOPOINT\",\"UP\"" : "\"POINTOPOINT\"";
            return r(c, 0, "[{\"ifname\":\"" + dev + "\",\"flags\":[" + flags + "],\"mtu\":1500,\"linkinfo\":{\"info_kind\":\"tun\","
                    + "\"info_data\":{\"type\":\"tun\",\"pi\":false,\"persist\":true}}}]", "");
        }
        if (line.startsWith("ip tuntap add dev ")) {
            tuns.add(c.get(4));
            sysctls.put("net.ipv4.conf." + c.get(4) + ".forwarding", "0");
            sysctls.put("net.ipv4.conf." + c.get(4) + ".rp_filter", tunRpFilter);
            return r(c, 0, "", "");
        }
        if (line.startsWith("ip tuntap del dev ")) {
            sysctls.keySet().removeIf(k -> k.startsWith("net.ipv4.conf." + c.get(4) + "."));
            boolean had = tuns.remove(c.get(4));
            upLinks.remove(c.get(4));
            tableRoutes.removeIf(rt -> rt.contains("\"dev\":\"" + c.get(4) + "\""));
            return r(c, had ? 0 : 1, "", "");
        }
        if (line.startsWith("ip link set dev ") && line.endsWith(" up")) {
            upLinks.add(c.get(4));
            return r(c, tuns.contains(c.get(4)) ? 0 : 1, "", "");
        }
        if (line.startsWith("ip link set dev ")) {
            return r(c, tuns.contains(c.get(4)) ? 0 : 1, "", "");
        }
        if (line.equals("ip -j addr show dev lo")) {
            String infos = loAddresses.stream().map(a -> "{\"family\":\"inet\",\"local\":\"" + a.replace("/32", "")
                    + "\",\"prefixlen\":32}").collect(Collectors.joining(","));
            return r(c, 0, "[{\"ifname\":\"lo\",\"addr_info\":[" + infos + "]}]", "");
        }
        if (line.startsWith("ip addr add ")) {
            return r(c, loAddresses.add(c.get(3)) ? 0 : 2, "", "RTNETLINK answers: File exists");
        }
        if (line.startsWith("ip addr del ")) {
            return r(c, loAddresses.remove(c.get(3)) ? 0 : 2, "", "RTNETLINK answers: Cannot assign requested address");
        }
        if (line.startsWith("ip -j route show table ")) {
            return r(c, 0, "[" + String.join(",", tableRoutes) + "]", "");
        }
        if (line.startsWith("ip route add default dev ")) {
            tableRoutes.add("{\"dst\":\"default\",\"dev\":\"" + c.get(5) + "\",\"scope\":\"link\"}");
            return r(c, 0, "", "");
        }
        if (line.startsWith("ip route add blackhole default ")) {
            tableRoutes.add("{\"type\":\"blackhole\",\"dst\":\"default\",\"metric\":" + c.get(8) + "}");
            return r(c, 0, "", "");
        }
        if (line.startsWith("ip route del default dev ")) {
            return r(c, tableRoutes.removeIf(rt -> rt.contains("\"dev\":\"" + c.get(5) + "\"")) ? 0 : 2, "", "RTNETLINK answers: No such process");
        }
        if (line.startsWith("ip route del blackhole default ")) {
            return r(c, tableRoutes.removeIf(rt -> rt.contains("blackhole")) ? 0 : 2, "", "RTNETLINK answers: No such process");
        }
        if (line.equals("ip -N -j rule show")) {
            String json = rules.stream().map(rule -> {
                String[] f = rule.split(" ");
                return "{\"priority\":" + f[2] + ",\"src\":\"" + f[0] + "\",\"table\":\"" + f[1] + "\"}";
            }).collect(Collectors.joining(","));
            return r(c, 0, "[{\"priority\":0,\"src\":\"all\",\"table\":\"255\"}" + (json.isEmpty() ? "" : "," + json) + "]", "");
        }
        if (line.startsWith("ip rule add from ")) {
            rules.add(c.get(4).replace("/32", "") + " " + c.get(6) + " " + c.get(8));
            return r(c, 0, "", "");
        }
        if (line.startsWith("ip rule del from ")) {
            return r(c, rules.remove(c.get(4).replace("/32", "") + " " + c.get(6) + " " + c.get(8)) ? 0 : 2, "",
                    "RTNETLINK answers: No such file or directory");
        }
        if (line.startsWith("ip route get ") && line.contains(" iif ")) {
            // The input-route decision for a VIP-sourced packet arriving on the tun.
            String tun = c.get(7);
            if (!tuns.contains(tun)) {
                return r(c, 1, "", "Cannot find device \"" + tun + "\"");
            }
            int rp = Math.max(Integer.parseInt(sysctls.get("net.ipv4.conf.all.rp_filter")),
                    Integer.parseInt(sysctls.get("net.ipv4.conf." + tun + ".rp_filter")));
            if (rp == 1 || rp == 2 && !routeToVip) {
                return r(c, 2, "", "RTNETLINK answers: Invalid argument");
            }
            if (!"1".equals(sysctls.get("net.ipv4.conf." + tun + ".forwarding"))) {
                return r(c, 2, "", "RTNETLINK answers: No route to host");
            }
            return r(c, 0, c.get(3) + " from " + c.get(5) + " via 198.18.0.1 dev eth0\n    cache iif " + tun + "\n", "");
        }
        if (line.startsWith("ip route get ") && c.size() == 4) {
            return routeToVip ? r(c, 0, c.get(3) + " via 198.18.0.1 dev eth0 src 198.18.0.3\n", "")
                    : r(c, 2, "", "RTNETLINK answers: Network is unreachable");
        }
        if (line.startsWith("ip route get ")) {
            boolean viaTun = !rules.isEmpty() && tableRoutes.stream().anyMatch(rt -> rt.contains("\"dev\""));
            return r(c, 0, viaTun ? c.get(3) + " from " + c.get(5) + " dev ho-tun0 table 100 uid 0\n" : c.get(3) + " dev eth0 src 198.18.0.3\n", "");
        }
        return r(c, 127, "", "fake host: unknown ip command " + line);
    }

    private CommandResult ipv4Sysctl(List<String> c, String line) {
        if (line.contains(" -w ")) {
            String[] kv = c.get(c.size() - 1).split("=");
            if (!sysctls.containsKey(kv[0])) {
                return r(c, 255, "", "sysctl: cannot stat /proc/sys/" + kv[0].replace('.', '/') + ": No such file or directory");
            }
            sysctls.put(kv[0], kv[1]);
            return r(c, 0, "", "");
        }
        String key = c.get(c.size() - 1);
        String v = sysctls.get(key);
        return v == null ? r(c, 255, "", "sysctl: cannot stat /proc/sys/" + key.replace('.', '/') + ": No such file or directory")
                : r(c, 0, v + "\n", "");
    }

    private static CommandResult r(List<String> c, int exit, String out, String err) {
        return new CommandResult(c, exit, out, err);
    }

    /** Commands given so far that change something (not the look-ups). */
    List<String> changes() {
        return commands.stream().filter(l -> l.matches("^(ip (tuntap|addr (add|del)|route (add|del)|rule (add|del))|nft (-f|delete)"
                        + "|sysctl -q -w net\\.ipv4).*"))
                .toList();
    }
}
