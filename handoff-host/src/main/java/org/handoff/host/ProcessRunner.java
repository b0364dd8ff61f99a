package org.handoff.host;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs commands on this host, each within a time limit that really fires.
 *
 * <p>Standard output and error go to temporary files, never to pipes: a chatty command cannot
 * block on a full pipe, and a process it leaves behind holding the output open cannot keep
 * the caller waiting for an end of file. Standard input comes from a temporary file holding
 * the given text, or from {@code /dev/null}. A command still running at its limit is killed
 * with SIGKILL together with every process it started (its descendants), and reported as
 * {@link CommandResult#timedOut() timed out}.
 *
 * <p>Immutable: {@link #timeLimit(Duration)}, {@link #environment(Map)} and
 * {@link #inNamespace(String)} return adjusted copies.
 *
 * <pre>{@code
 * ProcessRunner runner = new ProcessRunner().inNamespace("ho-origin1").timeLimit(Duration.ofSeconds(5));
 * CommandResult r = runner.run("ip", "-j", "addr", "show");
 * String json = r.requireOk().stdout();
 * }</pre>
 */
public final class ProcessRunner implements CommandRunner {
    public static final Duration DEFAULT_TIME_LIMIT = Duration.ofSeconds(20);
    private static final File DEV_NULL = new File("/dev/null");

    private final List<String> prefix;
    /** Null only for {@link #withoutTimeLimit()}. */
    private final Duration timeLimit;
    private final Map<String, String> environment;

    /** Commands on this host, 20 s each, with this process's environment. */
    public ProcessRunner() {
        this(List.of(), DEFAULT_TIME_LIMIT, Map.of());
    }

    private ProcessRunner(List<String> prefix, Duration timeLimit, Map<String, String> environment) {
        this.prefix = List.copyOf(prefix);
        this.timeLimit = timeLimit;
        this.environment = Map.copyOf(environment);
    }

    /** The same runner with another time limit for each command. */
    public ProcessRunner timeLimit(Duration limit) {
        if (limit.isNegative() || limit.isZero()) {
            throw new IllegalArgumentException("time limit " + limit + " (expected: positive)");
        }
        return new ProcessRunner(prefix, limit, environment);
    }

    /**
     * The same runner with no time limit: only for a script run in the user's terminal
     * ({@link #runAttached}), which bounds its own steps and which the user can interrupt.
     */
    public ProcessRunner withoutTimeLimit() {
        return new ProcessRunner(prefix, null, environment);
    }

    /** The same runner with these variables added to (or replacing those in) the inherited environment. */
    public ProcessRunner environment(Map<String, String> variables) {
        Map<String, String> all = new LinkedHashMap<>(environment);
        all.putAll(variables);
        return new ProcessRunner(prefix, timeLimit, all);
    }

    /** The same runner running every command inside network namespace {@code netns} ({@code ip netns exec NAME}). */
    public ProcessRunner inNamespace(String netns) {
        return new ProcessRunner(namespacePrefix(netns), timeLimit, environment);
    }

    /** {@code ip netns exec NAME}: what runs a command inside a named network namespace. */
    public static List<String> namespacePrefix(String netns) {
        return List.of("ip", "netns", "exec", netns);
    }

    /** The limit each command gets; empty for {@link #withoutTimeLimit()}. */
    public Optional<Duration> timeLimit() {
        return Optional.ofNullable(timeLimit);
    }

    /** Runs {@code command}, output captured, within the time limit. */
    @Override
    public CommandResult run(List<String> command, String stdin) {
        return start(command, stdin).await(timeLimit);
    }

    /**
     * Runs {@code command} with both output streams appended to {@code log} (created if
     * missing; emptied first unless {@code append}), within the time limit. The result's
     * stdout and stderr are empty: the output is in the log.
     */
    public CommandResult runLogged(List<String> command, Path log, boolean append) {
        return startLogged(command, log, append).await(timeLimit);
    }

    /**
     * Runs {@code command} with the terminal passed through (input, output and error are this
     * process's own), within the time limit if there is one.
     */
    public CommandResult runAttached(List<String> command) {
        ProcessBuilder pb = builder(command).inheritIO();
        return new RunningCommand(pb.command(), launch(pb), null, null).await(timeLimit);
    }

    /**
     * Starts {@code command} with its output captured and returns at once; {@link
     * RunningCommand#await(Duration)} bounds the wait for its result.
     */
    public RunningCommand start(List<String> command, String stdin) {
        ProcessBuilder pb = builder(command);
        Path in = null;
        Path out = null;
        Path err = null;
        try {
            if (stdin != null) {
                in = Files.createTempFile("handoff-cmd-", ".in");
                Files.writeString(in, stdin, StandardCharsets.UTF_8);
            }
            out = Files.createTempFile("handoff-cmd-", ".out");
            err = Files.createTempFile("handoff-cmd-", ".err");
            pb.redirectInput(in == null ? ProcessBuilder.Redirect.from(DEV_NULL) : ProcessBuilder.Redirect.from(in.toFile()))
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            return new RunningCommand(pb.command(), launch(pb), out, err);
        } catch (IOException e) {
            RunningCommand.deleteQuietly(out);
            RunningCommand.deleteQuietly(err);
            throw new CommandException("cannot run `" + String.join(" ", pb.command()) + "`: temporary files: " + e.getMessage(), e);
        } catch (CommandException e) {
            RunningCommand.deleteQuietly(out);
            RunningCommand.deleteQuietly(err);
            throw e;
        } finally {
            // The child holds its own descriptor: the name is no longer needed.
            RunningCommand.deleteQuietly(in);
        }
    }

    /**
     * Starts {@code command} in the background with both output streams in {@code log} (emptied
     * first unless {@code append}) and input from {@code /dev/null}. For long-running
     * processes: a server a test stops, or a daemon that outlives this process.
     */
    public RunningCommand startLogged(List<String> command, Path log, boolean append) {
        ProcessBuilder pb = builder(command).redirectErrorStream(true)
                .redirectOutput(append ? ProcessBuilder.Redirect.appendTo(log.toFile()) : ProcessBuilder.Redirect.to(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(DEV_NULL));
        return new RunningCommand(pb.command(), launch(pb), null, null);
    }

    private ProcessBuilder builder(List<String> command) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("empty command");
        }
        List<String> full = new ArrayList<>(prefix);
        full.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(full);
        pb.environment().putAll(environment);
        return pb;
    }

    private static Process launch(ProcessBuilder pb) {
        try {
            return pb.start();
        } catch (IOException e) {
            throw new CommandException("cannot run `" + String.join(" ", pb.command()) + "`: " + e.getMessage(), e);
        }
    }

    /**
     * Where {@code name} is on PATH (or in /usr/sbin, /sbin, where root's tools live even when
     * PATH leaves them out), if anywhere.
     */
    public static Optional<Path> findExecutable(String name) {
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        List<String> dirs = new ArrayList<>(Arrays.asList(path.split(":")));
        dirs.addAll(List.of("/usr/sbin", "/sbin"));
        for (String dir : dirs) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * Whether process {@code pid} runs and is no zombie: a killed process orphaned to an init
     * that does not reap it still answers kill -0 and {@link ProcessHandle#isAlive()}. Reads
     * its state from {@code /proc/PID/stat}.
     */
    public static boolean isRunning(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
            return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException | IndexOutOfBoundsException e) {
            return false;
        }
    }

    /**
     * Whether this process's effective user id is 0, read from {@code /proc/self/status} (real,
     * effective, saved, filesystem): what namespaces, nftables and raw sockets need. False off
     * Linux.
     */
    public static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("Uid:")) {
                    return line.substring(4).strip().split("\\s+")[1].equals("0");
                }
            }
        } catch (IOException e) {
            // not Linux: not root for this purpose
        }
        return false;
    }

    @Override
    public String toString() {
        return "ProcessRunner[" + (prefix.isEmpty() ? "" : String.join(" ", prefix) + ", ")
                + (timeLimit == null ? "no time limit" : timeLimit.toMillis() + " ms") + "]";
    }
}
