package org.handoff.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The parts of up that need no kernel (the rest runs in the e2e module's LabCommandTest). */
class LabRunnerTest {

    @Test
    void eachLabKeepsItsAgentsSetupStateInItsOwnDirectory() throws Exception {
        Path source = LabTopologyTest.HOME.resolve("examples/lab/agent-origin1.yaml");
        String example = Files.readString(source);
        assertTrue(example.contains("  state-file: /run/handoff-agent/origin1-setup.json\n"), "the example changed: " + source);
        String made = LabRunner.withStateFile(example, Path.of("/tmp/hb lab/origin1/agent-setup-state.json"));
        assertEquals(example.replace("  state-file: /run/handoff-agent/origin1-setup.json\n",
                "  state-file: /tmp/hb lab/origin1/agent-setup-state.json\n"), made);
        assertEquals("a: 1\nstate-file: $x\\y\n  b: 2\n", LabRunner.withStateFile("a: 1\nstate-file: old\n  b: 2\n", Path.of("$x\\y")));
    }
}
