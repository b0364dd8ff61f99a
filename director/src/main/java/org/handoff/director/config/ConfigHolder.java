package org.handoff.director.config;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.handoff.config.ConfigException;

/**
 * The current config and what is built from it (the workers' settings), behind one reference.
 * Readers call {@link #current()} once per decision and use that snapshot throughout, so a
 * reload never shows them half of an old config and half of a new one. {@link #reload()}
 * loads the file again, checks that it changes nothing the running process cannot apply,
 * builds the derived value and swaps both in at once; if any step fails the old pair stays and
 * the errors are returned.
 *
 * @param <T> what is derived from the config, e.g. the workers' settings
 */
public final class ConfigHolder<T> {
    /** A config, the value derived from it, and when they were loaded. */
    public record Loaded<T>(DirectorConfig config, T derived, Instant loadedAt) {}

    /** Reads a config file: {@code ConfigLoader.DIRECTOR.loadForRun} for a running director. */
    @FunctionalInterface
    public interface Loader {
        DirectorConfig load(Path path) throws ConfigException;
    }

    private final Path path;
    private final Loader loader;
    private final Function<DirectorConfig, T> derive;
    private final BiFunction<DirectorConfig, DirectorConfig, List<String>> unappliable;
    private final AtomicReference<Loaded<T>> current = new AtomicReference<>();
    /** The config the process started with: what was sized at start was sized for it. */
    private final DirectorConfig atStart;

    private ConfigHolder(Path path, Loader loader, Function<DirectorConfig, T> derive,
                         BiFunction<DirectorConfig, DirectorConfig, List<String>> unappliable, DirectorConfig atStart) {
        this.atStart = atStart;
        this.path = Objects.requireNonNull(path);
        this.loader = Objects.requireNonNull(loader);
        this.derive = Objects.requireNonNull(derive);
        this.unappliable = Objects.requireNonNull(unappliable);
    }

    /**
     * Loads the file for the first time.
     *
     * @param unappliable given the config the process started with and a new one, an error for
     *     each change a reload cannot apply ({@code key=new (expected: ...)}); none means the new
     *     one may replace the running one
     * @throws ConfigException with every error; nothing is running yet, so there is nothing to keep
     */
    public static <T> ConfigHolder<T> load(Path path, Loader loader, Function<DirectorConfig, T> derive,
            BiFunction<DirectorConfig, DirectorConfig, List<String>> unappliable) throws ConfigException {
        ConfigHolder<T> holder = new ConfigHolder<>(path, loader, derive, unappliable, loader.load(path));
        holder.current.set(holder.build(holder.atStart));
        return holder;
    }

    /** {@link #load} with the schema alone ({@code ConfigLoader.DIRECTOR.load}) and every change applicable. */
    public static <T> ConfigHolder<T> load(Path path, Function<DirectorConfig, T> derive) throws ConfigException {
        return load(path, ConfigLoader.DIRECTOR::load, derive, (running, next) -> List.of());
    }

    public Loaded<T> current() {
        return current.get();
    }

    public DirectorConfig config() {
        return current.get().config();
    }

    public T derived() {
        return current.get().derived();
    }

    public Path path() {
        return path;
    }

    /**
     * Loads the file again. On success the new config and derived value replace the old ones
     * and the result is empty; on failure the old ones stay and the result lists the errors:
     * the file's own, or else each change that needs a restart. One at a time: each SIGHUP
     * runs its handler on a thread of its own, and a slower reload of an older file must not
     * replace a newer one.
     */
    public synchronized List<String> reload() {
        try {
            DirectorConfig next = loader.load(path);
            List<String> refused = unappliable.apply(atStart, next);
            if (!refused.isEmpty()) {
                return refused;
            }
            current.set(build(next));
            return List.of();
        } catch (ConfigException e) {
            return e.errors();
        }
    }

    /**
     * Derives the value again from the running config, for what the derivation reads besides
     * the config and learned only at start (the kernel path's lower MSS).
     */
    public synchronized void rederive() throws ConfigException {
        current.set(build(config()));
    }

    private Loaded<T> build(DirectorConfig config) throws ConfigException {
        T derived;
        try {
            derived = derive.apply(config);
        } catch (RuntimeException e) {
            // The builders (routing table, TCP settings) word their refusals as key=value (expected: ...).
            String message = e.getMessage();
            throw new ConfigException(path, List.of(message != null && message.matches("(?s)\\S+=.* \\(expected: .*\\)")
                    ? message
                    : path.getFileName() + "=" + e.getClass().getSimpleName() + " (expected: a config the workers can be built from: "
                            + message + ")"));
        }
        return new Loaded<>(config, derived, Instant.now());
    }
}
