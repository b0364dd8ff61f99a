package org.handoff.agent.runtime;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.handoff.agent.config.AgentConfig;
import org.handoff.agent.config.AgentConfigLoader;
import org.handoff.agent.config.Datapath;
import org.handoff.agent.config.KernelSettings;
import org.handoff.agent.kernel.AgentDatapath;
import org.handoff.agent.setup.AgentNetworkSetup;
import org.handoff.agent.setup.SetupException;
import org.handoff.config.ConfigException;
import org.handoff.host.CommandRunner;
import org.handoff.host.ProcessRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * What {@code handoff agent} does: load and check the config (its key file included), refuse to
 * start while the host set-up is incomplete, run the agent until SIGTERM (then drain and stop);
 * and the {@code setup}, {@code teardown}, {@code check} and {@code check-config} operations.
 * {@code run}, {@code check} and {@code check-config} load the config the same way, so a config
 * one of them refuses, all of them refuse, with the same message. Returns exit codes and writes
 * its messages to the given streams, so the CLI stays a thin shell and tests can call it.
 */
public final class AgentLauncher {
    /** Ran (or stopped) as asked. */
    public static final int EXIT_OK = 0;
    /** A bad config, an incomplete host set-up, or a failure to open the agent's sockets. */
    public static final int EXIT_FAILED = 1;

    private static final Logger LOG = LoggerFactory.getLogger(AgentLauncher.class);

    private final PrintWriter out;
    private final PrintWriter err;
    private final CommandRunner runner;

    public AgentLauncher(PrintWriter out, PrintWriter err, CommandRunner runner) {
        this.out = out;
        this.err = err;
        this.runner = runner;
    }

