package org.handoff.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import org.handoff.host.CommandException;
import org.handoff.host.CommandResult;
import org.handoff.host.ProcessRunner;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The lab itself, on the real kernel: a bridge, two hosts, nginx, curl, tcpdump, setns, cleanup. */
@Tag("netns")
class NetnsLabTest {
    private static final ProcessRunner HOST = new ProcessRunner().timeLimit(Duration.ofSeconds(10));

    @BeforeAll
    static void needRoot() {
        assumeTrue(NetnsLab.unavailableReason().isEmpty(), () -> "skipped: " + NetnsLab.unavailableReason().orElse(""));
    }

    @Test
    void bridgeNginxCurlCaptureAndCleanup() throws Exception {
        String prefix;
        Path workDir;
        try (NetnsLab lab = NetnsLab.create()) {
            prefix = lab.prefix();
            workDir = lab.workDir();
            Netns sw = lab.namespace("sw");
            Netns client = lab.namespace("client");
            Netns server = lab.namespace("server");
            lab.bridge(sw, "br0");
            lab.linkToBridge(client, "eth0", "198.18.0.2/24", sw, "br0");
            lab.linkToBridge(server, "eth0", "198.18.0.3/24", sw, "br0");
            lab.offloadsOff(server, "eth0");
            assertTrue(lab.ip(sw, "-o", "link", "show", "master", "br0").stdout().contains("client-0"));

            Path root = lab.createDir("www");
            Files.writeString(root.resolve("hello.txt"), "hello from the lab\n", StandardCharsets.UTF_8);
            Nginx nginx = lab.startNginx(server, "198.18.0.3:80", root);

            PacketCapture cap = lab.capture(client, "eth0", "tcp port 80");
            CommandResult r = lab.curl(client, "http://198.18.0.3/hello.txt");
            assertEquals(0, r.exitCode(), r::describe);
            assertEquals("hello from the lab\n", r.stdout());
            List<PcapReader.Frame> frames = cap.stopAndRead();
            assertTrue(frames.size() >= 6, () -> "captured " + frames.size() + " frames (expected: a whole HTTP exchange)");
            assertEquals(PcapReader.LINKTYPE_ETHERNET, frames.get(0).linkType());
            assertTrue(nginx.accessLog().stream().anyMatch(l -> l.startsWith("198.18.0.2 ")), () -> "access log: " + nginx.accessLog());

            // Java code inside a namespace sees that namespace's interfaces, not the host's.
            List<String> names = lab.inNamespace(server, () -> Collections.list(NetworkInterface.getNetworkInterfaces())
                    .stream().map(NetworkInterface::getName).sorted().toList());
            assertEquals(List.of("eth0", "lo"), names);
            assertTrue(lab.inNamespace(server, () -> NetworkInterface.getByInetAddress(InetAddress.getByName("198.18.0.3")) != null));

            CommandResult bad = lab.execUnchecked(client, "ip", "route", "add", "not-an-address");
            assertFalse(bad.ok());
            CommandException e = assertThrows(CommandException.class, bad::requireOk);
            assertTrue(e.getMessage().startsWith("`ip netns exec " + client.name() + " ip route add not-an-address` exited"), e.getMessage());
            assertTrue(nginx.process().isAlive(), "nginx still running when the lab closes: the lab must stop it");
        }
        String left = HOST.run("ip", "netns", "list").stdout();
        assertFalse(left.contains(prefix), () -> "namespaces left behind: " + left);
        assertFalse(Files.exists(workDir), "work directory left behind");
    }

    @Test
    void leftoversOfADeadJvmAreRemoved() throws Exception {
        // A pid that cannot be alive: above the kernel's pid_max ceiling (2^22).
        String name = NetnsLab.NAME_PREFIX + "4194305-1-leftover";
        HOST.run("ip", "netns", "add", name).requireOk();
        try {
            assertTrue(NetnsLab.removeLeftovers().contains(name));
        } finally {
            HOST.run("ip", "netns", "del", name);
        }
    }
}
