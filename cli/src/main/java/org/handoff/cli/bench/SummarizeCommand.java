package org.handoff.cli.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code handoff bench summarize DIR}: summary.md and the plot data from a results directory's
 * raw.tsv and idle.tsv. scripts/bench.sh runs it after its runs, with the values it ran with;
 * it also re-summarises an old results directory.
 */
@Command(name = "summarize", mixinStandardHelpOptions = true,
        description = {"Write summary.md, the plot data and the gnuplot script from a results directory's raw.tsv and idle.tsv.",
            "The bench runs it after measuring; the options name what the runs were, for the summary's first lines."})
public final class SummarizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The results directory (the bench's --out).")
    Path dir;

    @Option(names = "--runs", required = true, paramLabel = "N", description = "Measured runs per workload and system.")
    int runs;

    @Option(names = "--duration", required = true, paramLabel = "SECONDS", description = "Seconds of each wrk run.")
    int duration;

    @Option(names = "--connections", required = true, paramLabel = "N", description = "wrk's concurrent connections.")
    int connections;

    @Option(names = "--ttfb-requests", required = true, paramLabel = "N", description = "Requests per time-to-first-byte run.")
    int ttfbRequests;

    @Option(names = "--cpu", required = true, paramLabel = "N|none", description = "The CPU the director side was pinned to.")
    String cpu;

    @Option(names = "--machine", required = true, paramLabel = "TEXT", description = "The machine the runs ran on, in words.")
    String machine;

    @Override
    public Integer call() {
        try {
            BenchSummary.of(dir, new BenchSummary.Setup(runs, duration, connections, ttfbRequests, cpu, machine)).write(dir);
            return 0;
        } catch (IOException | IllegalArgumentException e) {
            spec.commandLine().getErr().println("handoff bench summarize: " + e.getMessage());
            return 1;
        }
    }
}
