package org.handoff.lab;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import org.handoff.host.CommandException;
import org.handoff.host.CommandResult;
import org.handoff.host.ProcessRunner;
import org.handoff.host.RunningCommand;
import org.handoff.lab.LabTopology.Bird;
import org.handoff.lab.LabTopology.Director;
import org.handoff.lab.LabTopology.Host;
import org.handoff.lab.LabTopology.Origin;
import org.handoff.lab.LabTopology.Router;

/**
 * Builds, reports and removes a {@link LabTopology} on this machine: {@code handoff lab
 * up|status|down|kill-director|start-director} (docs/lab.md). Root only.
 *
 * <ul>
 *   <li>{@link #up()} is safe to run twice: a lab that answers through the VIP is left as it
 *       is, a partial one is taken down first. It returns once a request through the VIP
 *       succeeds; when anything fails (or the command is interrupted) it takes down what it
 *       built.</li>
 *   <li>The lab's processes are daemons: nginx daemonizes itself, agents and directors run
 *       under {@code setsid} with their pid in a pid file, and all outlive the command that
 *       started them.</li>
 *   <li>{@link #down()} stops those processes, runs each agent's teardown, deletes the
 *       namespaces and removes exactly the files {@code up} recorded in the lab's manifest, from
 *       any process and also after a failed {@code up}: files a user added under {@code www}
 *       stay.</li>
 * </ul>
 * Messages go to {@code err} as {@code lab: ...}; {@link #status} writes to its argument.
 */
public final class LabRunner {
    public static final String JAVA_OPTS_VARIABLE = "HANDOFF_JAVA_OPTS";
    /** The lab's JVMs share the machine with nginx and the client: small heaps, the serial collector. */
    public static final String DEFAULT_JAVA_OPTS = "-Xms32m -Xmx512m -XX:+UseSerialGC";
    private static final List<String> TOOLS = List.of("ip", "nginx", "curl", "ethtool", "java");
    /** What a routed lab needs besides (Debian's bird2). */
    private static final List<String> ROUTING_TOOLS = List.of("bird", "birdc");
    /** How long a routed lab's router may take to have every director as a next hop (BGP connects within seconds). */
    private static final long NEXT_HOPS_WAIT_MILLIS = 60_000;
    /** How often the router's route is read while waiting for a next hop to go or come. */
    private static final long ROUTE_POLL_MILLIS = 2;
    /** How long {@code kill-director} waits for the router to drop the killed director's next hop. */
    private static final long WITHDRAW_WAIT_MILLIS = 10_000;
    private static final int VIP_POLLS = 120;
    private static final long VIP_POLL_MILLIS = 500;
    private static final long STOP_GRACE_MILLIS = 5_000;
    /** A JVM start and every command of an agent's set-up or teardown. */
    private static final Duration HANDOFF_COMMAND_LIMIT = Duration.ofMinutes(2);
    /** How long an interrupted {@code up} gets to take the lab down before the JVM exits. */
    private static final long TAKE_DOWN_MILLIS = 120_000;
    private static final int LOG_TAIL_LINES = 20;
    private static final String STATUS_ROW = "%-14s %s%n";
    private static final java.util.regex.Pattern CAPTURE_SECTION = java.util.regex.Pattern.compile("(?m)^capture:[ \t]*$");
    private static final java.util.regex.Pattern CLUSTER_SECTION = java.util.regex.Pattern.compile("(?m)^cluster:");
    /**
     * An XDP program that passes everything, what the director's bridge-side veth peer runs on the
     * kernel path: a resource of module bpf's jar, which {@code handoff} has on its class path
     * (no Maven dependency: bpf's tests use testkit, which uses this module).
     */
    static final String XDP_PASS_OBJECT = "xdp_pass.bpf.o";
    /** The directors' group port (JGroups' TCP) on each director's LAN address. */
    static final int CLUSTER_PORT = 7800;
    /**
     * The lab's cluster.failure-timeout: a director silent this long is excluded. Longer than the
     * default 1.5 s, since the lab's JVMs share two cores with everything else; a killed director
     * is still excluded at once (its sockets close), and flows that were handed off do not wait
     * for the view in any case.
     */
    static final String CLUSTER_FAILURE_TIMEOUT = "5s";
    /** A director's JVM start, its join and the table's transfer. */
    private static final long CLUSTER_JOIN_WAIT_MILLIS = 60_000;

    private final LabTopology lab;
    private final PrintWriter err;
    private final NamespaceNetwork network;
    /** Runs bin/handoff (set-up, teardown, the daemons) with the lab's JVM options. */
    private final ProcessRunner handoff;
    private final Manifest manifest;

