package org.handoff.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code handoff lab up|down|status}: the network-namespace lab (docs/lab.md). */
@Command(name = "lab", mixinStandardHelpOptions = true,
        description = {"Build, show or remove the lab: a director, agents and nginx origins in network namespaces on this machine.",
            "Namespaces ho-client, ho-director, ho-origin1 and ho-origin2 on one bridge; VIP 198.18.1.1:80. Root only. "
                    + "Files in $HANDOFF_LAB_DIR (default /tmp/handoff-lab). 'up' returns once a request through the VIP succeeds."})
public final class LabCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ACTION", description = "What to do: up, down or status.")
    String action;

    @Override
    public Integer call() throws Exception {
        if (!List.of("up", "down", "status").contains(action)) {
            spec.commandLine().getErr().println("handoff lab: '" + action + "' (expected: up, down or status)");
            return 2;
        }
        return ScriptRunner.run("lab.sh", List.of(action), spec.commandLine().getErr());
    }
}
