package org.handoff.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.handoff.host.CommandResult;
import org.handoff.host.ProcessRunner;
import org.handoff.host.RunningCommand;
import org.handoff.lab.LabRunner;
import org.handoff.lab.LabTopology;
import org.handoff.lab.NamespaceNetwork;
import org.handoff.lab.PidFiles;
import org.junit.jupiter.api.Assumptions;

/**
 * One lab for one test class: {@code bin/handoff lab up} (the command users run) in a private
 * HANDOFF_LAB_DIR, its names, addresses and paths read from the same {@link LabTopology}
 * {@code handoff lab} builds, and its daemons restarted by the same {@link LabRunner}. The
 * lab has a prefix of its own, made from this JVM's pid ({@link #prefix}), so it never meets a
 * developer's {@code ho-} lab, the bench's {@code hb-} or another checkout's tests: nothing
 * waits for another lab, and nothing is skipped because one is up.
 */
final class Lab {
    static final Duration SHORT = Duration.ofSeconds(20);
    private static final ProcessRunner HOST = new ProcessRunner();
    private static final NamespaceNetwork NETWORK = new NamespaceNetwork(HOST.timeLimit(SHORT));
    /** The nftables table every loss ruleset of the tests is in, so one command deletes it ({@link #deleteLossTable}). */
    static final String LOSS_TABLE = "e2e_loss";
    /** Drops 5% of a namespace's packets both ways (the client link's loss). */
    static final String CLIENT_LOSS = lossTable("", "");
    /** curl's line per request: connections it opened for it, status, body bytes, X-Served-By (last: may be empty). */
    private static final String PER_REQUEST = "%{num_connects} %{http_code} %{size_download} %header{x-served-by}\\n";
    /** nginx's "combined" log format: ADDRESS - USER [TIME] "METHOD PATH PROTOCOL" STATUS BYTES "REFERER" "AGENT". */
    private static final Pattern ACCESS_LINE = Pattern.compile("(\\S+) \\S+ \\S+ \\[[^\\]]*\\] \"(\\S+) (\\S+) [^\"]*\" (\\d{3}) ");

    final LabTopology topology;
    /** Starts nginx, an agent or the director the way {@code lab up} does (after a test stopped one). */
    final LabRunner processes;
    private final Map<String, String> env;
    private final List<Path> created = new ArrayList<>();
    private boolean attempted;

    private Lab(LabTopology topology) {
        this.topology = topology;
        this.env = Map.of(LabTopology.PREFIX_VARIABLE, topology.prefix(),
                LabTopology.DIRECTORY_VARIABLE, topology.directory().toString(),
                LabTopology.DATAPATH_VARIABLE, topology.datapath());
        this.processes = new LabRunner(topology, new PrintWriter(System.err, true), Map.of());
    }

    /** The repository root: the parent of this module's directory (Maven's basedir). */
    static Path repoRoot() {
        Path module = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
        Path root = module.getParent();
        assertTrue(Files.isRegularFile(root.resolve("bin/handoff")), "no bin/handoff under " + root);
        return root;
    }

    /** Those of {@code names} that exist, from one {@code ip netns list}. */
    static List<String> presentNamespaces(List<String> names) {
        List<String> present = NETWORK.namespaces();
        return names.stream().filter(present::contains).toList();
    }

    /** {@code bin/handoff ARGS} with {@code env} added to this process's environment. */
    static CommandResult handoff(Map<String, String> env, Duration limit, String... args) {
        List<String> command = new ArrayList<>(List.of("bash", repoRoot().resolve("bin/handoff").toString()));
        command.addAll(List.of(args));
        return HOST.environment(env).timeLimit(limit).run(command, null);
    }

    /**
     * Skips the calling class off Linux or without root, where no lab can be built (the test
     * command runs as root, and fails on any skipped test).
     */
    static void requireLinuxRoot() {
        Assumptions.assumeTrue(System.getProperty("os.name", "").startsWith("Linux"), "the lab needs Linux");
        Assumptions.assumeTrue(ProcessRunner.isRoot(), "the lab needs root");
    }

    /** A lab prefix of this JVM's own: {@code letter}, the pid's last five digits, a dash (at most 7 characters). */
    static String prefix(char letter) {
        return letter + Long.toString(ProcessHandle.current().pid() % 100_000) + "-";
    }

