package org.handoff.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.handoff.host.CommandResult;
import org.handoff.host.ProcessRunner;
import org.handoff.lab.LabException;
import org.handoff.lab.NamespaceNetwork;
import org.handoff.lab.NginxConfig;

/**
 * A throw-away network of Linux network namespaces for tests: namespaces joined by veth pairs
 * and bridges, addresses, routes, commands run inside a namespace, nginx and tcpdump started
 * there, curl as a client, and Java code run with its thread inside a namespace. The network
 * is built with the lab module's primitives ({@link NamespaceNetwork}, {@link NginxConfig}),
 * the same ones {@code handoff lab} builds its lab with.
 *
 * <pre>{@code
 * try (NetnsLab lab = NetnsLab.create()) {
 *     Netns sw = lab.namespace("sw");            // a namespace holding only the bridge
 *     Netns client = lab.namespace("client");
 *     Netns origin = lab.namespace("origin");
 *     lab.bridge(sw, "br0");
 *     lab.linkToBridge(client, "eth0", "198.18.0.2/24", sw, "br0");
 *     lab.linkToBridge(origin, "eth0", "198.18.0.3/24", sw, "br0");
 *     Nginx web = lab.startNginx(origin, "198.18.0.3:80", docRoot);
 *     CommandResult r = lab.curl(client, "-o", "/dev/null", "-w", "%{http_code}", "http://198.18.0.3/");
 * }   // every process stopped, every namespace deleted, the work directory removed
 * }</pre>
 *
 * <h2>Rules it keeps</h2>
 * <ul>
 *   <li><b>Nothing in the root namespace.</b> Every device is created inside a lab namespace
 *       ({@code ip -n NS link add ... peer ... netns OTHER}); the host's interfaces, routes and
 *       rules are never touched. Use addresses from 198.18.0.0/15 (RFC 2544).</li>
 *   <li><b>Unique names.</b> Every namespace is named {@code ho-t<pid>-<n>-<short>}: concurrent
 *       labs (other JVMs, other labs in this JVM) never collide. Interface names are local to
 *       their namespace, so they need no prefix (but stay within 15 characters).</li>
 *   <li><b>Always cleaned up.</b> {@link #close()} closes what the test handed it
 *       ({@link #own}), stops every process it started, kills any other process still inside
 *       its namespaces, deletes the namespaces and removes its work directory; a JVM shutdown
 *       hook does the same if the test never reaches close. On creation it also removes
 *       namespaces left by an earlier lab whose JVM is gone (same name pattern, pid no longer
 *       alive).</li>
 *   <li><b>Bounded.</b> Every command has a time limit ({@link #commandTimeout()}); every wait
 *       for a service polls a bounded number of times.</li>
 * </ul>
 *
 * <p>Requires root, iproute2, and for the helpers that use them nginx, curl and tcpdump
 * ({@code scripts/install-deps.sh} installs them). Tests check {@link #unavailableReason()} and
 * skip when it is present. A namespace deleted while a Java file descriptor still refers to it
 * (an open TUN device, a socket) lives on invisibly until that descriptor is closed: close
 * links before the lab, or hand them to {@link #own}.
 */
public final class NetnsLab implements AutoCloseable {
    /** Every lab namespace name starts with this, then the JVM's pid. */
    public static final String NAME_PREFIX = "ho-t";
    private static final Pattern LAB_NAME = Pattern.compile("^" + NAME_PREFIX + "(\\d+)-\\d+-.+$");
    private static final AtomicInteger LAB_COUNTER = new AtomicInteger();
    private static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(20);
    private static final NamespaceNetwork HOST = new NamespaceNetwork(new ProcessRunner().timeLimit(DEFAULT_COMMAND_TIMEOUT));
    private static final int WAIT_POLLS = 100;
    private static final long WAIT_POLL_MILLIS = 50;

    private final String prefix;
    private final Path workDir;
    private final Duration commandTimeout;
    private final NamespaceNetwork network;
    private final List<Netns> namespaces = new ArrayList<>();
    private final List<LabProcess> processes = new ArrayList<>();
    private final List<AutoCloseable> owned = new ArrayList<>();
    private final Thread shutdownHook;
    private boolean closed;

