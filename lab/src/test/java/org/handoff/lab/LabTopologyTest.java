package org.handoff.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.handoff.lab.LabTopology.Host;
import org.handoff.lab.LabTopology.Origin;
import org.handoff.lab.LabTopology.Role;
import org.junit.jupiter.api.Test;

/** The lab as described: today's standard lab exactly, other sizes by the address plan, bad settings refused. */
class LabTopologyTest {
    /** The checkout: bin/handoff and examples/lab are there. */
    static final Path HOME = Path.of("..").toAbsolutePath().normalize();
    static final Path DIR = Path.of("/tmp/handoff-lab");

    @Test
    void theStandardLabIsTodaysLab() {
        LabTopology lab = LabTopology.standard(HOME, "ho-", DIR);
        assertEquals(List.of("ho-client", "ho-director", "ho-origin1", "ho-origin2", "ho-switch"), lab.namespaces());
        assertEquals("198.18.1.1", lab.vipAddress());
        assertEquals(80, lab.vipPort());
        assertEquals("http://198.18.1.1/static/hello.txt", lab.vipUrl("/static/hello.txt"));

        Host client = lab.client();
        assertEquals(Role.CLIENT, client.role());
        assertEquals("198.18.0.100/24", client.cidr());
        assertEquals("p-client", client.bridgePort());
        assertEquals("ho-switch", client.bridgeNamespace());
        assertEquals("br0", client.bridge());
        assertEquals(List.of(List.of("198.18.1.1/32", "via", "198.18.0.1")), client.routes());
        assertEquals(List.of("tso", "gso", "tx"), client.offloadsOff());

        Host director = lab.director().host();
        assertEquals("ho-director", director.namespace());
        assertEquals("198.18.0.1/24", director.cidr());
        assertEquals(List.of("gro", "tso", "gso"), director.offloadsOff());
        assertEquals(Map.of("net.ipv4.ip_forward", "0"), director.sysctls());
        assertEquals(HOME.resolve("examples/lab/director.yaml"), lab.director().configSource());
        assertEquals(DIR.resolve("director.yaml"), lab.director().config());
        assertEquals(DIR.resolve("director.log"), lab.director().log());
        assertEquals(DIR.resolve("director.pid"), lab.director().pidFile());
        assertEquals(DIR.resolve("director.pid.run"), lab.director().runPidFile());
        assertEquals("127.0.0.1:9464", lab.director().metrics());

        assertEquals(2, lab.origins().size());
        for (int n = 1; n <= 2; n++) {
            Origin o = lab.origin(n);
            assertEquals("origin" + n, o.name());
            assertEquals("ho-origin" + n, o.host().namespace());
            assertEquals("198.18.0.1" + n, o.host().address());
            assertEquals("198.18.10.1" + n, o.handoffAddress());
            assertEquals(7070, o.agentPort());
            assertEquals("127.0.0.1:9465", o.agentMetrics());
            assertEquals(DIR.resolve("origin" + n), o.directory());
            assertEquals(DIR.resolve("origin" + n + "/www"), o.www());
            assertEquals(DIR.resolve("origin" + n + "/nginx.pid"), o.nginxPidFile());
            assertEquals(DIR.resolve("origin" + n + "/agent.pid"), o.agentPidFile());
            assertEquals(DIR.resolve("origin" + n + "/agent-setup-state.json"), o.agentSetupState());
            assertEquals(DIR.resolve("agent-origin" + n + ".yaml"), o.agentConfig());
            assertEquals(DIR.resolve("teardown-origin" + n + ".log"), o.teardownLog());
            assertEquals(HOME.resolve("examples/lab/agent-origin" + n + ".yaml"), o.agentConfigSource());
            assertTrue(Files.isRegularFile(o.agentConfigSource()), o.agentConfigSource().toString());
            assertEquals(Map.of("index.html", "<h1>origin" + n + "</h1>\n", "static/hello.txt", "hello from origin" + n + "\n",
                    "video/clip.txt", "a clip from origin" + n + "\n"), o.content());
        }
        assertTrue(Files.isRegularFile(lab.director().configSource()));
        assertEquals(DIR.resolve("lab-handoff.key"), lab.keyFile());
        assertEquals(DIR.resolve(".lab-created"), lab.manifestFile());
        assertEquals(HOME.resolve("bin/handoff"), lab.handoffCommand());
        assertEquals("ho-switch", lab.switchNamespace());
    }

