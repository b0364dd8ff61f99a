package org.handoff.cli;

import picocli.CommandLine.Command;

/** {@code handoff lab}: not built yet. */
@Command(name = "lab", mixinStandardHelpOptions = true,
        description = "Build, run and tear down the network-namespace lab (client, director, origins).")
public final class LabCommand extends NotBuiltCommand {
    public LabCommand() {
        super("issue 5");
    }
}
