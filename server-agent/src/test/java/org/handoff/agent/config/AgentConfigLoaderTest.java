package org.handoff.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.handoff.agent.kernel.AgentKernelConfig.EgressMode;
import org.handoff.agent.setup.AgentNetworkConfig;
import org.handoff.config.ConfigException;
import org.handoff.protocol.wire.Bytes;
import org.junit.jupiter.api.Test;

class AgentConfigLoaderTest {
    private static final String MINIMAL = String.join("\n",
            "listen: 198.18.0.11:7070",
            "key-file: keys.conf",
            "handoff-address: 198.18.10.11",
            "services: [80]",
            "vips: [198.18.1.1]", "");

    @Test
    void minimalConfigGetsTheDefaults() throws Exception {
        AgentConfig c = AgentConfigLoader.AGENT.parse(MINIMAL, Path.of("/etc/handoff/agent.yaml"));
        assertEquals(7070, c.listen().port());
        assertEquals(Path.of("/etc/handoff/keys.conf"), c.keyFile(), "relative to the config's folder");
        assertEquals(Bytes.parseIpv4("198.18.10.11"), c.handoffAddress());
        assertEquals(List.of(new Service(0, 80)), c.services());
        assertEquals(List.of(Bytes.parseIpv4("198.18.1.1")), c.vips());
        assertEquals(new AgentConfig.Link("ho-tun0", 100, 100, 1500, true, LinkOffload.AUTO,
                AgentNetworkConfig.DEFAULT_STATE_FILE), c.link());
        assertEquals(100_000, c.maxFlows());
        assertEquals(64, c.maxBufferedPackets());
        assertEquals(Duration.ofMillis(500), c.connectTimeout());
        assertEquals(Duration.ofMinutes(5), c.flowIdle());
        assertEquals(Duration.ofSeconds(2), c.closeLinger());
        assertEquals(Duration.ofSeconds(2), c.drain());
        assertEquals(Duration.ofSeconds(2), c.replayWindow());
        assertEquals(Duration.ofMillis(500), c.replaySkew());
        assertEquals(65_536, c.replayCapacity());
        assertEquals(1, c.workers());
        assertEquals("127.0.0.1", c.metricsListen().address().getHostAddress());
        assertEquals(9465, c.metricsListen().port());
        assertEquals(Datapath.AUTO, c.datapath());
        assertEquals(new KernelSettings(Path.of("/run/handoff/agent/bpf"), null, EgressMode.FIB, KernelSettings.OnStop.KEEP,
                Duration.ofSeconds(10)), c.kernel());
        AgentNetworkConfig n = c.network();
        assertEquals("198.18.10.11", n.handoffAddress());
        assertEquals(List.of(80), n.serverPorts());
        assertEquals(List.of("198.18.1.1"), n.vips());
    }

    @Test
    void everyErrorIsReportedTogetherWithItsPathValueAndExpectation() {
        String text = String.join("\n",
                "listen: 198.18.0.11:70000",
                "handoff-address: 198.18.1.1",
                "services: [80, '198.18.0.11:80', 80, 'x:1']",
                "vips: [198.18.1.1, 198.18.1.1]",
                "link: { tun: this-name-is-too-long, table: 254, mtu: 100, offload: fast, colour: blue }",
                "limits: { max-flows: 0 }",
                "timeouts: { connect: 5, flow-idle: 2d, close-linger: 61s }",
                "replay: { window: 50ms, capacity: 10 }",
                "workers: many",
                "metrics: { listen: localhost:9465 }",
                "extra: 1", "");
        ConfigException e = assertThrows(ConfigException.class, () -> AgentConfigLoader.AGENT.parse(text, null));
        List<String> errors = e.errors();
        List<String> expected = List.of(
                "extra=1 (expected: a known key: listen, key-file, handoff-address, services, vips, link, limits, timeouts, replay, workers, metrics, datapath, kernel)",
                "listen=198.18.0.11:70000 (expected: IPv4 a.b.c.d:port with port 1..65535)",
                "key-file=<missing> (expected: the path of the shared key file (docs/handoff-protocol.md section 4))",
                "services[2]=80 (expected: a service not already listed)",
                "services[3]=x:1 (expected: a port 1..65535 or IPv4 a.b.c.d:port with port 1..65535)",
                "vips[1]=198.18.1.1 (expected: a VIP not already listed at vips[0])",
                "link.colour=blue (expected: a known key: tun, table, rule-priority, mtu, conntrack-exemption, offload, state-file)",
                "link.tun=this-name-is-too-long (expected: an interface name of 1..15 of [A-Za-z0-9_.-])",
                "link.table=254 (expected: 1..2147483647 except 253..255, the kernel's own tables)",
                "link.mtu=100 (expected: an integer 576..65535)",
                "link.offload=fast (expected: auto, split or off)",
                "limits.max-flows=0 (expected: an integer 1..10000000)",
                "timeouts.connect=5 (expected: a duration 10ms..30s written like 500ms, 2s, 5m)",
                "timeouts.flow-idle=2d (expected: a duration 1s..24h written like 500ms, 2s, 5m)",
                "timeouts.close-linger=61s (expected: a duration 0s..60s written like 500ms, 2s, 5m)",
                "replay.window=50ms (expected: a duration 100ms..60s written like 500ms, 2s, 5m)",
                "replay.capacity=10 (expected: an integer 1024..16777216)",
                "workers=many (expected: an integer 1..64)",
                "metrics.listen=localhost:9465 (expected: IPv4 a.b.c.d:port with port 1..65535)",
                "handoff-address=198.18.1.1 (expected: an address apart from every VIP (it is also in vips))");
        assertEquals(expected, errors);
        assertTrue(e.getMessage().startsWith("agent config: 20 errors\n  extra=1"), e.getMessage());
    }

