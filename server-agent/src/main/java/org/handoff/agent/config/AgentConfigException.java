package org.handoff.agent.config;

import java.nio.file.Path;
import java.util.List;

/**
 * An agent config that failed validation, with every error found, each as
 * {@code path.in.file=value (expected: ...)}.
 */
public final class AgentConfigException extends Exception {
    private final Path source;
    private final List<String> errors;

    public AgentConfigException(Path source, List<String> errors) {
        super(message(source, errors));
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("an AgentConfigException needs at least one error");
        }
        this.source = source;
        this.errors = List.copyOf(errors);
    }

    private static String message(Path source, List<String> errors) {
        StringBuilder sb = new StringBuilder(source == null ? "agent config" : source.toString())
                .append(": ").append(errors.size()).append(errors.size() == 1 ? " error" : " errors");
        for (String e : errors) {
            sb.append("\n  ").append(e);
        }
        return sb.toString();
    }

    /** The file, or null when the config came from text. */
    public Path source() {
        return source;
    }

    /** Every error, in document order. */
    public List<String> errors() {
        return errors;
    }
}
