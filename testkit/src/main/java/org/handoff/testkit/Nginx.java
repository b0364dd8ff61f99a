package org.handoff.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * An nginx instance a lab runs in one of its namespaces, with its own configuration, pid file
 * and logs in a directory of its own ({@link #directory()}); it never touches a system-wide
 * nginx. Started by {@link NetnsLab#startNginx(Netns, String, Path)}.
 */
public final class Nginx {
    private final LabProcess process;
    private final Path directory;
    private final String listen;

    Nginx(LabProcess process, Path directory, String listen) {
        this.process = process;
        this.directory = directory;
        this.listen = listen;
    }

    /** The {@code listen} argument it serves on, e.g. {@code 198.18.1.1:80}. */
    public String listen() {
        return listen;
    }

    public Path directory() {
        return directory;
    }

    public LabProcess process() {
        return process;
    }

    /** Access log lines so far (nginx's "combined" format: the client address comes first). */
    public List<String> accessLog() {
        return lines(directory.resolve("access.log"));
    }

    public List<String> errorLog() {
        return lines(directory.resolve("error.log"));
    }

    public void stop() {
        process.stop(5_000);
    }

    private static List<String> lines(Path p) {
        try {
            return Files.exists(p) ? Files.readAllLines(p, StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            return List.of("(cannot read " + p + ": " + e.getMessage() + ")");
        }
    }
}
