package org.handoff.agent.setup;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs commands with {@link ProcessBuilder}, output captured, each within a time limit, with an
 * optional prefix (e.g. {@code ip netns exec NAME} to run the set-up inside a namespace).
 */
public final class ProcessCommandRunner implements CommandRunner {
    private final List<String> prefix;
    private final Duration timeout;

    public ProcessCommandRunner() {
        this(List.of(), Duration.ofSeconds(20));
    }

    public ProcessCommandRunner(List<String> prefix, Duration timeout) {
        this.prefix = List.copyOf(prefix);
        this.timeout = timeout;
    }

    @Override
    public CommandResult run(List<String> command, String stdin) throws SetupException {
        List<String> full = new ArrayList<>(prefix);
        full.addAll(command);
        String line = String.join(" ", full);
        Process p;
        try {
            p = new ProcessBuilder(full).start();
        } catch (IOException e) {
            throw new SetupException("cannot run `" + line + "`: " + e.getMessage(), e);
        }
        Drain out = new Drain(p.getInputStream());
        Drain err = new Drain(p.getErrorStream());
        out.start();
        err.start();
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // The command may exit without reading its input; its exit status says what happened.
        }
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new SetupException("`" + line + "` did not finish within " + timeout.toMillis() + " ms; killed");
            }
            out.join(5_000);
            err.join(5_000);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new SetupException("interrupted while running `" + line + "`", e);
        }
        return new CommandResult(full, p.exitValue(), out.text(), err.text());
    }

    /** Reads one output stream on its own thread so a full pipe never blocks the command. */
    private static final class Drain extends Thread {
        private final InputStream in;
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

        Drain(InputStream in) {
            super("setup-command-output");
            setDaemon(true);
            this.in = in;
        }

        @Override
        public void run() {
            try (in) {
                in.transferTo(buf);
            } catch (IOException e) {
                // keep what was read
            }
        }

        String text() {
            return buf.toString(StandardCharsets.UTF_8);
        }
    }
}
