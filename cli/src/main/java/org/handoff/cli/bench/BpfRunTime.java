package org.handoff.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.handoff.host.CommandException;
import org.handoff.host.CommandRunner;

/**
 * The CPU time of the BPF programs attached in a network namespace: what a tc or XDP program on
 * the director's (or an agent's) interfaces costs per packet, which no process's /proc figures
 * show (it runs in softirq context, charged to whichever task is on the CPU). The bench adds it
 * to the director side's CPU (docs/benchmarks.md, "How it is measured").
 *
 * <p>While open, the kernel's run-time statistics are on ({@code kernel.bpf_stats_enabled=1},
 * which costs two clock reads per program run); {@link #close()} puts the old value back. A
 * {@link #sample} finds the programs attached in the namespace with {@code bpftool net show}
 * run inside it (tc clsact ingress and egress, XDP, flow dissector: whatever bpftool lists) and
 * sums {@code run_time_ns} and {@code run_cnt} over them from {@code bpftool prog show}, each
 * program once however many interfaces it is attached to. The totals are cumulative: a caller
 * takes differences. bpftool is run as a process, twice per sample: fine between bench runs,
 * never on a packet path.
 */
public final class BpfRunTime implements AutoCloseable {
    /** The sysctl that turns the per-program run-time statistics on. */
    public static final Path STATS_SYSCTL = Path.of("/proc/sys/kernel/bpf_stats_enabled");

    /** Cumulative run time and run count of the programs attached in one namespace. */
    public record Sample(long runTimeNanos, long runCount, Set<Integer> programs) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final CommandRunner runner;
    private final Path sysctl;
    private final String before;
    private boolean closed;

    private BpfRunTime(CommandRunner runner, Path sysctl, String before) {
        this.runner = runner;
        this.sysctl = sysctl;
        this.before = before;
    }

    /** Turns the statistics on (root only); close to put the old value back. */
    public static BpfRunTime start(CommandRunner runner) throws IOException {
        return start(runner, STATS_SYSCTL);
    }

    static BpfRunTime start(CommandRunner runner, Path sysctl) throws IOException {
        String before = Files.readString(sysctl).strip();
        Files.writeString(sysctl, "1\n");
        return new BpfRunTime(runner, sysctl, before);
    }

    /** The programs attached in network namespace {@code netns} (a name under /run/netns) and their totals. */
    /** @throws CommandException when bpftool fails or prints no JSON */
    public Sample sample(String netns) {
        Set<Integer> ids = attachedPrograms(netns);
        long runTime = 0;
        long runCount = 0;
        if (!ids.isEmpty()) {
            for (JsonNode program : json(run(List.of("bpftool", "-j", "prog", "show")))) {
                if (ids.contains(program.path("id").asInt(-1))) {
                    // bpftool leaves both fields out while they are zero.
                    runTime += program.path("run_time_ns").asLong(0);
                    runCount += program.path("run_cnt").asLong(0);
                }
            }
        }
        return new Sample(runTime, runCount, ids);
    }

    /**
     * The ids of the programs {@code bpftool net show} lists inside the namespace. nsenter, not
     * {@code ip netns exec}: that remounts /sys, which bpftool does not need and a pinned object
     * under /sys/fs/bpf would vanish from.
     */
    Set<Integer> attachedPrograms(String netns) {
        Set<Integer> ids = new TreeSet<>();
        JsonNode net = json(run(List.of("nsenter", "--net=/run/netns/" + netns, "bpftool", "-j", "net", "show")));
        for (JsonNode device : net) {
            // One object with a list per kind of attachment: "xdp", "tc", "flow_dissector", ...
            device.forEach(kind -> kind.forEach(attachment -> {
                if (attachment.has("id")) {
                    ids.add(attachment.get("id").asInt());
                }
            }));
        }
        return ids;
    }

    private String run(List<String> command) {
        return runner.run(command, null).requireOk().stdout();
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new CommandException("bpftool printed no JSON: " + e.getMessage(), e);
        }
    }

    /** Puts {@code kernel.bpf_stats_enabled} back as it was; once. */
    @Override
    public synchronized void close() throws IOException {
        if (!closed) {
            closed = true;
            Files.writeString(sysctl, before + "\n");
        }
    }
}
