package org.handoff.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs short commands to completion with captured output and a hard time limit. */
final class Exec {
    private Exec() {
    }

    /**
     * Runs {@code command}, feeding {@code stdin} (may be null) and collecting both output
     * streams. A command still running after {@code timeout} is killed and reported as a
     * {@link LabException} naming it.
     */
    static CommandResult run(List<String> command, String stdin, Duration timeout) {
        Process p;
        try {
            p = new ProcessBuilder(command).start();
        } catch (IOException e) {
            throw new LabException("cannot start `" + String.join(" ", command) + "`: " + e.getMessage(), e);
        }
        StreamCollector out = new StreamCollector(p.getInputStream());
        StreamCollector err = new StreamCollector(p.getErrorStream());
        out.start();
        err.start();
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // The command may exit without reading its input; its status tells what happened.
        }
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                throw new LabException("`" + String.join(" ", command) + "` still running after " + timeout.toMillis()
                        + " ms; killed");
            }
            out.join(5_000);
            err.join(5_000);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new LabException("interrupted while running `" + String.join(" ", command) + "`", e);
        }
        return new CommandResult(command, p.exitValue(), out.text(), err.text());
    }

    /** Drains one stream on a daemon thread so a chatty command can never block on a full pipe. */
    private static final class StreamCollector extends Thread {
        private final InputStream in;
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

        StreamCollector(InputStream in) {
            super("exec-output");
            setDaemon(true);
            this.in = in;
        }

        @Override
        public void run() {
            try (in) {
                in.transferTo(buf);
            } catch (IOException e) {
                // Stream closed under us: keep what was read.
            }
        }

        String text() {
            synchronized (buf) {
                return buf.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
