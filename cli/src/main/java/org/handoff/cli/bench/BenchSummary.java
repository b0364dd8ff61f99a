package org.handoff.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * The bench's statistics: from the runs in raw.tsv (and idle.tsv), the medians over runs, the
 * ratios between systems, the verdicts on the four goals, summary.md's tables and the plot data
 * (docs/benchmarks.md, "Results"). scripts/bench.sh measures and records; this computes.
 *
 * <p>Each figure is the median over the valid runs of one workload, size and system; a run that
 * failed its checks counts as bad and marks its row INVALID, and a goal that needs such a row is
 * not judged (n/a). Director CPU includes the run time of the BPF programs attached in the
 * director's namespace ({@link BenchRun#directorBpfNanos()}), origin CPU those in origin1's.
 * The goals judge the hand-off as the bench runs it by default, on the kernel path; the user
 * path ({@link #HANDOFF_USER}) has rows of its own in every table when the run measured it.
 */
public final class BenchSummary {
    static final String DIRECT = "direct";
    static final String HAPROXY = "haproxy";
    static final String HANDOFF = "handoff";
    /** The hand-off on the user path (datapath: user), in a lab of its own beside the kernel path's. */
    static final String HANDOFF_USER = "handoff-user";
    /** Kept-alive connections asking for a /static/ and a /video/ path in turn: on the hand-off, every request changes origin. */
    static final String ALTERNATING = "rps-alternating";
    /** The systems in the tables' order, with their row labels. */
    static final Map<String, String> SYSTEMS = systemLabels();
    static final long SMALL = 1024;
    static final long TEN_MB = 10 * 1024 * 1024;
    static final long HUNDRED_MB = 100 * 1024 * 1024;

    /** The run parameters the summary's first lines name. */
    public record Setup(int runs, int duration, int connections, int ttfbRequests, String cpu, String machine) {
    }

    /** One line of the goals table. */
    public record Goal(String ratio, String measured, String goal, String result) {
    }

    enum Figure { REQUESTS_PER_SECOND, MEGABYTES_PER_SECOND, P50, P90, P99, CONNECT_P50, DIRECTOR_CPU_PER_REQUEST,
        DIRECTOR_CPU_PER_MB, ORIGIN_CPU_PER_REQUEST, AGENT_CPU_PER_REQUEST, MACHINE_CPU_PER_REQUEST, MACHINE_CPU_PER_MB,
        SOFTIRQ_PER_REQUEST, SOFTIRQ_PER_MB, CAPTURED_PER_REQUEST, CLIENT_SEGMENTS_PER_REQUEST }

    private record Key(String workload, long size, String system) {
    }

    /** The valid runs' figures of one key, and how many runs were bad. */
    private static final class Samples {
        final Map<Figure, List<Double>> values = new EnumMap<>(Figure.class);
        int bad;

        void add(Figure f, double v) {
            // Kept to 12 significant digits, as the awk summary this replaces kept them (its
            // CONVFMT): the same raw.tsv gives the same summary.
            values.computeIfAbsent(f, x -> new ArrayList<>()).add(CNumbers.round12(v));
        }
    }

    private final Setup setup;
    private final Map<String, String> idle;
    private final Map<Key, Samples> samples = new HashMap<>();
    private final Set<String> seenWorkloadSizes = new HashSet<>();
    private final Set<Long> downloadSizes = new LinkedHashSet<>();
    /** Whether any run carries the whole-machine columns (files from before them do not). */
    private boolean machineMeasured;
    /** Whether any run counted what reached a hand-off director's capture. */
    private boolean capturesCounted;
    /** The systems in the tables: the four of every bench, and the user path when measured. */
    private final List<String> systems = new ArrayList<>();

    /**
     * @param idle idle director-side CPU per system, in ms per s, as idle.tsv writes it
     */
    public BenchSummary(List<BenchRun> runs, Map<String, String> idle, Setup setup) {
        this.setup = setup;
        this.idle = Map.copyOf(idle);
        boolean userPath = false;
        for (BenchRun r : runs) {
            userPath |= r.system().equals(HANDOFF_USER);
            seenWorkloadSizes.add(r.workload() + "/" + r.size());
            if (r.workload().equals("get")) {
                downloadSizes.add(r.size());
            }
            Samples s = samples.computeIfAbsent(new Key(r.workload(), r.size(), r.system()), k -> new Samples());
            if (!r.valid()) {
                s.bad++;
                continue;
            }
            double requests = r.requests();
            double directorMicros = (r.directorCpuNanos() + r.directorBpfNanos()) / 1000.0;
            double agentMicros = (r.agentCpuNanos() + r.originBpfNanos()) / 1000.0;
            s.add(Figure.REQUESTS_PER_SECOND, requests / r.seconds());
            s.add(Figure.MEGABYTES_PER_SECOND, r.bodyBytes() / r.seconds() / 1e6);
            if (!Double.isNaN(r.p50Micros())) {
                s.add(Figure.P50, r.p50Micros());
                s.add(Figure.P90, r.p90Micros());
                s.add(Figure.P99, r.p99Micros());
            }
            if (!Double.isNaN(r.connectP50Micros())) {
                s.add(Figure.CONNECT_P50, r.connectP50Micros());
            }
            s.add(Figure.DIRECTOR_CPU_PER_REQUEST, directorMicros / requests);
            s.add(Figure.DIRECTOR_CPU_PER_MB, r.bodyBytes() > 0 ? directorMicros / (r.bodyBytes() / 1e6) : 0);
            s.add(Figure.ORIGIN_CPU_PER_REQUEST, (r.originCpuNanos() / 1000.0 + agentMicros) / requests);
            s.add(Figure.AGENT_CPU_PER_REQUEST, agentMicros / requests);
            if (r.machineCpuNanos() >= 0) {
                machineMeasured = true;
                double megabytes = r.bodyBytes() / 1e6;
                s.add(Figure.MACHINE_CPU_PER_REQUEST, r.machineCpuNanos() / 1000.0 / requests);
                s.add(Figure.SOFTIRQ_PER_REQUEST, r.machineSoftirqNanos() / 1000.0 / requests);
                if (megabytes > 0) {
                    s.add(Figure.MACHINE_CPU_PER_MB, r.machineCpuNanos() / 1000.0 / megabytes);
                    s.add(Figure.SOFTIRQ_PER_MB, r.machineSoftirqNanos() / 1000.0 / megabytes);
                }
            }
            if (r.capturedPackets() >= 0 && r.clientSegments() >= 0) {
                capturesCounted = true;
                s.add(Figure.CAPTURED_PER_REQUEST, r.capturedPackets() / requests);
                s.add(Figure.CLIENT_SEGMENTS_PER_REQUEST, r.clientSegments() / requests);
            }
        }
        for (String system : SYSTEMS.keySet()) {
            if (!system.equals(HANDOFF_USER) || userPath) {
                systems.add(system);
            }
        }
    }

    /** Reads raw.tsv and idle.tsv from a results directory. */
    public static BenchSummary of(Path resultsDir, Setup setup) throws IOException {
        Map<String, String> idle = new LinkedHashMap<>();
        Path idleTsv = resultsDir.resolve("idle.tsv");
        if (Files.exists(idleTsv)) {
            for (String line : Files.readAllLines(idleTsv)) {
                String[] f = line.split("\t", -1);
                if (f.length == 2 && !f[0].equals("system")) {
                    idle.put(f[0], f[1]);
                }
            }
        }
        return new BenchSummary(BenchRun.read(resultsDir.resolve("raw.tsv")), idle, setup);
    }

    /** The median over valid runs, or empty when there is none. */
    OptionalDouble median(String workload, long size, String system, Figure figure) {
        Samples s = samples.get(new Key(workload, size, system));
        List<Double> v = s == null ? null : s.values.get(figure);
        if (v == null || v.isEmpty()) {
            return OptionalDouble.empty();
        }
        List<Double> sorted = new ArrayList<>(v);
        sorted.sort(null);
        int k = sorted.size();
        return OptionalDouble.of(k % 2 == 1 ? sorted.get(k / 2) : (sorted.get(k / 2 - 1) + sorted.get(k / 2)) / 2);
    }

    /** Runs of that workload, size and system that failed their checks. */
    int badRuns(String workload, long size, String system) {
        Samples s = samples.get(new Key(workload, size, system));
        return s == null ? 0 : s.bad;
    }

    // ---- summary.md ------------------------------------------------------------------------------

    /** summary.md: the run parameters, four tables (five with the alternating workload), the idle cost and the goals. */
    public String markdown() {
        StringBuilder o = new StringBuilder();
        o.append("Runs: ").append(setup.runs()).append(" per system, interleaved; wrk ").append(setup.duration())
                .append(" s on ").append(setup.connections()).append(" connections; TTFB ").append(setup.ttfbRequests())
                .append(" requests per run. Director side pinned to CPU ").append(setup.cpu()).append(". Medians over runs.\n\n");
        o.append("Machine: ").append(setup.machine()).append(".\n\n");
        requestsTable(o, "rps-close", "1 KB, a new connection per request (wrk, `Connection: close`)");
        requestsTable(o, "rps-keepalive", "1 KB on kept-alive connections (wrk)");
        // Results from before this workload existed have no rows of it: no empty table for them.
        if (seenWorkloadSizes.contains(ALTERNATING + "/" + SMALL)) {
            requestsTable(o, ALTERNATING, "1 KB on kept-alive connections, /static/ and /video/ in turn (wrk, a thread per connection)",
                    "Each connection asks for the two paths in turn. The hand-off routes /video/ to origin2, so every request "
                    + "changes origin; direct and the proxies send both to origin1.");
        }
        firstByteTable(o);
        downloadsTable(o);
        if (machineMeasured) {
            machineTable(o);
        }
        if (capturesCounted) {
            capturedTable(o);
        }
        o.append("Idle director-side CPU (ms per s, measured over 2 s before the runs): HAProxy ")
                .append(idle.getOrDefault(HAPROXY, "")).append(", nginx ").append(idle.getOrDefault("nginx", ""))
                .append(", hand-off director ").append(idle.getOrDefault(HANDOFF, ""));
        if (systems.contains(HANDOFF_USER)) {
            o.append(", hand-off director on the user path ").append(idle.getOrDefault(HANDOFF_USER, ""));
        }
        o.append(".\n\n");
        o.append("### Goals\n\n| ratio | measured | goal | result |\n|---|---|---|---|\n");
        for (Goal g : goals()) {
            o.append("| ").append(g.ratio()).append(" | ").append(g.measured()).append(" | ").append(g.goal()).append(" | ")
                    .append(g.result()).append(" |\n");
        }
        return o.toString();
    }

    private void requestsTable(StringBuilder o, String workload, String title) {
        requestsTable(o, workload, title, "");
    }

    /** A requests/s table; {@code note}, when not empty, is a paragraph between the title and the table. */
    private void requestsTable(StringBuilder o, String workload, String title, String note) {
        o.append("### ").append(title).append("\n\n");
        if (!note.isEmpty()) {
            o.append(note).append("\n\n");
        }
        o.append("| system | requests/s | latency p50 (us) | p90 | p99 | director CPU (us/req) | origin CPU (us/req) "
                + "| vs (a) | vs (b) |\n|---|---|---|---|---|---|---|---|---|\n");
        OptionalDouble baseA = median(workload, SMALL, DIRECT, Figure.REQUESTS_PER_SECOND);
        OptionalDouble baseB = median(workload, SMALL, HAPROXY, Figure.REQUESTS_PER_SECOND);
        for (String s : systems) {
            OptionalDouble v = median(workload, SMALL, s, Figure.REQUESTS_PER_SECOND);
            row(o, label(workload, SMALL, s), fmt(v, 0), fmt(median(workload, SMALL, s, Figure.P50), 0),
                    fmt(median(workload, SMALL, s, Figure.P90), 0), fmt(median(workload, SMALL, s, Figure.P99), 0),
                    directorCpu(workload, SMALL, s), fmt(median(workload, SMALL, s, Figure.ORIGIN_CPU_PER_REQUEST), 1),
                    ratio(v, baseA), ratio(v, baseB));
        }
        o.append('\n');
    }

    private void firstByteTable(StringBuilder o) {
        o.append("### Time to first byte, 1 KB on a fresh connection (curl, sequential)\n\n");
        o.append("| system | connect p50 (us) | first byte p50 (us) | p99 | added vs (a), p50 (us) | director CPU (us/req) "
                + "| origin CPU (us/req) |\n|---|---|---|---|---|---|---|\n");
        OptionalDouble direct = median("ttfb", SMALL, DIRECT, Figure.P50);
        for (String s : systems) {
            OptionalDouble v = median("ttfb", SMALL, s, Figure.P50);
            row(o, label("ttfb", SMALL, s), fmt(median("ttfb", SMALL, s, Figure.CONNECT_P50), 0), fmt(v, 0),
                    fmt(median("ttfb", SMALL, s, Figure.P99), 0),
                    v.isEmpty() || direct.isEmpty() ? "-" : CNumbers.signedFixed(v.getAsDouble() - direct.getAsDouble(), 0),
                    directorCpu("ttfb", SMALL, s), fmt(median("ttfb", SMALL, s, Figure.ORIGIN_CPU_PER_REQUEST), 1));
        }
        o.append('\n');
    }

    private void downloadsTable(StringBuilder o) {
        o.append("### Downloads (curl, a new connection each)\n\n");
        o.append("| size | system | MB/s | vs (a) | vs (b) | director CPU (us/req) | director CPU (us/MB) "
                + "| director CPU vs (b) | origin CPU (us/req) | of which agent |\n|---|---|---|---|---|---|---|---|---|---|\n");
        for (long z : downloadSizes) {
            OptionalDouble directMbps = median("get", z, DIRECT, Figure.MEGABYTES_PER_SECOND);
            OptionalDouble haproxyMbps = median("get", z, HAPROXY, Figure.MEGABYTES_PER_SECOND);
            OptionalDouble haproxyCpu = median("get", z, HAPROXY, Figure.DIRECTOR_CPU_PER_REQUEST);
            for (String s : systems) {
                OptionalDouble v = median("get", z, s, Figure.MEGABYTES_PER_SECOND);
                boolean direct = s.equals(DIRECT);
                row(o, human(z), label("get", z, s), fmt(v, 1), ratio(v, directMbps), ratio(v, haproxyMbps),
                        directorCpu("get", z, s), direct ? "-" : fmt(median("get", z, s, Figure.DIRECTOR_CPU_PER_MB), 1),
                        direct ? "-" : ratio(median("get", z, s, Figure.DIRECTOR_CPU_PER_REQUEST), haproxyCpu),
                        fmt(median("get", z, s, Figure.ORIGIN_CPU_PER_REQUEST), 1),
                        isHandoff(s) ? fmt(median("get", z, s, Figure.AGENT_CPU_PER_REQUEST), 1) : "-");
            }
        }
        o.append('\n');
    }

    /**
     * Whole-machine CPU per request (per MB for downloads): every process, the client's included,
     * and the kernel's irq and softirq, where packet processing and BPF programs mostly run, so
     * no system's cost hides outside its processes. The client's share is the same workload for
     * every system.
     */
    private void machineTable(StringBuilder o) {
        o.append("### Whole-machine CPU (every process, the client included, and the kernel's irq and softirq)\n\n");
        o.append("Busy CPU time of the whole machine during the runs, from /proc/stat, per request (per MB for downloads); "
                + "in brackets the softirq part of it.\n\n");
        o.append("| workload | unit |");
        StringBuilder rule = new StringBuilder("|---|---|");
        for (String s : systems) {
            o.append(' ').append(SYSTEMS.get(s)).append(" |");
            rule.append("---|");
        }
        o.append('\n').append(rule).append('\n');
        for (WorkloadRow w : workloadRows()) {
            machineRow(o, w.workload(), w.size(), w.label(), w.workload().equals("get"));
        }
        o.append('\n');
    }

    /** One row per workload and size measured, in the tables' order, with its label. */
    private record WorkloadRow(String workload, long size, String label) {
    }

    /** The rows of the per-workload tables (whole machine, captured packets): downloads by size last. */
    private List<WorkloadRow> workloadRows() {
        List<WorkloadRow> rows = new ArrayList<>();
        rows.add(new WorkloadRow("rps-close", SMALL, "1 KB, new connections"));
        rows.add(new WorkloadRow("rps-keepalive", SMALL, "1 KB, kept alive"));
        if (seenWorkloadSizes.contains(ALTERNATING + "/" + SMALL)) {
            rows.add(new WorkloadRow(ALTERNATING, SMALL, "1 KB, alternating origins"));
        }
        rows.add(new WorkloadRow("ttfb", SMALL, "1 KB, first byte"));
        for (long z : downloadSizes) {
            rows.add(new WorkloadRow("get", z, human(z) + " download"));
        }
        return rows;
    }

    /**
     * What reached the hand-off director's Java process: per request, the TCP segments the client
     * sent and the packets the director's capture received. On the kernel path the XDP program
     * answers SYNs and tunnels a handed-off flow's ACKs, so only the request and the flow's end
     * reach the capture; on the user path every client packet does.
     */
    private void capturedTable(StringBuilder o) {
        o.append("### Client packets that reached the director's process\n\n");
        o.append("Per request (per download): the TCP segments the client sent, and of them the packets the hand-off "
                + "director's capture received (its Java process woke for them; the rest the kernel handled).\n\n");
        o.append("| workload | system | client segments | reached the director | share |\n|---|---|---|---|---|\n");
        for (WorkloadRow w : workloadRows()) {
            for (String s : systems) {
                if (!isHandoff(s)) {
                    continue;
                }
                OptionalDouble client = median(w.workload(), w.size(), s, Figure.CLIENT_SEGMENTS_PER_REQUEST);
                OptionalDouble captured = median(w.workload(), w.size(), s, Figure.CAPTURED_PER_REQUEST);
                OptionalDouble share = divide(captured, client);
                row(o, w.label(), label(w.workload(), w.size(), s), fmt(client, 1), fmt(captured, 1),
                        share.isEmpty() ? "-" : CNumbers.fixed(100 * share.getAsDouble(), 1) + "%");
            }
        }
        o.append('\n');
    }

    private static boolean isHandoff(String system) {
        return system.equals(HANDOFF) || system.equals(HANDOFF_USER);
    }

    private void machineRow(StringBuilder o, String workload, long size, String label, boolean perMegabyte) {
        Figure total = perMegabyte ? Figure.MACHINE_CPU_PER_MB : Figure.MACHINE_CPU_PER_REQUEST;
        Figure softirq = perMegabyte ? Figure.SOFTIRQ_PER_MB : Figure.SOFTIRQ_PER_REQUEST;
        o.append("| ").append(label).append(" | ").append(perMegabyte ? "us/MB" : "us/req").append(" |");
        for (String s : systems) {
            OptionalDouble v = median(workload, size, s, total);
            o.append(' ').append(v.isEmpty() ? "-" : fmt(v, 1) + " (" + fmt(median(workload, size, s, softirq), 1) + ")")
                    .append(badRuns(workload, size, s) > 0 ? " **INVALID**" : "").append(" |");
        }
        o.append('\n');
    }

    private static void row(StringBuilder o, String... cells) {
        o.append("| ").append(String.join(" | ", cells)).append(" |\n");
    }

    private String label(String workload, long size, String system) {
        int bad = badRuns(workload, size, system);
        return SYSTEMS.get(system) + (bad == 0 ? "" : " **INVALID** (" + bad + " bad run" + (bad > 1 ? "s" : "") + ")");
    }

    private String directorCpu(String workload, long size, String system) {
        return system.equals(DIRECT) ? "-" : fmt(median(workload, size, system, Figure.DIRECTOR_CPU_PER_REQUEST), 1);
    }

    // ---- the goals -------------------------------------------------------------------------------

    /** The four goals, each judged only on valid runs of both systems it compares. */
    public List<Goal> goals() {
        List<Goal> goals = new ArrayList<>();
        OptionalDouble r = quotient("get", TEN_MB, HANDOFF, HAPROXY, Figure.DIRECTOR_CPU_PER_REQUEST);
        goals.add(goal("director CPU per 10 MB request, hand-off / HAProxy",
                r.isEmpty() ? "-" : CNumbers.fixed(100 * r.getAsDouble(), 1) + "%", "<= 5%", r, x -> x <= 0.05,
                why("get", TEN_MB, HANDOFF, HAPROXY, true)));
        r = quotient("get", HUNDRED_MB, HANDOFF, DIRECT, Figure.MEGABYTES_PER_SECOND);
        goals.add(goal("100 MB throughput, hand-off / direct", r.isEmpty() ? "-" : CNumbers.fixed(r.getAsDouble(), 2),
                ">= 0.9", r, x -> x >= 0.9, why("get", HUNDRED_MB, HANDOFF, DIRECT, true)));
        r = quotient("rps-close", SMALL, HANDOFF, HAPROXY, Figure.REQUESTS_PER_SECOND);
        goals.add(goal("1 KB requests/s, new connections, hand-off / HAProxy (same CPU)",
                r.isEmpty() ? "-" : CNumbers.fixed(r.getAsDouble(), 2), ">= 1.0", r, x -> x >= 1.0,
                why("rps-close", SMALL, HANDOFF, HAPROXY, false)));
        OptionalDouble handoff = median("ttfb", SMALL, HANDOFF, Figure.P50);
        OptionalDouble direct = median("ttfb", SMALL, DIRECT, Figure.P50);
        r = handoff.isEmpty() || direct.isEmpty() ? OptionalDouble.empty()
                : OptionalDouble.of(handoff.getAsDouble() - direct.getAsDouble());
        goals.add(goal("added time to first byte vs direct, median", r.isEmpty() ? "-" : CNumbers.signedFixed(r.getAsDouble(), 0)
                + " us", "<= 200 us", r, x -> x <= 200, why("ttfb", SMALL, HANDOFF, DIRECT, false)));
        r = quotient("rps-keepalive", SMALL, HANDOFF, HAPROXY, Figure.REQUESTS_PER_SECOND);
        goals.add(goal("1 KB requests/s, kept alive, hand-off / HAProxy (same CPU)",
                r.isEmpty() ? "-" : CNumbers.fixed(r.getAsDouble(), 2), ">= 1.0", r, x -> x >= 1.0,
                why("rps-keepalive", SMALL, HANDOFF, HAPROXY, false)));
        // The first byte's added time against HAProxy's: both medians less direct's, so the
        // difference of the two is the hand-off's p50 less HAProxy's.
        OptionalDouble haproxy = median("ttfb", SMALL, HAPROXY, Figure.P50);
        r = handoff.isEmpty() || haproxy.isEmpty() ? OptionalDouble.empty()
                : OptionalDouble.of(handoff.getAsDouble() - haproxy.getAsDouble());
        String note = why("ttfb", SMALL, HANDOFF, HAPROXY, false);
        if (note.isEmpty()) {
            note = why("ttfb", SMALL, HANDOFF, DIRECT, false);
        }
        goals.add(goal("added time to first byte, hand-off's less HAProxy's, median",
                r.isEmpty() ? "-" : CNumbers.signedFixed(r.getAsDouble(), 0) + " us", "<= 0 us", r, x -> x <= 0, note));
        return goals;
    }

    private interface Test {
        boolean passes(double ratio);
    }

    /** A goal with a note (invalid runs, a size not measured) is n/a; so is one without a figure. */
    private static Goal goal(String ratio, String measured, String target, OptionalDouble r, Test test, String note) {
        if (!note.isEmpty() || r.isEmpty()) {
            return new Goal(ratio, "-", target, "n/a" + note);
        }
        return new Goal(ratio, measured, target, test.passes(r.getAsDouble()) ? "PASS" : "MISS");
    }

    private OptionalDouble quotient(String workload, long size, String system, String base, Figure f) {
        return divide(median(workload, size, system, f), median(workload, size, base, f));
    }

    /** x / y, or empty when either is missing or y is 0. */
    private static OptionalDouble divide(OptionalDouble x, OptionalDouble y) {
        return x.isEmpty() || y.isEmpty() || y.getAsDouble() == 0 ? OptionalDouble.empty()
                : OptionalDouble.of(x.getAsDouble() / y.getAsDouble());
    }

    /** Why a goal cannot be judged: "" when it can. */
    private String why(String workload, long size, String system, String base, boolean sizeFromOption) {
        if (badRuns(workload, size, system) > 0 || badRuns(workload, size, base) > 0) {
            return " (invalid runs)";
        }
        if (sizeFromOption && !seenWorkloadSizes.contains(workload + "/" + size)) {
            return " (" + human(size) + " not in --sizes)";
        }
        return "";
    }

    // ---- plot data -------------------------------------------------------------------------------

    /**
     * director-cpu.dat: per response size, the director side's CPU per request of HAProxy, nginx
     * and the hand-off; 1 KB from the time-to-first-byte runs unless 1K is a download size.
     */
    public String directorCpuPlotData() {
        StringBuilder o = new StringBuilder("# size_bytes haproxy nginx handoff" + (systems.contains(HANDOFF_USER) ? " handoff-user" : "")
                + " (director CPU, us per request)\n");
        if (!seenWorkloadSizes.contains("get/" + SMALL)) {
            plotRow(o, SMALL, "ttfb", Figure.DIRECTOR_CPU_PER_REQUEST, false);
        }
        for (long z : downloadSizes) {
            plotRow(o, z, "get", Figure.DIRECTOR_CPU_PER_REQUEST, false);
        }
        return o.toString();
    }

    /** throughput.dat: per download size, each system's MB/s. */
    public String throughputPlotData() {
        StringBuilder o = new StringBuilder("# size_bytes direct haproxy nginx handoff" + (systems.contains(HANDOFF_USER) ? " handoff-user" : "")
                + " (MB/s)\n");
        for (long z : downloadSizes) {
            plotRow(o, z, "get", Figure.MEGABYTES_PER_SECOND, true);
        }
        return o.toString();
    }

    private void plotRow(StringBuilder o, long size, String workload, Figure f, boolean withDirect) {
        o.append(size);
        for (String s : systems) {
            if (withDirect || !s.equals(DIRECT)) {
                OptionalDouble v = median(workload, size, s, f);
                o.append(' ').append(v.isEmpty() ? "NaN" : CNumbers.awk(v.getAsDouble()));
            }
        }
        o.append('\n');
    }

    /** The gnuplot script that draws director-cpu.png and throughput.png from the .dat files beside it. */
    public String gnuplotScript() {
        return "set terminal pngcairo size 860,520 font \"sans,10\"\n"
                + "set grid\n"
                + "set key outside right top vertical\n"
                + "set logscale xy\n"
                + "set xlabel \"response size\"\n"
                + "set style data linespoints\n"
                + "\n"
                + "set output \"director-cpu.png\"\n"
                + xAxis(directorCpuPlotData())
                + "set title \"Director-side CPU per request (median of " + setup.runs() + " runs; 1 KB: fresh-connection requests)\"\n"
                + "set ylabel \"CPU time per request (us)\"\n"
                + "plot \"director-cpu.dat\" using 1:2 title \"HAProxy\" pt 7, \\\n"
                + "     \"\" using 1:3 title \"nginx proxy\" pt 5, \\\n"
                + "     \"\" using 1:4 title \"hand-off director\" pt 9 lw 2"
                + (systems.contains(HANDOFF_USER) ? ", \\\n     \"\" using 1:5 title \"hand-off director, user path\" pt 11\n" : "\n")
                + "\n"
                + "set output \"throughput.png\"\n"
                + xAxis(throughputPlotData())
                + "set title \"Download throughput, one client, a new connection per download (median of " + setup.runs()
                + " runs)\"\n"
                + "set ylabel \"MB/s\"\n"
                + "plot \"throughput.dat\" using 1:2 title \"direct to origin\" pt 7, \\\n"
                + "     \"\" using 1:3 title \"HAProxy\" pt 5, \\\n"
                + "     \"\" using 1:4 title \"nginx proxy\" pt 13, \\\n"
                + "     \"\" using 1:5 title \"hand-off\" pt 9 lw 2"
                + (systems.contains(HANDOFF_USER) ? ", \\\n     \"\" using 1:6 title \"hand-off, user path\" pt 11\n" : "\n");
    }

    /** A log x axis labelled at the sizes in the plot data, with some room either side. */
    static String xAxis(String plotData) {
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        List<String> tics = new ArrayList<>();
        for (String line : plotData.split("\n")) {
            if (line.startsWith("#") || line.isEmpty()) {
                continue;
            }
            long b = Long.parseLong(line.substring(0, line.indexOf(' ')));
            min = Math.min(min, b);
            max = Math.max(max, b);
            String label = b >= 1048576 ? CNumbers.general(b / 1048576.0, 6) + " MB" : CNumbers.general(b / 1024.0, 6) + " KB";
            tics.add("\"" + label + "\" " + b);
        }
        return "set xrange [" + CNumbers.general(min / 1.6, 6) + ":" + CNumbers.general(max * 1.6, 6) + "]; set xtics ("
                + String.join(", ", tics) + ")\n";
    }

    /** "1 MB", "10 KB", "512 B". */
    static String human(long bytes) {
        return bytes >= 1048576 ? CNumbers.general(bytes / 1048576.0, 6) + " MB"
                : bytes >= 1024 ? CNumbers.general(bytes / 1024.0, 6) + " KB" : bytes + " B";
    }

    private static String fmt(OptionalDouble v, int decimals) {
        return v.isEmpty() ? "-" : CNumbers.fixed(v.getAsDouble(), decimals);
    }

    private static String ratio(OptionalDouble x, OptionalDouble y) {
        return fmt(divide(x, y), 2);
    }

    private static Map<String, String> systemLabels() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(DIRECT, "(a) direct to origin1");
        m.put(HAPROXY, "(b) HAProxy");
        m.put("nginx", "(c) nginx proxy");
        m.put(HANDOFF, "(d) hand-off");
        m.put(HANDOFF_USER, "(e) hand-off, user path");
        return java.util.Collections.unmodifiableMap(m);
    }

    /** Writes summary.md, director-cpu.dat, throughput.dat and plots.gnuplot into the results directory. */
    public void write(Path resultsDir) throws IOException {
        Files.writeString(resultsDir.resolve("summary.md"), markdown());
        Files.writeString(resultsDir.resolve("director-cpu.dat"), directorCpuPlotData());
        Files.writeString(resultsDir.resolve("throughput.dat"), throughputPlotData());
        Files.writeString(resultsDir.resolve("plots.gnuplot"), gnuplotScript());
    }
}
