package org.handoff.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.handoff.host.CommandResult;
import org.handoff.host.CommandRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent refuses to start, with a message naming what is missing, while the host set-up is incomplete. */
class AgentLauncherTest {
    @TempDir
    Path dir;

    @Test
    void refusesToStartWithoutTheHostSetUp() throws Exception {
        Path keys = dir.resolve("keys.conf");
        Files.writeString(keys, "7 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n");
        Path config = dir.resolve("agent.yaml");
        Files.writeString(config, String.join("\n", "listen: 198.18.0.11:7070", "key-file: keys.conf",
                "handoff-address: 198.18.10.11", "services: [80]", "vips: [198.18.1.1]",
                "link: { tun: ho-nothing0, state-file: " + dir.resolve("state.json") + " }", ""));
        List<String> commands = new ArrayList<>();
        // A host with nothing set up: every device, route and table is missing.
        CommandRunner empty = (command, stdin) -> {
            commands.add(String.join(" ", command));
            String line = String.join(" ", command);
            if (line.contains("-j") || line.contains("--json")) {
                return new CommandResult(command, line.contains("link show") ? 1 : 0, line.contains("link show") ? "" : "[]",
                        line.contains("link show") ? "Device \"ho-nothing0\" does not exist." : "");
            }
            return new CommandResult(command, 1, "", "Error: No such file or directory");
        };
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        AgentLauncher launcher = new AgentLauncher(new PrintWriter(out, true), new PrintWriter(err, true), empty);
        assertEquals(AgentLauncher.EXIT_FAILED, launcher.run(config));
        String text = err.toString();
        assertTrue(text.startsWith("agent: refusing to start: the host set-up is incomplete ("), text);
        assertTrue(text.contains("run `handoff agent setup --config " + config + "` as root first:"), text);
        assertTrue(text.contains("ho-nothing0"), text);
        assertEquals("", out.toString(), "nothing started");
        assertEquals(AgentLauncher.EXIT_FAILED, launcher.check(config));
        assertTrue(commands.stream().noneMatch(c -> c.contains(" add ") || c.contains(" del")), "check changes nothing: " + commands);
    }

    @Test
    void aMissingKeyFileIsReportedBeforeAnythingElse() throws Exception {
        Path config = dir.resolve("agent.yaml");
        Files.writeString(config, String.join("\n", "listen: 198.18.0.11:7070", "key-file: nope.conf",
                "handoff-address: 198.18.10.11", "services: [80]", "vips: [198.18.1.1]", ""));
        StringWriter err = new StringWriter();
        CommandRunner none = (command, stdin) -> {
            throw new AssertionError("no command expected: " + command);
        };
        assertEquals(AgentLauncher.EXIT_FAILED, new AgentLauncher(new PrintWriter(new StringWriter()), new PrintWriter(err, true), none)
                .run(config));
        // The loader reads the key file, so `agent check-config` refuses it with the same line.
        assertTrue(err.toString().startsWith(config + ": 1 error\n  key-file=nope.conf (expected: a readable key file: "
                + "java.nio.file.NoSuchFileException: " + dir.resolve("nope.conf") + ")"), err.toString());
    }

    @Test
    void checkConfigSaysWhichDatapathTheConfigAsksFor() throws Exception {
        Files.writeString(dir.resolve("keys.conf"), "7 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n");
        String base = String.join("\n", "listen: 198.18.0.11:7070", "key-file: keys.conf", "handoff-address: 198.18.10.11",
                "services: [80]", "vips: [198.18.1.1]", "");
        CommandRunner none = (command, stdin) -> {
            throw new AssertionError("check-config looks at no host: " + command);
        };
        List<String> lines = new ArrayList<>();
        for (String datapath : List.of("", "datapath: kernel\nkernel: { bpffs: /run/x/bpf, uplink: eth1, on-stop: drain }\n",
                "datapath: user\n")) {
            Path config = dir.resolve("agent.yaml");
            Files.writeString(config, base + datapath);
            StringWriter out = new StringWriter();
            assertEquals(AgentLauncher.EXIT_OK, new AgentLauncher(new PrintWriter(out, true), new PrintWriter(new StringWriter()), none)
                    .checkConfig(config));
            lines.add(out.toString().lines().skip(1).findFirst().orElse("").substring(config.toString().length() + 2));
        }
        assertEquals(List.of(
                "datapath auto: established flows in the kernel when the programs load and attach on the host, else the user path"
                        + " with the reason logged (`agent check` tries); maps in /run/handoff/agent/bpf, uplink the interface of"
                        + " 198.18.0.11, egress fib, on stop keep",
                "datapath kernel: established flows in the kernel, or the agent refuses to start (datapath: kernel); maps in"
                        + " /run/x/bpf, uplink eth1, egress fib, on stop drain",
                "datapath user: every packet through the agent (datapath: user)"), lines);
    }
}