    private NetnsLab(Duration commandTimeout) throws IOException {
        this.prefix = NAME_PREFIX + ProcessHandle.current().pid() + "-" + LAB_COUNTER.incrementAndGet() + "-";
        this.commandTimeout = commandTimeout;
        this.network = new NamespaceNetwork(new ProcessRunner().timeLimit(commandTimeout));
        this.workDir = Files.createTempDirectory(prefix,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        this.shutdownHook = new Thread(this::cleanUp, "netns-lab-cleanup-" + prefix);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** A new, empty lab. Removes leftovers of crashed earlier labs first. */
    public static NetnsLab create() throws IOException {
        return create(DEFAULT_COMMAND_TIMEOUT);
    }

    public static NetnsLab create(Duration commandTimeout) throws IOException {
        unavailableReason().ifPresent(reason -> {
            throw new LabException("network-namespace lab unavailable: " + reason);
        });
        removeLeftovers();
        return new NetnsLab(commandTimeout);
    }

    /**
     * Why a lab cannot run here (not Linux, not root, no iproute2, or one of {@code tools} not
     * installed), or empty when it can. Tests use it as
     * {@code assumeTrue(NetnsLab.unavailableReason("nginx").isEmpty(), ...)} to skip cleanly.
     */
    public static Optional<String> unavailableReason(String... tools) {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            return Optional.of("not Linux (os.name=" + System.getProperty("os.name") + ")");
        }
        if (!ProcessRunner.isRoot()) {
            return Optional.of("not root (user.name=" + System.getProperty("user.name") + "); namespace tests need root");
        }
        if (findExecutable("ip").isEmpty()) {
            return Optional.of("iproute2's `ip` not found on PATH (scripts/install-deps.sh installs it)");
        }
        for (String tool : tools) {
            if (findExecutable(tool).isEmpty()) {
                return Optional.of(tool + " not installed (scripts/install-deps.sh)");
            }
        }
        return Optional.empty();
    }

    /** Whether {@code name} is on PATH (tests skip a part that needs a missing tool). */
    public static Optional<Path> findExecutable(String name) {
        return ProcessRunner.findExecutable(name);
    }

    /**
     * Deletes lab namespaces ({@code ho-t<pid>-...}) whose JVM is no longer alive, after
     * killing whatever still runs inside them. Returns their names.
     */
    public static List<String> removeLeftovers() {
        List<String> removed = new ArrayList<>();
        for (String name : HOST.namespaces()) {
            Matcher m = LAB_NAME.matcher(name);
            if (!m.matches()) {
                continue;
            }
            long pid = Long.parseLong(m.group(1));
            if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                continue; // another live lab
            }
            if (HOST.delete(name).ok()) {
                removed.add(name);
            }
        }
        return removed;
    }

    /** This lab's name prefix, e.g. {@code ho-t4242-1-}. */
    public String prefix() {
        return prefix;
    }

    /** A private directory for configs, logs and captures; removed on close. */
    public Path workDir() {
        return workDir;
    }

    public Duration commandTimeout() {
        return commandTimeout;
    }

    // ---------------------------------------------------------------- topology

    /** Creates namespace {@code prefix + shortName} with its loopback up. */
    public synchronized Netns namespace(String shortName) {
        checkOpen();
        if (!shortName.matches("[A-Za-z0-9_.-]{1,40}")) {
            throw new IllegalArgumentException("namespace short name '" + shortName + "' (expected: [A-Za-z0-9_.-]{1,40})");
        }
        Netns ns = new Netns(prefix + shortName, shortName);
        if (namespaces.contains(ns)) {
            throw new IllegalArgumentException("namespace " + ns + " already exists in this lab");
        }
        network.create(ns.name());
        namespaces.add(ns);
        return ns;
    }

    /** The namespaces created so far, in creation order. */
    public synchronized List<Netns> namespaces() {
        return List.copyOf(namespaces);
    }

