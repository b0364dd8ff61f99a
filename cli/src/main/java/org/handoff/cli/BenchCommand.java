package org.handoff.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code handoff bench}: the hand-off against direct, HAProxy and an nginx proxy in the lab (docs/benchmarks.md). */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure the hand-off side by side with the origin direct, HAProxy and nginx as a reverse proxy.",
            "The bench runs in a lab of its own (namespaces $HANDOFF_LAB_NS_PREFIX, default hb-) and measures 1 KB "
                    + "requests/s and latency (wrk), time to first byte, 1 MB to 100 MB throughput (curl), and the CPU "
                    + "the director side and the origin side spend per request. Runs are interleaved and every response is "
                    + "checked. It writes raw TSV, a summary table (markdown) and PNG plots to --out. Root only; haproxy, "
                    + "wrk and gnuplot are needed (scripts/install-deps.sh). Exits 1 if any run failed its checks."})
public final class BenchCommand implements Callable<Integer> {
    private static final Pattern SIZE = Pattern.compile("[1-9][0-9]*[KMG]?");
    private static final Pattern CPU = Pattern.compile("none|[0-9]+");

    @Spec
    CommandSpec spec;

    @Option(names = "--smoke", description = "Tiny counts, seconds: every system, every workload and the plots once.")
    boolean smoke;

    @Option(names = "--runs", paramLabel = "N", description = "Measured runs of each workload on each system (default 5; smoke 1).")
    Integer runs;

    @Option(names = "--sizes", paramLabel = "LIST",
            description = "Download sizes, comma-separated, with K, M or G (default 1M,10M,100M).")
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

    @Override
    public Integer call() throws Exception {
        String problem = problem();
        if (problem != null) {
            spec.commandLine().getErr().println("handoff bench: " + problem);
            return 2;
        }
        return ScriptRunner.run("bench.sh", scriptArgs(), spec.commandLine().getErr());
    }

    /** What is wrong with the options, or null; the script checks the same again when run alone. */
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
            }
        }
        if (cpu != null && !CPU.matcher(cpu).matches()) {
            return "--cpu=" + cpu + " (expected: none or a CPU number)";
        }
        return null;
    }

    /** The script's arguments: only what was given, so the script's defaults stay in one place. */
    List<String> scriptArgs() {
        List<String> args = new ArrayList<>();
        if (smoke) {
            args.add("--smoke");
        }
        addIfSet(args, "--runs", runs);
        addIfSet(args, "--sizes", sizes);
        addIfSet(args, "--duration", duration);
        addIfSet(args, "--connections", connections);
        addIfSet(args, "--ttfb-requests", ttfbRequests);
        addIfSet(args, "--cpu", cpu);
        if (useLab) {
            args.add("--use-lab");
        }
        addIfSet(args, "--out", out == null ? null : out.toAbsolutePath());
        return args;
    }

    private static void addIfSet(List<String> args, String name, Object value) {
        if (value != null) {
            args.add(name);
            args.add(value.toString());
        }
    }
}
