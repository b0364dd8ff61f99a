package org.handoff.host;

import java.time.Duration;
import java.util.List;

/**
 * What one command did.
 *
 * @param command  the full command line as run (with any {@code ip netns exec NAME} prefix)
 * @param exitCode its exit status; -1 when it was killed at its time limit
 * @param stdout   what it wrote to standard output ("" when the output went to a log file or the terminal)
 * @param stderr   what it wrote to standard error (likewise)
 * @param elapsed  from start to exit (or to the kill)
 * @param timedOut it was still running at its time limit and was killed with everything it started
 */
public record CommandResult(List<String> command, int exitCode, String stdout, String stderr, Duration elapsed,
                            boolean timedOut) {
    /** Longest stretch of one stream a message carries; the end is kept, where errors are. */
    private static final int MESSAGE_OUTPUT_CHARS = 2000;

    public CommandResult {
        command = List.copyOf(command);
    }

    /** A finished command's result with no timing: what a pretend host in a test answers. */
    public CommandResult(List<String> command, int exitCode, String stdout, String stderr) {
        this(command, exitCode, stdout, stderr, Duration.ZERO, false);
    }

    /** Exited 0 within its time limit. */
    public boolean ok() {
        return exitCode == 0 && !timedOut;
    }

    /** The command line as one string, for messages. */
    public String commandLine() {
        return String.join(" ", command);
    }

    /**
     * "`ip rule add ...` exited 2: RTNETLINK answers: File exists" (standard error, then
     * standard output after "; stdout: "; only the stream that has something when one is
     * empty), or "`sleep 30` did not finish within 200 ms; killed".
     */
    public String describe() {
        String err = clip(stderr);
        String out = clip(stdout);
        String what = timedOut
                ? "`" + commandLine() + "` did not finish within " + elapsed.toMillis() + " ms; killed"
                : "`" + commandLine() + "` exited " + exitCode;
        if (!err.isEmpty()) {
            what += ": " + err + (out.isEmpty() ? "" : "; stdout: " + out);
        } else if (!out.isEmpty()) {
            what += ": " + out;
        }
        return what;
    }

    /**
     * Returns this result when the command exited 0 in time.
     *
     * @throws CommandException with {@link #describe()} as its message otherwise
     */
    public CommandResult requireOk() {
        if (!ok()) {
            throw new CommandException(this);
        }
        return this;
    }

    private static String clip(String s) {
        String t = s.strip();
        return t.length() <= MESSAGE_OUTPUT_CHARS ? t : "..." + t.substring(t.length() - MESSAGE_OUTPUT_CHARS);
    }
}
