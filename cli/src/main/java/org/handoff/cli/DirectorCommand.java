package org.handoff.cli;

import picocli.CommandLine.Command;

/** {@code handoff director}: not built yet. */
@Command(name = "director", mixinStandardHelpOptions = true,
        description = "Run the director: terminate client TCP on the VIP, read the request, hand the connection off to an agent.")
public final class DirectorCommand extends NotBuiltCommand {
    public DirectorCommand() {
        super("issue 3");
    }
}
