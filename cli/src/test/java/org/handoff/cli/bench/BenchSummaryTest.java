package org.handoff.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.handoff.cli.bench.BenchSummary.Figure;
import org.handoff.cli.bench.BenchSummary.Goal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The bench summary over checked-in results (src/test/resources/bench, README.md there): a real
 * smoke run and two derived multi-run files, against the output of the awk summary it replaced.
 */
class BenchSummaryTest {
    static final Path FIXTURES = Path.of("src/test/resources/bench");
    static final String MACHINE = "2 CPUs (AMD EPYC), kernel 6.18.44-fc-v1300, load average 1.97 0.91 0.38 at the end";
    static final String ALTERNATING_MACHINE = "2 CPUs (AMD EPYC), kernel 6.18.44-fc-v1300, load average 3.62 3.04 2.47 at the end";

    static BenchSummary.Setup setup(String fixture) {
        return switch (fixture) {
            case "smoke" -> new BenchSummary.Setup(1, 1, 2, 5, "1", MACHINE);
            case "five-runs" -> new BenchSummary.Setup(5, 5, 16, 300, "1", MACHINE);
            case "goals" -> new BenchSummary.Setup(3, 5, 16, 300, "none", MACHINE);
            case "alternating" -> new BenchSummary.Setup(3, 5, 16, 300, "1", ALTERNATING_MACHINE);
            default -> throw new IllegalArgumentException(fixture);
        };
    }

    static BenchSummary summary(String fixture) throws IOException {
        return BenchSummary.of(FIXTURES.resolve(fixture), setup(fixture));
    }

    @ParameterizedTest
    @CsvSource({"smoke", "five-runs", "goals", "alternating"})
    void summaryAndPlotDataAreExactlyTheExpectedFiles(String fixture, @TempDir Path dir) throws IOException {
        Path expected = FIXTURES.resolve(fixture);
        Files.copy(expected.resolve("raw.tsv"), dir.resolve("raw.tsv"));
        Files.copy(expected.resolve("idle.tsv"), dir.resolve("idle.tsv"));
        BenchSummary.of(dir, setup(fixture)).write(dir);
        for (String file : List.of("summary.md", "director-cpu.dat", "throughput.dat")) {
            assertEquals(Files.readString(expected.resolve(file)), Files.readString(dir.resolve(file)), fixture + "/" + file);
        }
        String gnuplot = Files.readString(dir.resolve("plots.gnuplot"));
        assertTrue(gnuplot.contains("set output \"director-cpu.png\"\n" + Files.readString(expected.resolve("xaxis-cpu.txt"))),
                gnuplot);
        assertTrue(gnuplot.contains("set output \"throughput.png\"\n" + Files.readString(expected.resolve("xaxis-thr.txt"))),
                gnuplot);
        assertTrue(gnuplot.contains("(median of " + setup(fixture).runs() + " runs"), gnuplot);
    }

    @Test
    void mediansOfFiveRunsAndOfFourWhenOneFailedItsChecks() throws IOException {
        BenchSummary s = summary("five-runs");
        // haproxy rps-close: 6435 requests in 1.000444 s scaled by 1.05, 0.93, 1.02, 0.97, 1.08: the median is run 3's.
        assertEquals(Math.round(6435 * 1.02) / 1.000444, s.median("rps-close", 1024, "haproxy", Figure.REQUESTS_PER_SECOND)
                .getAsDouble(), 1e-6);
        assertEquals(0, s.badRuns("rps-close", 1024, "haproxy"));
        // nginx keep-alive: run 3 invalid, so the median of four is the mean of runs 4 (0.97) and 1 (1.05).
        assertEquals(1, s.badRuns("rps-keepalive", 1024, "nginx"));
        double run4 = Math.round(14064 * 0.97) / 1.099697;
        double run1 = Math.round(14064 * 1.05) / 1.099697;
        assertEquals((run4 + run1) / 2, s.median("rps-keepalive", 1024, "nginx", Figure.REQUESTS_PER_SECOND).getAsDouble(), 1e-6);
        assertTrue(s.markdown().contains("| (c) nginx proxy **INVALID** (1 bad run) | 12917 |"), s.markdown());
    }

