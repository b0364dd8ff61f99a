package org.handoff.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.handoff.config.ConfigException;
import org.handoff.director.Director;
import org.handoff.director.config.DirectorConfig;
import org.handoff.director.kernel.DirectorDatapath;
import org.handoff.director.routing.LoadCounter;
import org.handoff.host.ProcessRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code handoff director}: run the director; {@code handoff director reload}: make a running one re-read its config. */
@Command(name = "director", mixinStandardHelpOptions = true,
        description = "Run the director: terminate client TCP on the VIP, read the request, hand the connection off to an agent.",
        subcommands = {DirectorCommand.Reload.class, DirectorCommand.Check.class, DirectorCommand.KernelDetach.class})
public final class DirectorCommand implements Callable<Integer> {
    static final String DEFAULT_PID_FILE = "/run/handoff-director.pid";

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "Director config (YAML or JSON); see docs/configuration.md.")
    Path config;

    @Option(names = "--pid-file", paramLabel = "FILE", defaultValue = DEFAULT_PID_FILE,
            description = "Where to write the pid, for 'handoff director reload' (default: ${DEFAULT-VALUE}).")
    Path pidFile;

    @Override
    public Integer call() throws Exception {
        if (config == null) {
            spec.commandLine().getErr().println("handoff director: --config FILE is required");
            return 2;
        }
        Director director;
        try {
            director = Director.create(config, true);
        } catch (Director.StartupException e) {
            spec.commandLine().getErr().println("handoff director: " + e.getMessage());
            return 1;
        }
        Director.writePid(pidFile);
        Runtime.getRuntime().addShutdownHook(new Thread(director::close, "director-shutdown"));
        Signals.onHangup(director::reload);
        director.start();
        director.awaitStop();
        Files.deleteIfExists(pidFile);
        return 0;
    }

    /**
     * {@code config} as the director loads it before it starts: the file, its key file, and the
     * workers' settings built from it; or empty, with every error printed. The subcommands that
     * read the director's config go through here, so they refuse exactly what the director
     * refuses, with the same message.
     */
    static Optional<DirectorConfig> loadConfig(Path config, CommandSpec spec) {
        try {
            return Optional.of(Director.loadConfig(config, new LoadCounter()).config());
        } catch (ConfigException e) {
            spec.commandLine().getErr().println(e.getMessage());
            return Optional.empty();
        }
    }

    /** Sends SIGHUP to the running director; it reloads routing and keys, or keeps the old ones and logs why. */
    @Command(name = "reload", mixinStandardHelpOptions = true,
            description = "Make the running director re-read its config and key file (SIGHUP). An invalid new config is rejected and the old one stays; see the director's log.")
    static final class Reload implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--pid-file", paramLabel = "FILE", defaultValue = DEFAULT_PID_FILE,
                description = "The running director's pid file (default: ${DEFAULT-VALUE}).")
        Path pidFile;

        @Override
        public Integer call() throws Exception {
            if (!Files.exists(pidFile)) {
                spec.commandLine().getErr().println("handoff director reload: " + pidFile + " not found (is the director running?)");
                return 1;
            }
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            return new ProcessRunner().runAttached(List.of("kill", "-HUP", Long.toString(pid))).ok() ? 0 : 1;
        }
    }

    /**
     * Validates a config file without starting anything: the same loading, key file included,
     * that {@code handoff director} does before it starts, so it refuses exactly the configs the
     * director refuses, with the same message. The host (capture interface, VIP set-up) is not
     * looked at, so a config can be checked on another machine.
     */
    @Command(name = "check-config", mixinStandardHelpOptions = true,
            description = "Validate a director config file and its key file as the director does before it starts; print every error; exit 0 when valid.")
    static final class Check implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--config", required = true, paramLabel = "FILE", description = "The config to check.")
        Path config;

        @Override
        public Integer call() {
            if (loadConfig(config, spec).isEmpty()) {
                return 1;
            }
            spec.commandLine().getOut().println(config + ": valid");
            return 0;
        }
    }

    /**
     * Removes the kernel data path for good: the XDP program from {@code capture.interface} and
     * the maps pinned under {@code kernel.bpffs}. A stopped director leaves both, so a restarted
     * one finds its flows (docs/operations.md); run this, in the director's network namespace,
     * when the director goes away for good or moves to the user path.
     */
    @Command(name = "kernel-detach", mixinStandardHelpOptions = true,
            description = "Detach the director's XDP program from capture.interface and remove its pinned maps under kernel.bpffs (both stay when the director stops, so a restart keeps flows). Run it where the director runs, after stopping it.")
    static final class KernelDetach implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--config", required = true, paramLabel = "FILE", description = "The director's config.")
        Path config;

        @Override
        public Integer call() {
            Optional<DirectorConfig> loaded = loadConfig(config, spec);
            if (loaded.isEmpty()) {
                return 1;
            }
            DirectorConfig c = loaded.get();
            try {
                spec.commandLine().getOut().println("handoff director kernel-detach: "
                        + DirectorDatapath.detach(c.kernel().bpffs(), c.capture().interfaceName()));
                return 0;
            } catch (RuntimeException e) {
                spec.commandLine().getErr().println("handoff director kernel-detach: " + e.getMessage());
                return 1;
            }
        }
    }
}
