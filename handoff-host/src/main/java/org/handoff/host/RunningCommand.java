package org.handoff.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A command {@link ProcessRunner} started and has not finished with yet: {@link #await} bounds
 * the wait for its result, {@link #stop} ends it and what it started.
 */
public final class RunningCommand {
    /** How many times the descendants are listed and killed before the process itself goes. */
    private static final int KILL_ROUNDS = 3;
    private static final long REAP_MILLIS = 5_000;

    private final List<String> command;
    private final Process process;
    private final Path stdout;
    private final Path stderr;
    private final long startNanos = System.nanoTime();
    private CommandResult result;

    /** {@code stdout} and {@code stderr} are the files the output is captured in, or null when it goes elsewhere. */
    RunningCommand(List<String> command, Process process, Path stdout, Path stderr) {
        this.command = List.copyOf(command);
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    public List<String> command() {
        return command;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Waits for the command to exit, at most {@code limit} (null: no limit). At the limit it
     * and every process it started are killed (SIGKILL) and the result says
     * {@link CommandResult#timedOut()}. Later calls return the same result.
     *
     * @throws CommandException if interrupted (the command is killed, the interrupt flag kept)
     */
    public synchronized CommandResult await(Duration limit) {
        if (result != null) {
            return result;
        }
        boolean exited;
        try {
            if (limit == null) {
                process.waitFor();
                exited = true;
            } else {
                exited = process.waitFor(limit.toNanos(), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            killTree(process.toHandle());
            discardOutput();
            Thread.currentThread().interrupt();
            throw new CommandException("interrupted while running `" + String.join(" ", command) + "`", e);
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos);
        if (!exited) {
            killTree(process.toHandle());
            reap();
        }
        result = new CommandResult(command, exited ? process.exitValue() : -1, read(stdout), read(stderr), elapsed, !exited);
        discardOutput();
        return result;
    }

    /**
     * SIGTERM to the process and its descendants; SIGKILL to whatever is left after
     * {@code graceMillis}. Idempotent. Returns the exit status, or -1 if it had to be killed.
     */
    public int stop(long graceMillis) {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroy();
        descendants.forEach(ProcessHandle::destroy);
        try {
            if (process.waitFor(graceMillis, TimeUnit.MILLISECONDS)) {
                killLeft(descendants);
                return process.exitValue();
            }
            killTree(process.toHandle());
            killLeft(descendants);
            reap();
            return -1;
        } catch (InterruptedException e) {
            killTree(process.toHandle());
            Thread.currentThread().interrupt();
            return -1;
        } finally {
            synchronized (this) {
                if (result == null) {
                    discardOutput();
                }
            }
        }
    }

    /**
     * SIGKILL to every descendant of {@code root}, listed again after each round (a shell may
     * start another child meanwhile), then to {@code root}: its children are listed while it
     * still is their parent.
     */
    public static void killTree(ProcessHandle root) {
        for (int i = 0; i < KILL_ROUNDS; i++) {
            List<ProcessHandle> descendants = root.descendants().toList();
            if (descendants.isEmpty()) {
                break;
            }
            descendants.forEach(ProcessHandle::destroyForcibly);
        }
        root.destroyForcibly();
    }

    private static void killLeft(List<ProcessHandle> handles) {
        for (ProcessHandle h : handles) {
            if (h.isAlive()) {
                h.destroyForcibly();
            }
        }
    }

    private void reap() {
        try {
            process.waitFor(REAP_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String read(Path file) {
        if (file == null) {
            return "";
        }
        try {
            // Bytes that are not UTF-8 become U+FFFD instead of failing the whole result.
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading a command's output from " + file, e);
        }
    }

    private void discardOutput() {
        deleteQuietly(stdout);
        deleteQuietly(stderr);
    }

    static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // A temporary file left behind is harmless.
        }
    }

    @Override
    public String toString() {
        return "`" + String.join(" ", command) + "` [pid " + process.pid() + "]";
    }
}
