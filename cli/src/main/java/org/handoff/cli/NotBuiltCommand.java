package org.handoff.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A subcommand whose feature a later issue builds. It says so on stderr and exits with
 * {@link HandoffCommand#EXIT_NOT_BUILT}; the issue that builds it replaces the subclass body.
 */
public abstract class NotBuiltCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    private final String trackedBy;

    /** @param trackedBy the issue that fills this command in, as it should read after "tracked by" */
    protected NotBuiltCommand(String trackedBy) {
        this.trackedBy = trackedBy;
    }

    @Override
    public Integer call() {
        spec.commandLine().getErr().println(
                spec.qualifiedName() + ": not built yet (tracked by " + trackedBy + ")");
        return HandoffCommand.EXIT_NOT_BUILT;
    }
}