    @Test
    void goalsOfTheFiveRunsAreAllMissed() throws IOException {
        assertEquals(List.of(
                new Goal("director CPU per 10 MB request, hand-off / HAProxy", "13.0%", "<= 5%", "MISS"),
                new Goal("100 MB throughput, hand-off / direct", "0.48", ">= 0.9", "MISS"),
                new Goal("1 KB requests/s, new connections, hand-off / HAProxy (same CPU)", "0.20", ">= 1.0", "MISS"),
                new Goal("added time to first byte vs direct, median", "+557 us", "<= 200 us", "MISS"),
                // five-runs/summary.md's tables: keep-alive 6275 / 12055 requests/s = 0.52; first byte p50 750 us
                // against HAProxy's 248: +502.
                new Goal("1 KB requests/s, kept alive, hand-off / HAProxy (same CPU)", "0.52", ">= 1.0", "MISS"),
                new Goal("added time to first byte, hand-off's less HAProxy's, median", "+502 us", "<= 0 us", "MISS")),
                summary("five-runs").goals());
    }

    @Test
    void aGoalIsNotJudgedOnInvalidRunsOrOnASizeNotMeasured() throws IOException {
        assertEquals(List.of(
                new Goal("director CPU per 10 MB request, hand-off / HAProxy", "-", "<= 5%", "n/a (10 MB not in --sizes)"),
                new Goal("100 MB throughput, hand-off / direct", "0.92", ">= 0.9", "PASS"),
                new Goal("1 KB requests/s, new connections, hand-off / HAProxy (same CPU)", "1.20", ">= 1.0", "PASS"),
                new Goal("added time to first byte vs direct, median", "-", "<= 200 us", "n/a (invalid runs)"),
                new Goal("1 KB requests/s, kept alive, hand-off / HAProxy (same CPU)", "0.52", ">= 1.0", "MISS"),
                new Goal("added time to first byte, hand-off's less HAProxy's, median", "-", "<= 0 us", "n/a (invalid runs)")),
                summary("goals").goals());
    }

    @Test
    void directorCpuIncludesTheBpfRunTimeOfTheDirectorsNamespace() throws IOException {
        BenchSummary s = summary("goals");
        // handoff rps-close run 1 (factor 1.05): 1293 * 1.05 rounded, * 6 requests; BPF 850 ns per request in the
        // director's namespace and 400 ns in origin1's, on top of the processes' CPU.
        List<BenchRun> rows = BenchRun.read(FIXTURES.resolve("goals/raw.tsv"));
        List<Double> perRequest = new ArrayList<>();
        List<Double> agentPerRequest = new ArrayList<>();
        for (BenchRun r : rows) {
            if (r.workload().equals("rps-close") && r.system().equals("handoff")) {
                assertEquals(850L * r.requests(), r.directorBpfNanos());
                assertEquals(400L * r.requests(), r.originBpfNanos());
                perRequest.add((r.directorCpuNanos() + r.directorBpfNanos()) / 1000.0 / r.requests());
                agentPerRequest.add((r.agentCpuNanos() + r.originBpfNanos()) / 1000.0 / r.requests());
            }
        }
        perRequest.sort(null);
        agentPerRequest.sort(null);
        assertEquals(perRequest.get(1), s.median("rps-close", 1024, "handoff", Figure.DIRECTOR_CPU_PER_REQUEST).getAsDouble(), 1e-9);
        assertEquals(agentPerRequest.get(1), s.median("rps-close", 1024, "handoff", Figure.AGENT_CPU_PER_REQUEST).getAsDouble(),
                1e-9);
    }

    @Test
    void rowsWithoutBpfColumnsCountNoBpfTime() throws IOException {
        List<BenchRun> rows = BenchRun.read(FIXTURES.resolve("smoke/raw.tsv"));
        assertEquals(24, rows.size());
        assertTrue(rows.stream().allMatch(r -> r.directorBpfNanos() == 0 && r.originBpfNanos() == 0));
    }

