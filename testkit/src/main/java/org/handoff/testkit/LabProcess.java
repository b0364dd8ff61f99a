package org.handoff.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.handoff.host.RunningCommand;

/**
 * A long-running command a lab started in one of its namespaces (nginx, tcpdump, a server).
 * Its standard output and error go to {@link #log()}. {@link #stop()} ends it and everything
 * it started; the lab stops whatever is still running when it closes.
 */
public class LabProcess {
    private final String label;
    private final RunningCommand command;
    private final Path log;

    LabProcess(String label, RunningCommand command, Path log) {
        this.label = label;
        this.command = command;
        this.log = log;
    }

    public String label() {
        return label;
    }

    public List<String> command() {
        return command.command();
    }

    public long pid() {
        return command.pid();
    }

    public boolean isAlive() {
        return command.isAlive();
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
        return command.stop(graceMillis);
    }

    public int stop() {
        return stop(5_000);
    }

    @Override
    public String toString() {
        return label + "[pid " + command.pid() + "]";
    }
}
