package org.handoff.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Every file and directory a lab's {@code up} created, one path a line in a file of the lab's
 * directory, written as it goes: {@code down} (in this process or another, also after an
 * {@code up} that failed half-way) removes exactly those, so files a user added stay, and so do
 * the directories holding them.
 */
final class Manifest {
    private final Path file;

    Manifest(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    boolean exists() {
        return Files.exists(file);
    }

    /** Starts an empty manifest (the lab's directory is made if missing, and not recorded: down removes it only when empty). */
    void start() {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, "", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the lab's manifest " + file, e);
        }
    }

    /** Records paths about to be created (by this process or by one it starts). */
    void record(Path... paths) {
        StringBuilder lines = new StringBuilder();
        for (Path p : paths) {
            lines.append(p).append('\n');
        }
        try {
            Files.writeString(file, lines, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the lab's manifest " + file, e);
        }
    }

    /** Makes each directory and its missing parents, recording every one it makes, top-down. */
    void makeDirectories(Path... dirs) {
        for (Path dir : dirs) {
            List<Path> missing = new ArrayList<>();
            for (Path d = dir; d != null && !Files.isDirectory(d); d = d.getParent()) {
                missing.add(0, d);
            }
            for (Path d : missing) {
                record(d);
                try {
                    Files.createDirectory(d);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot make directory " + d, e);
                }
            }
        }
    }

    /** Records {@code path}, then writes {@code content} to it. */
    void writeFile(Path path, String content) {
        record(path);
        try {
            Files.writeString(path, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path, e);
        }
    }

    /** Records {@code path}, then writes {@code content} to it. */
    void writeBytes(Path path, byte[] content) {
        record(path);
        try {
            Files.write(path, content);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path, e);
        }
    }

    /**
     * Removes what was recorded, last first: files, and directories that are empty by then (a
     * directory still holding a user's file stays). Then the manifest itself, and {@code dir}
     * if nothing else is left in it. Returns the paths that could not be removed.
     */
    List<String> removeAll(Path dir) {
        List<String> problems = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            problems.add("cannot read the manifest " + file + ": " + e.getMessage());
            return problems;
        }
        for (int i = lines.size() - 1; i >= 0; i--) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            Path p = Path.of(line);
            try {
                Files.deleteIfExists(p);
            } catch (DirectoryNotEmptyException e) {
                // A directory with something of the user's in it: it stays.
            } catch (IOException e) {
                problems.add(p + ": " + e.getMessage());
            }
        }
        try {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        } catch (DirectoryNotEmptyException e) {
            // Files of the user's: the directory stays.
        } catch (IOException e) {
            problems.add(e.getMessage());
        }
        return problems;
    }
}