    /** Figures small enough to check by hand, for the two goals no fixture passes. */
    @Test
    void handComputedMediansRatiosAndVerdicts() {
        List<BenchRun> rows = new ArrayList<>();
        // 10 MB downloads: HAProxy 2,000,000 ns director CPU per request, the hand-off 90,000 + 10,000 (BPF) ns: 5.0%.
        for (int run = 1; run <= 3; run++) {
            rows.add(get(run, 10485760, "haproxy", 2_000_000L + run, 0));
            rows.add(get(run, 10485760, "handoff", 90_000L, 10_000L));
        }
        // TTFB p50: direct 100, 110, 120 us; hand-off 300, 310, 280 us: medians 110 and 300, +190 us.
        int[] direct = {100, 110, 120};
        int[] handoff = {300, 310, 280};
        for (int run = 1; run <= 3; run++) {
            rows.add(ttfb(run, "direct", direct[run - 1]));
            rows.add(ttfb(run, "handoff", handoff[run - 1]));
        }
        BenchSummary s = new BenchSummary(rows, Map.of(), new BenchSummary.Setup(3, 5, 16, 300, "1", "test"));
        assertEquals(OptionalDouble.of(100.0), s.median("get", 10485760, "handoff", Figure.DIRECTOR_CPU_PER_REQUEST));
        assertEquals(OptionalDouble.of(2000.002), s.median("get", 10485760, "haproxy", Figure.DIRECTOR_CPU_PER_REQUEST));
        assertEquals(OptionalDouble.of(110.0), s.median("ttfb", 1024, "direct", Figure.P50));
        assertEquals(OptionalDouble.of(300.0), s.median("ttfb", 1024, "handoff", Figure.P50));
        List<Goal> goals = s.goals();
        assertEquals(new Goal("director CPU per 10 MB request, hand-off / HAProxy", "5.0%", "<= 5%", "PASS"), goals.get(0));
        assertEquals(new Goal("100 MB throughput, hand-off / direct", "-", ">= 0.9", "n/a (100 MB not in --sizes)"), goals.get(1));
        assertEquals(new Goal("1 KB requests/s, new connections, hand-off / HAProxy (same CPU)", "-", ">= 1.0", "n/a"), goals.get(2));
        assertEquals(new Goal("added time to first byte vs direct, median", "+190 us", "<= 200 us", "PASS"), goals.get(3));
    }

    /** The alternating workload's table, from figures small enough to check by hand. */
    @Test
    void theAlternatingWorkloadHasATableOfItsOwn() {
        List<BenchRun> rows = new ArrayList<>();
        // requests in 1 s: direct 3000, 3300, 2700; HAProxy 1000, 1200, 1100; the hand-off 600, 500, 700 with its run 3
        // misrouted (invalid), so its median is of two runs: 550. Director CPU 50 us per request on both.
        int[][] requests = {{3000, 3300, 2700}, {1000, 1200, 1100}, {600, 500, 700}};
        String[] systems = {"direct", "haproxy", "handoff"};
        for (int s = 0; s < systems.length; s++) {
            for (int run = 1; run <= 3; run++) {
                long n = requests[s][run - 1];
                boolean valid = !(systems[s].equals("handoff") && run == 3);
                rows.add(new BenchRun(run, BenchSummary.ALTERNATING, 1024, systems[s], n, n * 1024, 1.0, valid ? 0 : n / 2,
                        100 * run, 200 * run, 300 * run, Double.NaN, systems[s].equals("direct") ? 0 : 50_000 * n, 20_000 * n,
                        systems[s].equals("handoff") ? 30_000 * n : 0, valid, 0, 0, -1, -1));
            }
        }
        BenchSummary s = new BenchSummary(rows, Map.of(), new BenchSummary.Setup(3, 1, 2, 5, "1", "test"));
        assertEquals(OptionalDouble.of(550.0), s.median(BenchSummary.ALTERNATING, 1024, "handoff", Figure.REQUESTS_PER_SECOND));
        assertEquals(1, s.badRuns(BenchSummary.ALTERNATING, 1024, "handoff"));
        String md = s.markdown();
        String table = "### 1 KB on kept-alive connections, /static/ and /video/ in turn (wrk, a thread per connection)\n\n"
                + "Each connection asks for the two paths in turn. The hand-off routes /video/ to origin2, so every request "
                + "changes origin; direct and the proxies send both to origin1.\n\n"
                + "| system | requests/s | latency p50 (us) | p90 | p99 | director CPU (us/req) | origin CPU (us/req) | vs (a) | vs (b) |\n"
                + "|---|---|---|---|---|---|---|---|---|\n"
                + "| (a) direct to origin1 | 3000 | 200 | 400 | 600 | - | 20.0 | 1.00 | 2.73 |\n"
                + "| (b) HAProxy | 1100 | 200 | 400 | 600 | 50.0 | 20.0 | 0.37 | 1.00 |\n"
                + "| (c) nginx proxy | - | - | - | - | - | - | - | - |\n"
                // p50 of runs 1 and 2: (100 + 200) / 2; origin CPU 20 + 30 (both agents) us per request.
                + "| (d) hand-off **INVALID** (1 bad run) | 550 | 150 | 300 | 450 | 50.0 | 50.0 | 0.18 | 0.50 |\n\n";
        assertTrue(md.contains(table), md);
        assertTrue(md.indexOf(table) > md.indexOf("### 1 KB on kept-alive connections (wrk)"), "after the keep-alive table: " + md);
        assertTrue(md.indexOf(table) < md.indexOf("### Time to first byte"), "before the first-byte table: " + md);
    }

