package org.handoff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way a config can make {@code handoff director} or {@code handoff agent} refuse to start
 * is refused by {@code check-config} too, with the same message: both load through the same
 * schema ({@code loadForRun}), key file included, and nothing else checks a config. Each case
 * goes through {@code check-config} first, so a case that were valid by mistake never starts a
 * real director here.
 */
class ConfigRefusalsTest {
    static final String KEY_LINE = "1 " + "ab".repeat(32) + " send\n";

    @TempDir
    Path dir;

    /** The lab's director config with the key file the lab writes beside it at start, in {@code dir}. */
    static Path labDirectorConfig(Path dir) throws IOException {
        Path config = dir.resolve("director.yaml");
        Files.copy(Path.of("../examples/lab/director.yaml"), config);
        Files.writeString(dir.resolve("lab-handoff.key"), KEY_LINE);
        return config;
    }

    @Test
    void theDirectorAndItsCheckConfigRefuseTheSameConfigsWithTheSameMessage() throws IOException {
        String lab = Files.readString(labDirectorConfig(dir));
        Files.writeString(dir.resolve("bad.key"), "1 abcd send\n");
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("no key file", lab.replace("  key-file: lab-handoff.key", ""));
        cases.put("key file missing", lab.replace("key-file: lab-handoff.key", "key-file: absent.key"));
        cases.put("key file invalid", lab.replace("key-file: lab-handoff.key", "key-file: bad.key"));
        cases.put("no capture interface", lab.replace("  interface: eth0", "  buffer-bytes: 8MiB"));
        cases.put("IPv6 VIP", lab.replace("  - 198.18.1.1:80", "  - '[2001:2::1]:80'"));
        cases.put("IPv6 agent", once(lab, "agent: \"198.18.0.12:7070\"", "agent: \"[2001:2::12]:7070\""));
        cases.put("head longer than the receive buffer", lab.replace("limits:\n", "limits:\n  max-request-head-bytes: 64KiB\n"));
        // The loader's cross-check, not the workers' TcpSettings, refuses it: the same words both ways.
        cases.put("a window smaller than the head", lab + "tcp:\n  initial-window: 512\n");
        cases.put("a schema error", lab.replace("workers: 1", "workers: 0"));
        cases.put("not YAML", "vips: [\n");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Path file = dir.resolve("case.yaml");
            Files.writeString(file, c.getValue());
            HandoffCommandTest.Run check = HandoffCommandTest.run("director", "check-config", "--config", file.toString());
            assertEquals(1, check.exitCode(), c.getKey() + ": check-config must refuse it:\n" + check.out() + check.err());
            HandoffCommandTest.Run run = HandoffCommandTest.run("director", "--config", file.toString(),
                    "--pid-file", dir.resolve("pid").toString());
            assertEquals(1, run.exitCode(), c.getKey());
            assertEquals("handoff director: " + check.err(), run.err(), c.getKey() + ": the same message");
            assertTrue(check.err().startsWith(file + ": 1 error"), c.getKey() + ": one error, about what the case broke:\n"
                    + check.err());
            // kernel-detach reads the director's config the same way (and so touches no kernel here).
            HandoffCommandTest.Run detach = HandoffCommandTest.run("director", "kernel-detach", "--config", file.toString());
            assertEquals(1, detach.exitCode(), c.getKey());
            assertEquals(check.err(), detach.err(), c.getKey() + ": kernel-detach, the same message");
        }
    }

    /** {@code text} with the first {@code from} replaced. */
    private static String once(String text, String from, String to) {
        int at = text.indexOf(from);
        assertTrue(at >= 0, from);
        return text.substring(0, at) + to + text.substring(at + from.length());
    }

    @Test
    void theAgentAndItsCheckConfigRefuseTheSameConfigsWithTheSameMessage() throws IOException {
        Path agent = dir.resolve("agent.yaml");
        String good = String.join("\n", "listen: 198.18.0.11:7070", "key-file: agent.key", "handoff-address: 198.18.10.11",
                "services: [80]", "vips: [198.18.1.1]", "link: {state-file: setup.json}", "");
        Files.writeString(dir.resolve("agent.key"), KEY_LINE);
        Files.writeString(dir.resolve("bad.key"), "7 ab send\n");
        Files.writeString(agent, good);
        HandoffCommandTest.Run valid = HandoffCommandTest.run("agent", "check-config", "--config", agent.toString());
        assertEquals(0, valid.exitCode(), valid.err());
        assertEquals(agent + ": valid", valid.out().strip().lines().findFirst().orElse(""));
        assertTrue(valid.out().strip().lines().skip(1).findFirst().orElse("").startsWith(agent + ": datapath auto: "),
                "check-config also says which datapath the config asks for: " + valid.out());

        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("key file missing", good.replace("key-file: agent.key", "key-file: absent.key"));
        cases.put("key file invalid", good.replace("key-file: agent.key", "key-file: bad.key"));
        cases.put("no key file", good.replace("key-file: agent.key\n", ""));
        cases.put("a schema error", good.replace("services: [80]", "services: [0]"));
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Files.writeString(agent, c.getValue());
            HandoffCommandTest.Run check = HandoffCommandTest.run("agent", "check-config", "--config", agent.toString());
            assertEquals(1, check.exitCode(), c.getKey() + ": check-config must refuse it:\n" + check.out());
            HandoffCommandTest.Run run = HandoffCommandTest.run("agent", "--config", agent.toString());
            assertEquals(1, run.exitCode(), c.getKey());
            assertEquals(check.err(), run.err(), c.getKey() + ": the same message");
            assertTrue(check.err().startsWith(agent + ": 1 error"), c.getKey() + ":\n" + check.err());
        }
    }
}
