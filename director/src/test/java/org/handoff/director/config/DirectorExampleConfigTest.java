package org.handoff.director.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.handoff.config.HostPort;
import org.junit.jupiter.api.Test;

/** examples/lab/director.yaml loads, and says what the lab expects. */
class DirectorExampleConfigTest {
    static final Path LAB = Path.of("../examples/lab/director.yaml");

    @Test
    void labConfigLoads() throws Exception {
        DirectorConfig c = ConfigLoader.load(LAB);
        assertEquals(List.of(HostPort.parse("198.18.1.1:80")), c.vips());
        assertEquals(List.of("static", "video", "all"), List.copyOf(c.pools().keySet()));
        assertEquals("origin1", c.pool("static").members().get(0).server().name());
        assertEquals("198.18.0.11:7070", c.pool("static").members().get(0).server().agent().toString());
        assertEquals("198.18.0.11:80", c.pool("static").members().get(0).server().service().toString());
        assertEquals("198.18.0.12:7070", c.pool("video").members().get(0).server().agent().toString());
        assertEquals(Selection.CONSISTENT_HASH, c.pool("all").selection());
        assertEquals(2, c.pool("all").members().size());
        assertEquals(List.of("static", "video"), c.rules().stream().map(RuleConfig::name).toList());
        assertEquals("/static/", c.rules().get(0).path().pattern());
        assertEquals("/video/", c.rules().get(1).path().pattern());
        assertEquals("all", c.defaultPool());
        assertEquals(LAB.toAbsolutePath().getParent().resolve("lab-handoff.key"), c.handoff().keyFile());
    }
}
