package org.handoff.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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

    /** A routed lab's directors run the one example config with capture.announce-device added under capture:. */
    @Test
    void aRoutedLabsDirectorsGetTheAnnounceDevice() throws Exception {
        String example = Files.readString(LabTopologyTest.HOME.resolve("examples/lab/director.yaml"));
        String made = LabRunner.withAnnounceDevice(example, "vip0");
        assertEquals(example.replace("capture:\n", "capture:\n  announce-device: vip0    # written by handoff lab: BIRD"
                + " announces the VIP while the director holds it\n"), made);
        assertEquals(example, LabRunner.withAnnounceDevice(example, null), "unchanged without a router");
        LabException none = assertThrows(LabException.class, () -> LabRunner.withAnnounceDevice("vips: []\n", "vip0"));
        assertEquals("the director's config has no 'capture:' section to add announce-device to", none.getMessage());
    }

    /** What ip -j route show prints for the router's VIP: one next hop, several (ECMP), or none. */
    @Test
    void theRoutersNextHopsAreReadFromIpRoute() {
        assertEquals(List.of("198.18.0.1"), LabRunner.routeGateways(
                "[{\"dst\":\"198.18.1.1\",\"gateway\":\"198.18.0.1\",\"dev\":\"eth0\",\"protocol\":\"bird\",\"metric\":32,"
                        + "\"flags\":[]}]"));
        assertEquals(List.of("198.18.0.1", "198.18.0.2", "198.18.0.3"), LabRunner.routeGateways(
                "[{\"dst\":\"198.18.1.1\",\"protocol\":\"bird\",\"metric\":32,\"flags\":[],\"nexthops\":["
                        + "{\"gateway\":\"198.18.0.1\",\"dev\":\"eth0\",\"weight\":1,\"flags\":[]},"
                        + "{\"gateway\":\"198.18.0.2\",\"dev\":\"eth0\",\"weight\":1,\"flags\":[]},"
                        + "{\"gateway\":\"198.18.0.3\",\"dev\":\"eth0\",\"weight\":1,\"flags\":[]}]}]"));
        assertEquals(List.of(), LabRunner.routeGateways("[]"));
    }

    /** birdc show protocols, as BIRD 2.0.12 prints it: the BGP sessions by name, their state and info. */
    @Test
    void theSessionsAreReadFromBirdc() {
        String shown = String.join("\n",
                "BIRD 2.0.12 ready.",
                "Name       Proto      Table      State  Since         Info",
                "device1    Device     ---        up     18:02:06.873  ",
                "kernel1    Kernel     master4    up     18:02:06.873  ",
                "bfd1       BFD        ---        up     18:02:06.873  ",
                "director1  BGP        ---        up     18:02:07.754  Established   ",
                "director2  BGP        ---        start  18:18:32.771  Active        Socket: Connection refused",
                "director3  BGP        ---        start  18:18:32.771  Connect",
                "");
        assertEquals(Map.of("director1", "up Established", "director2", "start Active        Socket: Connection refused",
                "director3", "start Connect"), LabRunner.bgpSessions(shown));
        assertEquals(Map.of(), LabRunner.bgpSessions(""));
    }
}
