package org.handoff.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.handoff.host.ProcessRunner;

/**
 * The lab's daemons are known by their pid files: whether one runs, and stopping it. Public for
 * {@link #read} alone, which the e2e tests use to find a daemon to stop.
 */
public final class PidFiles {
    private static final long POLL_MILLIS = 100;

    private PidFiles() {
    }

    /** The pid a file holds, if it exists and holds one (a process may remove its own as it exits). */
    public static OptionalLong read(Path pidFile) {
        try {
            String text = Files.readString(pidFile, StandardCharsets.US_ASCII).strip();
            return text.matches("\\d{1,10}") ? OptionalLong.of(Long.parseLong(text)) : OptionalLong.empty();
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    /** The file's process is running and not a zombie (a killed orphan may wait unreaped under some inits). */
    static boolean alive(Path pidFile) {
        OptionalLong pid = read(pidFile);
        return pid.isPresent() && alive(pid.getAsLong());
    }

    static boolean alive(long pid) {
        return ProcessRunner.isRunning(pid);
    }

    /**
     * SIGTERM to the file's process, SIGKILL if it still runs after {@code graceMillis} (at
     * once when interrupted), then the file goes. Nothing happens to a process that is not running.
     */
    static void stop(Path pidFile, long graceMillis) {
        if (!Files.exists(pidFile)) {
            return;
        }
        OptionalLong pid = read(pidFile);
        if (pid.isPresent() && alive(pid.getAsLong())) {
            ProcessHandle.of(pid.getAsLong()).ifPresent(ProcessHandle::destroy);
            try {
                for (long waited = 0; waited < graceMillis && alive(pid.getAsLong()); waited += POLL_MILLIS) {
                    Thread.sleep(POLL_MILLIS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (alive(pid.getAsLong())) {
                ProcessHandle.of(pid.getAsLong()).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException e) {
            // The process's own file, gone already or not ours to remove: it no longer matters.
        }
    }

    static void write(Path pidFile, long pid) {
        try {
            Files.writeString(pidFile, pid + "\n", StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new LabException("cannot write pid file " + pidFile + ": " + e.getMessage(), e);
        }
    }
}
