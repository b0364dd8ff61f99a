package org.handoff.cli;

import picocli.CommandLine.Command;

/** {@code handoff demo}: not built yet. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the end-to-end demo in the lab: downloads through the VIP, with the director's byte counts.")
public final class DemoCommand extends NotBuiltCommand {
    public DemoCommand() {
        super("issue 5");
    }
}
