package org.handoff.testkit;

import java.util.List;

/**
 * What one finished command printed and returned.
 *
 * @param command  the full command line, as run (including any {@code ip netns exec NAME} prefix)
 * @param exitCode the process's exit status
 * @param stdout   everything it wrote to standard output
 * @param stderr   everything it wrote to standard error
 */
public record CommandResult(List<String> command, int exitCode, String stdout, String stderr) {
    public CommandResult {
        command = List.copyOf(command);
    }

    public boolean ok() {
        return exitCode == 0;
    }

    /** The command line as one string, for messages. */
    public String commandLine() {
        return String.join(" ", command);
    }

    /** Returns this result if the command exited 0, or throws naming the command, its status and its output. */
    public CommandResult orThrow() {
        if (!ok()) {
            throw new LabException(describe());
        }
        return this;
    }

    /** "`cmd` exited 2: stderr ... stdout ...", trimmed to something a log line can carry. */
    public String describe() {
        return "`" + commandLine() + "` exited " + exitCode
                + (stderr.isBlank() ? "" : "; stderr: " + clip(stderr))
                + (stdout.isBlank() ? "" : "; stdout: " + clip(stdout));
    }

    private static String clip(String s) {
        String t = s.strip();
        return t.length() <= 2000 ? t : t.substring(0, 2000) + "...";
    }
}
