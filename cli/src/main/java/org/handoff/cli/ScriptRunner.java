package org.handoff.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one of the project's scripts (the lab is namespaces, nginx and processes: shell is the
 * right tool for it) with the terminal passed through. The scripts live under
 * {@code handoff.home}, which bin/handoff sets to the checkout or the unpacked release.
 */
final class ScriptRunner {
    private ScriptRunner() {
    }

    static Path home() {
        String home = System.getProperty("handoff.home");
        return home == null ? Path.of("").toAbsolutePath() : Path.of(home);
    }

    /** Returns the script's exit code, or 1 with a message when it is missing. */
    static int run(String script, List<String> args, java.io.PrintWriter err) throws IOException, InterruptedException {
        Path path = home().resolve("scripts").resolve(script);
        if (!Files.isRegularFile(path)) {
            err.println("handoff: " + path + " not found (run through bin/handoff, which sets handoff.home)");
            return 1;
        }
        List<String> command = new ArrayList<>();
        command.add("bash");
        command.add(path.toString());
        command.addAll(args);
        return new ProcessBuilder(command).inheritIO().start().waitFor();
    }
}
