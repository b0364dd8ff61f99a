package org.handoff.director.config;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * The current config and what is built from it (the routing table), behind one reference.
 * Readers call {@link #current()} once per decision and use that snapshot throughout, so a
 * reload never shows them half of an old config and half of a new one. {@link #reload()}
 * loads the file again, builds the derived value and swaps both in at once; if either step
 * fails the old pair stays and the errors are returned.
 *
 * @param <T> what is derived from the config, e.g. {@code RoutingTable}
 */
public final class ConfigHolder<T> {
    /** A config, the value derived from it, and when they were loaded. */
    public record Loaded<T>(DirectorConfig config, T derived, Instant loadedAt) {}

    private final Path path;
    private final Function<DirectorConfig, T> derive;
    private final AtomicReference<Loaded<T>> current = new AtomicReference<>();

    private ConfigHolder(Path path, Function<DirectorConfig, T> derive) {
        this.path = path;
        this.derive = derive;
    }

    /**
     * Loads the file for the first time.
     *
     * @throws ConfigException with every error; nothing is running yet, so there is nothing to keep
     */
    public static <T> ConfigHolder<T> load(Path path, Function<DirectorConfig, T> derive) throws ConfigException {
        ConfigHolder<T> holder = new ConfigHolder<>(Objects.requireNonNull(path), Objects.requireNonNull(derive));
        holder.current.set(holder.build());
        return holder;
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
     * and the result is empty; on failure the old ones stay and the result lists the errors.
     */
    public List<String> reload() {
        try {
            current.set(build());
            return List.of();
        } catch (ConfigException e) {
            return e.errors();
        }
    }

    private Loaded<T> build() throws ConfigException {
        DirectorConfig config = ConfigLoader.load(path);
        T derived;
        try {
            derived = derive.apply(config);
        } catch (RuntimeException e) {
            throw new ConfigException(path, List.of("(derived)=" + e.getClass().getSimpleName()
                    + " (expected: a config the routing table accepts: " + e.getMessage() + ")"));
        }
        return new Loaded<>(config, derived, Instant.now());
    }
}
