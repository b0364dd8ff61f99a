package org.handoff.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A process's config schema: the walk that turns a parsed file into its config, and the three
 * ways of loading one. The director's ({@code ConfigLoader.DIRECTOR}) and the agent's
 * ({@code AgentConfigLoader.AGENT}) are the two; each supplies its {@link Walk}.
 *
 * @param <T> the validated config
 */
public final class ConfigSchema<T> {
    /**
     * One walk over one tree: a schema's checks, reporting every bad value to {@link #tree} and
     * throwing them all at the end of {@link #check}.
     */
    public abstract static class Walk<T> {
        protected final ConfigTree tree;
        /** Also require, and read, what only a running process needs (its key file). */
        protected final boolean forRun;

        protected Walk(ConfigTree tree, boolean forRun) {
            this.tree = tree;
            this.forRun = forRun;
        }

        protected abstract T check() throws ConfigException;
    }

    /** Starts a schema's walk over a tree: its {@code Walk} subclass's constructor. */
    @FunctionalInterface
    public interface Walker<T> {
        Walk<T> start(ConfigTree tree, boolean forRun);
    }

    private final ConfigTree.Wording wording;
    private final Walker<T> walker;

    public ConfigSchema(ConfigTree.Wording wording, Walker<T> walker) {
        this.wording = Objects.requireNonNull(wording, "wording");
        this.walker = Objects.requireNonNull(walker, "walker");
    }

    /** Reads and validates the file as the running process needs it: the schema and what running needs. */
    public T loadForRun(Path file) throws ConfigException {
        return walker.start(ConfigTree.read(file, wording), true).check();
    }

    /** Reads and validates the file against the schema alone. */
    public T load(Path file) throws ConfigException {
        return walker.start(ConfigTree.read(file, wording), false).check();
    }

    /**
     * Parses and validates config text against the schema alone. {@code source} names the file
     * in errors and is where relative paths are resolved from; it may be null.
     */
    public T parse(String text, Path source) throws ConfigException {
        return walker.start(ConfigTree.parse(text, source, wording), false).check();
    }
}
