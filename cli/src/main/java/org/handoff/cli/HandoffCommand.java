package org.handoff.cli;

import org.handoff.cli.selfcheck.SelfCheckCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code handoff} command: the one entry point behind {@code bin/handoff}.
 *
 * <p>Each subcommand is its own class.
 */
@Command(
        name = "handoff",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        description = "TCP connection hand-off: a director terminates client TCP and hands each "
                + "connection to an agent on the chosen origin; responses go straight to the client.",
        subcommands = {
            DirectorCommand.class,
            AgentCommand.class,
            ReplayCommand.class,
            LabCommand.class,
            DemoCommand.class,
            BenchCommand.class,
            VersionCommand.class,
            SelfCheckCommand.class,
        })
public final class HandoffCommand implements Runnable {
    @Spec
    CommandSpec spec;

    /**
     * Inherited by every subcommand, so {@code handoff selfcheck --log-level debug} works as well
     * as {@code handoff --log-level debug selfcheck}. Applied as soon as it is parsed.
     */
    @Option(names = "--log-level", scope = ScopeType.INHERIT, paramLabel = "LEVEL",
            description = "Log level: ${COMPLETION-CANDIDATES} (default: $$HANDOFF_LOG_LEVEL, else INFO).")
    void setLogLevel(Logging.Level level) {
        Logging.setLevel(level);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand");
    }

    /** The configured command line; tests use this too, so they run what users run. */
    public static CommandLine commandLine() {
        return new CommandLine(new HandoffCommand()).setCaseInsensitiveEnumValuesAllowed(true);
    }

    public static void main(String[] args) {
        Logging.applyEnvironment();
        System.exit(commandLine().execute(args));
    }
}
