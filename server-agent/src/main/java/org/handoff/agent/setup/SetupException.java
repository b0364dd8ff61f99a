package org.handoff.agent.setup;

import org.handoff.host.CommandResult;

/** A set-up or teardown step failed; the message names the command and what it printed. */
public final class SetupException extends Exception {
    private static final long serialVersionUID = 1L;

    public SetupException(String message) {
        super(message);
    }

    public SetupException(String message, Throwable cause) {
        super(message, cause);
    }

    static SetupException failed(String step, CommandResult r) {
        return new SetupException(step + ": " + r.describe());
    }
}