    @Test
    void theEnvironmentNamesAndPlacesASecondLab() {
        LabTopology defaults = LabTopology.fromEnvironment(HOME, Map.of());
        assertEquals("ho-", defaults.prefix());
        assertEquals(DIR, defaults.directory());
        assertEquals(defaults.namespaces(), LabTopology.fromEnvironment(HOME,
                Map.of("HANDOFF_LAB_NS_PREFIX", "", "HANDOFF_LAB_DIR", "")).namespaces(), "empty is unset");

        LabTopology bench = LabTopology.fromEnvironment(HOME,
                Map.of("HANDOFF_LAB_NS_PREFIX", "hb-", "HANDOFF_LAB_DIR", "/tmp/handoff-bench-lab"));
        assertEquals(List.of("hb-client", "hb-director", "hb-origin1", "hb-origin2", "hb-switch"), bench.namespaces());
        assertEquals(Path.of("/tmp/handoff-bench-lab/origin1/www"), bench.origin(1).www());
        assertEquals("198.18.0.11", bench.origin(1).host().address(), "the same addresses: each lab is its own network");

        for (String bad : List.of("1ho", "Ho-", "ho_", "prefix-x9", "-ho")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LabTopology.fromEnvironment(HOME, Map.of("HANDOFF_LAB_NS_PREFIX", bad)));
            assertEquals("HANDOFF_LAB_NS_PREFIX=" + bad + ": want 1-8 of [a-z0-9-], a letter first", e.getMessage());
        }
        assertEquals("abcdefg-", LabTopology.fromEnvironment(HOME, Map.of("HANDOFF_LAB_NS_PREFIX", "abcdefg-")).prefix());
    }

    @Test
    void moreDirectorsOriginsAndClientsAreAParameterChange() {
        LabTopology lab = LabTopology.builder(HOME).prefix("hm-").directory(Path.of("/tmp/big-lab"))
                .clients(2).directors(2).origins(4).build();
        assertEquals(List.of("hm-client1", "hm-client2", "hm-director1", "hm-director2", "hm-origin1", "hm-origin2",
                "hm-origin3", "hm-origin4", "hm-router", "hm-switch"), lab.namespaces());
        assertEquals(List.of("198.18.2.100", "198.18.2.101", "198.18.0.1", "198.18.0.2", "198.18.0.11", "198.18.0.12",
                "198.18.0.13", "198.18.0.14", "198.18.0.254"), lab.hosts().stream().map(Host::address).toList());
        assertEquals("198.18.10.14", lab.origin(4).handoffAddress());
        assertTrue(lab.routed(), "two directors come with the router");
        assertEquals(new LabTopology.Shape(2, true), lab.shape());
        assertEquals(Path.of("/tmp/big-lab/director2.yaml"), lab.directors().get(1).config());
        assertEquals(HOME.resolve("examples/lab/director.yaml"), lab.directors().get(1).configSource(), "one example for all");
        assertEquals(Path.of("/tmp/big-lab/director2.pid"), lab.directors().get(1).pidFile());
        assertEquals(lab.directors().get(1), lab.director(2));
        assertEquals("director 3 (expected: 1..2, the lab's directors)",
                assertThrows(IllegalArgumentException.class, () -> lab.director(3)).getMessage());
        assertEquals(HOME.resolve("examples/lab/agent-origin3.yaml"), lab.origin(3).agentConfigSource());
        Set<String> ports = new HashSet<>();
        for (Host h : lab.hosts()) {
            assertTrue(ports.add(h.bridgePort()), "bridge port " + h.bridgePort() + " twice");
            assertTrue(h.bridgePort().length() <= NamespaceNetwork.MAX_INTERFACE_NAME, h.bridgePort());
        }
    }

    /**
     * A routed lab: the clients behind the router on their own subnet and bridge, the router on
     * br0 forwarding with an L4 multipath hash, each director announcing the VIP through its BIRD
     * while it holds vip0, directors and origins answering the clients through the router.
     */
    @Test
    void aRoutedLabPutsTheRouterBetweenTheClientsAndTheDirectors() {
        LabTopology lab = LabTopology.builder(HOME).prefix("hr-").directory(DIR).directors(3).build();
        assertEquals(List.of("hr-client", "hr-director1", "hr-director2", "hr-director3", "hr-origin1", "hr-origin2", "hr-router",
                "hr-switch"), lab.namespaces());

        LabTopology.Router router = lab.router();
        Host r = router.host();
        assertEquals(Role.ROUTER, r.role());
        assertEquals("hr-router", r.namespace());
        assertEquals("198.18.0.254/24", r.cidr());
        assertEquals("hr-switch", r.bridgeNamespace());
        assertEquals("br0", r.bridge());
        assertEquals("198.18.2.1/24", router.clientCidr());
        assertEquals(Map.of("net.ipv4.ip_forward", "1", "net.ipv4.fib_multipath_hash_policy", "1"), r.sysctls());
        assertEquals(List.of(), r.routes(), "its route to the VIP is BIRD's");
        assertEquals(new LabTopology.Bird(DIR.resolve("router-bird.conf"), DIR.resolve("router-bird.ctl"),
                DIR.resolve("router-bird.pid"), DIR.resolve("router-bird.log")), router.bird());

        Host client = lab.client();
        assertEquals("198.18.2.100/24", client.cidr());
        assertEquals("hr-router", client.bridgeNamespace());
        assertEquals(LabTopology.CLIENT_BRIDGE, client.bridge());
        assertEquals(List.of(List.of("198.18.1.1/32", "via", "198.18.2.1"), List.of("198.18.0.0/24", "via", "198.18.2.1")),
                client.routes());
        assertEquals(List.of("tso", "gso", "tx"), client.offloadsOff());

        for (int n = 1; n <= 3; n++) {
            LabTopology.Director d = lab.director(n);
            assertEquals("director" + n, d.name());
            assertEquals("198.18.0." + n, d.host().address());
            assertEquals("hr-switch", d.host().bridgeNamespace());
            assertEquals(Map.of("net.ipv4.ip_forward", "0"), d.host().sysctls(), "the VIP is still routed here, not local");
            assertEquals(List.of(List.of("198.18.2.0/24", "via", "198.18.0.254")), d.host().routes());
            assertEquals("vip0", d.announceDevice());
            assertEquals(DIR.resolve("director" + n + "-bird.ctl"), d.bird().controlSocket());
        }
        for (LabTopology.Origin o : lab.origins()) {
            assertEquals(List.of(List.of("198.18.2.0/24", "via", "198.18.0.254")), o.host().routes());
        }

        Map<String, String> env = lab.shellVariables();
        assertEquals("hr-router", env.get("LAB_ROUTER_NS"));
        assertEquals("198.18.0.254", env.get("LAB_ROUTER_ADDRESS"));
        assertEquals(DIR.resolve("router-bird.ctl").toString(), env.get("LAB_ROUTER_BIRD_CTL"));
        assertEquals("3", env.get("LAB_DIRECTOR_COUNT"));
        assertEquals("director1 director2 director3", env.get("LAB_DIRECTORS"));
        assertEquals("1", env.get("LAB_ROUTED"));
        assertEquals("hr-director2", env.get("LAB_DIRECTOR2_NS"));
        assertEquals("vip0", env.get("LAB_DIRECTOR2_ANNOUNCE_DEVICE"));
        assertEquals(DIR.resolve("director3-bird.ctl").toString(), env.get("LAB_DIRECTOR3_BIRD_CTL"));
        assertEquals("198.18.2.100", env.get("LAB_CLIENT_ADDRESS"));
    }

    @Test
    void oneDirectorWithTheRouterKeepsItsName() {
        LabTopology lab = LabTopology.builder(HOME).prefix("hr-").directory(DIR).router(true).build();
        assertEquals(List.of("hr-client", "hr-director", "hr-origin1", "hr-origin2", "hr-router", "hr-switch"), lab.namespaces());
        assertEquals("vip0", lab.director().announceDevice());
        assertEquals(new LabTopology.Shape(1, true), lab.shape());

        LabTopology standard = LabTopology.standard(HOME, "ho-", DIR);
        assertFalse(standard.routed());
        assertEquals(LabTopology.Shape.STANDARD, standard.shape());
        assertNull(standard.router());
        assertNull(standard.director().announceDevice());
        assertNull(standard.director().bird());
        assertFalse(standard.shellVariables().containsKey("LAB_ROUTER_NS"));
        assertEquals("0", standard.shellVariables().get("LAB_ROUTED"));
    }

    /** What up records in the lab's directory, for the actions that come without options. */
    @Test
    void theShapeIsRecordedAndReadBack() {
        assertEquals("directors=3 router=true\n", new LabTopology.Shape(3, false).render(), "three directors are routed");
        assertEquals("directors=1 router=false\n", LabTopology.Shape.STANDARD.render());
        for (LabTopology.Shape shape : List.of(LabTopology.Shape.STANDARD, new LabTopology.Shape(1, true),
                new LabTopology.Shape(9, true))) {
            assertEquals(Optional.of(shape), LabTopology.Shape.parse(shape.render()));
        }
        assertEquals(Optional.empty(), LabTopology.Shape.parse("directors=x router=true"));
        assertEquals(Optional.empty(), LabTopology.Shape.parse(""));
        assertEquals(new LabTopology.Shape(3, true), LabTopology.fromEnvironment(HOME, Map.of(), new LabTopology.Shape(3, false))
                .shape());
        assertEquals(DIR.resolve(".lab-shape"), LabTopology.standard(HOME, "ho-", DIR).shapeFile());
    }

    /** What {@code handoff lab env} prints, for scripts: every host by the name the lab gives it. */
    @Test
    void theDescriptionAsShellVariablesNamesEveryHost() {
        Map<String, String> standard = LabTopology.standard(HOME, "hb-", DIR).shellVariables();
        assertEquals("198.18.1.1", standard.get("LAB_VIP"));
        assertEquals("80", standard.get("LAB_VIP_PORT"));
        assertEquals("hb-client hb-director hb-origin1 hb-origin2 hb-switch", standard.get("LAB_NAMESPACES"));
        assertEquals("hb-director", standard.get("LAB_DIRECTOR_NS"));
        assertEquals("198.18.0.1", standard.get("LAB_DIRECTOR_ADDRESS"));
        assertEquals(DIR.resolve("director.pid").toString(), standard.get("LAB_DIRECTOR_PID_FILE"));
        assertEquals("127.0.0.1:9464", standard.get("LAB_DIRECTOR_METRICS"));
        assertEquals("198.18.0.12", standard.get("LAB_ORIGIN2_ADDRESS"));
        assertEquals(DIR.resolve("origin1/www").toString(), standard.get("LAB_ORIGIN1_WWW"));
        assertEquals(DIR.resolve("origin2/access.log").toString(), standard.get("LAB_ORIGIN2_ACCESS_LOG"));
        assertEquals(DIR.resolve("origin1/agent.pid").toString(), standard.get("LAB_ORIGIN1_AGENT_PID_FILE"));
        assertEquals("7070", standard.get("LAB_ORIGIN1_AGENT_PORT"));

        Map<String, String> big = LabTopology.builder(HOME).prefix("hm-").directory(Path.of("/tmp/big-lab"))
                .clients(2).directors(2).origins(4).build().shellVariables();
        assertEquals("hm-director2", big.get("LAB_DIRECTOR2_NS"));
        assertEquals("198.18.2.101", big.get("LAB_CLIENT2_ADDRESS"));
        assertEquals("198.18.0.14", big.get("LAB_ORIGIN4_ADDRESS"));
        for (String name : big.keySet()) {
            assertTrue(name.matches("[A-Z][A-Z0-9_]*"), "a shell variable name: " + name);
        }
    }

    @Test
    void theAddressPlanBoundsTheCounts() {
        assertEquals("directors=10 (expected: 1..9, the lab's address plan)", assertThrows(IllegalArgumentException.class,
                () -> LabTopology.builder(HOME).directors(10).build()).getMessage());
        assertEquals("origins=0 (expected: 1..89, the lab's address plan)", assertThrows(IllegalArgumentException.class,
                () -> LabTopology.builder(HOME).origins(0).build()).getMessage());
        assertEquals("clients=101 (expected: 1..100, the lab's address plan)", assertThrows(IllegalArgumentException.class,
                () -> LabTopology.builder(HOME).clients(101).build()).getMessage());
        assertEquals(89, LabTopology.builder(HOME).origins(89).build().origins().size());
    }
}
