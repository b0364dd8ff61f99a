package org.handoff.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.handoff.host.ProcessRunner;

/**
 * Runs one of the project's scripts (the demo's tour and the bench's workloads are shell) with
 * the terminal passed through. The scripts live under {@code handoff.home}, which bin/handoff
 * sets to the checkout or the unpacked release. No time limit: the scripts bound every step
 * they take, and the user at the terminal can interrupt them.
 */
final class ScriptRunner {
    private ScriptRunner() {
    }

    static Path home() {
        String home = System.getProperty("handoff.home");
        return home == null ? Path.of("").toAbsolutePath() : Path.of(home);
    }

    /** Returns the script's exit code, or 1 with a message when it is missing. */
    static int run(String script, List<String> args, PrintWriter err) {
        Path path = home().resolve("scripts").resolve(script);
        if (!Files.isRegularFile(path)) {
            err.println("handoff: " + path + " not found (run through bin/handoff, which sets handoff.home)");
            return 1;
        }
        List<String> command = new ArrayList<>();
        command.add("bash");
        command.add(path.toString());
        command.addAll(args);
        return new ProcessRunner().withoutTimeLimit().runAttached(command).exitCode();
    }
}
