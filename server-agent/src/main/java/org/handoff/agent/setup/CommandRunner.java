package org.handoff.agent.setup;

import java.util.List;

/**
 * Runs the system commands the set-up uses ({@code ip}, {@code sysctl}, {@code nft}, {@code ss}).
 * An interface so tests can record commands without a kernel and the namespace tests can run
 * everything inside a namespace ({@code ip netns exec NAME} as a prefix).
 */
public interface CommandRunner {
    /**
     * Runs {@code command} to completion with {@code stdin} (may be null) as its input and
     * returns what happened; a non-zero exit is a result, not an exception.
     *
     * @throws SetupException if the command cannot be started or does not finish in time
     */
    CommandResult run(List<String> command, String stdin) throws SetupException;

    default CommandResult run(String... command) throws SetupException {
        return run(List.of(command), null);
    }
}
