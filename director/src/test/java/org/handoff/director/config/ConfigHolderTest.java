package org.handoff.director.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.handoff.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigHolderTest {
    @TempDir
    Path dir;

    @Test
    void reloadSwapsOnSuccessAndKeepsTheOldConfigOnErrors() throws Exception {
        Path file = dir.resolve("director.yaml");
        Files.writeString(file, ConfigLoaderTest.POOLS + "default-pool: all\n");
        ConfigHolder<String> holder = ConfigHolder.load(file, c -> "table for " + c.defaultPool());
        ConfigHolder.Loaded<String> first = holder.current();
        assertEquals("table for all", holder.derived());

        Files.writeString(file, ConfigLoaderTest.POOLS + "default-pool: static\n");
        assertEquals(List.of(), holder.reload());
        assertEquals("static", holder.config().defaultPool());
        assertEquals("table for static", holder.derived());

        ConfigHolder.Loaded<String> good = holder.current();
        Files.writeString(file, ConfigLoaderTest.POOLS + "default-pool: missing\nworkers: 0\n");
        assertEquals(List.of("default-pool=missing (expected: one of the pools: static, all)",
                "workers=0 (expected: an integer 1..1024)"), holder.reload());
        assertSame(good, holder.current());
        assertEquals(first.config().vips(), holder.config().vips());
    }

    @Test
    void aFailingDerivationKeepsTheOldPair() throws Exception {
        Path file = dir.resolve("director.yaml");
        Files.writeString(file, ConfigLoaderTest.POOLS + "default-pool: all\n");
        ConfigHolder<String> holder = ConfigHolder.load(file, c -> {
            if (c.defaultPool().equals("static")) {
                throw new IllegalArgumentException("no");
            }
            return c.defaultPool();
        });
        Files.writeString(file, ConfigLoaderTest.POOLS + "default-pool: static\n");
        assertEquals(List.of("director.yaml=IllegalArgumentException (expected: a config the workers can be built from: no)"),
                holder.reload());
        assertEquals("all", holder.derived());
        // A builder that words its refusal as key=value is quoted as it is.
        Files.writeString(file, ConfigLoaderTest.POOLS + "default-pool: all\n");
        ConfigHolder<String> worded = ConfigHolder.load(file, c -> {
            if (c.defaultPool().equals("static")) {
                throw new IllegalArgumentException("default-pool=static (expected: a pool with servers)");
            }
            return c.defaultPool();
        });
        Files.writeString(file, ConfigLoaderTest.POOLS + "default-pool: static\n");
        assertEquals(List.of("default-pool=static (expected: a pool with servers)"), worded.reload());
        assertEquals("all", worded.derived());
    }

    @Test
    void firstLoadThrows() throws Exception {
        Path file = dir.resolve("absent.yaml");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigHolder.load(file, c -> c));
        assertEquals(1, e.errors().size());
        assertEquals(file, e.source());
    }
}
