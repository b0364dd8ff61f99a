package org.handoff.agent.setup;

import java.util.List;

/**
 * One finished command: its full command line, exit status and output.
 */
public record CommandResult(List<String> command, int exitCode, String stdout, String stderr) {
    public CommandResult {
        command = List.copyOf(command);
    }

    public boolean ok() {
        return exitCode == 0;
    }

    public String commandLine() {
        return String.join(" ", command);
    }

    /** "`ip rule add ...` exited 2: RTNETLINK answers: File exists". */
    public String describe() {
        String err = stderr.strip();
        String out = stdout.strip();
        return "`" + commandLine() + "` exited " + exitCode
                + (err.isEmpty() ? "" : ": " + err)
                + (err.isEmpty() && !out.isEmpty() ? ": " + out : "");
    }
}
