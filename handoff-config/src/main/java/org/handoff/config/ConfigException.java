package org.handoff.config;

import java.nio.file.Path;
import java.util.List;

/**
 * A config that failed validation, with every error found, each as
 * {@code path.in.file=value (expected: ...)}.
 */
public final class ConfigException extends Exception {
    private final Path source;
    private final List<String> errors;

    public ConfigException(Path source, List<String> errors) {
        this(source, "config", errors);
    }

    /** @param unnamed what the message calls the config when it came from text ({@code source} null) */
    public ConfigException(Path source, String unnamed, List<String> errors) {
        super(message(source == null ? unnamed : source.toString(), errors));
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one error");
        }
        this.source = source;
        this.errors = List.copyOf(errors);
    }

    private static String message(String source, List<String> errors) {
        StringBuilder sb = new StringBuilder(source)
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

    /** Every error, in the order found (document order, then cross-checks). */
    public List<String> errors() {
        return errors;
    }
}