    @Test
    void datapathAndKernelSectionAreReadAndEveryErrorNamesItsKey() throws Exception {
        AgentConfig c = AgentConfigLoader.AGENT.parse(MINIMAL + "datapath: kernel\n"
                + "kernel: { bpffs: bpf, uplink: eth0, egress: tun-ingress, on-stop: drain, restart-grace: 30s }\n",
                Path.of("/srv/agent/agent.yaml"));
        assertEquals(Datapath.KERNEL, c.datapath());
        assertEquals(new KernelSettings(Path.of("/srv/agent/bpf"), "eth0", EgressMode.TUN_INGRESS, KernelSettings.OnStop.DRAIN,
                Duration.ofSeconds(30)), c.kernel(), "bpffs relative to the config's folder");
        assertEquals(Datapath.USER, AgentConfigLoader.AGENT.parse(MINIMAL + "datapath: user\n", null).datapath());

        String text = MINIMAL + "datapath: fast\n"
                + "kernel: { bpffs: /sys/fs/bpf/handoff, uplink: an-interface-name-too-long, egress: xdp, on-stop: never, restart-grace: 1h, colour: 1 }\n";
        ConfigException e = assertThrows(ConfigException.class, () -> AgentConfigLoader.AGENT.parse(text, null));
        assertEquals(List.of(
                "datapath=fast (expected: auto, kernel or user)",
                "kernel.colour=1 (expected: a known key: bpffs, uplink, egress, on-stop, restart-grace)",
                "kernel.bpffs=/sys/fs/bpf/handoff (expected: a directory outside /sys (ip netns exec remounts /sys, so pins there are"
                        + " not the agent's))",
                "kernel.uplink=an-interface-name-too-long (expected: an interface name of 1..15 of [A-Za-z0-9_.-])",
                "kernel.egress=xdp (expected: fib or tun-ingress)",
                "kernel.on-stop=never (expected: keep or drain)",
                "kernel.restart-grace=1h (expected: a duration 0s..5m written like 500ms, 2s, 5m)"), e.errors());
    }

    @Test
    void offloadTakesAutoSplitOrOffAndOnlyAutoAsksForTheForwardingSetUp() throws Exception {
        for (LinkOffload o : LinkOffload.values()) {
            AgentConfig c = AgentConfigLoader.AGENT.parse(MINIMAL + "link: { offload: " + o.yaml() + " }\n", null);
            assertEquals(o, c.link().offload());
            assertEquals(o == LinkOffload.AUTO, c.network().forwarding(), o.yaml());
        }
        assertEquals(LinkOffload.OFF, AgentConfigLoader.AGENT.parse(MINIMAL + "link: { offload: 'off' }\n", null).link().offload());
    }

    @Test
    void emptyAndMalformedFilesAreRefused() {
        assertTrue(assertThrows(ConfigException.class, () -> AgentConfigLoader.AGENT.parse("", null)).errors().get(0)
                .startsWith("(root)=<empty> (expected: a mapping"));
        assertTrue(assertThrows(ConfigException.class, () -> AgentConfigLoader.AGENT.parse("a: 1\na: 2\n", null)).errors().get(0)
                .contains("Duplicate field 'a'"));
        assertTrue(assertThrows(ConfigException.class, () -> AgentConfigLoader.AGENT.load(Path.of("/nonexistent/agent.yaml")))
                .errors().get(0).startsWith("file=/nonexistent/agent.yaml (expected: a readable file"));
    }

    @Test
    void servicesTakePortsOrAddressAndPort() throws Exception {
        AgentConfig c = AgentConfigLoader.AGENT.parse(MINIMAL.replace("services: [80]", "services: ['198.18.0.11:80', 8080, '443']")
                .replace("vips: [198.18.1.1]", "vips: ['198.18.1.1:80', 198.18.1.2]"), null);
        assertEquals(List.of(new Service(Bytes.parseIpv4("198.18.0.11"), 80), new Service(0, 8080), new Service(0, 443)),
                c.services());
        assertTrue(c.services().get(0).matches(Bytes.parseIpv4("198.18.0.11"), 80));
        assertTrue(!c.services().get(0).matches(Bytes.parseIpv4("198.18.0.12"), 80));
        assertTrue(c.services().get(1).matches(Bytes.parseIpv4("198.18.0.12"), 8080));
        assertEquals(List.of(80, 8080, 443), c.serverPorts());
        assertEquals(List.of(Bytes.parseIpv4("198.18.1.1"), Bytes.parseIpv4("198.18.1.2")), c.vips());
    }
}
