package org.handoff.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.handoff.protocol.wire.Bytes;
import org.junit.jupiter.api.Test;

/** examples/lab/agent-origin{1,2}.yaml load, and match examples/lab/director.yaml. */
class AgentExampleConfigTest {
    @Test
    void labAgentsLoadAndMatchTheDirectorsPools() throws Exception {
        for (int i : new int[] {1, 2}) {
            Path file = Path.of("../examples/lab/agent-origin" + i + ".yaml");
            AgentConfig c = AgentConfigLoader.load(file);
            assertEquals("198.18.0.1" + i, c.listen().address().getHostAddress());
            assertEquals(7070, c.listen().port());
            assertEquals(file.toAbsolutePath().getParent().resolve("lab-handoff.key"), c.keyFile());
            assertEquals("198.18.10.1" + i, Bytes.ipv4ToString(c.handoffAddress()));
            assertEquals(List.of(new Service(Bytes.parseIpv4("198.18.0.1" + i), 80)), c.services());
            assertEquals(List.of(Bytes.parseIpv4("198.18.1.1")), c.vips());
            assertEquals(1, c.workers());
        }
    }
}
