package org.handoff.host;

import java.util.Optional;

/**
 * A command could not be started, was interrupted, or (from {@link CommandResult#requireOk()})
 * failed or ran out of time. The message names the command and what it printed.
 */
public final class CommandException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient CommandResult result;

    public CommandException(String message) {
        this(message, null, null);
    }

    public CommandException(String message, Throwable cause) {
        this(message, null, cause);
    }

    CommandException(CommandResult result) {
        this(result.describe(), result, null);
    }

    private CommandException(String message, CommandResult result, Throwable cause) {
        super(message, cause);
        this.result = result;
    }

    /** The finished command's result, when it ran. */
    public Optional<CommandResult> result() {
        return Optional.ofNullable(result);
    }
}
