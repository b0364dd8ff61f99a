package org.handoff.cli;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.handoff.cli.bench.BpfTimeCommand;
import org.handoff.cli.bench.SummarizeCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code handoff bench}: the hand-off against direct, HAProxy and an nginx proxy in the lab
 * (docs/benchmarks.md). The only place the options are checked: scripts/bench.sh gets every
 * value resolved (defaults, smoke counts, the CPU to pin to, sizes in bytes) and measures;
 * {@code handoff bench summarize} computes the summary from what it recorded.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure the hand-off side by side with the origin direct, HAProxy and nginx as a reverse proxy.",
            "The bench runs in a lab of its own (namespaces $HANDOFF_LAB_NS_PREFIX, default hb-) and measures 1 KB "
                    + "requests/s and latency (wrk), time to first byte, 1 MB to 100 MB throughput (curl), and the CPU "
                    + "the director side and the origin side spend per request. Runs are interleaved and every response is "
                    + "checked. It writes raw TSV, a summary table (markdown) and PNG plots to --out. Root only; haproxy, "
                    + "wrk and gnuplot are needed (scripts/install-deps.sh). Exits 1 if any run failed its checks."},
        subcommands = {SummarizeCommand.class, BpfTimeCommand.class})
public final class BenchCommand implements Callable<Integer> {
    private static final Pattern SIZE = Pattern.compile("([1-9][0-9]*)([KMG]?)");
    private static final Pattern CPU = Pattern.compile("none|[0-9]+");
    private static final BigInteger MAX_SIZE_BYTES = BigInteger.ONE.shiftLeft(30);

    @Spec
    CommandSpec spec;

    @Option(names = "--smoke", description = "Tiny counts, seconds: every system, every workload and the plots once.")
    boolean smoke;

    @Option(names = "--runs", paramLabel = "N", description = "Measured runs of each workload on each system (default 5; smoke 1).")
    Integer runs;

    @Option(names = "--sizes", paramLabel = "LIST",
            description = "Download sizes, comma-separated, with K, M or G, at most 1G (default 1M,10M,100M).")
    String sizes;

    @Option(names = "--duration", paramLabel = "SECONDS", description = "Seconds of each wrk run (default 5; smoke 1).")
    Integer duration;

    @Option(names = "--connections", paramLabel = "N",
            description = "wrk's concurrent connections, the same for every system (default 16; smoke 2).")
    Integer connections;

    @Option(names = "--ttfb-requests", paramLabel = "N",
            description = "Fresh-connection requests per time-to-first-byte run (default 300; smoke 5).")
    Integer ttfbRequests;

    @Option(names = "--cpu", paramLabel = "N|none", description = "Pin every director-side process to this CPU (default: the last).")
    String cpu;

    @Option(names = "--use-lab", description = "Measure the lab already up ($HANDOFF_LAB_NS_PREFIX, $HANDOFF_LAB_DIR) and leave it up.")
    boolean useLab;

    @Option(names = "--out", paramLabel = "DIR", description = "Results directory (default: bench-results/YYYYmmdd-HHMMSS in the current directory).")
    Path out;

    /** A download size as given ({@code 10M}) and in bytes. */
    record Size(String label, long bytes) {
    }

    @Override
    public Integer call() throws Exception {
        String problem = problem();
        if (problem != null) {
            spec.commandLine().getErr().println("handoff bench: " + problem);
            return 2;
        }
        return ScriptRunner.run("bench.sh", scriptArgs(), spec.commandLine().getErr());
    }

    /** What is wrong with the options, or null. */
    String problem() {
        if (runs != null && (runs < 1 || runs > 100)) {
            return "--runs=" + runs + " (expected: 1..100)";
        }
        if (duration != null && (duration < 1 || duration > 600)) {
            return "--duration=" + duration + " (expected: 1..600 seconds)";
        }
        if (connections != null && (connections < 1 || connections > 10_000)) {
            return "--connections=" + connections + " (expected: 1..10000)";
        }
        if (ttfbRequests != null && (ttfbRequests < 1 || ttfbRequests > 100_000)) {
            return "--ttfb-requests=" + ttfbRequests + " (expected: 1..100000)";
        }
        if (sizes != null) {
            String[] list = sizes.split(",", -1);
            if (list.length > 10) {
                return "--sizes=" + sizes + " (expected: 1 to 10 sizes)";
            }
            for (String s : list) {
                if (!SIZE.matcher(s).matches()) {
                    return "--sizes: '" + s + "' (expected: a number with an optional K, M or G, like 10M)";
                }
                BigInteger bytes = bytes(s);
                if (bytes.compareTo(MAX_SIZE_BYTES) > 0) {
                    return "--sizes: '" + s + "' is " + bytes + " bytes (expected: at most 1G)";
                }
            }
        }
        if (cpu != null) {
            if (!CPU.matcher(cpu).matches()) {
                return "--cpu=" + cpu + " (expected: none or a CPU number)";
            }
            int cpus = Runtime.getRuntime().availableProcessors();
            if (!cpu.equals("none") && (cpu.length() > 9 || Integer.parseInt(cpu) >= cpus)) {
                return "--cpu=" + cpu + " (expected: none or a CPU number 0.." + (cpus - 1) + ")";
            }
        }
        return null;
    }

    /**
     * The script's arguments after {@link #problem()} found none: every value, resolved, so the
     * script neither checks nor defaults anything.
     */
    List<String> scriptArgs() {
        List<String> args = new ArrayList<>();
        if (smoke) {
            args.add("--smoke");
        }
        args.add("--runs");
        args.add(Integer.toString(runs != null ? runs : smoke ? 1 : 5));
        args.add("--duration");
        args.add(Integer.toString(duration != null ? duration : smoke ? 1 : 5));
        args.add("--connections");
        args.add(Integer.toString(connections != null ? connections : smoke ? 2 : 16));
        args.add("--ttfb-requests");
        args.add(Integer.toString(ttfbRequests != null ? ttfbRequests : smoke ? 5 : 300));
        List<String> pairs = new ArrayList<>();
        for (Size s : sizes()) {
            pairs.add(s.label() + "=" + s.bytes());
        }
        args.add("--sizes");
        args.add(String.join(",", pairs));
        args.add("--cpu");
        args.add(cpu != null ? cpu : Integer.toString(Runtime.getRuntime().availableProcessors() - 1));
        if (useLab) {
            args.add("--use-lab");
        }
        args.add("--out");
        args.add((out != null ? out : Path.of("bench-results", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))))
                .toAbsolutePath().toString());
        return args;
    }

    /** The download sizes, in order. */
    List<Size> sizes() {
        List<Size> list = new ArrayList<>();
        for (String s : (sizes != null ? sizes : "1M,10M,100M").split(",", -1)) {
            list.add(new Size(s, bytes(s).longValueExact()));
        }
        return list;
    }

    /** "10M" in bytes: K, M and G are powers of 1024, as numfmt --from=iec reads them. */
    private static BigInteger bytes(String size) {
        Matcher m = SIZE.matcher(size);
        if (!m.matches()) {
            throw new IllegalArgumentException(size);
        }
        int shift = switch (m.group(2)) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            default -> 0;
        };
        return new BigInteger(m.group(1)).shiftLeft(shift);
    }
}