    /**
     * @param environment the variables the lab's processes see added ({@value #JAVA_OPTS_VARIABLE}
     *                    defaults to {@value #DEFAULT_JAVA_OPTS} when absent or empty)
     */
    public LabRunner(LabTopology lab, PrintWriter err, Map<String, String> environment) {
        this.lab = lab;
        this.err = err;
        ProcessRunner host = new ProcessRunner();
        this.network = new NamespaceNetwork(host);
        String javaOpts = environment.get(JAVA_OPTS_VARIABLE);
        this.handoff = host.timeLimit(HANDOFF_COMMAND_LIMIT).environment(Map.of(JAVA_OPTS_VARIABLE,
                javaOpts == null || javaOpts.isEmpty() ? DEFAULT_JAVA_OPTS : javaOpts));
        this.manifest = new Manifest(lab.manifestFile());
    }

    // ---------------------------------------------------------------- up

    /** Builds the lab; 0 once a request through the VIP succeeds, 1 (with the lab taken down) if not. */
    public int up() {
        if (!ProcessRunner.isRoot()) {
            return fail("must run as root (it creates network namespaces)");
        }
        if (isUp()) {
            say("already up (a request through " + lab.vipAddress() + " succeeds); nothing to do");
            return 0;
        }
        if (anyNamespace() || manifest.exists()) {
            say("a previous lab is partly there: taking it down first");
            down();
        }
        for (String tool : lab.routed() ? concat(TOOLS, ROUTING_TOOLS) : TOOLS) {
            if (ProcessRunner.findExecutable(tool).isEmpty()) {
                return fail(tool + " not found: run scripts/install-deps.sh first");
            }
        }
        TakeDownOnExit guard = new TakeDownOnExit(Thread.currentThread());
        try {
            build();
            say("up: curl " + lab.vipUrl("/") + " from " + lab.client().namespace() + " works; logs and content in "
                    + lab.directory());
            say("try: ip netns exec " + lab.client().namespace() + " curl -si " + lab.vipUrl("/static/hello.txt"));
            if (lab.routed()) {
                say("the router's route to the VIP has " + lab.directors().size() + " next hop(s); bin/handoff lab status lists them");
            }
            return 0;
        } catch (RuntimeException e) {
            // Whatever stopped it (a failed step, or an interrupt from Ctrl-C or SIGTERM), what was
            // built comes down; down still runs its commands after an interrupt.
            Thread.interrupted();
            say(e.getMessage() != null ? e.getMessage() : e.toString());
            say("up failed: taking the lab down");
            down();
            return 1;
        } finally {
            guard.release();
        }
    }

