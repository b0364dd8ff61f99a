package org.handoff.host;

import java.util.List;

/**
 * Runs a command to completion and returns what happened. {@link ProcessRunner} runs real
 * processes; tests implement this with a pretend host that records commands and answers with
 * canned output.
 */
@FunctionalInterface
public interface CommandRunner {
    /**
     * Runs {@code command} with {@code stdin} (may be null: no input) and returns its result: a
     * non-zero exit and a command killed at its time limit ({@link CommandResult#timedOut()})
     * are results, not exceptions.
     *
     * @throws CommandException if the command cannot be started (a missing executable) or the
     *                          caller is interrupted while it runs
     */
    CommandResult run(List<String> command, String stdin);

    default CommandResult run(String... command) {
        return run(List.of(command), null);
    }
}
