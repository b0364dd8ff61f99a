package org.handoff.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.handoff.config.ConfigException;
import org.handoff.director.config.ConfigLoader;
import org.handoff.director.config.DirectorConfig;
import org.handoff.director.config.PoolConfig;
import org.handoff.director.config.PoolMember;
import org.handoff.director.replay.AgentBehaviour;
import org.handoff.director.replay.ChecksumCheck;
import org.handoff.director.replay.Comparison;
import org.handoff.director.replay.Replay;
import org.handoff.director.replay.ReplayEngine;
import org.handoff.director.replay.ReplayOptions;
import org.handoff.director.replay.ReportWriter;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code handoff replay}: the director's pipeline over a capture file, offline; see docs/replay.md. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Replay a capture file through the director offline, on the capture's clock, with simulated agents.",
            "Writes what the director would send (--out), its decision per flow (--report), and a summary on stdout."})
public final class ReplayCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "Director config (docs/configuration.md).")
    Path config;

    @Option(names = "--pcap", required = true, paramLabel = "IN", description = "Capture to replay: pcap or pcapng; Ethernet, Linux cooked or raw IP.")
    Path pcap;

    @Option(names = "--out", paramLabel = "OUT.pcap",
            description = "Write every packet the director would send (SYN-ACKs, ACKs, answers, hand-off and forward datagrams as UDP from "
                    + ReplayEngine.REPLAY_SOURCE_ADDRESS + ":" + ReplayEngine.REPLAY_SOURCE_PORT + " to each agent), with the capture's timing.")
    Path out;

    @Option(names = "--report", paramLabel = "REPORT.json", description = "Write the report: each flow's request, rule, pool, origin and outcome, and totals.")
    Path report;

    @Option(names = "--compare", paramLabel = "OTHER_CONFIG",
            description = "Also replay under this config and list the requests whose origin changes, with counts per origin before and after.")
    Path compare;

    @Option(names = "--agent", paramLabel = "ORIGIN=BEHAVIOUR",
            description = "How an origin's agent answers: accept (default), refuse, silent, delay:MS, loss:PCT. Repeatable.")
    List<String> agents = new ArrayList<>();

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
            description = "Fixes ISNs, cookies, timestamp offsets, message ids, keys and losses (default: ${DEFAULT-VALUE}).")
    long seed;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Checksums checksums;

    /**
     * By default a TCP checksum must verify or be partial (the pseudo-header sum that checksum
     * offload leaves, which a capture on the client host records); these change that.
     */
    static final class Checksums {
        @Option(names = "--strict-checksums", description = "Drop packets whose TCP checksum is partial too (checksum offload on the "
                + "capturing host); by default they are accepted and counted.")
        boolean strict;

        @Option(names = "--no-verify-checksums", description = "Check no checksum at all: accept packets whose checksums are wrong.")
        boolean off;

        ChecksumCheck check() {
            return strict ? ChecksumCheck.STRICT : ChecksumCheck.OFF;
        }
    }

    @Option(names = "--log-decisions", description = "Log each decision on the handoff.decisions logger (off by default in a replay).")
    boolean logDecisions;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter stdout = spec.commandLine().getOut();
        DirectorConfig main;
        DirectorConfig other = null;
        try {
            main = ConfigLoader.load(config);
            if (compare != null) {
                other = ConfigLoader.load(compare);
            }
        } catch (ConfigException e) {
            err.println("handoff replay: invalid config:\n  " + String.join("\n  ", e.errors()));
            return 1;
        }
        Map<String, AgentBehaviour> behaviours = new TreeMap<>();
        TreeSet<String> origins = origins(main);
        if (other != null) {
            origins.addAll(origins(other));
        }
        for (String a : agents) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                err.println("handoff replay: --agent " + a + " (expected: ORIGIN=accept|refuse|silent|delay:MS|loss:PCT)");
                return 2;
            }
            String origin = a.substring(0, eq);
            if (!origins.contains(origin)) {
                err.println("handoff replay: --agent " + a + ": no origin '" + origin + "' in the config (expected one of " + origins + ")");
                return 2;
            }
            try {
                behaviours.put(origin, AgentBehaviour.parse(a.substring(eq + 1)));
            } catch (IllegalArgumentException e) {
                err.println("handoff replay: --agent " + a + ": " + e.getMessage());
                return 2;
            }
        }
        if (!Files.isReadable(pcap)) {
            err.println("handoff replay: --pcap " + pcap + ": not readable");
            return 1;
        }
        ReplayOptions options = new ReplayOptions(seed, behaviours, checksums == null ? ChecksumCheck.ACCEPT_PARTIAL : checksums.check(), 0);
        Logger decisions = (Logger) LoggerFactory.getLogger("handoff.decisions");
        Level before = decisions.getLevel();
        if (!logDecisions) {
            decisions.setLevel(Level.WARN);
        }
        // pcap4j logs twice per read call at INFO (docs/director-io.md): a line per 256 packets.
        Logger pcap4j = (Logger) LoggerFactory.getLogger("org.pcap4j");
        Level pcap4jBefore = pcap4j.getLevel();
        pcap4j.setLevel(Level.WARN);
        try {
            return replay(main, other, options, stdout, err);
        } catch (IOException e) {
            err.println("handoff replay: " + e.getMessage());
            return 1;
        } finally {
            decisions.setLevel(before);
            pcap4j.setLevel(pcap4jBefore);
        }
    }

    private int replay(DirectorConfig main, DirectorConfig other, ReplayOptions options, PrintWriter stdout, PrintWriter err)
            throws IOException {
        Comparison comparison = null;
        if (other != null) {
            comparison = new Comparison();
            Replay.run(other, pcap, options, null, comparison.afterSink(), progress(err, "compare"));
            clearProgress(err);
        }
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("capture", pcap.getFileName().toString());
        header.put("config", config.getFileName().toString());
        header.put("seed", seed);
        Map<String, Object> agentsShown = new LinkedHashMap<>();
        options.agents().forEach((k, v) -> agentsShown.put(k, v.toString()));
        header.put("agents", agentsShown);
        OutputStream reportStream = report == null ? OutputStream.nullOutputStream() : Files.newOutputStream(report);
        Replay.Result result;
        try (ReportWriter writer = new ReportWriter(reportStream, header)) {
            ReplayEngine.FlowSink sink = comparison == null ? writer : tee(writer, comparison.beforeSink());
            result = Replay.run(main, pcap, options, out, sink, progress(err, "replay"));
            clearProgress(err);
            Map<String, Object> sections = new LinkedHashMap<>();
            sections.put("totals", result.totals());
            if (comparison != null) {
                sections.put("compare", comparison.toMap(compare.getFileName().toString()));
            }
            writer.finish(sections);
        }
        summary(stdout, result, comparison);
        if (result.outputError() != null) {
            err.println("handoff replay: " + out + " is incomplete: " + result.outputError());
            return 1;
        }
        return 0;
    }

    private static ReplayEngine.FlowSink tee(ReplayEngine.FlowSink a, ReplayEngine.FlowSink b) {
        return f -> {
            a.onFlow(f);
            b.onFlow(f);
        };
    }

    @SuppressWarnings("unchecked")
    private void summary(PrintWriter o, Replay.Result r, Comparison comparison) {
        Map<String, Object> t = r.totals();
        o.printf(Locale.ROOT, "replayed %s under %s: %d packets (%d from clients, %d of the captured server ignored, %d with a partial "
                        + "TCP checksum), %d flow(s)%n", pcap.getFileName(), config.getFileName(), t.get("packets"), t.get("client-packets"),
                t.get("server-packets-ignored"), t.get("partial-checksums"), t.get("flows"));
        o.println("requests: " + nonZero((Map<String, Object>) t.get("requests"), true));
        Map<String, Object> origins = (Map<String, Object>) t.get("origins");
        StringBuilder s = new StringBuilder();
        origins.forEach((name, v) -> {
            Map<String, Object> m = (Map<String, Object>) v;
            s.append(s.length() == 0 ? "" : ", ").append(name).append(' ').append(m.get("handed-off"))
                    .append(" (").append(m.get("behaviour")).append(')');
        });
        o.println("handed off per origin: " + s);
        o.println("flows closed: " + nonZero((Map<String, Object>) t.get("closed"), false));
        o.println("dropped: " + nonZero((Map<String, Object>) t.get("dropped"), false));
        if (r.captureError() != null) {
            o.println("capture cut short: " + r.captureError());
        }
        if (comparison != null) {
            StringBuilder c = new StringBuilder();
            comparison.perOrigin().forEach((name, v) -> c.append(c.length() == 0 ? "" : ", ").append(name).append(' ')
                    .append(v[0]).append(" -> ").append(v[1]));
            o.printf(Locale.ROOT, "compare with %s: %d request(s) change origin; per origin %s%n", compare.getFileName(),
                    comparison.changed().size(), c);
            int shown = 0;
            for (Map<String, Object> ch : comparison.changed()) {
                if (shown++ == 10) {
                    o.println("  ... (all in the report)");
                    break;
                }
                o.printf("  %s \"%s\": %s -> %s%n", ch.get("client"), ch.get("request"), ch.get("before"), ch.get("after"));
            }
        }
        if (out != null) {
            o.printf(Locale.ROOT, "wrote %s: %d packets%n", out, r.outputPackets());
        }
        if (report != null) {
            o.println("wrote " + report);
        }
        o.printf(Locale.ROOT, "throughput: %.0f packets/s (%d packets in %.3f s)%n", r.packetsPerSecond(), r.packets(),
                r.wallNanos() / 1e9);
    }

    private static String nonZero(Map<String, Object> m, boolean all) {
        StringBuilder s = new StringBuilder();
        m.forEach((k, v) -> {
            if (all || !(v instanceof Number n) || n.longValue() != 0) {
                s.append(s.length() == 0 ? "" : ", ").append(k).append(' ').append(v);
            }
        });
        return s.length() == 0 ? "none" : s.toString();
    }

    private static TreeSet<String> origins(DirectorConfig c) {
        TreeSet<String> names = new TreeSet<>();
        for (PoolConfig p : c.pools().values()) {
            for (PoolMember m : p.members()) {
                names.add(m.server().name());
            }
        }
        return names;
    }

    /** A progress line on the terminal (stderr), at most twice a second; nothing when not on a terminal. */
    private static Replay.Progress progress(PrintWriter err, String what) {
        if (System.console() == null) {
            return null;
        }
        long start = System.nanoTime();
        long[] last = {start};
        return (packets, openFlows, captureNanos) -> {
            long now = System.nanoTime();
            if (now - last[0] < 500_000_000L) {
                return;
            }
            last[0] = now;
            err.printf(Locale.ROOT, "\r%s: %,d packets, %,d flows open, capture +%.1f s, %,.0f packets/s   ", what, packets, openFlows,
                    captureNanos / 1e9, packets * 1e9 / (now - start));
            err.flush();
        };
    }

    private static void clearProgress(PrintWriter err) {
        if (System.console() != null) {
            err.print("\r\033[K");
            err.flush();
        }
    }
}