    /** The whole-machine table, from figures small enough to check by hand; files without the columns have none. */
    @Test
    void wholeMachineCpuPerRequestAndPerMegabyte() throws IOException {
        List<BenchRun> rows = new ArrayList<>();
        // 1000 new-connection requests in 1 s: the machine busy 100 ms (20 ms of it softirq) with HAProxy, 60 ms
        // (10 ms) with the hand-off. A 10 MB download of 10,000,000 body bytes: 40 ms (10 ms) and 20 ms (15 ms).
        rows.add(machine(1, "rps-close", 1024, "haproxy", 1000, 1_024_000, 100_000_000, 20_000_000));
        rows.add(machine(1, "rps-close", 1024, "handoff", 1000, 1_024_000, 60_000_000, 10_000_000));
        rows.add(machine(1, "get", BenchSummary.TEN_MB, "haproxy", 1, 10_000_000, 40_000_000, 10_000_000));
        rows.add(machine(1, "get", BenchSummary.TEN_MB, "handoff", 1, 10_000_000, 20_000_000, 15_000_000));
        String md = new BenchSummary(rows, Map.of(), new BenchSummary.Setup(1, 1, 2, 5, "1", "test")).markdown();
        assertTrue(md.contains("| workload | unit | (a) direct to origin1 | (b) HAProxy | (c) nginx proxy | (d) hand-off |\n"
                + "|---|---|---|---|---|---|\n"
                + "| 1 KB, new connections | us/req | - | 100.0 (20.0) | - | 60.0 (10.0) |\n"
                + "| 1 KB, kept alive | us/req | - | - | - | - |\n"
                + "| 1 KB, first byte | us/req | - | - | - | - |\n"
                + "| 10 MB download | us/MB | - | 4000.0 (1000.0) | - | 2000.0 (1500.0) |\n\n"), md);
        assertFalse(summary("smoke").markdown().contains("Whole-machine"), "no machine columns in that raw.tsv");
    }

    /**
     * The user path beside the kernel path: its own rows in every table and plot, and the table of
     * what reached the director's process, from figures small enough to check by hand.
     */
    @Test
    void theUserPathHasRowsOfItsOwnAndTheCapturedPacketsATable() {
        List<BenchRun> rows = new ArrayList<>();
        // A 100 MB download: the client sent 2000 segments on both paths; 10 reached the kernel path's director,
        // all 2000 the user path's. 1000 new connections: 6000 segments, 2000 and 6000 captured.
        long hundred = BenchSummary.HUNDRED_MB;
        rows.add(new BenchRun(1, "get", hundred, "handoff", 1, hundred, 0.1, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                1_000_000, 1_000_000, 500_000, true, 0, 0, -1, -1, 10, 2000));
        rows.add(new BenchRun(1, "get", hundred, "handoff-user", 1, hundred, 0.2, 0, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, 9_000_000, 1_000_000, 800_000, true, 0, 0, -1, -1, 2000, 2000));
        rows.add(new BenchRun(1, "get", hundred, "haproxy", 1, hundred, 0.4, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                20_000_000, 1_000_000, 0, true, 0, 0, -1, -1, -1, 2000));
        rows.add(new BenchRun(1, "rps-close", 1024, "handoff", 1000, 1_024_000, 1.0, 0, 100, 200, 300, Double.NaN,
                50_000_000, 1_000_000, 0, true, 0, 0, -1, -1, 2000, 6000));
        rows.add(new BenchRun(1, "rps-close", 1024, "handoff-user", 1000, 1_024_000, 1.0, 0, 100, 200, 300, Double.NaN,
                90_000_000, 1_000_000, 0, true, 0, 0, -1, -1, 6000, 6000));
        BenchSummary s = new BenchSummary(rows, Map.of("handoff-user", "3.50"), new BenchSummary.Setup(1, 1, 2, 5, "1", "test"));
        String md = s.markdown();
        // 100 MB = 104.8576 MB: 1000 MB/s, 524.288 and 262.144; director CPU 1 ms and 9 ms against 20 ms.
        assertTrue(md.contains("| 100 MB | (d) hand-off | 1048.6 | - | 4.00 | 1000.0 | 9.5 | 0.05 | 1500.0 | 500.0 |\n"
                + "| 100 MB | (e) hand-off, user path | 524.3 | - | 2.00 | 9000.0 | 85.8 | 0.45 | 1800.0 | 800.0 |\n"), md);
        assertTrue(md.contains("| workload | system | client segments | reached the director | share |\n|---|---|---|---|---|\n"
                + "| 1 KB, new connections | (d) hand-off | 6.0 | 2.0 | 33.3% |\n"
                + "| 1 KB, new connections | (e) hand-off, user path | 6.0 | 6.0 | 100.0% |\n"
                + "| 1 KB, kept alive | (d) hand-off | - | - | - |\n"), md);
        assertTrue(md.contains("| 100 MB download | (d) hand-off | 2000.0 | 10.0 | 0.5% |\n"
                + "| 100 MB download | (e) hand-off, user path | 2000.0 | 2000.0 | 100.0% |\n"), md);
        assertTrue(md.contains(", hand-off director on the user path 3.50.\n"), md);
        assertEquals("# size_bytes direct haproxy nginx handoff handoff-user (MB/s)\n"
                + "104857600 NaN 262.144 NaN 1048.576 524.288\n", s.throughputPlotData());
        assertTrue(s.gnuplotScript().contains("using 1:6 title \"hand-off, user path\""), s.gnuplotScript());
        // Without user-path rows (every fixture) the tables and plots have no (e).
        assertFalse(new BenchSummary(rows.subList(0, 1), Map.of(), new BenchSummary.Setup(1, 1, 2, 5, "1", "test")).markdown()
                .contains("(e)"));
    }