    private void build() {
        manifest.start();
        manifest.writeFile(lab.shapeFile(), lab.shape().render());
        for (Origin o : lab.origins()) {
            manifest.makeDirectories(o.www());
        }

        say("namespaces and the bridge" + (lab.routed() ? "s" : ""));
        for (String ns : lab.namespaces()) {
            network.create(ns);
        }
        network.bridge(lab.switchNamespace(), LabTopology.BRIDGE);
        if (lab.routed()) {
            Router r = lab.router();
            network.bridge(r.host().namespace(), LabTopology.CLIENT_BRIDGE);
            network.address(r.host().namespace(), LabTopology.CLIENT_BRIDGE, r.clientCidr());
        }
        for (Host h : lab.hosts()) {
            network.linkToBridge(h.namespace(), LabTopology.INTERFACE, h.cidr(), h.bridgeNamespace(), h.bridge(), h.bridgePort());
        }
        for (Host h : lab.hosts()) {
            if (!h.offloadsOff().isEmpty()) {
                network.offloadsOff(h.namespace(), LabTopology.INTERFACE, h.offloadsOff());
            }
            for (List<String> route : h.routes()) {
                network.route(h.namespace(), route.toArray(String[]::new));
            }
            h.sysctls().forEach((key, value) -> network.sysctl(h.namespace(), key, value));
        }

        say("content and nginx on the origins");
        for (Origin o : lab.origins()) {
            for (Map.Entry<String, String> file : o.content().entrySet()) {
                Path path = o.www().resolve(file.getKey());
                manifest.makeDirectories(path.getParent());
                if (!Files.exists(path)) {
                    manifest.writeFile(path, file.getValue());
                }
            }
            manifest.makeDirectories(o.tempDirectory());
            NginxConfig nginx = o.nginx();
            manifest.writeFile(o.nginxConfig(), nginx.render());
            manifest.record(o.nginxPidFile(), o.nginxErrorLog(), o.accessLog());
            manifest.record(nginx.temporaryPaths().toArray(Path[]::new));
            startNginx(o);
        }

        say("the shared hand-off key");
        writeKey();
        if (lab.clustered()) {
            say("the directors' cluster keys (docs/scale-out.md, \"Keys\")");
            writeClusterKeys();
        }

        boolean kernel = !lab.datapath().equals("user"); // auto loads the programs too
        say("agents, datapath " + lab.datapath());
        for (Origin o : lab.origins()) {
            if (kernel) {
                mountBpffs(o.agentBpffs());
            }
            // The example's state file is a fixed path under /run, shared by every lab on the host:
            // each lab keeps its own in its directory, so a second lab's set-up and teardown do not
            // read or delete the first's record.
            manifest.writeFile(o.agentConfig(), withDatapath(withStateFile(read(o.agentConfigSource()), o.agentSetupState()),
                    lab.datapath(), o.agentBpffs()));
            manifest.record(o.agentSetupState(), o.agentSetupLog(), o.agentLog(), o.agentPidFile());
            CommandResult setup = handoff.inNamespace(o.host().namespace()).runLogged(List.of(lab.handoffCommand().toString(),
                    "agent", "setup", "--config", o.agentConfig().toString()), o.agentSetupLog(), false);
            if (!setup.ok()) {
                err.print(readQuietly(o.agentSetupLog()));
                throw new LabException("agent setup failed in " + o.host().namespace()
                        + (setup.timedOut() ? " (still running after " + HANDOFF_COMMAND_LIMIT.toSeconds() + " s; killed)" : ""));
            }
            startAgent(o, false);
        }

        if (lab.routed()) {
            say("BIRD in the router and in each director's namespace");
            Router r = lab.router();
            startBird(r.host(), r.bird(), BirdConfig.router(r.host().address(), LabTopology.INTERFACE, lab.vipAddress(),
                    lab.directors().stream().map(d -> new BirdConfig.Peer(d.name(), d.host().address())).toList()));
            for (Director d : lab.directors()) {
                startBird(d.host(), d.bird(), BirdConfig.director(d.host().address(), LabTopology.INTERFACE, r.host().address(),
                        lab.vipAddress(), d.announceDevice()));
            }
        }

        say((lab.directors().size() == 1 ? "the director" : "the directors") + ", datapath " + lab.datapath());
        Path xdpPass = lab.directory().resolve(XDP_PASS_OBJECT);
        if (kernel) {
            manifest.writeBytes(xdpPass, resource("/org/handoff/bpf/" + XDP_PASS_OBJECT));
        }
        for (Director d : lab.directors()) {
            if (kernel) {
                mountBpffs(d.bpffs());
                // XDP_TX sends frames to the veth's peer, which takes them at once only when it
                // runs an XDP program itself (bpf/src/main/c/xdp_pass.bpf.c says what GRO did).
                network.ip(lab.switchNamespace(), "link", "set", "dev", d.host().bridgePort(), "xdpdrv", "obj",
                        xdpPass.toString(), "sec", "xdp");
            }
            String config = withAnnounceDevice(withDatapath(read(d.configSource()), lab.datapath(), d.bpffs()), d.announceDevice());
            manifest.writeFile(d.config(), lab.clustered() ? withCluster(config, lab, d) : config);
            manifest.record(d.log(), d.pidFile(), d.runPidFile());
            startDirector(d, false);
            if (lab.clustered()) {
                // One at a time: directors joining at once on the lab's shared cores can starve
                // each other's heartbeats and split the group while they start.
                awaitJoined(d);
            }
        }

        say("waiting for a request through the VIP to succeed");
        String code = "";
        for (int i = 0; i < VIP_POLLS; i++) {
            code = vipRequest();
            if (code.equals("200")) {
                if (lab.routed()) {
                    awaitAllNextHops();
                }
                return;
            }
            checkBirds();
            for (Director d : lab.directors()) {
                if (!PidFiles.alive(d.pidFile())) {
                    err.print(tail(d.log()));
                    throw new LabException(lab.directors().size() == 1 ? "the director exited"
                            : "the director in " + d.host().namespace() + " exited");
                }
            }
            for (Origin o : lab.origins()) {
                if (!PidFiles.alive(o.agentPidFile())) {
                    err.print(tail(o.agentLog()));
                    throw new LabException("the agent in " + o.host().namespace() + " exited");
                }
            }
            NamespaceNetwork.pause(VIP_POLL_MILLIS);
        }
        throw new LabException("no successful request through " + lab.vipAddress() + " after " + VIP_POLLS * VIP_POLL_MILLIS / 1000
                + " s (last status '" + code + "'); see " + lab.directory() + "/*.log");
    }

    private void writeKey() {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        writeSecret(lab.keyFile(), "# the lab's hand-off key (docs/handoff-protocol.md, key files)\n1 "
                + HexFormat.of().formatHex(secret) + " send\n");
    }

