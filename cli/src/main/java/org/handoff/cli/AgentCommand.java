package org.handoff.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.handoff.agent.runtime.AgentLauncher;
import org.handoff.host.ProcessRunner;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code handoff agent --config FILE}: runs a server agent until SIGTERM (on the kernel path it
 * then leaves established flows to the kernel for the next run; on the user path, or on SIGINT,
 * it refuses new hand-offs, drains briefly and stops: docs/kernel-datapath.md, "Restarts"); {@code setup}, {@code teardown} and {@code check}
 * manage the host set-up it needs (docs/agent.md, "Operations"); {@code check-config}
 * validates the config and its key file as the agent does before it starts.
 */
@Command(name = "agent", mixinStandardHelpOptions = true,
        description = "Run a server agent: accept hand-offs, open the client-looking connection to the local server, rewrite its responses.")
public final class AgentCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "The agent's YAML config (docs/configuration.md).")
    Path config;

    @Override
    public Integer call() {
        if (config == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Missing required option: '--config=FILE'");
        }
        return launcher(spec).run(config);
    }

    static AgentLauncher launcher(CommandSpec spec) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        return new AgentLauncher(out, err, new ProcessRunner());
    }

    private static final String CONFIG_HELP = "The agent's YAML config.";

    /** {@code handoff agent setup}: creates the TUN, H, the rule, the routes and the nft table, idempotently. */
    @Command(name = "setup", mixinStandardHelpOptions = true,
            description = "Create the host set-up the agent needs (TUN, hand-off address, rule, routes, nftables), idempotently. Needs root.")
    int setup(@Option(names = {"-c", "--config"}, paramLabel = "FILE", required = true, description = CONFIG_HELP) Path file) {
        return launcher(spec).setup(file);
    }

    /** {@code handoff agent teardown}: removes exactly what setup created. */
    @Command(name = "teardown", mixinStandardHelpOptions = true,
            description = "Remove exactly what `handoff agent setup` created. Needs root.")
    int teardown(@Option(names = {"-c", "--config"}, paramLabel = "FILE", required = true, description = CONFIG_HELP) Path file) {
        return launcher(spec).teardown(file);
    }

    /** {@code handoff agent check}: what the agent checks before it starts. */
    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Check the config and the host set-up as the agent does before it starts; exit 0 when it would start.")
    int check(@Option(names = {"-c", "--config"}, paramLabel = "FILE", required = true, description = CONFIG_HELP) Path file) {
        return launcher(spec).check(file);
    }

    /** {@code handoff agent check-config}: the config and its key file alone, as the agent loads them. */
    @Command(name = "check-config", mixinStandardHelpOptions = true,
            description = "Validate an agent config file and its key file as the agent does before it starts, without looking at the host; print every error; exit 0 when valid.")
    int checkConfig(@Option(names = {"-c", "--config"}, paramLabel = "FILE", required = true, description = CONFIG_HELP) Path file) {
        return launcher(spec).checkConfig(file);
    }
}