    private static BenchRun machine(int run, String workload, long size, String system, long requests, long bodyBytes,
            long machineNanos, long softirqNanos) {
        return new BenchRun(run, workload, size, system, requests, bodyBytes, 1.0, 0, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, 1_000_000, 1_000_000, 0, true, 0, 0, machineNanos, softirqNanos);
    }

    /** A real run before the hand-back: the hand-off kept each connection on its first origin, so every run misrouted. */
    @Test
    void misroutedAlternatingRunsAreInvalid() throws IOException {
        BenchSummary s = summary("alternating");
        assertEquals(3, s.badRuns(BenchSummary.ALTERNATING, 1024, "handoff"));
        assertTrue(s.median(BenchSummary.ALTERNATING, 1024, "handoff", Figure.REQUESTS_PER_SECOND).isEmpty());
        // HAProxy's three runs: 84598 / 5.099343, 76440 / 5.098014, 92485 / 5.099322 requests/s; the median is run 1's.
        assertEquals(84598 / 5.099343, s.median(BenchSummary.ALTERNATING, 1024, "haproxy", Figure.REQUESTS_PER_SECOND)
                .getAsDouble(), 1e-6);
        assertTrue(s.markdown().contains("| (d) hand-off **INVALID** (3 bad runs) | - | - | - | - | - | - | - | - |\n"), s.markdown());
    }

    @Test
    void resultsWithoutTheAlternatingWorkloadHaveNoTableForIt() throws IOException {
        assertFalse(summary("smoke").markdown().contains("in turn"));
    }

    private static BenchRun get(int run, long size, String system, long directorNanos, long bpfNanos) {
        return new BenchRun(run, "get", size, system, 1, size, 0.05, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                directorNanos, 1_000_000, 0, true, bpfNanos, 0, -1, -1);
    }

    private static BenchRun ttfb(int run, String system, int p50) {
        return new BenchRun(run, "ttfb", 1024, system, 5, 5120, 0.002, 0, p50, p50 + 50, p50 + 90, 40, 0, 500_000, 0, true, 0, 0, -1, -1);
    }

    @Test
    void aMalformedRowNamesItsLineAndField(@TempDir Path dir) throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(FIXTURES.resolve("smoke/raw.tsv")));
        lines.set(3, lines.get(3).replace("\t1293\t", "\tmany\t"));
        Files.write(dir.resolve("raw.tsv"), lines);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BenchRun.read(dir.resolve("raw.tsv")));
        assertEquals(dir.resolve("raw.tsv") + " line 4: requests=many (expected: an integer)", e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0.15|1|0.1", "2.5|0|2", "3.5|0|4", "1149.05|1|1149.0", "-0.3|0|-0",
    })
    void fixedRoundsTheExactBinaryValueHalfEvenAsC(double v, int decimals, String expected) {
        assertEquals(expected, CNumbers.fixed(v, decimals));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "640|640", "167772160|1.67772e+08", "1|1", "0.5|0.5", "100|100", "0.0001234567|0.000123457", "1e-05|1e-05",
        "123456.5|123456", "1234567|1.23457e+06",
    })
    void generalMatchesCsPercentG(double v, String expected) {
        assertEquals(expected, CNumbers.general(v, 6));
    }

    @Test
    void awkNumbersAreIntegersOrTwelveDigits() {
        assertEquals("1024", CNumbers.awk(1024.0));
        assertEquals("986.430856068", CNumbers.awk(1048576 / 0.001063 / 1e6));
        assertEquals("+0", CNumbers.signedFixed(0.2, 0));
        assertEquals("-0", CNumbers.signedFixed(-0.2, 0));
    }
}