    /** The standard lab in {@code dir} under this JVM's e2e prefix, as {@code handoff lab} builds it with those variables. */
    static LabTopology standard(Path dir) {
        return standard(dir, LabTopology.DATAPATHS.get(0));
    }

    /** The same with the directors' data path {@code datapath} (kernel or user). */
    static LabTopology standard(Path dir, String datapath) {
        return LabTopology.builder(repoRoot()).prefix(prefix('e')).directory(dir).datapath(datapath).build();
    }

    /** A private lab directory for a test class. */
    static Path privateDirectory(String name) {
        return Path.of("/tmp", "handoff-e2e-" + name + "-" + ProcessHandle.current().pid());
    }

    /** Brings a lab of this JVM's own prefix up in a private directory, the director on the lab's default path. */
    static Lab up(String name) throws Exception {
        return up(name, LabTopology.DATAPATHS.get(0));
    }

    /** The same with the director's data path {@code datapath} (kernel or user). */
    static Lab up(String name, String datapath) throws Exception {
        return up(name, datapath, LabTopology.Shape.STANDARD);
    }

    /**
     * A lab of {@code shape} on the default data path: {@code lab up --directors N} (and
     * {@code --router}), which records the shape, so {@code lab down} and the other actions
     * find the same lab without the options.
     */
    static Lab up(String name, LabTopology.Shape shape) throws Exception {
        return up(name, LabTopology.DATAPATHS.get(0), shape);
    }

    private static Lab up(String name, String datapath, LabTopology.Shape shape) throws Exception {
        requireLinuxRoot();
        Lab lab = new Lab(LabTopology.builder(repoRoot()).prefix(prefix('e')).directory(privateDirectory(name)).datapath(datapath)
                .shape(shape).build());
        lab.attempted = true;
        List<String> args = new ArrayList<>(List.of("lab", "up"));
        if (!shape.equals(LabTopology.Shape.STANDARD)) {
            args.addAll(List.of("--directors", Integer.toString(shape.directors())));
            if (shape.router()) {
                args.add("--router");
            }
        }
        CommandResult r = handoff(lab.env, Duration.ofMinutes(5), args.toArray(String[]::new));
        if (!r.ok()) {
            lab.down();
            throw new AssertionError("lab up failed: " + r.describe());
        }
        System.err.println("e2e: lab up in " + r.elapsed().toMillis() + " ms, files in " + lab.topology.directory());
        return lab;
    }

    /** Removes what the tests added under the lab directory, then {@code lab down}. Safe to call twice. */
    void down() throws Exception {
        if (!attempted) {
            return;
        }
        attempted = false;
        for (int i = created.size() - 1; i >= 0; i--) {
            deleteTree(created.get(i));
        }
        CommandResult r = handoff(env, Duration.ofMinutes(2), "lab", "down");
        if (!r.ok()) {
            System.err.println("e2e: lab down reported a problem: " + r.describe());
        }
        // The directory is ours alone; anything left (a file nginx wrote) goes with it.
        deleteTree(topology.directory());
        assertEquals(List.of(), presentNamespaces(topology.namespaces()), "namespaces lab down left");
    }

    /**
     * Deletes a test class's scratch directory, then takes its lab down, also when the first
     * fails; either may be null (its {@code @BeforeAll} failed before making it).
     */
    static void tearDown(Lab lab, Path scratch) throws Exception {
        try {
            if (scratch != null) {
                deleteTree(scratch);
            }
        } finally {
            if (lab != null) {
                lab.down();
            }
        }
    }

    /** Running and not a zombie (a killed lab process may wait unreaped under this machine's init). */
    static boolean alive(long pid) {
        return ProcessRunner.isRunning(pid);
    }

    /** The pid a daemon's pid file holds; fails when the file is missing or holds none. */
    static long pid(Path pidFile) {
        return PidFiles.read(pidFile).orElseThrow(() -> new AssertionError("no pid in " + pidFile));
    }

    /** Starts originN's agent again through {@link LabRunner}, as {@code lab up} does, unless its pid file's process runs. */
    void restartAgentIfDead(int n) {
        if (!alive(pid(origin(n).agentPidFile()))) {
            processes.startAgent(origin(n), true);
        }
    }

