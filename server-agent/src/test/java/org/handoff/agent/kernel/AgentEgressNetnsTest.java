package org.handoff.agent.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Random;
import org.handoff.agent.kernel.AgentKernelConfig.EgressMode;
import org.handoff.bpf.BpfObject;
import org.handoff.bpf.Interfaces;
import org.handoff.bpf.TcAttachment;
import org.handoff.host.CommandResult;
import org.handoff.protocol.transform.FlowTransform;
import org.handoff.protocol.wire.Bytes;
import org.handoff.testkit.Netns;
import org.handoff.testkit.NetnsLab;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The egress program on the real kernel: a server's replies leave its stack into a TUN (the
 * agent's {@code from H} rule and table), {@code agent_egress} on the TUN's egress rewrites them
 * and sends them out of eth0 by its FIB lookup ({@link EgressMode#FIB}), and a real TCP client in
 * another namespace receives a 4 MB download byte-exact with no checksum error, with the origin's
 * eth0 offloads on (GSO super-packets cross the veth whole) and off (the kernel cuts and
 * checksums them after the redirect). No user space reads the TUN: every packet of the flow goes
 * through the program, and the TUN's queue stays empty.
 *
 * <p>The transform changes the source address only (H to the VIP), with d = 0 and no timestamps:
 * the client namespace turns the VIP back into H statelessly (nft, before conntrack), so its
 * socket, which talks to H, takes the packets. A transform with offsets needs the client's
 * packets rewritten the other way (the director's encapsulation and {@code agent_ingress}); the
 * rewrite's fields are held to PacketRewriter by {@link AgentProgramsTest}. What this shows is
 * the path: a super-packet rewritten once before segmentation, the partial checksum kept right
 * through the pseudo-header update, the L3 packet given a link header and sent on.
 */
@Tag("netns")
class AgentEgressNetnsTest {
    private static final String C = "198.18.60.1";
    private static final String O = "198.18.60.2";
    private static final String H = "198.18.61.1";
    private static final String VIP = "198.18.62.1";
    private static final String TUN = "ho-tun0";
    private static final int CLIENT_PORT = 40_000;
    private static final int BODY = 4 << 20;
    private static final int MSS = 1448;

    @BeforeAll
    static void needRoot() {
        Optional<String> unavailable = NetnsLab.unavailableReason("nginx", "curl", "nft", "ethtool", "nstat");
        assumeTrue(unavailable.isEmpty(), () -> "skipped: " + unavailable.orElse(""));
    }

    @ParameterizedTest(name = "origin eth0 offloads {0}")
    @ValueSource(strings = {"on", "off"})
    void aDownloadLeavesThroughTheProgramByteExact(String offloads) throws Exception {
        try (NetnsLab lab = NetnsLab.create(); BpfObject egress = BpfObject.openResource("agent_egress.bpf.o")) {
            Netns client = lab.namespace("client");
            Netns origin = lab.namespace("origin");
            lab.veth(client, "eth0", C + "/24", origin, "eth0", O + "/24");
            lab.route(client, H + "/32", "via", O);
            CommandResult nft = lab.execWithInput(client, String.join("\n",
                    "table ip vip_to_h {",
                    "  chain pre {",
                    "    type filter hook prerouting priority raw;",
                    "    ip saddr " + VIP + " notrack ip saddr set " + H,
                    "  }",
                    "}", ""), "nft", "-f", "-");
            assertTrue(nft.ok(), nft::describe);
            if (offloads.equals("off")) {
                lab.offloadsOff(origin, "eth0");
            }
            // The agent's routing: replies from H go into the TUN (no reader attached).
            lab.address(origin, "lo", H + "/32");
            lab.ip(origin, "tuntap", "add", "dev", TUN, "mode", "tun");
            lab.ip(origin, "link", "set", TUN, "up");
            lab.route(origin, "default", "dev", TUN, "table", "100");
            lab.ip(origin, "rule", "add", "from", H, "lookup", "100");
            // The FIB lookup answers as the forward path would: forwarding on where the packet "arrives".
            lab.sysctl(origin, "net.ipv4.conf." + TUN + ".forwarding", "1");

            Path www = lab.createDir("www");
            byte[] body = new byte[BODY];
            new Random(13).nextBytes(body);
            Files.write(www.resolve("data.bin"), body);
            lab.startNginx(origin, H + ":80", www);

            egress.load();
            ByteBuffer zero = ByteBuffer.allocateDirect(4);
            ByteBuffer config = ByteBuffer.allocateDirect(AgentKernelConfig.LENGTH);
            egress.map("agent_config").update(zero, new AgentKernelConfig().wrap(config).entry(0, EgressMode.FIB, 0).buffer());
            FlowTransform f = FlowTransform.builder().client(Bytes.parseIpv4(C), CLIENT_PORT).vip(Bytes.parseIpv4(VIP), 80)
                    .server(Bytes.parseIpv4(H), 80).build();
            ByteBuffer key = ByteBuffer.allocateDirect(EgressFlowKey.LENGTH);
            ByteBuffer value = ByteBuffer.allocateDirect(EgressFlowValue.LENGTH);
            EgressFlowValue state = new EgressFlowValue().wrap(value);
            egress.map("agent_egress_flows").update(new EgressFlowKey().wrap(key).flow(f).buffer(),
                    state.entry(f, false, 0, 0, 0, 0).buffer());

            TcAttachment attached = lab.inNamespace(origin, () -> TcAttachment.attach(Interfaces.indexOf(TUN),
                    TcAttachment.Direction.EGRESS, egress.program("agent_egress"), 1, 1));
            try {
                Path got = lab.workDir().resolve("got.bin");
                CommandResult curl = lab.curl(client, "--local-port", Integer.toString(CLIENT_PORT), "-o", got.toString(),
                        "-w", "%{http_code}", "http://" + H + "/data.bin");
                assertTrue(curl.ok(), curl::describe);
                assertEquals("200", curl.stdout().strip());
                assertArrayEquals(body, Files.readAllBytes(got), "the body, byte-exact");
            } finally {
                lab.inNamespace(origin, () -> {
                    attached.close();
                    return null;
                });
            }
            assertEquals("0", lab.nstat(client, "TcpInCsumErrors"), "no checksum error at the client");
            assertEquals("0", lab.nstat(client, "IpExtInCsumErrors"));

            long rewritten = egress.map("agent_counters").counter(AgentKernelCounter.EGRESS_REWRITTEN.index());
            long segments = Long.parseLong(lab.nstat(client, "TcpInSegs"));
            assertEquals(0, egress.map("agent_counters").counter(AgentKernelCounter.EGRESS_NO_ROUTE.index()));
            assertEquals(0, egress.map("agent_counters").counter(AgentKernelCounter.EGRESS_NO_FLOW.index()),
                    "every packet from H:80 was the flow's");
            assertTrue(rewritten > 0, "rewritten: " + rewritten);
            // Super-packets were rewritten once each: fewer rewrites than MSS-sized pieces of the body.
            assertTrue(rewritten < BODY / MSS, "rewritten " + rewritten + " packets for " + BODY / MSS + " segments' worth");
            if (offloads.equals("off")) {
                assertTrue(segments >= BODY / MSS, "the kernel cut them after the redirect: the client took " + segments + " segments");
            }
            String tunStats = lab.ip(origin, "-s", "link", "show", TUN).stdout();
            assertTrue(tunStats.matches("(?s).*TX:.*?\\n\\s+0\\s+0\\s.*"), "nothing queued on the TUN: " + tunStats);

            assertTrue(egress.map("agent_egress_flows").lookup(key, value));
            assertEquals(0x11, state.tcpFlagsSeen() & 0x11, "ACK and FIN went through the program: " + state);
            System.out.println("AgentEgressNetnsTest offloads " + offloads + ": " + rewritten + " packets rewritten, the client took "
                    + segments + " segments; " + state);
        }
    }
}
