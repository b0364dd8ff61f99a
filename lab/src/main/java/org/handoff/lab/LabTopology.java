package org.handoff.lab;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The lab, described once as data: which network namespaces exist and in which role, how each
 * joins the one bridge, the addresses, the VIP and the route that sends it to the director(s),
 * and which processes run where with which config files and logs. {@code handoff lab}
 * ({@link LabRunner}) builds exactly this; the e2e tests and the bench read names, addresses
 * and paths from it instead of repeating them.
 *
 * <p>The standard lab ({@link #standard}) is one instance: a client, a director and two
 * origins, each origin running nginx and an agent, all on one bridge in a switch namespace.
 * {@link #builder} makes others: the address plan below follows the counts, so "two directors
 * and four origins" is {@code builder(home).directors(2).origins(4).build()}, given the
 * config files each process needs under {@code examples/lab/} ({@code director1.yaml},
 * {@code agent-origin3.yaml}, ...).
 *
 * <pre>
 * 198.18.0.1 .. .9       directors ("director", or "director1".. when there are several)
 * 198.18.0.11 .. .99     origins ("origin1"..), hand-off address H = 198.18.10.11 ..
 * 198.18.0.100 .. .199   clients ("client", or "client1"..)
 * 198.18.1.1:80          the VIP: routed from every client to the director, assigned to no host
 * 198.18.0.254           the router, in a routed lab
 * 198.18.2.1             the router's side of the clients' subnet, in a routed lab
 * 198.18.2.100 .. .199   the clients, in a routed lab
 * </pre>
 * Every host's {@code eth0} is on 198.18.0.0/24, joined to bridge {@code br0} in the switch
 * namespace through port {@code p-NAME}. Namespaces are the prefix (default {@code ho-}) and
 * the name; files live in the lab's directory (default {@code /tmp/handoff-lab}).
 *
 * <p><b>A routed lab</b> ({@link Builder#router}, and always with two or more directors) puts a
 * router in front of the directors, as a data centre's ECMP router: the clients sit behind it on
 * 198.18.2.0/24 (bridge {@value #CLIENT_BRIDGE} in the router's namespace), the router joins
 * {@code br0} at .254, forwards with an L4 multipath hash, and learns the VIP from each director
 * over BGP (BIRD 2, BFD; {@link BirdConfig}); each director's BIRD announces it while the
 * director process holds its {@value #ANNOUNCE_DEVICE} device ({@code capture.announce-device}).
 * Directors and origins route the clients' subnet through the router.
 */
public final class LabTopology {
    public static final String PREFIX_VARIABLE = "HANDOFF_LAB_NS_PREFIX";
    public static final String DIRECTORY_VARIABLE = "HANDOFF_LAB_DIR";
    /** The directors' and the agents' {@code datapath}: {@code kernel} (the default), {@code user} or {@code auto}. */
    public static final String DATAPATH_VARIABLE = "HANDOFF_LAB_DATAPATH";
    /** The data paths a lab runs, the default first. */
    public static final List<String> DATAPATHS = List.of("kernel", "user", "auto");
    public static final String DEFAULT_PREFIX = "ho-";
    public static final Path DEFAULT_DIRECTORY = Path.of("/tmp/handoff-lab");
    /** Every host's interface on the lab network. */
    public static final String INTERFACE = "eth0";
    /** The bridge in the switch namespace. */
    public static final String BRIDGE = "br0";
    public static final int PREFIX_LENGTH = 24;
    /** The bridge in a routed lab's router namespace that the clients are on. */
    public static final String CLIENT_BRIDGE = "br-clients";
    /** The TUN device each director of a routed lab holds while it runs ({@code capture.announce-device}). */
    public static final String ANNOUNCE_DEVICE = "vip0";

    private static final Pattern PREFIX = Pattern.compile("[a-z][a-z0-9-]{0,7}");
    private static final String LAN = "198.18.0.";
    private static final String HANDOFF_NET = "198.18.10.";
    private static final String ROUTER_ADDRESS = LAN + "254";
    private static final String CLIENT_NET = "198.18.2.";
    private static final String CLIENT_SUBNET = CLIENT_NET + "0/" + PREFIX_LENGTH;
    private static final String ROUTER_CLIENT_ADDRESS = CLIENT_NET + "1";
    private static final int FIRST_ORIGIN = 10;
    private static final int FIRST_CLIENT = 99;
    private static final int MAX_DIRECTORS = 9;
    private static final int MAX_ORIGINS = 89;
    private static final int MAX_CLIENTS = 100;
    private static final String VIP = "198.18.1.1";
    private static final int VIP_PORT = 80;
    /** What the example configs under examples/lab/ say. */
    private static final String DIRECTOR_METRICS = "127.0.0.1:9464";
    private static final String AGENT_METRICS = "127.0.0.1:9465";
    private static final int AGENT_PORT = 7070;

    public enum Role { CLIENT, DIRECTOR, ORIGIN, ROUTER }

    /** What makes a lab's namespaces: how many directors, and whether a router stands in front of them. */
    public record Shape(int directors, boolean router) {
        /** The lab without {@code --directors} or {@code --router}: one director, no router. */
        public static final Shape STANDARD = new Shape(1, false);

        /** A lab with two or more directors always has the router. */
        public boolean routed() {
            return router || directors > 1;
        }

        /** As {@code up} records it in the lab's directory ({@link #shapeFile}): {@code directors=3 router=true}. */
        public String render() {
            return "directors=" + directors + " router=" + routed() + "\n";
        }

        /** What {@link #render} wrote; empty when the text is not that. */
        public static java.util.Optional<Shape> parse(String text) {
            java.util.regex.Matcher m = Pattern.compile("directors=(\\d{1,2}) router=(true|false)").matcher(text.strip());
            return m.matches() ? java.util.Optional.of(new Shape(Integer.parseInt(m.group(1)), Boolean.parseBoolean(m.group(2))))
                    : java.util.Optional.empty();
        }
    }

    /**
     * One namespace on the lab network.
     *
     * @param name        what the lab calls it ({@code client}, {@code director}, {@code origin1})
     * @param namespace   the kernel's name: the lab's prefix and {@code name}
     * @param address     its address on {@link #INTERFACE}
     * @param bridgeNamespace where the bridge it joins is: the switch's, or a routed lab's router's for a client
     * @param bridge      that bridge: {@link #BRIDGE}, or {@link #CLIENT_BRIDGE}
     * @param bridgePort  its veth peer on that bridge
     * @param offloadsOff ethtool features turned off on its interface
     * @param sysctls     set inside it
     * @param routes      {@code ip route add} arguments, added inside it
     */
    public record Host(Role role, String name, String namespace, String address, String bridgeNamespace, String bridge,
                       String bridgePort, List<String> offloadsOff, Map<String, String> sysctls, List<List<String>> routes) {
        public Host {
            offloadsOff = List.copyOf(offloadsOff);
            sysctls = Map.copyOf(sysctls);
            routes = routes.stream().map(List::copyOf).toList();
        }

        /** {@code address/24}. */
        public String cidr() {
            return address + "/" + PREFIX_LENGTH;
        }
    }

    /**
     * A BIRD 2 daemon of a routed lab: {@code bird -f -c CONFIG -s CONTROL_SOCKET -P PID_FILE}
     * inside its namespace, started with setsid (it outlives the command that started it; -f keeps
     * it in the foreground, so the pid the lab records is BIRD's), stderr (its log) in {@code log}.
     * {@code birdc -s CONTROL_SOCKET show protocols} talks to it.
     */
    public record Bird(Path config, Path controlSocket, Path pidFile, Path log) {
        static Bird in(Path directory, String name) {
            return new Bird(directory.resolve(name + "-bird.conf"), directory.resolve(name + "-bird.ctl"),
                    directory.resolve(name + "-bird.pid"), directory.resolve(name + "-bird.log"));
        }
    }

    /**
     * A routed lab's router: on {@code br0} as {@link Host#address()} (its BGP sessions and BFD
     * with the directors there), and {@code clientAddress} on bridge {@link #CLIENT_BRIDGE}, the
     * clients' subnet; its route to the VIP is the ECMP route its BIRD installs.
     */
    public record Router(Host host, String clientAddress, Bird bird) {
        public String name() {
            return host.name();
        }

        /** {@code clientAddress/24}. */
        public String clientCidr() {
            return clientAddress + "/" + PREFIX_LENGTH;
        }
    }

    /**
     * A director: {@code handoff director --config CONFIG --pid-file RUN_PID_FILE}, started with
     * setsid so it outlives the command that started it; its pid in {@code pidFile}.
     *
     * @param configSource the file {@code config} is copied from
     * @param metrics      its metrics listener, inside its namespace
     * @param bpffs        the bpffs its XDP maps are pinned in: mounted by the lab in the host's mount
     *                     namespace (so pins outlive a director restart; {@code ip netns exec} remounts
     *                     /sys, so never /sys/fs/bpf), removed at {@code down}
     * @param announceDevice in a routed lab, its {@code capture.announce-device} (the lab writes it into
     *                     the config); null otherwise
     * @param bird         in a routed lab, its BIRD, which announces the VIP to the router; null otherwise
     */
    public record Director(Host host, Path configSource, Path config, Path log, Path pidFile, Path runPidFile, String metrics,
                           Path bpffs, String announceDevice, Bird bird) {
        public String name() {
            return host.name();
        }
    }

    /**
     * An origin: nginx serving {@code www} (daemon, its own pid file) and an agent (set up with
     * {@code handoff agent setup} first, torn down at the end).
     *
     * @param handoffAddress     H, the address connection B goes to (set up on lo by the agent)
     * @param agentPort          the agent's UDP port on the origin's address
     * @param agentMetrics       the agent's metrics listener, inside its namespace
     * @param directory          the origin's files: www, logs, pid files, nginx's config
     * @param agentConfigSource  the file {@code agentConfig} is made from (its state file moved into {@code directory})
     * @param teardownLog        what {@code handoff agent teardown} printed at the end
     */
    public record Origin(Host host, String handoffAddress, int agentPort, String agentMetrics, Path directory,
                         Path agentConfigSource, Path agentConfig, Path teardownLog) {
        public String name() {
            return host.name();
        }

        /** nginx's root: what the lab puts there, and files a user adds while it runs. */
        public Path www() {
            return directory.resolve("www");
        }

        public Path nginxConfig() {
            return directory.resolve("nginx.conf");
        }

        public Path nginxPidFile() {
            return directory.resolve("nginx.pid");
        }

        public Path accessLog() {
            return directory.resolve("access.log");
        }

        public Path nginxErrorLog() {
            return directory.resolve("nginx-error.log");
        }

        /** nginx's temporary paths live here. */
        public Path tempDirectory() {
            return directory.resolve("tmp");
        }

        public Path agentLog() {
            return directory.resolve("agent.log");
        }

        public Path agentPidFile() {
            return directory.resolve("agent.pid");
        }

        public Path agentSetupLog() {
            return directory.resolve("agent-setup.log");
        }

        /**
         * The agent's bpffs: mounted by {@code up} in the host's mount namespace, where it outlives the
         * agent (ip netns exec copies it into the agent's view), unmounted by {@code down}.
         */
        public Path agentBpffs() {
            return directory.resolve("agent-bpf");
        }

        /** Where the agent's set-up records what it made (each lab its own: see {@link LabRunner}). */
        public Path agentSetupState() {
            return directory.resolve("agent-setup-state.json");
        }

        /** The files {@code up} puts under {@link #www()} when missing: path relative to www, content. */
        public Map<String, String> content() {
            Map<String, String> files = new LinkedHashMap<>();
            files.put("index.html", "<h1>" + name() + "</h1>\n");
            files.put("static/hello.txt", "hello from " + name() + "\n");
            files.put("video/clip.txt", "a clip from " + name() + "\n");
            return files;
        }

        /**
         * The origin's nginx: daemon, every address on port 80, {@code X-Served-By: NAME} on
         * every answer, PUT accepted under {@code /uploads/} (written to {@code www/uploads}).
         */
        public NginxConfig nginx() {
            return NginxConfig.serving("80 reuseport", www())
                    .pidFile(nginxPidFile()).errorLog(nginxErrorLog(), "warn").accessLog(accessLog())
                    .tempDirectory(tempDirectory())
                    .http("keepalive_requests 1000;")
                    .http("client_max_body_size 200m;")
                    .server("add_header X-Served-By " + name() + " always;")
                    .server("# Uploads (PUT) land in www/uploads, so a test can check them byte for byte.")
                    .server("location /uploads/ {")
                    .server("    dav_methods PUT;")
                    .server("    create_full_put_path on;")
                    .server("}");
        }
    }

    private final String prefix;
    private final Path directory;
    private final Path home;
    private final String vipAddress;
    private final int vipPort;
    private final List<Host> clients;
    private final List<Director> directors;
    private final List<Origin> origins;
    private final Router router;
    private final Shape shape;
    private final String datapath;

    private LabTopology(Builder b) {
        this.prefix = b.prefix;
        this.datapath = b.datapath;
        this.directory = b.directory;
        this.home = b.home;
        this.shape = new Shape(b.directors, b.router || b.directors > 1);
        boolean routed = shape.routed();
        // The VIP is what examples/lab/director.yaml serves and the agents' configs send from.
        this.vipAddress = VIP;
        this.vipPort = VIP_PORT;
        Path examples = home.resolve("examples/lab");
        // In a routed lab the directors and origins answer the clients through the router.
        List<List<String>> lanRoutes = routed ? List.of(List.of(CLIENT_SUBNET, "via", ROUTER_ADDRESS)) : List.of();
        List<Director> ds = new ArrayList<>();
        for (int j = 1; j <= b.directors; j++) {
            String name = b.directors == 1 ? "director" : "director" + j;
            Host host = new Host(Role.DIRECTOR, name, prefix + name, LAN + j, switchNamespace(), BRIDGE, "p-" + name,
                    // It captures on eth0: no GRO/TSO, so frames are MTU-sized and the capture ring holds many.
                    List.of("gro", "tso", "gso"),
                    // The VIP is routed here and assigned nowhere; with ip_forward=0 the kernel drops
                    // VIP packets silently while the capture sees them (docs/director-io.md).
                    Map.of("net.ipv4.ip_forward", "0"), lanRoutes);
            // Every director of a lab runs the one example config; a routed lab adds the announce device to each copy.
            ds.add(new Director(host, examples.resolve("director.yaml"), directory.resolve(name + ".yaml"),
                    directory.resolve(name + ".log"), directory.resolve(name + ".pid"), directory.resolve(name + ".pid.run"),
                    DIRECTOR_METRICS, directory.resolve(name + "-bpf"), routed ? ANNOUNCE_DEVICE : null,
                    routed ? Bird.in(directory, name) : null));
        }
        this.directors = List.copyOf(ds);
        List<Host> cs = new ArrayList<>();
        for (int k = 1; k <= b.clients; k++) {
            String name = b.clients == 1 ? "client" : "client" + k;
            // Wire-sized frames with complete checksums, as a real NIC puts on the wire: with
            // TSO/GSO on, the veth hands the bridge 64 KB super-frames that reach the director's
            // capture whole, longer than its ring's slots, and uploads stall; with tx checksumming
            // on, its frames carry partial TCP checksums, which the director's XDP program tunnels
            // as they are and the agent's ingress program keeps (it updates, never recomputes, so
            // a corrupted packet stays detectably corrupt): the origin's stack drops them all
            // (docs/lab.md, "Found by these tests").
            List<String> offloads = List.of("tso", "gso", "tx");
            if (routed) {
                cs.add(new Host(Role.CLIENT, name, prefix + name, CLIENT_NET + (FIRST_CLIENT + k), prefix + "router",
                        CLIENT_BRIDGE, "p-" + name, offloads, Map.of(), List.of(List.of(vipAddress + "/32", "via",
                        ROUTER_CLIENT_ADDRESS), List.of(LAN + "0/" + PREFIX_LENGTH, "via", ROUTER_CLIENT_ADDRESS))));
            } else {
                cs.add(new Host(Role.CLIENT, name, prefix + name, LAN + (FIRST_CLIENT + k), switchNamespace(), BRIDGE,
                        "p-" + name, offloads, Map.of(), List.of(List.of(vipAddress + "/32", "via", ds.get(0).host().address()))));
            }
        }
        this.clients = List.copyOf(cs);
        List<Origin> os = new ArrayList<>();
        for (int i = 1; i <= b.origins; i++) {
            String name = "origin" + i;
            Host host = new Host(Role.ORIGIN, name, prefix + name, LAN + (FIRST_ORIGIN + i), switchNamespace(), BRIDGE, "p-" + name,
                    List.of(), Map.of(), lanRoutes);
            os.add(new Origin(host, HANDOFF_NET + (FIRST_ORIGIN + i), AGENT_PORT, AGENT_METRICS, directory.resolve(name),
                    examples.resolve("agent-" + name + ".yaml"), directory.resolve("agent-" + name + ".yaml"),
                    directory.resolve("teardown-" + name + ".log")));
        }
        this.origins = List.copyOf(os);
        if (routed) {
            String name = "router";
            Host host = new Host(Role.ROUTER, name, prefix + name, ROUTER_ADDRESS, switchNamespace(), BRIDGE, "p-" + name,
                    // It forwards the clients' wire-sized frames as they came: no GRO merging them on the way.
                    List.of("gro", "tso", "gso"),
                    // ECMP with an L4 hash: each client connection stays on one director, connections spread.
                    Map.of("net.ipv4.ip_forward", "1", "net.ipv4.fib_multipath_hash_policy", "1"), List.of());
            this.router = new Router(host, ROUTER_CLIENT_ADDRESS, Bird.in(directory, name));
        } else {
            this.router = null;
        }
    }

    /** Today's lab: one client, one director, origin1 and origin2, VIP 198.18.1.1:80. */
    public static LabTopology standard(Path home, String prefix, Path directory) {
        return builder(home).prefix(prefix).directory(directory).build();
    }

    /**
     * The standard lab named by {@value #PREFIX_VARIABLE} (default {@value #DEFAULT_PREFIX}) and
     * placed by {@value #DIRECTORY_VARIABLE} (default /tmp/handoff-lab), so a second lab (a
     * benchmark's, a developer's) can run beside the first.
     *
     * @throws IllegalArgumentException for a prefix that would not make good namespace names
     */
    public static LabTopology fromEnvironment(Path home, Map<String, String> environment) {
        return fromEnvironment(home, environment, Shape.STANDARD);
    }

    /** The same with {@code shape}'s directors and router ({@code handoff lab up --directors N --router}). */
    public static LabTopology fromEnvironment(Path home, Map<String, String> environment, Shape shape) {
        String prefix = environment.get(PREFIX_VARIABLE);
        String dir = environment.get(DIRECTORY_VARIABLE);
        String datapath = environment.get(DATAPATH_VARIABLE);
        return builder(home).prefix(prefix == null || prefix.isEmpty() ? DEFAULT_PREFIX : prefix)
                .directory(dir == null || dir.isEmpty() ? DEFAULT_DIRECTORY : Path.of(dir))
                .datapath(datapath == null || datapath.isEmpty() ? DATAPATHS.get(0) : datapath).shape(shape).build();
    }

    /** A lab with the standard counts, to be changed; {@code home} holds bin/handoff and examples/lab. */
    public static Builder builder(Path home) {
        return new Builder(home);
    }

    /** What makes a lab other than the standard one. */
    public static final class Builder {
        private final Path home;
        private String prefix = DEFAULT_PREFIX;
        private Path directory = DEFAULT_DIRECTORY;
        private int clients = 1;
        private int directors = 1;
        private int origins = 2;
        private boolean router;
        private String datapath = DATAPATHS.get(0);

        private Builder(Path home) {
            this.home = home.toAbsolutePath();
        }

        public Builder prefix(String p) {
            prefix = p;
            return this;
        }

        public Builder directory(Path dir) {
            directory = dir.toAbsolutePath();
            return this;
        }

        public Builder clients(int n) {
            clients = n;
            return this;
        }

        public Builder directors(int n) {
            directors = n;
            return this;
        }

        public Builder origins(int n) {
            origins = n;
            return this;
        }

        /** A router with BIRD in front of the directors, also with one director (two or more always have it). */
        public Builder router(boolean r) {
            router = r;
            return this;
        }

        /** The directors' count and the router as {@code shape} says. */
        public Builder shape(Shape shape) {
            return directors(shape.directors()).router(shape.router());
        }

        /** The directors' and the agents' {@code datapath}: kernel (the default), user or auto. */
        public Builder datapath(String d) {
            datapath = d;
            return this;
        }

        /** @throws IllegalArgumentException naming the setting that cannot be built and what it may be */
        public LabTopology build() {
            if (!PREFIX.matcher(prefix).matches()) {
                throw new IllegalArgumentException(PREFIX_VARIABLE + "=" + prefix + ": want 1-8 of [a-z0-9-], a letter first");
            }
            check("clients", clients, MAX_CLIENTS);
            check("directors", directors, MAX_DIRECTORS);
            check("origins", origins, MAX_ORIGINS);
            if (!DATAPATHS.contains(datapath)) {
                throw new IllegalArgumentException(DATAPATH_VARIABLE + "=" + datapath + " (expected: kernel, user or auto)");
            }
            return new LabTopology(this);
        }

        private static void check(String what, int n, int max) {
            if (n < 1 || n > max) {
                throw new IllegalArgumentException(what + "=" + n + " (expected: 1.." + max + ", the lab's address plan)");
            }
        }
    }

    public String prefix() {
        return prefix;
    }

    public Path directory() {
        return directory;
    }

    /** The directors' and the agents' {@code datapath} ({@value #DATAPATH_VARIABLE}): kernel, user or auto. */
    public String datapath() {
        return datapath;
    }

    /** Where bin/handoff and examples/lab are: the checkout or the unpacked release. */
    public Path home() {
        return home;
    }

    public Path handoffCommand() {
        return home.resolve("bin/handoff");
    }

    public String vipAddress() {
        return vipAddress;
    }

    public int vipPort() {
        return vipPort;
    }

    /** {@code http://VIP[:port]PATH}. */
    public String vipUrl(String path) {
        return "http://" + vipAddress + (vipPort == 80 ? "" : ":" + vipPort) + path;
    }

    public List<Host> clients() {
        return clients;
    }

    public Host client() {
        return clients.get(0);
    }

    public List<Director> directors() {
        return directors;
    }

    public Director director() {
        return directors.get(0);
    }

    public List<Origin> origins() {
        return origins;
    }

    /** Origin {@code n}, counting from 1 as its name does. */
    public Origin origin(int n) {
        return origins.get(n - 1);
    }

    /** How many directors, and whether a router stands in front of them. */
    public Shape shape() {
        return shape;
    }

    /** Whether a router with BIRD stands in front of the directors (then {@link #router()} is there). */
    public boolean routed() {
        return router != null;
    }

    /** A routed lab's router; null in a lab without one. */
    public Router router() {
        return router;
    }

    /** Director {@code n}, counting from 1 as {@code lab kill-director N} does. */
    public Director director(int n) {
        if (n < 1 || n > directors.size()) {
            throw new IllegalArgumentException("director " + n + " (expected: 1.." + directors.size() + ", the lab's directors)");
        }
        return directors.get(n - 1);
    }

    /** Where {@code up} records the lab's {@link Shape}, so that later commands without options find the lab it built. */
    public Path shapeFile() {
        return directory.resolve(".lab-shape");
    }

    /** The namespace that holds only the bridge. */
    public String switchNamespace() {
        return prefix + "switch";
    }

    /** Every host on a bridge: clients, directors, origins, and a routed lab's router. */
    public List<Host> hosts() {
        List<Host> all = new ArrayList<>(clients);
        directors.forEach(d -> all.add(d.host()));
        origins.forEach(o -> all.add(o.host()));
        if (router != null) {
            all.add(router.host());
        }
        return all;
    }

    /** Every namespace of the lab, in the order they are made: the hosts, then the switch. */
    public List<String> namespaces() {
        List<String> all = new ArrayList<>(hosts().stream().map(Host::namespace).toList());
        all.add(switchNamespace());
        return all;
    }

    /**
     * Whether the lab's directors form one cluster (docs/scale-out.md): with two or more, each
     * director's config gets a {@code cluster} section, so that a flow any of them handed off is
     * forwarded by all of them, whichever one ECMP sends its packets to.
     */
    public boolean clustered() {
        return directors.size() >= 2;
    }

    /** The group's name: one per lab, so two labs on a host never join each other's group. */
    public String clusterName() {
        return "handoff-lab-" + prefix.replaceAll("[^A-Za-z0-9]", "");
    }

    /** The directors' shared PKCS12 key pair (JGroups' SSL_KEY_EXCHANGE): made by {@code up} with keytool. */
    public Path clusterKeystore() {
        return directory.resolve("gossip.p12");
    }

    /** The key pair's password. */
    public Path clusterKeystorePasswordFile() {
        return directory.resolve("gossip.pass");
    }

    /** The key ring that seals every ownership announcement (the hand-off key file format). */
    public Path clusterKeyFile() {
        return directory.resolve("gossip.key");
    }

    /** The hand-off key every director and agent of the lab shares (their configs name it relative to themselves). */
    public Path keyFile() {
        return directory.resolve("lab-handoff.key");
    }

    /** Every file and directory {@code up} made, for {@code down}. */
    public Path manifestFile() {
        return directory.resolve(".lab-created");
    }

    /**
     * The description as shell variables, for scripts that work in the lab (the bench): the
     * VIP, and for each host ({@code CLIENT}, {@code DIRECTOR}, {@code ORIGIN1}, named as the
     * lab names it) its namespace, address, and its processes' files and endpoints.
     * {@code handoff lab env} prints them for {@code eval}.
     */
    public Map<String, String> shellVariables() {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("LAB_PREFIX", prefix);
        v.put("LAB_DIR", directory.toString());
        v.put("LAB_NAMESPACES", String.join(" ", namespaces()));
        v.put("LAB_VIP", vipAddress);
        v.put("LAB_VIP_PORT", Integer.toString(vipPort));
        v.put("LAB_DATAPATH", datapath);
        v.put("LAB_DIRECTOR_COUNT", Integer.toString(directors.size()));
        v.put("LAB_DIRECTORS", String.join(" ", directors.stream().map(Director::name).toList()));
        v.put("LAB_ROUTED", routed() ? "1" : "0");
        for (Host h : hosts()) {
            String key = variable(h);
            v.put(key + "_NS", h.namespace());
            v.put(key + "_ADDRESS", h.address());
        }
        for (Director d : directors) {
            String key = variable(d.host());
            v.put(key + "_CONFIG", d.config().toString());
            v.put(key + "_LOG", d.log().toString());
            v.put(key + "_PID_FILE", d.pidFile().toString());
            v.put(key + "_METRICS", d.metrics());
            v.put(key + "_BPFFS", d.bpffs().toString());
            if (d.bird() != null) {
                v.put(key + "_ANNOUNCE_DEVICE", d.announceDevice());
                v.put(key + "_BIRD_CTL", d.bird().controlSocket().toString());
                v.put(key + "_BIRD_LOG", d.bird().log().toString());
            }
        }
        if (router != null) {
            v.put("LAB_ROUTER_CLIENT_ADDRESS", router.clientAddress());
            v.put("LAB_ROUTER_BIRD_CTL", router.bird().controlSocket().toString());
            v.put("LAB_ROUTER_BIRD_LOG", router.bird().log().toString());
        }
        for (Origin o : origins) {
            String key = variable(o.host());
            v.put(key + "_WWW", o.www().toString());
            v.put(key + "_NGINX_PID_FILE", o.nginxPidFile().toString());
            v.put(key + "_ACCESS_LOG", o.accessLog().toString());
            v.put(key + "_AGENT_PORT", Integer.toString(o.agentPort()));
            v.put(key + "_AGENT_LOG", o.agentLog().toString());
            v.put(key + "_AGENT_PID_FILE", o.agentPidFile().toString());
            v.put(key + "_AGENT_METRICS", o.agentMetrics());
        }
        return v;
    }

    private static String variable(Host h) {
        return "LAB_" + h.name().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
    }

    @Override
    public String toString() {
        return "LabTopology[" + prefix + " in " + directory + ": " + namespaces() + ", VIP " + vipAddress + ":" + vipPort + "]";
    }
}
