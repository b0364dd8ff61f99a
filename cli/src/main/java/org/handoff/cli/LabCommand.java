package org.handoff.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.handoff.lab.LabRunner;
import org.handoff.lab.LabTopology;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code handoff lab up|down|status|env|kill-director|start-director}: the network-namespace lab
 * (docs/lab.md), described by {@link LabTopology}; {@code env} prints that description as shell
 * variables, so scripts that work in the lab (the bench) take its names and addresses from the
 * one description. {@code up --directors N [--router]} records the lab's shape in its directory;
 * the other actions, given neither option, work on the lab recorded there.
 */
@Command(name = "lab", mixinStandardHelpOptions = true,
        description = {"Build, show or remove the lab: a director, agents and nginx origins in network namespaces on this machine.",
            "Namespaces ho-client, ho-director, ho-origin1 and ho-origin2 on one bridge; VIP 198.18.1.1:80. Root only. "
                    + "Files in $HANDOFF_LAB_DIR (default /tmp/handoff-lab). 'up' returns once a request through the VIP succeeds.",
            "With --directors N (2..9) or --router: a router namespace with BIRD spreads the clients over the directors by"
                    + " ECMP (BGP + BFD); kill-director I and start-director I stop (SIGKILL) and start director I."})
public final class LabCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ACTION",
            description = "What to do: up, down, status, env (print the lab's names, addresses and files as shell variables),"
                    + " kill-director I or start-director I.")
    String action;

    @Parameters(index = "1", arity = "0..1", paramLabel = "I", description = "For kill-director and start-director: which director, 1..N.")
    String directorIndex;

    @Option(names = "--directors", paramLabel = "N",
            description = "For 'up': how many directors (1..9, default 1, or what the lab that is up has); 2 or more come with the router.")
    Integer directors;

    @Option(names = "--router", description = "For 'up': the router with BIRD and ECMP in front of the directors also with one director.")
    boolean router;

    @Option(names = "--datapath", paramLabel = "PATH",
            description = "The directors' data path for 'up': kernel (default: the XDP program tunnels handed-off flows' ACKs) or"
                    + " user (every packet through Java); also $HANDOFF_LAB_DATAPATH.")
    String datapath;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        if (!List.of("up", "down", "status", "env", "kill-director", "start-director").contains(action)) {
            err.println("handoff lab: '" + action + "' (expected: up, down, status, env, kill-director or start-director)");
            return 2;
        }
        boolean oneDirector = action.endsWith("-director");
        if (oneDirector != (directorIndex != null)) {
            err.println("handoff lab: " + (oneDirector ? action + " needs the director's number, 1..N"
                    : "'" + directorIndex + "': only kill-director and start-director take a director's number"));
            return 2;
        }
        LabTopology topology;
        Optional<LabTopology.Shape> recorded;
        try {
            // HANDOFF_LAB_NS_PREFIX and HANDOFF_LAB_DIR name and place a second lab beside the first.
            Map<String, String> env = new HashMap<>(System.getenv());
            if (datapath != null) {
                env.put(LabTopology.DATAPATH_VARIABLE, datapath);
            }
            LabTopology standard = LabTopology.fromEnvironment(ScriptRunner.home(), env);
            recorded = recordedShape(standard);
            LabTopology.Shape shape = directors != null || router ? new LabTopology.Shape(directors == null ? 1 : directors, router)
                    : recorded.orElse(LabTopology.Shape.STANDARD);
            topology = LabTopology.fromEnvironment(ScriptRunner.home(), env, shape);
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
        if (action.equals("up") && recorded.isPresent() && !recorded.get().equals(topology.shape())) {
            err.println("lab: the lab in " + topology.directory() + " has another shape (" + recorded.get().render().strip()
                    + "): taking it down first");
            new LabRunner(LabTopology.fromEnvironment(ScriptRunner.home(), System.getenv(), recorded.get()), err, System.getenv())
                    .down();
        }
        if (oneDirector) {
            int n;
            try {
                n = Integer.parseInt(directorIndex);
                topology.director(n);
            } catch (IllegalArgumentException e) { // NumberFormatException too
                err.println("lab: " + action + " " + directorIndex + " (expected: 1.." + topology.directors().size()
                        + ", the lab's directors)");
                return 2;
            }
            return action.equals("kill-director") ? lab.killDirector(n) : lab.startDirector(n);
        }
        return switch (action) {
            case "up" -> lab.up();
            case "down" -> lab.down();
            default -> lab.status(spec.commandLine().getOut());
        };
    }

    /** The shape {@code up} recorded in the lab's directory, if a lab was built there. */
    static Optional<LabTopology.Shape> recordedShape(LabTopology lab) {
        try {
            return LabTopology.Shape.parse(Files.readString(lab.shapeFile(), StandardCharsets.US_ASCII));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** {@code 'value'}, with each {@code '} written as {@code '\''}: safe for {@code eval}. */
    static String shellQuoted(String value) {
        return "'" + value.replace("'", "'\\''") + "'";
    }
}
