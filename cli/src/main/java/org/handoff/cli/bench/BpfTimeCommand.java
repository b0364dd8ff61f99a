package org.handoff.cli.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.handoff.host.CommandException;
import org.handoff.host.ProcessRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code handoff bench bpf-time --netns NAME...}: the bench's sampler of {@link BpfRunTime}, one
 * process for the whole bench (a JVM per sample would cost more than the runs it measures).
 * scripts/bench.sh writes a line to its stdin around every run; it answers with one line,
 * {@code RUN_TIME_NS RUN_COUNT} for each namespace in turn. It keeps the kernel's BPF statistics
 * on until its stdin closes (or it is stopped), then puts the old setting back.
 */
@Command(name = "bpf-time", mixinStandardHelpOptions = true, hidden = true,
        description = {"Print the run time and run count of the BPF programs attached in network namespaces, once per input line.",
            "Used by the bench around each run; BPF statistics stay on until the input closes."})
public final class BpfTimeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--netns", required = true, paramLabel = "NAME", description = "A network namespace under /run/netns; repeatable.")
    List<String> namespaces = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        BpfRunTime bpf = BpfRunTime.start(new ProcessRunner());
        // Stopped by a signal, it still puts the setting back (close runs once).
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                bpf.close();
            } catch (IOException e) {
                // The process is ending; the message would go nowhere useful.
            }
        }, "bpf-stats-restore"));
        try (bpf; BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            while (in.readLine() != null) {
                StringBuilder line = new StringBuilder();
                for (String ns : namespaces) {
                    BpfRunTime.Sample s = bpf.sample(ns);
                    line.append(line.length() == 0 ? "" : " ").append(s.runTimeNanos()).append(' ').append(s.runCount());
                }
                out.println(line);
                out.flush();
            }
            return 0;
        } catch (CommandException e) {
            err.println("handoff bench bpf-time: " + e.getMessage());
            return 1;
        }
    }
}