    /** Stops the director (SIGTERM), starts it again through {@link LabRunner} and waits until it serves. */
    void restartDirector() throws InterruptedException {
        long director = pid(topology.director().pidFile());
        run(SHORT, "kill", "-TERM", Long.toString(director)).requireOk();
        awaitGone(director, Duration.ofSeconds(15));
        processes.startDirector(topology.director(), true);
        int tries = awaitServing("/static/hello.txt", Duration.ofSeconds(40));
        System.err.println("e2e: restarted director served after " + tries + " tries");
    }

    /** The client's namespace. */
    String client() {
        return topology.client().namespace();
    }

    /** The director's namespace. */
    String director() {
        return topology.director().host().namespace();
    }

    /** {@code bin/handoff lab ARGS} on this lab (its prefix, directory and data path). */
    CommandResult lab(Duration limit, String... args) {
        List<String> all = new ArrayList<>(List.of("lab"));
        all.addAll(List.of(args));
        return handoff(env, limit, all.toArray(String[]::new));
    }

    LabTopology.Origin origin(int n) {
        return topology.origin(n);
    }

    Path www(int n) {
        return origin(n).www();
    }

    /** Records a path the test made under the lab directory, so {@link #down} removes it. */
    Path track(Path p) {
        created.add(p);
        return p;
    }

    /** Makes {@code www/uploads} on every origin, where nginx's workers (user nobody) write PUTs. */
    void makeUploadDirectories() throws IOException {
        for (int n = 1; n <= topology.origins().size(); n++) {
            Path uploads = track(www(n).resolve("uploads"));
            Files.createDirectories(uploads);
            uploads.toFile().setWritable(true, false);
        }
    }

    /**
     * Writes {@code size} bytes (seeded, so the same name gives the same content) to
     * origin1/www/REL and hard-links it to origin2/www/REL. Returns the SHA-256 in hex.
     */
    String content(String rel, long size) throws IOException {
        String sha = contentOn(1, rel, size);
        Path b = www(2).resolve(rel);
        makeParents(b);
        Files.deleteIfExists(b);
        Files.createLink(track(b), www(1).resolve(rel));
        return sha;
    }