    /**
     * Creates a veth pair with one end, {@code ifA}, in {@code a} and the other, {@code ifB}, in
     * {@code b}, both up. The pair is created inside {@code a}, never in the root namespace.
     */
    public void veth(Netns a, String ifA, Netns b, String ifB) {
        network.veth(a.name(), ifA, b.name(), ifB);
    }

    /** {@link #veth(Netns, String, Netns, String)} with an address on each end, e.g. {@code 198.18.0.2/24}. */
    public void veth(Netns a, String ifA, String cidrA, Netns b, String ifB, String cidrB) {
        veth(a, ifA, b, ifB);
        address(a, ifA, cidrA);
        address(b, ifB, cidrB);
    }

    /** Creates a bridge {@code name} in {@code ns}, up, with no STP delay. */
    public void bridge(Netns ns, String name) {
        network.bridge(ns.name(), name);
    }

    /** Enslaves interface {@code port} of {@code ns} to bridge {@code bridge} in the same namespace. */
    public void attach(Netns ns, String port, String bridge) {
        network.attach(ns.name(), port, bridge);
    }

    /**
     * Joins {@code ns} to a bridge: a veth pair {@code ifName} (in {@code ns}, with address
     * {@code cidr}) to a port on {@code bridge} in {@code bridgeNs}. The bridge-side end is
     * named {@code <ns short name, cut to 11>-<n>} and returned.
     */
    public String linkToBridge(Netns ns, String ifName, String cidr, Netns bridgeNs, String bridge) {
        String port = portName(ns, bridgeNs);
        network.linkToBridge(ns.name(), ifName, cidr, bridgeNs.name(), bridge, port);
        return port;
    }

    private synchronized String portName(Netns ns, Netns bridgeNs) {
        String base = ns.shortName().length() > 11 ? ns.shortName().substring(0, 11) : ns.shortName();
        for (int i = 0; i < 100; i++) {
            String candidate = base + "-" + i;
            if (!network.runner().run("ip", "-n", bridgeNs.name(), "link", "show", candidate).ok()) {
                return candidate;
            }
        }
        throw new LabException("no free bridge port name for " + ns + " in " + bridgeNs);
    }

    /** Adds {@code cidr} (e.g. {@code 198.18.0.2/24}) to {@code ifName} in {@code ns}. */
    public void address(Netns ns, String ifName, String cidr) {
        network.address(ns.name(), ifName, cidr);
    }

    /** {@code ip route add ARGS} in {@code ns}, e.g. {@code route(ns, "198.18.2.1/32", "via", "198.18.0.4")}. */
    public void route(Netns ns, String... args) {
        network.route(ns.name(), args);
    }

    /** {@code sysctl -w key=value} inside {@code ns}. */
    public void sysctl(Netns ns, String key, String value) {
        network.sysctl(ns.name(), key, value);
    }

    /** Reads a sysctl inside {@code ns}. */
    public String sysctlValue(Netns ns, String key) {
        return network.sysctlValue(ns.name(), key);
    }

    /**
     * Turns off TSO, GSO, GRO and TX checksum offload on a veth end, so captures see MTU-sized
     * frames with full checksums (docs/agent-link.md, "offloads").
     */
    public void offloadsOff(Netns ns, String ifName) {
        network.offloadsOff(ns.name(), ifName, List.of("tso", "gso", "gro", "tx"));
    }

    /** {@code ip -n NS ARGS...}, which must succeed. */
    public CommandResult ip(Netns ns, String... args) {
        return network.ip(ns.name(), args);
    }

    // ---------------------------------------------------------------- commands

