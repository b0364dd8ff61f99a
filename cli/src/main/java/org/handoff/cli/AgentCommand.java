package org.handoff.cli;

import picocli.CommandLine.Command;

/** {@code handoff agent}: not built yet. */
@Command(name = "agent", mixinStandardHelpOptions = true,
        description = "Run a server agent: accept hand-offs, open the client-looking connection to the local server, rewrite its responses.")
public final class AgentCommand extends NotBuiltCommand {
    public AgentCommand() {
        super("issue 4");
    }
}
