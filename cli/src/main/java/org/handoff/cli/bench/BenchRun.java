package org.handoff.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One row of a bench's raw.tsv: one measured run of one workload on one system, as
 * scripts/bench.sh records it (docs/benchmarks.md, "Results"). A latency the workload does not
 * measure ("-" in the file) is {@code NaN}.
 *
 * @param directorBpfNanos run time of the BPF programs attached in the director's namespace
 *     during the run ({@link BpfRunTime}); 0 in files written before the column existed
 * @param originBpfNanos the same in origin1's namespace
 * @param machineCpuNanos the whole machine's busy CPU time during the run (every process, the
 *     client's included, and the kernel's irq and softirq), from /proc/stat; -1 in files
 *     written before the column existed
 * @param machineSoftirqNanos the softirq part of it; -1 likewise
 * @param capturedPackets the packets the hand-off director's capture received during the run:
 *     what reached its Java process; -1 for the other systems and in files written before the
 *     column existed
 * @param clientSegments the TCP segments the client sent during the run; -1 likewise
 */
public record BenchRun(int run, String workload, long size, String system, long requests, long bodyBytes, double seconds,
                       long errors, double p50Micros, double p90Micros, double p99Micros, double connectP50Micros,
                       long directorCpuNanos, long originCpuNanos, long agentCpuNanos, boolean valid,
                       long directorBpfNanos, long originBpfNanos, long machineCpuNanos, long machineSoftirqNanos,
                       long capturedPackets, long clientSegments) {

    /** A row without the packet-count columns (no hand-off director measured, or an older file). */
    public BenchRun(int run, String workload, long size, String system, long requests, long bodyBytes, double seconds,
                    long errors, double p50Micros, double p90Micros, double p99Micros, double connectP50Micros,
                    long directorCpuNanos, long originCpuNanos, long agentCpuNanos, boolean valid,
                    long directorBpfNanos, long originBpfNanos, long machineCpuNanos, long machineSoftirqNanos) {
        this(run, workload, size, system, requests, bodyBytes, seconds, errors, p50Micros, p90Micros, p99Micros,
                connectP50Micros, directorCpuNanos, originCpuNanos, agentCpuNanos, valid, directorBpfNanos, originBpfNanos,
                machineCpuNanos, machineSoftirqNanos, -1, -1);
    }

    /**
     * The columns a summary needs; raw.tsv has more (director_cpu_ticks), which it ignores, and
     * later ones (the BPF and whole-machine columns) that older files lack.
     */
    static final List<String> REQUIRED_COLUMNS = List.of("run", "workload", "size", "system", "requests", "body_bytes",
            "seconds", "errors", "p50_us", "p90_us", "p99_us", "connect_p50_us", "director_cpu_ns", "origin_cpu_ns",
            "agent_cpu_ns", "valid");

    /** Reads raw.tsv: a header line naming the columns, then one run per line. */
    public static List<BenchRun> read(Path rawTsv) throws IOException {
        List<String> lines = Files.readAllLines(rawTsv);
        if (lines.isEmpty()) {
            throw new IllegalArgumentException(rawTsv + ": empty (expected: a header line)");
        }
        Map<String, Integer> column = new HashMap<>();
        String[] header = lines.get(0).split("\t", -1);
        for (int i = 0; i < header.length; i++) {
            column.put(header[i], i);
        }
        for (String name : REQUIRED_COLUMNS) {
            if (!column.containsKey(name)) {
                throw new IllegalArgumentException(rawTsv + ": no column '" + name + "' (expected: " + REQUIRED_COLUMNS + ")");
            }
        }
        List<BenchRun> runs = new ArrayList<>();
        for (int n = 1; n < lines.size(); n++) {
            if (lines.get(n).isEmpty()) {
                continue;
            }
            String[] f = lines.get(n).split("\t", -1);
            if (f.length != header.length) {
                throw new IllegalArgumentException(rawTsv + " line " + (n + 1) + ": " + f.length + " fields (expected: "
                        + header.length + ")");
            }
            Row r = new Row(f, column, rawTsv + " line " + (n + 1));
            runs.add(new BenchRun((int) r.integer("run"), r.text("workload"), r.integer("size"), r.text("system"),
                    r.integer("requests"), r.integer("body_bytes"), r.decimal("seconds"), r.integer("errors"),
                    r.optional("p50_us"), r.optional("p90_us"), r.optional("p99_us"), r.optional("connect_p50_us"),
                    r.integer("director_cpu_ns"), r.integer("origin_cpu_ns"), r.integer("agent_cpu_ns"),
                    r.text("valid").equals("yes"), r.integerOrZero("director_bpf_ns"), r.integerOrZero("origin_bpf_ns"),
                    r.integerOr("machine_cpu_ns", -1), r.integerOr("machine_softirq_ns", -1),
                    r.countOrAbsent("director_capture_packets"), r.countOrAbsent("client_segments")));
        }
        return runs;
    }

    /** One line's fields by column name, with the line named in every error. */
    private record Row(String[] fields, Map<String, Integer> column, String where) {
        String text(String name) {
            return fields[column.get(name)];
        }

        long integerOrZero(String name) {
            return integerOr(name, 0);
        }

        /** The column's value, or {@code absent} in files written before the column existed. */
        long integerOr(String name, long absent) {
            return column.containsKey(name) ? integer(name) : absent;
        }

        /** A count that only some systems have ("-" for the others), or -1 when absent either way. */
        long countOrAbsent(String name) {
            return !column.containsKey(name) || text(name).equals("-") ? -1 : integer(name);
        }

        long integer(String name) {
            return parse(name, Long::parseLong, "an integer");
        }

        double decimal(String name) {
            return parse(name, Double::parseDouble, "a number");
        }

        private <T> T parse(String name, Function<String, T> parser, String expected) {
            String v = text(name);
            try {
                return parser.apply(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(where + ": " + name + "=" + v + " (expected: " + expected + ")");
            }
        }

        double optional(String name) {
            return text(name).equals("-") ? Double.NaN : decimal(name);
        }
    }
}
