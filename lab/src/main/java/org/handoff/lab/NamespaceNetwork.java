package org.handoff.lab;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.handoff.host.CommandException;
import org.handoff.host.CommandResult;
import org.handoff.host.ProcessRunner;

/**
 * The primitives every namespace lab is built from: network namespaces, veth pairs, bridges,
 * addresses, routes, sysctls, offloads, and commands run inside a namespace. {@code handoff lab}
 * ({@link LabRunner}) and testkit's {@code NetnsLab} both build on this class.
 *
 * <p>Nothing is created in the root namespace: every device is made inside a lab namespace
 * ({@code ip -n NS link add ... peer ... netns OTHER}), so the host's interfaces, routes and
 * rules are never touched. Every command goes through the given {@link ProcessRunner}, so each
 * has its time limit; a failed one throws {@link CommandException} naming it and its output.
 */
public final class NamespaceNetwork {
    /** Linux's IFNAMSIZ less the terminating zero. */
    public static final int MAX_INTERFACE_NAME = 15;

    private final ProcessRunner runner;

    public NamespaceNetwork(ProcessRunner runner) {
        this.runner = runner;
    }

    /** The runner for commands on the host. */
    public ProcessRunner runner() {
        return runner;
    }

    /** The runner for commands inside {@code netns}. */
    public ProcessRunner in(String netns) {
        return runner.inNamespace(netns);
    }

    // ---------------------------------------------------------------- namespaces

    /** The namespaces {@code ip netns list} shows, by name. */
    public List<String> namespaces() {
        CommandResult list = runner.run("ip", "netns", "list").requireOk();
        return list.stdout().lines().map(l -> l.strip().split("\\s+")[0]).filter(n -> !n.isEmpty()).toList();
    }

    public boolean exists(String netns) {
        return namespaces().contains(netns);
    }

    /** Creates {@code netns} with its loopback up; a namespace whose loopback fails is deleted again. */
    public void create(String netns) {
        runner.run("ip", "netns", "add", netns).requireOk();
        try {
            ip(netns, "link", "set", "lo", "up");
        } catch (CommandException e) {
            runner.run("ip", "netns", "del", netns);
            throw e;
        }
    }

    /**
     * Kills whatever still runs inside {@code netns}, then deletes it. Returns the result of
     * {@code ip netns del} (not ok when it was not there).
     */
    public CommandResult delete(String netns) {
        killProcessesIn(netns);
        return runner.run("ip", "netns", "del", netns);
    }

    /** SIGKILL to every process inside {@code netns} ({@code ip netns pids}). */
    public void killProcessesIn(String netns) {
        CommandResult pids = runner.run("ip", "netns", "pids", netns);
        if (!pids.ok()) {
            return;
        }
        for (String s : pids.stdout().split("\\s+")) {
            if (s.matches("\\d+")) {
                ProcessHandle.of(Long.parseLong(s)).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    // ---------------------------------------------------------------- links

    /** Creates a bridge {@code name} in {@code netns}, up, with no STP and no forwarding delay. */
    public void bridge(String netns, String name) {
        checkInterfaceName(name);
        ip(netns, "link", "add", name, "type", "bridge", "forward_delay", "0", "stp_state", "0");
        ip(netns, "link", "set", name, "up");
    }

    /**
     * Creates a veth pair with one end, {@code ifA}, in {@code nsA} and the other, {@code ifB},
     * in {@code nsB}, both up. The pair is created inside {@code nsA}, never in the root namespace.
     */
    public void veth(String nsA, String ifA, String nsB, String ifB) {
        checkInterfaceName(ifA);
        checkInterfaceName(ifB);
        ip(nsA, "link", "add", ifA, "type", "veth", "peer", "name", ifB, "netns", nsB);
        ip(nsA, "link", "set", ifA, "up");
        ip(nsB, "link", "set", ifB, "up");
    }

    /** Enslaves interface {@code port} of {@code netns} to bridge {@code bridge} in the same namespace. */
    public void attach(String netns, String port, String bridge) {
        ip(netns, "link", "set", port, "master", bridge);
    }

    /**
     * Joins {@code netns} to a bridge: a veth pair from {@code ifName} in {@code netns} (with
     * address {@code cidr}, unless null) to {@code port} on {@code bridge} in {@code bridgeNs}.
     */
    public void linkToBridge(String netns, String ifName, String cidr, String bridgeNs, String bridge, String port) {
        veth(netns, ifName, bridgeNs, port);
        attach(bridgeNs, port, bridge);
        if (cidr != null) {
            address(netns, ifName, cidr);
        }
    }

    /** Adds {@code cidr} (e.g. {@code 198.18.0.2/24}) to {@code ifName} in {@code netns}. */
    public void address(String netns, String ifName, String cidr) {
        ip(netns, "addr", "add", cidr, "dev", ifName);
    }

    /** {@code ip route add ARGS} in {@code netns}, e.g. {@code route(ns, "198.18.2.1/32", "via", "198.18.0.4")}. */
    public void route(String netns, String... args) {
        List<String> cmd = new ArrayList<>(List.of("route", "add"));
        cmd.addAll(Arrays.asList(args));
        ip(netns, cmd.toArray(String[]::new));
    }

    /** {@code sysctl -w key=value} inside {@code netns}. */
    public void sysctl(String netns, String key, String value) {
        exec(netns, "sysctl", "-q", "-w", key + "=" + value);
    }

    /** A sysctl's value inside {@code netns}. */
    public String sysctlValue(String netns, String key) {
        return exec(netns, "sysctl", "-n", key).stdout().strip();
    }

    /** {@code ethtool -K IF F1 off F2 off ...} inside {@code netns} (e.g. {@code "tso", "gso", "gro"}). */
    public void offloadsOff(String netns, String ifName, List<String> features) {
        List<String> cmd = new ArrayList<>(List.of("ethtool", "-K", ifName));
        for (String f : features) {
            cmd.add(f);
            cmd.add("off");
        }
        exec(netns, cmd.toArray(String[]::new));
    }

    /** {@code ip -n NS ARGS...}, which must succeed. */
    public CommandResult ip(String netns, String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip", "-n", netns));
        cmd.addAll(Arrays.asList(args));
        return runner.run(cmd, null).requireOk();
    }

    // ---------------------------------------------------------------- commands

    /** Runs {@code command} inside {@code netns}; it must exit 0. */
    public CommandResult exec(String netns, String... command) {
        return execUnchecked(netns, null, command).requireOk();
    }

    /** Runs {@code command} inside {@code netns} with {@code stdin} (may be null) and returns whatever happened. */
    public CommandResult execUnchecked(String netns, String stdin, String... command) {
        return in(netns).run(List.of(command), stdin);
    }

    /**
     * The pause between two polls of a bounded wait for a service in a lab. An interrupt ends
     * the wait as a {@link LabException} (the interrupt flag kept), so the lab can be taken down.
     */
    public static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LabException("interrupted", e);
        }
    }

    /** Refuses an interface name Linux would refuse, with a message saying why. */
    public static void checkInterfaceName(String name) {
        if (name.isEmpty() || name.length() > MAX_INTERFACE_NAME) {
            throw new IllegalArgumentException("interface name '" + name + "' is " + name.length()
                    + " characters (expected: 1.." + MAX_INTERFACE_NAME + ", IFNAMSIZ)");
        }
    }

    @Override
    public String toString() {
        return "NamespaceNetwork[" + runner + "]";
    }
}
