package org.handoff.e2e;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command with a time limit: stdout and stderr go to temporary files (no pipe can fill
 * up and block), and on time-out the process and everything it started are killed.
 */
final class Cmd {

    /** What a finished (or killed) command left. {@code timedOut} means it was killed at its limit. */
    record Result(List<String> command, int exit, String out, String err, boolean timedOut, long millis) {
        boolean ok() {
            return exit == 0 && !timedOut;
        }

        /** The command, its exit and the tail of both streams: for assertion messages. */
        String describe() {
            return String.join(" ", command) + " -> exit " + exit + (timedOut ? " (killed at its time limit)" : "")
                    + " after " + millis + " ms\nstdout: " + tail(out) + "\nstderr: " + tail(err);
        }

        Result requireOk() {
            if (!ok()) {
                throw new AssertionError(describe());
            }
            return this;
        }

        private static String tail(String s) {
            return s.length() <= 2000 ? s : "..." + s.substring(s.length() - 2000);
        }
    }

    /** A command running in the background; {@link #await} bounds the wait. */
    static final class Background {
        final List<String> command;
        final Process process;
        final Path out;
        final Path err;
        final long startNanos = System.nanoTime();

        Background(List<String> command, Process process, Path out, Path err) {
            this.command = command;
            this.process = process;
            this.out = out;
            this.err = err;
        }

        Result await(Duration limit) throws IOException, InterruptedException {
            boolean done = process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                killTree(process);
            }
            long millis = (System.nanoTime() - startNanos) / 1_000_000;
            return new Result(command, done ? process.exitValue() : -1, read(out), read(err), !done, millis);
        }
    }

    private Cmd() {
    }

    static Result run(Duration limit, String... command) throws IOException, InterruptedException {
        return run(limit, Map.of(), command);
    }

    static Result run(Duration limit, Map<String, String> env, String... command) throws IOException, InterruptedException {
        return start(env, command).await(limit);
    }

    /** {@code ip netns exec NS command...}. */
    static Result ns(String ns, Duration limit, String... command) throws IOException, InterruptedException {
        return run(limit, inNs(ns, command));
    }

    /** {@code ip netns exec NS bash -c SCRIPT}. */
    static Result nsBash(String ns, Duration limit, String script) throws IOException, InterruptedException {
        return ns(ns, limit, "bash", "-c", script);
    }

    static String[] inNs(String ns, String... command) {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        all.addAll(Arrays.asList(command));
        return all.toArray(String[]::new);
    }

    static Background start(Map<String, String> env, String... command) throws IOException {
        Path out = Files.createTempFile("e2e-cmd", ".out");
        Path err = Files.createTempFile("e2e-cmd", ".err");
        out.toFile().deleteOnExit();
        err.toFile().deleteOnExit();
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(env);
        return new Background(List.of(command), pb.start(), out, err);
    }

    static void killTree(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String read(Path p) throws IOException {
        try {
            return new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(p);
        }
    }
}