    /** Until director {@code d}'s log says it joined the cluster (with the table, when others were there first). */
    private void awaitJoined(Director d) {
        long deadline = System.nanoTime() + CLUSTER_JOIN_WAIT_MILLIS * 1_000_000;
        while (!readQuietly(d.log()).contains(" joined group " + lab.clusterName() + " ")) {
            if (!PidFiles.alive(d.pidFile())) {
                err.print(tail(d.log()));
                throw new LabException("the director in " + d.host().namespace() + " exited before it joined the cluster");
            }
            if (System.nanoTime() > deadline) {
                err.print(tail(d.log()));
                throw new LabException(d.name() + " did not join cluster " + lab.clusterName() + " within "
                        + CLUSTER_JOIN_WAIT_MILLIS / 1000 + " s");
            }
            NamespaceNetwork.pause(VIP_POLL_MILLIS / 5);
        }
    }

    /**
     * The cluster's key pair, its password and the sealing key ring, as docs/scale-out.md
     * ("Keys") tells an operator to make them: readable by root alone, the same for every director.
     */
    private void writeClusterKeys() {
        byte[] password = new byte[24];
        byte[] secret = new byte[32];
        SecureRandom random = new SecureRandom();
        random.nextBytes(password);
        random.nextBytes(secret);
        String pass = HexFormat.of().formatHex(password);
        writeSecret(lab.clusterKeystorePasswordFile(), pass + "\n");
        writeSecret(lab.clusterKeyFile(), "# the lab's gossip seal key (docs/scale-out.md, Keys)\n1 " + HexFormat.of().formatHex(secret)
                + " send\n");
        Path keystore = lab.clusterKeystore();
        manifest.record(keystore);
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        CommandResult r = new ProcessRunner().run(List.of(keytool.toString(), "-genkeypair", "-alias", "member", "-keyalg", "RSA",
                "-keysize", "2048", "-validity", "365", "-dname", "CN=handoff-director", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", pass, "-keypass", pass), null);
        if (!r.ok()) {
            throw new LabException("keytool could not make the cluster's key pair " + keystore + ": " + r.describe());
        }
        try {
            Files.setPosixFilePermissions(keystore, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make " + keystore + " readable by root alone", e);
        }
    }

    /** Writes a file readable by root alone, made so before the secret goes in; recorded for {@code down}. */
    private void writeSecret(Path file, String content) {
        manifest.record(file);
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, content, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /**
     * In a routed lab, until the router's route to the VIP has every director as a next hop (each
     * director's BIRD announces it once its director holds the announce device).
     */
    private void awaitAllNextHops() {
        say("waiting for the router's route to the VIP to have every director as a next hop");
        long deadline = System.nanoTime() + NEXT_HOPS_WAIT_MILLIS * 1_000_000;
        List<String> all = lab.directors().stream().map(d -> d.host().address()).toList();
        while (!nextHops().containsAll(all)) {
            checkBirds();
            if (System.nanoTime() > deadline) {
                throw new LabException("the router's route to " + lab.vipAddress() + " has next hops " + nextHops() + " after "
                        + NEXT_HOPS_WAIT_MILLIS / 1000 + " s (expected: " + all + "); BGP sessions:\n" + sessions());
            }
            NamespaceNetwork.pause(VIP_POLL_MILLIS);
        }
    }

    /** Fails naming the first BIRD of a routed lab that is not running, with its log's end. */
    private void checkBirds() {
        if (!lab.routed()) {
            return;
        }
        List<Bird> birds = new ArrayList<>(List.of(lab.router().bird()));
        lab.directors().forEach(d -> birds.add(d.bird()));
        for (Bird b : birds) {
            if (!PidFiles.alive(b.pidFile())) {
                err.print(tail(b.log()));
                throw new LabException("BIRD exited (" + b.config() + ")");
            }
        }
    }

    /**
     * Starts a BIRD of a routed lab with its config, in the foreground of its own session so it
     * outlives the command; its pid (BIRD's: ip netns exec and setsid exec) in its pid file.
     */
    private void startBird(Host host, Bird bird, String config) {
        manifest.writeFile(bird.config(), config);
        manifest.record(bird.controlSocket(), bird.pidFile(), bird.log());
        RunningCommand daemon = network.in(host.namespace()).startLogged(List.of("setsid", "bird", "-f", "-c",
                bird.config().toString(), "-s", bird.controlSocket().toString(), "-P", bird.pidFile().toString()), bird.log(), false);
        PidFiles.write(bird.pidFile(), daemon.pid());
    }

    /**
     * The gateways of the router's route to the VIP now (empty when it has none). {@code ip -n},
     * not {@code ip netns exec}, which sets up a mount namespace first: this is the poll that
     * times a withdrawal, so it should take as little as it can.
     */
    public List<String> nextHops() {
        CommandResult r = network.runner().run(List.of("ip", "-n", lab.router().host().namespace(), "-j", "route", "show",
                lab.vipAddress() + "/32"), null);
        return r.ok() ? routeGateways(r.stdout()) : List.of();
    }

    /** The gateways of {@code ip -j route show} output: one route's {@code gateway}, or each of its {@code nexthops}. */
    static List<String> routeGateways(String json) {
        List<String> gateways = new ArrayList<>();
        Matcher m = java.util.regex.Pattern.compile("\"gateway\":\"([0-9.]+)\"").matcher(json);
        while (m.find()) {
            gateways.add(m.group(1));
        }
        return gateways;
    }

    /** {@code birdc show protocols} of the router's BIRD: each session's state ("" when BIRD does not answer). */
    private String sessions() {
        CommandResult r = network.runner().run(List.of("birdc", "-s", lab.router().bird().controlSocket().toString(),
                "show", "protocols"), null);
        return r.ok() ? r.stdout() : "";
    }

    /**
     * Each BGP session's state and info as the router's BIRD shows them ({@code birdc show
     * protocols}), by protocol name (the director's name): {@code up Established}, {@code start
     * Active}, ...; empty when BIRD does not answer.
     */
    static Map<String, String> bgpSessions(String showProtocols) {
        Map<String, String> states = new java.util.LinkedHashMap<>();
        for (String line : showProtocols.lines().toList()) {
            // Name Proto Table State Since Info: "director1  BGP  ---  up  18:02:07.754  Established"
            String[] f = line.strip().split("\\s+", 6);
            if (f.length >= 4 && f[1].equals("BGP")) {
                String info = f.length == 6 ? f[5].strip() : "";
                states.put(f[0], f[3] + (info.isEmpty() ? "" : " " + info));
            }
        }
        return states;
    }

    /** A director's config with {@code capture.announce-device} set, in a routed lab; unchanged when {@code device} is null. */
    static String withAnnounceDevice(String config, String device) {
        if (device == null) {
            return config;
        }
        Matcher capture = CAPTURE_SECTION.matcher(config);
        if (!capture.find()) {
            throw new LabException("the director's config has no 'capture:' section to add announce-device to");
        }
        return capture.replaceFirst("capture:\n  announce-device: " + device
                + "    # written by handoff lab: BIRD announces the VIP while the director holds it");
    }

    /**
     * A director's config with the lab's {@code cluster} section appended: its id (its number in
     * the lab), its address on the lab's LAN, every director as a static member (TCP: the lab's
     * bridge needs no multicast set-up, and no JVM option, for it), the lab's keys.
     */
    static String withCluster(String config, LabTopology lab, Director d) {
        if (CLUSTER_SECTION.matcher(config).find()) {
            throw new LabException("the director's config has a 'cluster:' section already; the lab writes its own");
        }
        String members = lab.directors().stream().map(m -> m.host().address() + ":" + CLUSTER_PORT)
                .collect(java.util.stream.Collectors.joining(", "));
        return config + (config.endsWith("\n") ? "" : "\n") + String.join("\n",
                "",
                "# written by handoff lab: the directors share flow ownership (docs/scale-out.md)",
                "cluster:",
                "  enabled: true",
                "  director-id: " + (lab.directors().indexOf(d) + 1),
                "  name: " + lab.clusterName(),
                "  bind: " + d.host().address(),
                "  transport: tcp",
                "  port: " + CLUSTER_PORT,
                "  members: [" + members + "]",
                "  keystore: " + lab.clusterKeystore(),
                "  keystore-password-file: " + lab.clusterKeystorePasswordFile(),
                "  key-file: " + lab.clusterKeyFile(),
                "  failure-timeout: " + CLUSTER_FAILURE_TIMEOUT,
                "");
    }

    /** A director's or an agent's config with its {@code datapath:} and {@code bpffs:} lines set to the lab's. */
    static String withDatapath(String config, String datapath, Path bpffs) {
        return config.replaceAll("(?m)^datapath:.*$", "datapath: " + datapath)
                .replaceAll("(?m)^( *bpffs:).*$", "$1 " + Matcher.quoteReplacement(bpffs.toString()));
    }

    /** The agent config with its {@code state-file:} line pointing at {@code stateFile}. */
    static String withStateFile(String config, Path stateFile) {
        return config.replaceAll("(?m)^( *state-file:).*$", "$1 " + Matcher.quoteReplacement(stateFile.toString()));
    }

    // ---------------------------------------------------------------- the lab's processes

    /** Starts the origin's nginx the way {@code up} does (it daemonizes; its pid file is its own). */
    public void startNginx(Origin o) {
        network.in(o.host().namespace()).run("nginx", "-c", o.nginxConfig().toString()).requireOk();
    }

    /**
     * Starts the origin's agent the way {@code up} does: {@code ip netns exec NS setsid
     * bin/handoff agent --config ...}, output to its log (appended to, or emptied first), pid
     * in its pid file. The pid is the agent's JVM: ip netns exec, setsid (this process's child
     * is no group leader, so it does not fork) and bin/handoff all exec. Returns it.
     */
    public long startAgent(Origin o, boolean appendLog) {
        return startDaemon(o.host(), o.agentLog(), o.agentPidFile(), appendLog,
                "agent", "--config", o.agentConfig().toString());
    }

    /** Starts a director the way {@code up} does (see {@link #startAgent}). Returns its pid. */
    public long startDirector(Director d, boolean appendLog) {
        return startDaemon(d.host(), d.log(), d.pidFile(), appendLog,
                "director", "--config", d.config().toString(), "--pid-file", d.runPidFile().toString());
    }

    private long startDaemon(Host host, Path log, Path pidFile, boolean appendLog, String... args) {
        List<String> command = new ArrayList<>(List.of("setsid", lab.handoffCommand().toString()));
        command.addAll(List.of(args));
        RunningCommand daemon = handoff.inNamespace(host.namespace()).startLogged(command, log, appendLog);
        PidFiles.write(pidFile, daemon.pid());
        return daemon.pid();
    }

    // ---------------------------------------------------------------- down

    /** Removes every namespace, process and file {@code up} made; 0 when all went, 1 when something stayed. */
    public int down() {
        if (!ProcessRunner.isRoot()) {
            return fail("must run as root (it creates network namespaces)");
        }
        List<String> problems = new ArrayList<>();
        for (Director d : lab.directors()) {
            PidFiles.stop(d.pidFile(), STOP_GRACE_MILLIS);
        }
        for (Origin o : lab.origins()) {
            PidFiles.stop(o.agentPidFile(), STOP_GRACE_MILLIS);
            String ns = o.host().namespace();
            if (Files.exists(o.agentConfig()) && network.exists(ns)) {
                manifest.record(o.teardownLog());
                CommandResult teardown = runQuietly(() -> handoff.inNamespace(ns).runLogged(List.of(
                        lab.handoffCommand().toString(), "agent", "teardown", "--config", o.agentConfig().toString()),
                        o.teardownLog(), false));
                if (teardown == null || !teardown.ok()) {
                    say("agent teardown in " + ns + " reported a problem (the namespace goes anyway)");
                }
            }
            PidFiles.stop(o.nginxPidFile(), STOP_GRACE_MILLIS);
        }
        if (lab.routed()) {
            for (Director d : lab.directors()) {
                PidFiles.stop(d.bird().pidFile(), STOP_GRACE_MILLIS);
            }
            PidFiles.stop(lab.router().bird().pidFile(), STOP_GRACE_MILLIS);
        }
        List<String> present = network.namespaces();
        for (String ns : lab.namespaces()) {
            if (present.contains(ns)) {
                // Anything still running inside goes with the namespace.
                CommandResult r = network.delete(ns);
                if (!r.ok()) {
                    problems.add(r.describe());
                }
            }
        }
        // The bpffs mounts, after the namespaces (and the programs attached there) are gone: the
        // processes left their maps pinned for a restart, and they go with the mount.
        for (Director d : lab.directors()) {
            unmountBpffs(d.bpffs(), problems);
        }
        for (Origin o : lab.origins()) {
            unmountBpffs(o.agentBpffs(), problems);
        }
        if (manifest.exists()) {
            problems.addAll(manifest.removeAll(lab.directory()));
        }
        if (!problems.isEmpty()) {
            return fail("down: some of the lab stays: " + String.join("; ", problems));
        }
        say("down: namespaces, processes and lab files removed");
        return 0;
    }

    // ---------------------------------------------------------------- status

    /** What runs, and one request through the VIP. */
    public int status(PrintWriter out) {
        if (!ProcessRunner.isRoot()) {
            return fail("must run as root (it creates network namespaces)");
        }
        List<String> present = network.namespaces();
        for (String ns : lab.namespaces()) {
            out.printf(STATUS_ROW, ns, present.contains(ns) ? "present" : "absent");
        }
        if (lab.routed() && present.contains(lab.router().host().namespace())) {
            Router r = lab.router();
            out.printf(STATUS_ROW, r.name(), (PidFiles.alive(r.bird().pidFile()) ? "BIRD running" : "BIRD stopped")
                    + " (birdc -s " + r.bird().controlSocket() + " show protocols); route to " + lab.vipAddress() + " via "
                    + nextHops());
        }
        Map<String, String> sessions = lab.routed() ? bgpSessions(sessions()) : Map.of();
        List<String> hops = lab.routed() && present.contains(lab.router().host().namespace()) ? nextHops() : List.of();
        for (Director d : lab.directors()) {
            String row = PidFiles.alive(d.pidFile())
                    ? "running (pid " + PidFiles.read(d.pidFile()).getAsLong() + ", log " + d.log() + ")" : "stopped";
            if (lab.routed()) {
                row = d.host().namespace() + ", " + row + "; BIRD " + (PidFiles.alive(d.bird().pidFile()) ? "running" : "stopped")
                        + ", BGP at the router: " + sessions.getOrDefault(d.name(), "unknown") + "; next hop of the VIP: "
                        + (hops.contains(d.host().address()) ? "yes" : "no");
            }
            out.printf(STATUS_ROW, d.name(), row);
        }
        for (Origin o : lab.origins()) {
            out.printf(STATUS_ROW, "agent " + o.name(), PidFiles.alive(o.agentPidFile()) ? "running (log " + o.agentLog() + ")"
                    : "stopped");
            out.printf(STATUS_ROW, "nginx " + o.name(), PidFiles.alive(o.nginxPidFile()) ? "running (root " + o.www() + ")"
                    : "stopped");
        }
        if (present.contains(lab.client().namespace())) {
            out.printf(STATUS_ROW, "GET via VIP", vipRequest());
        }
        out.printf(STATUS_ROW, "metrics", "ip netns exec " + lab.director().host().namespace() + " curl -s "
                + lab.director().metrics() + "/metrics (director); " + lab.prefix() + "originN :"
                + lab.origin(1).agentMetrics().substring(lab.origin(1).agentMetrics().lastIndexOf(':') + 1) + " (agents)");
        out.flush();
        return 0;
    }

    // ---------------------------------------------------------------- directors, one by one

    /**
     * {@code lab kill-director N}: SIGKILL to director {@code n}'s process (its BIRD stays); in
     * a routed lab, waits (bounded) until the router's route to the VIP no longer has it as a
     * next hop and says how long that took. 0 when it went, 1 when it was not running or stayed.
     */
    public int killDirector(int n) {
        if (!ProcessRunner.isRoot()) {
            return fail("must run as root (it creates network namespaces)");
        }
        Director d = lab.director(n);
        if (!PidFiles.alive(d.pidFile())) {
            return fail(d.name() + " is not running");
        }
        long pid = PidFiles.read(d.pidFile()).getAsLong();
        String hop = lab.routed() ? d.host().address() : null;
        // Read once before the kill: the hop is there, and the first timed poll does not pay for a cold start.
        boolean wasNextHop = lab.routed() && nextHops().contains(hop);
        long killed = System.nanoTime();
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        if (!wasNextHop) {
            if (!awaitExit(pid)) {
                return fail(d.name() + " (pid " + pid + ") still runs " + STOP_GRACE_MILLIS / 1000 + " s after SIGKILL");
            }
            say(d.name() + " (pid " + pid + ") killed" + (lab.routed() ? " (it was no next hop of the router's route)" : ""));
            return 0;
        }
        // The route is read at some moment during each poll: the one that first misses the hop
        // bounds the time from above, the one before it (still there when it started) from below.
        long lastSeen = killed;
        while (true) {
            long polled = System.nanoTime();
            if (!nextHops().contains(hop)) {
                break;
            }
            lastSeen = polled;
            if (polled - killed > WITHDRAW_WAIT_MILLIS * 1_000_000) {
                return fail(d.name() + " (pid " + pid + ") killed, but the router still routes the VIP via " + hop + " after "
                        + WITHDRAW_WAIT_MILLIS / 1000 + " s");
            }
            NamespaceNetwork.pause(ROUTE_POLL_MILLIS);
        }
        long gone = System.nanoTime();
        // The announce device goes as the process's files close; the process itself (a JVM's
        // threads, the group's sockets) may take a little longer to be gone: wait for it too.
        if (!awaitExit(pid)) {
            return fail(d.name() + " (pid " + pid + ") still runs " + STOP_GRACE_MILLIS / 1000 + " s after SIGKILL");
        }
        say(String.format(java.util.Locale.ROOT, "%s (pid %d) killed; the router's route to %s lost next hop %s %.1f ms later"
                + " (still there %.1f ms after the kill), next hops now %s", d.name(), pid, lab.vipAddress(), hop,
                (gone - killed) / 1e6, (lastSeen - killed) / 1e6, nextHops()));
        return 0;
    }

    /** Whether process {@code pid} is gone within {@value #STOP_GRACE_MILLIS} ms. */
    private static boolean awaitExit(long pid) {
        long deadline = System.nanoTime() + STOP_GRACE_MILLIS * 1_000_000;
        while (ProcessRunner.isRunning(pid)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            NamespaceNetwork.pause(ROUTE_POLL_MILLIS);
        }
        return true;
    }

    /**
     * {@code lab start-director N}: starts director {@code n} again with its config, the way
     * {@code up} does, and waits (bounded) until it is a next hop of the router's route again (in a
     * routed lab) or a request through the VIP succeeds. 0 when it serves, 1 when not.
     */
    public int startDirector(int n) {
        if (!ProcessRunner.isRoot()) {
            return fail("must run as root (it creates network namespaces)");
        }
        Director d = lab.director(n);
        if (PidFiles.alive(d.pidFile())) {
            return fail(d.name() + " is running already (pid " + PidFiles.read(d.pidFile()).getAsLong() + ")");
        }
        long started = System.nanoTime();
        long pid = startDirector(d, true);
        long deadline = started + NEXT_HOPS_WAIT_MILLIS * 1_000_000;
        while (lab.routed() ? !nextHops().contains(d.host().address()) : !vipRequest().equals("200")) {
            if (!PidFiles.alive(d.pidFile())) {
                err.print(tail(d.log()));
                return fail(d.name() + " exited");
            }
            if (System.nanoTime() > deadline) {
                return fail(d.name() + " (pid " + pid + ") started, but " + (lab.routed() ? "the router has no route via "
                        + d.host().address() : "no request through the VIP succeeded") + " after " + NEXT_HOPS_WAIT_MILLIS / 1000 + " s");
            }
            NamespaceNetwork.pause(lab.routed() ? 20 : VIP_POLL_MILLIS);
        }
        say(String.format(java.util.Locale.ROOT, "%s started (pid %d); %s %.1f s later", d.name(), pid, lab.routed()
                ? "the router's route to " + lab.vipAddress() + " has it as a next hop again, next hops " + nextHops()
                : "a request through the VIP succeeded", (System.nanoTime() - started) / 1e9));
        return 0;
    }

    /** Whether the lab answers: its client namespace exists, every director runs, and a GET through the VIP is a 200. */
    private boolean isUp() {
        return network.exists(lab.client().namespace()) && lab.directors().stream().allMatch(d -> PidFiles.alive(d.pidFile()))
                && vipRequest().equals("200");
    }

    /** The status code of one GET of /index.html through the VIP from the client (curl's "000" when none came). */
    private String vipRequest() {
        return network.execUnchecked(lab.client().namespace(), null, "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                "--max-time", "3", lab.vipUrl("/index.html")).stdout().strip();
    }

    private boolean anyNamespace() {
        List<String> present = network.namespaces();
        return lab.namespaces().stream().anyMatch(present::contains);
    }

    // ---------------------------------------------------------------- helpers

    private void say(String message) {
        err.println("lab: " + message);
        err.flush();
    }

    private int fail(String message) {
        say(message);
        return 1;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static CommandResult runQuietly(java.util.function.Supplier<CommandResult> command) {
        try {
            return command.get();
        } catch (CommandException e) {
            return null;
        }
    }

    /**
     * A bpffs of a director's or agent's own, mounted in the host's mount namespace: the process
     * runs under ip netns exec (its own mount namespace, /sys remounted, the host's other mounts
     * copied in), and the maps it pins there must outlive it so that a restart finds its flows.
     */
    private void mountBpffs(Path dir) {
        manifest.makeDirectories(dir);
        if (!isMountPoint(dir)) {
            network.runner().run(List.of("mount", "-t", "bpf", "bpf", dir.toString()), null).requireOk();
        }
    }

    private void unmountBpffs(Path dir, List<String> problems) {
        if (isMountPoint(dir)) {
            CommandResult r = runQuietly(() -> network.runner().run(List.of("umount", dir.toString()), null));
            if (r == null || !r.ok()) {
                problems.add("umount " + dir + (r == null ? "" : ": " + r.describe()));
            }
        }
    }

    /** Whether {@code dir} is a mount point in this process's mount namespace (the host's: the lab runs there). */
    static boolean isMountPoint(Path dir) {
        String path = dir.toAbsolutePath().normalize().toString();
        try {
            // mountinfo's fifth field is the mount point (spaces escaped as \040).
            return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().map(l -> l.split(" "))
                    .anyMatch(f -> f.length > 4 && f[4].replace("\\040", " ").equals(path));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self/mountinfo", e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static byte[] resource(String name) {
        try (java.io.InputStream in = LabRunner.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new LabException(name + " is not on the class path (the bpf module builds it)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + name, e);
        }
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** The last lines of a log, for the message of a process that exited. */
    private static String tail(Path log) {
        List<String> lines = readQuietly(log).lines().toList();
        List<String> last = lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size());
        return last.isEmpty() ? "" : String.join("\n", last) + "\n";
    }

    /**
     * While {@code up} builds, a JVM shutdown (Ctrl-C, SIGTERM) interrupts it, so that it takes
     * the lab down as after any failure, and waits (bounded) for that before the JVM exits.
     */
    private static final class TakeDownOnExit {
        private final CountDownLatch finished = new CountDownLatch(1);
        private final Thread hook;

        TakeDownOnExit(Thread building) {
            hook = new Thread(() -> {
                building.interrupt();
                try {
                    finished.await(TAKE_DOWN_MILLIS, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "lab-up-interrupted");
            Runtime.getRuntime().addShutdownHook(hook);
        }

        void release() {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // The JVM is shutting down: the hook runs and returns at once.
            }
        }
    }
}
