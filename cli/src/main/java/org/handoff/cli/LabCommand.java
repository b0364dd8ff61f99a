package org.handoff.cli;

import java.io.PrintWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.handoff.lab.LabRunner;
import org.handoff.lab.LabTopology;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code handoff lab up|down|status|env}: the network-namespace lab (docs/lab.md), described by
 * {@link LabTopology}; {@code env} prints that description as shell variables, so scripts that
 * work in the lab (the bench) take its names and addresses from the one description.
 */
@Command(name = "lab", mixinStandardHelpOptions = true,
        description = {"Build, show or remove the lab: a director, agents and nginx origins in network namespaces on this machine.",
            "Namespaces ho-client, ho-director, ho-origin1 and ho-origin2 on one bridge; VIP 198.18.1.1:80. Root only. "
                    + "Files in $HANDOFF_LAB_DIR (default /tmp/handoff-lab). 'up' returns once a request through the VIP succeeds."})
public final class LabCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ACTION",
            description = "What to do: up, down, status, or env (print the lab's names, addresses and files as shell variables).")
    String action;

    @Option(names = "--datapath", paramLabel = "PATH",
            description = "The directors' data path for 'up': kernel (default: the XDP program tunnels handed-off flows' ACKs) or"
                    + " user (every packet through Java); also $HANDOFF_LAB_DATAPATH.")
    String datapath;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        if (!List.of("up", "down", "status", "env").contains(action)) {
            err.println("handoff lab: '" + action + "' (expected: up, down, status or env)");
            return 2;
        }
        LabTopology topology;
        try {
            // HANDOFF_LAB_NS_PREFIX and HANDOFF_LAB_DIR name and place a second lab beside the first.
            Map<String, String> env = new HashMap<>(System.getenv());
            if (datapath != null) {
                env.put(LabTopology.DATAPATH_VARIABLE, datapath);
            }
            topology = LabTopology.fromEnvironment(ScriptRunner.home(), env);
        } catch (IllegalArgumentException e) {
            err.println("lab: " + e.getMessage());
            return 2;
        }
        if (action.equals("env")) {
            PrintWriter out = spec.commandLine().getOut();
            topology.shellVariables().forEach((name, value) -> out.println(name + "=" + shellQuoted(value)));
            out.flush();
            return 0;
        }
        LabRunner lab = new LabRunner(topology, err, System.getenv());
        return switch (action) {
            case "up" -> lab.up();
            case "down" -> lab.down();
            default -> lab.status(spec.commandLine().getOut());
        };
    }

    /** {@code 'value'}, with each {@code '} written as {@code '\''}: safe for {@code eval}. */
    static String shellQuoted(String value) {
        return "'" + value.replace("'", "'\\''") + "'";
    }
}