    /** One counter of the kernel's SNMP statistics in {@code ns} ({@code nstat -az}, absolute), "0" if absent. */
    public String nstat(Netns ns, String counter) {
        for (String line : exec(ns, "nstat", "-saz", counter).stdout().split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 2 && f[0].equals(counter)) {
                return f[1];
            }
        }
        return "0";
    }

    /** Runs {@code command} inside {@code ns} ({@code ip netns exec}); it must exit 0. */
    public CommandResult exec(Netns ns, String... command) {
        return execUnchecked(ns, command).requireOk();
    }

    /** Runs {@code command} inside {@code ns} and returns whatever happened. */
    public CommandResult execUnchecked(Netns ns, String... command) {
        return execWithInput(ns, null, command);
    }

    /** Runs {@code command} inside {@code ns} with {@code stdin} as its input. */
    public CommandResult execWithInput(Netns ns, String stdin, String... command) {
        checkOpen();
        return network.execUnchecked(ns.name(), stdin, command);
    }

    /**
     * A runner for code that runs its own commands inside {@code ns} (the agent's host set-up,
     * the director's VIP check), with this lab's time limit.
     */
    public ProcessRunner runner(Netns ns) {
        return network.in(ns.name());
    }

    /**
     * Starts a long-running command inside {@code ns}, output to a log file in the work
     * directory. The lab stops it on close if the test has not.
     */
    public synchronized LabProcess start(Netns ns, String label, String... command) {
        checkOpen();
        Path log = workDir.resolve(label + "-" + processes.size() + ".log");
        LabProcess lp = new LabProcess(label, network.in(ns.name()).startLogged(Arrays.asList(command), log, false), log);
        processes.add(lp);
        return lp;
    }

    /**
     * Runs {@code task} on a fresh thread whose network namespace is {@code ns} (setns(2)), and
     * returns its result. File descriptors it opens (TUN devices, sockets) stay in {@code ns}
     * and may be used from any thread afterwards.
     */
    public <T> T inNamespace(Netns ns, Callable<T> task) throws Exception {
        checkOpen();
        return LinuxNamespaces.callIn(ns.name(), task, commandTimeout.toMillis());
    }

    /**
     * Hands {@code resource} (a socket, a capture, a TUN device opened in one of the lab's
     * namespaces) to the lab: {@link #close()} closes it, last owned first, before it stops the
     * processes and deletes the namespaces. Returns it.
     */
    public synchronized <T extends AutoCloseable> T own(T resource) {
        checkOpen();
        owned.add(resource);
        return resource;
    }

    // ---------------------------------------------------------------- services

    /**
     * Starts nginx in {@code ns}, listening on {@code listen} (e.g. {@code 198.18.1.1:80}) and
     * serving {@code root}, with its own configuration, pid file, logs and temp paths in a new
     * directory under the work directory. Returns once the socket is listening.
     */
    public Nginx startNginx(Netns ns, String listen, Path root) {
        return startNginx(ns, nginxConfig(listen, root, createDir("nginx-" + ns.shortName())));
    }

    /**
     * The configuration {@link #startNginx(Netns, String, Path)} runs with, its files in
     * {@code dir}: a test adds its own lines (a module, a location) and starts it with
     * {@link #startNginx(Netns, NginxConfig)}.
     */
    public static NginxConfig nginxConfig(String listen, Path root, Path dir) {
        return NginxConfig.serving(listen, root.toAbsolutePath()).foreground().user("root").workerConnections(256)
                .pidFile(dir.resolve("nginx.pid")).errorLog(dir.resolve("error.log"), "info").accessLog(dir.resolve("access.log"))
                .tempDirectory(dir).http("keepalive_timeout 30;").server("location / { }");
    }

    /**
     * Starts nginx in {@code ns} with {@code config} (made by {@link #nginxConfig}: its files,
     * and now its nginx.conf, are in the directory of its pid file) and returns once it listens
     * on the port of its {@code listen}.
     */
    public Nginx startNginx(Netns ns, NginxConfig config) {
        Path dir = config.pidFile().getParent();
        Path confFile = dir.resolve("nginx.conf");
        try {
            Files.writeString(confFile, config.render(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String nginx = findExecutable("nginx").map(Path::toString)
                .orElseThrow(() -> new LabException("nginx not found on PATH (scripts/install-deps.sh installs it)"));
        LabProcess p = start(ns, "nginx-" + ns.shortName(), nginx, "-p", dir.toString(), "-e",
                config.errorLog().toString(), "-c", confFile.toString());
        String listen = config.listen();
        int port = Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1));
        waitFor("nginx in " + ns + " listening on " + listen, p,
                () -> execUnchecked(ns, "ss", "-Hltn", "sport = :" + port).stdout().contains(":" + port));
        return new Nginx(p, dir, listen);
    }

    /**
     * Runs curl in {@code ns} with {@code -sS --max-time 10} and the given arguments; returns
     * what happened (a failed transfer is a non-zero exit, not an exception).
     */
    public CommandResult curl(Netns ns, String... args) {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "10"));
        cmd.addAll(Arrays.asList(args));
        return execUnchecked(ns, cmd.toArray(String[]::new));
    }

    /**
     * Starts {@code tcpdump -w} on {@code ifName} in {@code ns} with a BPF {@code filter} (may
     * be empty), unbuffered and in immediate mode, and returns once it is listening.
     */
    public PacketCapture capture(Netns ns, String ifName, String filter) {
        Path file = workDir.resolve("capture-" + ns.shortName() + "-" + ifName + "-" + System.nanoTime() + ".pcap");
        List<String> cmd = new ArrayList<>(List.of("tcpdump", "-i", ifName, "-n", "-U", "--immediate-mode",
                "-s", "0", "-Z", "root", "-w", file.toString()));
        if (filter != null && !filter.isBlank()) {
            cmd.addAll(Arrays.asList(filter.trim().split("\\s+")));
        }
        LabProcess p = start(ns, "tcpdump-" + ns.shortName() + "-" + ifName, cmd.toArray(String[]::new));
        waitFor("tcpdump on " + ifName + " in " + ns, p, () -> p.logText().contains("listening on"));
        return new PacketCapture(p, file);
    }

    /** Polls {@code ready} up to {@value #WAIT_POLLS} times, {@value #WAIT_POLL_MILLIS} ms apart. */
    private void waitFor(String what, LabProcess p, BooleanSupplier ready) {
        for (int i = 0; i < WAIT_POLLS; i++) {
            if (ready.getAsBoolean()) {
                return;
            }
            if (!p.isAlive()) {
                throw new LabException(what + ": process exited early; log: " + p.logText().strip());
            }
            NamespaceNetwork.pause(WAIT_POLL_MILLIS);
        }
        p.stop(1_000);
        throw new LabException(what + ": not ready after " + WAIT_POLLS * WAIT_POLL_MILLIS + " ms; log: " + p.logText().strip());
    }

    /** A new directory under the work directory. */
    public Path createDir(String name) {
        try {
            return Files.createTempDirectory(workDir, name + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------- cleanup

    /**
     * Closes what it owns, stops every process it started, kills anything else inside its
     * namespaces, deletes the namespaces (last created first) and removes the work directory.
     * Idempotent.
     */
    @Override
    public void close() {
        cleanUp();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // Already shutting down: the hook is running or ran.
        }
    }

    private synchronized void cleanUp() {
        if (closed) {
            return;
        }
        closed = true;
        List<String> problems = new ArrayList<>();
        for (int i = owned.size() - 1; i >= 0; i--) {
            try {
                owned.get(i).close();
            } catch (Exception e) {
                problems.add("closing " + owned.get(i) + ": " + e);
            }
        }
        for (int i = processes.size() - 1; i >= 0; i--) {
            processes.get(i).stop(3_000);
        }
        for (int i = namespaces.size() - 1; i >= 0; i--) {
            CommandResult r = network.delete(namespaces.get(i).name());
            if (!r.ok()) {
                problems.add(r.describe());
            }
        }
        deleteRecursively(workDir);
        if (!problems.isEmpty()) {
            System.err.println("NetnsLab " + prefix + ": cleanup problems: " + problems);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort: a temp file left behind is harmless
                }
            });
        } catch (IOException e) {
            // best effort
        }
    }

    private synchronized void checkOpen() {
        if (closed) {
            throw new IllegalStateException("lab " + prefix + " is closed");
        }
    }

    @Override
    public String toString() {
        return "NetnsLab[" + prefix + ", namespaces=" + namespaces + "]";
    }
}