    /**
     * Writes {@code size} seeded bytes to originN/www/REL only: the other origin answers 404 for
     * it, so a request routed to the wrong origin shows. Returns the SHA-256 in hex.
     */
    String contentOn(int origin, String rel, long size) throws IOException {
        Path a = www(origin).resolve(rel);
        makeParents(a);
        Random random = new Random(rel.hashCode() * 31L + size);
        byte[] chunk = new byte[1 << 20];
        MessageDigest sha = sha256();
        try (var out = Files.newOutputStream(track(a))) {
            long left = size;
            while (left > 0) {
                int n = (int) Math.min(chunk.length, left);
                random.nextBytes(chunk);
                out.write(chunk, 0, n);
                sha.update(chunk, 0, n);
                left -= n;
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** Writes {@code data} to originN/www/REL only. Returns the SHA-256 in hex. */
    String put(int origin, String rel, byte[] data) throws IOException {
        Path a = www(origin).resolve(rel);
        makeParents(a);
        Files.write(track(a), data);
        return sha256Hex(data);
    }

    /** Creates the directories missing above {@code file} and records the topmost one made, so {@link #down} removes it. */
    private void makeParents(Path file) throws IOException {
        Path parent = file.getParent();
        Path top = null;
        for (Path p = parent; p != null && !Files.isDirectory(p); p = p.getParent()) {
            top = p;
        }
        if (top != null) {
            Files.createDirectories(parent);
            track(top);
        }
    }

    static String sha256(Path file) throws IOException {
        MessageDigest sha = sha256();
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                sha.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    static String sha256Hex(byte[] data) {
        return HexFormat.of().formatHex(sha256().digest(data));
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The URL of {@code path} through the VIP. */
    String url(String path) {
        return topology.vipUrl(path);
    }

    /** curl -sS in the client's namespace with the given arguments. */
    CommandResult curl(Duration limit, String... args) {
        List<String> all = new ArrayList<>(List.of("curl", "-sS"));
        all.addAll(List.of(args));
        return Lab.ns(client(), limit, all.toArray(String[]::new));
    }

    /** The X-Served-By header of a GET through the VIP ("" when none). */
    String servedBy(String path) {
        return header(path, "x-served-by");
    }

    /**
     * A response header of a request through the VIP on a connection of its own ("" when none):
     * a GET, or what {@code curlArgs} make it ({@code -I}: a HEAD).
     */
    String header(String path, String name, String... curlArgs) {
        List<String> args = new ArrayList<>(List.of("--max-time", "10"));
        args.addAll(List.of(curlArgs));
        args.addAll(List.of("-o", "/dev/null", "-w", "%header{" + name + "}", url(path)));
        return curl(SHORT, args.toArray(String[]::new)).requireOk().stdout().trim();
    }

    /** One request's outcome as curl reports it ({@link #oneCurl}). */
    record Answer(int connects, String status, long bytes, String origin) {
        static Answer parse(String line) {
            String[] f = line.split(" ", 4);
            return new Answer(Integer.parseInt(f[0]), f[1], Long.parseLong(f[2]), f.length > 3 ? f[3].trim() : "");
        }
    }

    /**
     * One curl process whose steps are separated by {@code --next}, so they share curl's
     * connection (curl reuses it; {@link #assertOneConnection} checks). Each step's arguments end
     * with its URL; each step may take up to {@code perRequest}, all of them up to {@code whole}.
     * One answer per step.
     */
    List<Answer> oneCurl(Duration perRequest, Duration whole, List<List<String>> steps) {
        List<String> args = new ArrayList<>();
        for (List<String> step : steps) {
            if (!args.isEmpty()) {
                args.add("--next");
            }
            args.addAll(List.of("-sS", "--max-time", Long.toString(perRequest.toSeconds()), "-w", PER_REQUEST));
            args.addAll(step);
        }
        CommandResult r = curl(whole, args.toArray(String[]::new));
        assertTrue(r.ok(), r.describe());
        List<Answer> answers = r.stdout().lines().filter(l -> !l.isBlank()).map(Answer::parse).toList();
        assertEquals(steps.size(), answers.size(), r.describe());
        return answers;
    }

    /** As {@link #oneCurl(Duration, Duration, List)}, all the steps together limited to {@code perRequest} each and 10 s. */
    List<Answer> oneCurl(Duration perRequest, List<List<String>> steps) {
        return oneCurl(perRequest, perRequest.multipliedBy(steps.size()).plusSeconds(10), steps);
    }

    static void assertOneConnection(List<Answer> answers, Object what) {
        assertEquals(1, answers.stream().mapToInt(Answer::connects).sum(), "TCP connections curl opened for " + what);
    }

    /** Byte counter of eth0 in a namespace ("tx" or "rx"). */
    static long bytes(String ns, String direction) {
        return Long.parseLong(Lab.ns(ns, SHORT, "cat", "/sys/class/net/eth0/statistics/" + direction + "_bytes")
                .requireOk().stdout().trim());
    }

    /** A metric's value from an agent's /metrics (0 when absent); {@code series} is the name with labels. */
    double agentMetric(int origin, String series) {
        LabTopology.Origin o = origin(origin);
        return metric(o.host().namespace(), o.agentMetrics(), series, false);
    }

    /** A metric's value from the director's /metrics (0 when absent); {@code series} is the name with labels. */
    double directorMetric(String series) {
        return metric(director(), topology.director().metrics(), series, false);
    }

    /**
     * As {@link #agentMetric}, for a series that must be there (counters are registered at
     * start): a misspelt name or label fails instead of reading 0, which would make a
     * "did not move" assertion pass for nothing.
     */
    double agentCounter(int origin, String series) {
        LabTopology.Origin o = origin(origin);
        return metric(o.host().namespace(), o.agentMetrics(), series, true);
    }

    /** As {@link #directorMetric}, for a series that must be there (see {@link #agentCounter}). */
    double directorCounter(String series) {
        return directorCounter(topology.director(), series);
    }

    /**
     * The HANDOFFs each of {@code directors} had acknowledged by an agent, summed over the
     * origins (running directors: a killed one has no metrics).
     */
    Map<LabTopology.Director, Double> handoffsAcked(List<LabTopology.Director> directors) {
        Map<LabTopology.Director, Double> out = new LinkedHashMap<>();
        for (LabTopology.Director d : directors) {
            double sum = 0;
            for (LabTopology.Origin o : topology.origins()) {
                sum += directorCounter(d, "handoff_director_handoffs_total{event=\"acked\",origin=\"" + o.name() + "\"}");
            }
            out.put(d, sum);
        }
        return out;
    }

    /** As {@link #directorCounter(String)}, from director {@code d} of a lab with several. */
    double directorCounter(LabTopology.Director d, String series) {
        return metric(d.host().namespace(), d.metrics(), series, true);
    }

    /**
     * As {@link #directorCounter}, for several series read from one fetch of the director's
     * /metrics, so they are of one moment; by series, in the order given.
     */
    Map<String, Double> directorCounters(List<String> series) {
        return metrics(director(), topology.director().metrics(), series, true);
    }

    private static double metric(String ns, String endpoint, String series, boolean required) {
        return metrics(ns, endpoint, List.of(series), required).get(series);
    }

    /** The series' values from one fetch of {@code endpoint}/metrics in {@code ns} (0 when absent and not {@code required}). */
    private static Map<String, Double> metrics(String ns, String endpoint, List<String> series, boolean required) {
        List<String> page = Lab.ns(ns, SHORT, "curl", "-sS", "--max-time", "5", "http://" + endpoint + "/metrics").requireOk()
                .stdout().lines().toList();
        Map<String, Double> values = new LinkedHashMap<>();
        for (String s : series) {
            var value = page.stream().filter(l -> l.startsWith(s + " ")).mapToDouble(l -> Double.parseDouble(l.substring(
                    s.length() + 1).trim())).findFirst();
            assertTrue(value.isPresent() || !required, "no " + s + " on " + endpoint + "/metrics in " + ns);
            values.put(s, value.orElse(0));
        }
        return values;
    }

    /** Where each origin's nginx access log ends now (index 0: origin1); {@link #accessSince} reads what comes after. */
    long[] accessMark() throws IOException {
        long[] mark = new long[topology.origins().size()];
        for (int i = 0; i < mark.length; i++) {
            Path log = origin(i + 1).accessLog();
            mark[i] = Files.exists(log) ? Files.size(log) : 0;
        }
        return mark;
    }

    /**
     * The requests originN's nginx logged after {@code mark}, each as "ADDRESS METHOD PATH
     * STATUS" (ADDRESS: the client's, as nginx saw it), in the log's order. nginx writes a line
     * once it has sent the response, so this first waits (at most 5 s) until no origin's log
     * has grown for 300 ms.
     */
    List<String> accessSince(long[] mark, int origin) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        long[] sizes = accessMark();
        long quietSince = System.nanoTime();
        while (System.nanoTime() < deadline && System.nanoTime() - quietSince < Duration.ofMillis(300).toNanos()) {
            Thread.sleep(50);
            long[] now = accessMark();
            if (!Arrays.equals(now, sizes)) {
                sizes = now;
                quietSince = System.nanoTime();
            }
        }
        byte[] log = Files.readAllBytes(origin(origin).accessLog());
        int from = (int) mark[origin - 1];
        List<String> entries = new ArrayList<>();
        for (String line : new String(log, from, log.length - from, StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            Matcher m = ACCESS_LINE.matcher(line);
            assertTrue(m.lookingAt(), origin(origin).name() + "'s access log: a line not in nginx's combined format: " + line);
            entries.add(m.group(1) + " " + m.group(2) + " " + m.group(3) + " " + m.group(4));
        }
        return entries;
    }

    /** Loads an nftables ruleset in a namespace ({@code nft -f -}). */
    static void nft(String ns, String ruleset) {
        HOST.inNamespace(ns).timeLimit(SHORT).run(List.of("nft", "-f", "-"), ruleset + "\n").requireOk();
    }

    /**
     * An nftables ruleset, table {@link #LOSS_TABLE}, that drops 5% of the packets a match
     * selects, each independently ({@code numgen random}), and counts what it drops
     * ({@code counter}). {@code outputMatch} selects among the packets the namespace sends,
     * {@code inputMatch} among those it receives (e.g. {@code "udp dport 7070"}): "" selects
     * every packet, null leaves that direction alone.
     */
    static String lossTable(String outputMatch, String inputMatch) {
        StringBuilder rules = new StringBuilder("table inet " + LOSS_TABLE + " {\n");
        if (outputMatch != null) {
            rules.append(lossChain("out", "output", outputMatch));
        }
        if (inputMatch != null) {
            rules.append(lossChain("in", "input", inputMatch));
        }
        return rules.append("}").toString();
    }

    private static String lossChain(String name, String hook, String match) {
        return "chain " + name + " { type filter hook " + hook + " priority 0; policy accept;\n "
                + (match.isEmpty() ? "" : match + " ") + "numgen random mod 100 < 5 counter drop\n }\n";
    }

    /** Deletes {@link #LOSS_TABLE} in a namespace. */
    static void deleteLossTable(String ns) {
        ns(ns, SHORT, "nft", "delete", "table", "inet", LOSS_TABLE).requireOk();
    }

    /** Waits (bounded) until the process is gone. */
    static void awaitGone(long pid, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (alive(pid) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertFalse(alive(pid), "process " + pid + " still alive after " + limit);
    }

    /**
     * Waits (at most {@code limit}) until {@code file} exists and, unless {@code text} is empty,
     * holds {@code text}, while {@code writer}, the process that writes it, runs: fails at once,
     * with the writer's output, when it ends first.
     */
    static void awaitFile(Path file, String text, Duration limit, RunningCommand writer) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!holds(file, text)) {
            // The file once more after the writer ended: it may have written it just before.
            if (!writer.isAlive() && !holds(file, text)) {
                throw new AssertionError("the process writing " + file + " ended before "
                        + (text.isEmpty() ? "it was written" : "it held '" + text + "'") + ": " + writer.await(SHORT).describe());
            }
            if (System.nanoTime() >= deadline) {
                throw new AssertionError((text.isEmpty() ? file + " not written" : "'" + text + "' not in " + file)
                        + " within " + limit);
            }
            Thread.sleep(50);
        }
    }

    private static boolean holds(Path file, String text) throws IOException {
        return Files.exists(file) && (text.isEmpty() || Files.readString(file).contains(text));
    }

    /**
     * Polls a metric (every 100 ms, at most {@code limit}) until it reaches {@code target}, then
     * asserts it is exactly {@code target}: a count that went past it fails as well.
     */
    static void awaitMetric(DoubleSupplier metric, double target, Duration limit, String what) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        double value = metric.getAsDouble();
        while (value < target && System.nanoTime() < deadline) {
            Thread.sleep(100);
            value = metric.getAsDouble();
        }
        assertEquals(target, value, what + " (polled for at most " + limit + ")");
    }

    /** Polls a GET through the VIP until it answers 200 (bounded); returns the tries it took. */
    int awaitServing(String path, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        int tries = 0;
        String last = "";
        while (System.nanoTime() < deadline) {
            tries++;
            CommandResult r = curl(Duration.ofSeconds(10), "--max-time", "3", "-o", "/dev/null", "-w", "%{http_code}", url(path));
            last = r.stdout().trim();
            if (last.equals("200")) {
                return tries;
            }
            Thread.sleep(500);
        }
        throw new AssertionError(path + " not served within " + limit + " (last status '" + last + "')");
    }

    /** A command on this host, killed with its children at {@code limit}. */
    static CommandResult run(Duration limit, String... command) {
        return HOST.timeLimit(limit).run(command);
    }

    /** {@code ip netns exec NS command...}, killed with its children at {@code limit}. */
    static CommandResult ns(String ns, Duration limit, String... command) {
        return HOST.inNamespace(ns).timeLimit(limit).run(command);
    }

    /** {@code ip netns exec NS bash -c SCRIPT}. */
    static CommandResult nsBash(String ns, Duration limit, String script) {
        return ns(ns, limit, "bash", "-c", script);
    }

    /** {@code ip netns exec NS command...} in the background; its {@code await(limit)} bounds the wait. */
    static RunningCommand start(String ns, String... command) {
        return HOST.inNamespace(ns).start(List.of(command), null);
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }
}
