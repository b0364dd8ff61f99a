package org.handoff.cli;

import picocli.CommandLine.Command;

/** {@code handoff replay}: not built yet. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Replay a capture file through the director or agent pipeline offline.")
public final class ReplayCommand extends NotBuiltCommand {
    public ReplayCommand() {
        super("issue 6");
    }
}
