package org.handoff.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code handoff demo}: the lab up, a short tour with measurements, the lab down. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Bring the lab up, take a short tour of the hand-off with measurements, and take the lab down.",
            "The tour shows routing by content, byte-exact downloads from 1 KB to 100 MB through the VIP, the real client "
                    + "address at the origin, and that the response bytes did not pass the director. Root only."})
public final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        return ScriptRunner.run("lab-demo.sh", List.of(), spec.commandLine().getErr());
    }
}
