package org.handoff.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A long-running command a lab started in one of its namespaces (nginx, tcpdump, a server).
 * Its standard output and error go to {@link #log()}. {@link #stop()} ends it and everything
 * it started; the lab stops whatever is still running when it closes.
 */
public class LabProcess {
    private final String label;
    private final List<String> command;
    private final Process process;
    private final Path log;

    LabProcess(String label, List<String> command, Process process, Path log) {
        this.label = label;
        this.command = List.copyOf(command);
        this.process = process;
        this.log = log;
    }

    public String label() {
        return label;
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

    /** The file holding the command's standard output and error. */
    public Path log() {
        return log;
    }

    /** The log's content so far ("" if none). */
    public String logText() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    /**
     * SIGTERM to the process and its descendants, then SIGKILL to whatever is left after
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
            process.destroyForcibly();
            killLeft(descendants);
            process.waitFor(5, TimeUnit.SECONDS);
            return -1;
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    public int stop() {
        return stop(5_000);
    }

    private static void killLeft(List<ProcessHandle> handles) {
        for (ProcessHandle h : handles) {
            if (h.isAlive()) {
                h.destroyForcibly();
            }
        }
    }

    @Override
    public String toString() {
        return label + "[pid " + process.pid() + "]";
    }
}
