package org.handoff.director.config;

import static org.handoff.director.config.ConfigLoaderTest.POOLS;
import static org.handoff.director.config.ConfigLoaderTest.errors;
import static org.handoff.director.config.ConfigLoaderTest.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.handoff.config.ConfigException;
import org.handoff.config.HostPort;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster section: off by default, the brief's timeouts, every refusal with name=value, and its files read for a run. */
class ClusterConfigTest {
    static final String BASE = POOLS + "default-pool: all\n";
    static final String TCP = BASE + String.join("\n",
            "cluster:",
            "  enabled: true",
            "  director-id: 2",
            "  bind: 198.19.10.12",
            "  transport: tcp",
            "  members: [198.19.10.11:7800, 198.19.10.12:7800]",
            "  keystore: gossip.p12",
            "  keystore-password-file: gossip.pass",
            "  key-file: gossip.key",
            "");

    @TempDir
    Path dir;

    @Test
    void offByDefaultWithFastFailureDetection() throws Exception {
        Cluster c = parse(BASE).cluster();
        assertFalse(c.enabled());
        assertEquals(Duration.ofMillis(1500), c.failureTimeout(), "not JGroups' 40 s");
        assertEquals(Duration.ofMillis(250), c.failureInterval());
        assertEquals(Duration.ofMillis(100), c.suspectVerify());
        assertEquals(Duration.ofMinutes(5), c.secretRotation());
    }

    @Test
    void aTcpGroupWithItsStaticMembers() throws Exception {
        Cluster c = parse(TCP).cluster();
        assertTrue(c.enabled());
        assertEquals(2, c.directorId());
        assertEquals(Cluster.Transport.TCP, c.transport());
        assertEquals(List.of(HostPort.parse("198.19.10.11:7800"), HostPort.parse("198.19.10.12:7800")), c.members());
        assertEquals(7800, c.port());
        assertEquals(null, c.keys(), "files are read for a run only");
    }

    @Test
    void refusalsNameTheValueAndWhatIsExpected() {
        assertEquals(List.of("cluster.director-id=<missing> (expected: this director's id in the group, 1..65535, unique among the directors)"),
                errors(TCP.replace("  director-id: 2\n", "")));
        assertEquals(List.of("cluster.director-id=70000 (expected: an integer 1..65535)"), errors(TCP.replace("director-id: 2", "director-id: 70000")));
        assertEquals(List.of("cluster.members=[\"198.19.10.11:7800\"] (expected: a list that includes this director, 198.19.10.12:7800 "
                + "(cluster.bind:cluster.port))"), errors(TCP.replace(", 198.19.10.12:7800]", "]")));
        assertEquals(List.of("cluster.members=[\"198.19.10.11:7800\",\"198.19.10.12:7800\"] (expected: no members with transport udp "
                + "(members find each other by multicast))"), errors(TCP.replace("transport: tcp", "transport: udp")));
        assertEquals(List.of("cluster.multicast=198.19.20.1:45600 (expected: an IPv4 multicast group:port (224.0.0.0/4), e.g. 239.19.20.1:45600)"),
                errors(TCP.replace("transport: tcp", "transport: udp").replace("  members: [198.19.10.11:7800, 198.19.10.12:7800]\n",
                        "  multicast: 198.19.20.1:45600\n")));
        assertEquals(List.of("cluster.transport=sctp (expected: udp or tcp)"), errors(TCP.replace("transport: tcp", "transport: sctp")));
        assertEquals(List.of("cluster.key-file=<missing> (expected: the key file that seals ownership announcements (the hand-off key "
                + "file format, docs/handoff-protocol.md section 4), relative to the config file's folder)"),
                errors(TCP.replace("  key-file: gossip.key\n", "")));
        assertEquals(List.of("cluster.failure-interval=1s (expected: at most half of cluster.failure-timeout=1500ms: one lost heartbeat "
                + "must not make a live director a suspect)"), errors(TCP + "  failure-interval: 1s\n"));
        assertEquals(List.of("cluster.secret-rotation=1m (expected: a duration 2m..24h written like 50ms, 2s, 5m)"),
                errors(TCP + "  secret-rotation: 1m\n"));
        assertEquals(List.of("cluster.gossip=1 (expected: a known key: enabled, director-id, name, bind, transport, multicast, port, "
                + "members, key-exchange-port, peer-port, keystore, keystore-password-file, key-file, failure-timeout, failure-interval, "
                + "suspect-verify, join-timeout, state-timeout, secret-rotation, orphan-expiry, replay-window)"),
                errors(BASE + "cluster:\n  gossip: 1\n"), "a disabled section is checked too");
    }

    @Test
    void aRunReadsTheKeyFileThePasswordAndTheKeyStore() throws Exception {
        Files.writeString(dir.resolve("handoff.key"), "1 " + "ab".repeat(32) + " send\n");
        Files.writeString(dir.resolve("gossip.key"), "1 " + "cd".repeat(32) + " send\n");
        Files.writeString(dir.resolve("gossip.pass"), "right-password\n");
        org.handoff.director.cluster.ClusterKeystores.generate(dir.resolve("gossip.p12"), "right-password");
        String run = TCP + "handoff:\n  key-file: handoff.key\ncapture:\n  interface: eth0\n";
        Path file = dir.resolve("director.yaml");
        Files.writeString(file, run);
        Cluster c = ConfigLoader.DIRECTOR.loadForRun(file).cluster();
        assertNotNull(c.keys());
        assertEquals("right-password", new String(c.keystorePassword()));

        Files.writeString(dir.resolve("gossip.pass"), "wrong-password\n");
        List<String> wrong = assertThrows(ConfigException.class, () -> ConfigLoader.DIRECTOR.loadForRun(file)).errors();
        assertEquals(1, wrong.size(), wrong.toString());
        assertTrue(wrong.get(0).startsWith("cluster.keystore=gossip.p12 (expected: a valid PKCS12 key store with one private key, "
                + "opened by the password file: "), wrong.get(0));
        Files.writeString(dir.resolve("gossip.pass"), "right-password\n");
        Files.writeString(dir.resolve("gossip.key"), "1 abcd send\n");
        List<String> badKey = assertThrows(ConfigException.class, () -> ConfigLoader.DIRECTOR.loadForRun(file)).errors();
        assertTrue(badKey.get(0).startsWith("cluster.key-file=gossip.key (expected: a valid key file: "), badKey.toString());
    }
}