    /**
     * Runs without the CLI module (namespace tests start the agent as a process this way):
     * {@code AgentLauncher run|setup|teardown|check CONFIG}; exits with the operation's code.
     */
    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: AgentLauncher run|setup|teardown|check|check-config CONFIG");
            System.exit(2);
        }
        AgentLauncher l = new AgentLauncher(new PrintWriter(System.out, true), new PrintWriter(System.err, true),
                new ProcessRunner());
        Path config = Path.of(args[1]);
        int code = switch (args[0]) {
            case "run" -> l.run(config);
            case "setup" -> l.setup(config);
            case "teardown" -> l.teardown(config);
            case "check" -> l.check(config);
            case "check-config" -> l.checkConfig(config);
            default -> 2;
        };
        System.exit(code);
    }

    /** {@code handoff agent --config FILE}: runs until the JVM is asked to stop. */
    public int run(Path configFile) {
        AgentConfig config = load(configFile, true);
        if (config == null) {
            return EXIT_FAILED;
        }
        AgentNetworkSetup.CheckResult setupCheck = checkSetup(config);
        if (setupCheck == null) {
            return EXIT_FAILED;
        }
        AgentRuntime runtime;
        try {
            runtime = AgentRuntime.open(config, config.keys(), true, setupCheck.forwardingProblems());
        } catch (IOException | RuntimeException e) {
            err.println("agent: cannot start: " + e.getMessage());
            return EXIT_FAILED;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean drainForGood = new AtomicBoolean();
        Thread hook = new Thread(() -> {
            boolean keep = runtime.keepsFlowsOnStop() && !drainForGood.get();
            if (keep) {
                LOG.info("stop requested: established flows stay in the kernel for the next run (SIGINT drains them instead)");
            } else {
                LOG.info("stop requested: refusing new hand-offs, draining for up to {} ms", config.drain().toMillis());
            }
            runtime.shutdown(config.drain(), keep);
            stopped.countDown();
        }, "ho-agent-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        // SIGINT (Ctrl-C, kill -INT): stop for good, draining flows even when a SIGTERM would keep them.
        Signal.handle(new Signal("INT"), s -> {
            drainForGood.set(true);
            new Thread(() -> System.exit(130), "ho-agent-sigint").start();
        });
        runtime.start();
        out.println("agent: running; listening on udp " + config.listen() + ", metrics "
                + (runtime.metrics().address() == null ? "off" : "http://" + hostPort(runtime) + "/metrics") + ", datapath "
                + runtime.datapathMode() + " (" + runtime.datapathReason() + ")");
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            runtime.shutdown(config.drain());
        }
        return EXIT_OK;
    }

    private static String hostPort(AgentRuntime runtime) {
        var a = runtime.metrics().address();
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    /** {@code handoff agent setup --config FILE}. */
    public int setup(Path configFile) {
        AgentConfig config = load(configFile, false);
        if (config == null) {
            return EXIT_FAILED;
        }
        try {
            for (String line : new AgentNetworkSetup(config.network(), runner).setup()) {
                out.println(line);
            }
            out.flush();
            return EXIT_OK;
        } catch (SetupException e) {
            err.println("agent setup: " + e.getMessage());
            return EXIT_FAILED;
        }
    }

    /** {@code handoff agent teardown --config FILE}. */
    public int teardown(Path configFile) {
        AgentConfig config = load(configFile, false);
        if (config == null) {
            return EXIT_FAILED;
        }
        try {
            for (String line : new AgentNetworkSetup(config.network(), runner).teardown()) {
                out.println(line);
            }
            out.flush();
            return EXIT_OK;
        } catch (SetupException e) {
            err.println("agent teardown: " + e.getMessage());
            return EXIT_FAILED;
        }
    }

    /** {@code handoff agent check --config FILE}: exit 0 when the agent would start. */
    public int check(Path configFile) {
        AgentConfig config = load(configFile, true);
        if (config == null) {
            return EXIT_FAILED;
        }
        AgentNetworkSetup.CheckResult result = checkSetup(config);
        if (result != null) {
            for (String p : result.forwardingProblems()) {
                out.println("agent check: super-segments will be cut in the agent (slower), not forwarded by the kernel: " + p);
            }
            Optional<String> kernelProblem = config.datapath() == Datapath.USER ? Optional.empty() : AgentDatapath.probe(config);
            if (config.datapath() == Datapath.KERNEL && kernelProblem.isPresent()) {
                err.println("agent: refusing to start: " + datapathVerdict(config, kernelProblem));
                err.flush();
                return EXIT_FAILED;
            }
            out.println("agent check: " + datapathVerdict(config, kernelProblem));
            out.println("agent check: ready (tun " + config.link().tun() + ", link.offload " + config.link().offload().yaml()
                    + (config.network().forwarding() ? result.forwardingProblems().isEmpty() ? ", forwarding path ready"
                    : ", forwarding path not ready" : "") + ")");
            out.flush();
        }
        return result != null ? EXIT_OK : EXIT_FAILED;
    }

    /**
     * {@code handoff agent check-config --config FILE}: the config alone, key file included, as
     * the agent loads it before it starts; exit 0 when valid. The host is not looked at
     * ({@link #check} does that too), so a config can be checked on another machine.
     */
    public int checkConfig(Path configFile) {
        AgentConfig config = load(configFile, true);
        if (config == null) {
            return EXIT_FAILED;
        }
        out.println(configFile + ": valid");
        out.println(configFile + ": " + datapathPlan(config));
        out.flush();
        return EXIT_OK;
    }

    /** What {@code datapath} asks for, from the config alone (check-config does not look at the host). */
    static String datapathPlan(AgentConfig config) {
        return switch (config.datapath()) {
            case USER -> "datapath user: every packet through the agent (datapath: user)";
            case KERNEL -> "datapath kernel: established flows in the kernel, or the agent refuses to start (datapath: kernel); "
                    + kernelSummary(config);
            case AUTO -> "datapath auto: established flows in the kernel when the programs load and attach on the host, else"
                    + " the user path with the reason logged (`agent check` tries); " + kernelSummary(config);
        };
    }

    private static String kernelSummary(AgentConfig config) {
        KernelSettings k = config.kernel();
        return "maps in " + k.bpffs() + ", uplink " + (k.uplink() != null ? k.uplink() : "the interface of " + config.listen().address()
                .getHostAddress()) + ", egress " + KernelSettings.yaml(k.egress()) + ", on stop " + k.onStop().yaml();
    }

    /** Which data path the agent would run on this host, and why ({@code problem}: what stops the kernel path). */
    static String datapathVerdict(AgentConfig config, Optional<String> problem) {
        if (config.datapath() == Datapath.USER) {
            return "datapath user (datapath: user)";
        }
        if (problem.isEmpty()) {
            return "datapath kernel (datapath: " + config.datapath().yaml() + "; the programs load here); " + kernelSummary(config);
        }
        return config.datapath() == Datapath.KERNEL ? "datapath kernel cannot run: " + problem.get()
                : "datapath user (datapath: auto, but " + problem.get() + ")";
    }

    /**
     * The config as {@code run} needs it ({@code forRun}: the key file read too), or null after
     * printing every error; set-up and teardown need no key.
     */
    private AgentConfig load(Path configFile, boolean forRun) {
        try {
            return forRun ? AgentConfigLoader.AGENT.loadForRun(configFile) : AgentConfigLoader.AGENT.load(configFile);
        } catch (ConfigException e) {
            err.println(e.getMessage());
            err.flush();
            return null;
        }
    }

    /** Prints problems (and warnings) of the host set-up; the result when there is no problem, else null. */
    private AgentNetworkSetup.CheckResult checkSetup(AgentConfig config) {
        AgentNetworkSetup.CheckResult result;
        try {
            result = new AgentNetworkSetup(config.network(), runner).check();
        } catch (SetupException e) {
            err.println("agent: cannot check the host set-up: " + e.getMessage());
            err.flush();
            return null;
        }
        for (String w : result.warnings()) {
            LOG.warn("set-up: {}", w);
        }
        if (!result.ok()) {
            List<String> problems = result.problems();
            err.println("agent: refusing to start: the host set-up is incomplete (" + problems.size() + " problem"
                    + (problems.size() == 1 ? "" : "s") + "); run `handoff agent setup --config "
                    + (config.source() == null ? "FILE" : config.source()) + "` as root first:");
            for (String p : problems) {
                err.println("  " + p);
            }
            err.flush();
            return null;
        }
        for (String p : result.forwardingProblems()) {
            LOG.warn("set-up: forwarding path: {}", p);
        }
        return result;
    }
}
