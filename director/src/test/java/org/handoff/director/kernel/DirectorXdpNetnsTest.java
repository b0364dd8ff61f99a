package org.handoff.director.kernel;

import static org.handoff.director.kernel.DirectorXdpHarness.ETHERNET_HEADER_LENGTH;
import static org.handoff.director.kernel.DirectorXdpHarness.XDP_PASS;
import static org.handoff.director.kernel.DirectorXdpHarness.XDP_REDIRECT;
import static org.handoff.director.kernel.DirectorXdpHarness.XDP_TX;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.List;
import org.handoff.bpf.Interfaces;
import org.handoff.bpf.TestRunResult;
import org.handoff.bpf.XdpAttachment;
import org.handoff.bpf.XdpAttachment.XdpMode;
import org.handoff.director.io.LinkDecoder;
import org.handoff.director.io.RawSocketSink;
import org.handoff.protocol.checksum.InternetChecksum;
import org.handoff.protocol.testing.GoldenVectors;
import org.handoff.protocol.testing.PacketBuilder;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.TcpSegment;
import org.handoff.testkit.Netns;
import org.handoff.testkit.NetnsLab;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * director_xdp where its next-hop lookup has a network to look in:
 * <pre>
 *   client ns  c0 198.18.0.1 ──veth── cap0 198.18.0.2  director ns  up0 198.18.3.1 ──veth── a0 198.18.3.2  agent ns
 *              VIP 198.18.1.1 via .0.2       (XDP here)   ip_forward=1, VIP blackholed     UDP 9000
 * </pre>
 * The golden vectors through BPF_PROG_TEST_RUN in the director namespace (the lookup runs in
 * the namespace of the thread that runs the test), each output byte for byte and then decoded
 * field by field; XDP_TX when the agent is behind the capture interface; every lookup failure
 * passes the frame untouched and says why; and the program attached natively to cap0, with a
 * client's pure ACK arriving at the agent's UDP socket as TUNNEL and a request segment not.
 * MACs are fixed and the agent's neighbour entry permanent, so the outputs are the vectors'.
 */
@Tag("netns")
class DirectorXdpNetnsTest {
    static final String CLIENT = "198.18.0.1";
    static final String VIP = "198.18.1.1";
    static final String SOURCE = "198.18.3.1";
    static final String AGENT = "198.18.3.2";
    static final int AGENT_PORT = 9000;
    static final String CAPTURE_MAC = "02:00:00:00:00:02";
    static final String EGRESS_MAC = "02:00:00:00:03:01";
    static final String AGENT_MAC = "02:00:00:00:03:02";
    static final long TOKEN = 0x0123456789abcdefL;
    /** Outer IPv4 (20) + UDP (8): where the TUNNEL header starts in the agent's datagram's IP packet. */
    static final int OUTER_IP = ETHERNET_HEADER_LENGTH;
    static final int OUTER_UDP = OUTER_IP + 20;
    static final int TUNNEL = OUTER_UDP + 8;
    static final int INNER = TUNNEL + 16;

    NetnsLab lab;
    Netns client;
    Netns director;
    Netns agent;
    DirectorXdpHarness xdp;

    @BeforeEach
    void lab() throws Exception {
        assumeTrue(NetnsLab.unavailableReason("ethtool").isEmpty(), () -> "skipped: " + NetnsLab.unavailableReason("ethtool").orElse(""));
        lab = NetnsLab.create();
        client = lab.namespace("c");
        director = lab.namespace("d");
        agent = lab.namespace("a");
        lab.veth(client, "c0", CLIENT + "/24", director, "cap0", "198.18.0.2/24");
        lab.veth(director, "up0", SOURCE + "/24", agent, "a0", AGENT + "/24");
        lab.ip(director, "link", "set", "cap0", "address", CAPTURE_MAC);
        lab.ip(director, "link", "set", "up0", "address", EGRESS_MAC);
        lab.ip(agent, "link", "set", "a0", "address", AGENT_MAC);
        lab.ip(director, "neigh", "replace", AGENT, "lladdr", AGENT_MAC, "dev", "up0", "nud", "permanent");
        // bpf_fib_lookup refuses (FWD_DISABLED) unless the interface it is given forwards; the
        // VIP is blackholed so the stack drops what the program passes, as the capture wants.
        lab.sysctl(director, "net.ipv4.ip_forward", "1");
        lab.route(director, "blackhole", VIP + "/32");
        lab.route(client, VIP + "/32", "via", "198.18.0.2");
        xdp = DirectorXdpHarness.load();
    }

    @AfterEach
    void cleanUp() {
        if (xdp != null) {
            xdp.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void everyGoldenVectorComesOutByteForByteAndDecodesToItsInputAndEntry() throws Exception {
        List<TunnelVectors.Case> cases = TunnelVectors.all();
        assertEquals(3, cases.size(), "cases in " + TunnelVectors.RESOURCE);
        inDirector(() -> {
            int capture = Interfaces.indexOf("cap0");
            for (TunnelVectors.Case c : cases) {
                assertEquals("redirect", c.verdict(), c.name());
                assertEquals(LinkDecoder.parseMac(AGENT_MAC), c.nextHopMac(), c.name() + ": the namespace's next hop");
                assertEquals(LinkDecoder.parseMac(EGRESS_MAC), c.egressMac(), c.name() + ": the namespace's egress MAC");
                xdp.put(c.input(), c.agentAddress(), c.agentPort(), c.sourceAddress(), c.token(), c.flags());
                long[] before = xdp.counters();

                TestRunResult result = xdp.run(c.input(), capture);

                assertEquals(XDP_REDIRECT, result.returnValue(), c.name() + ": verdict");
                assertEquals(Bytes.hex(c.output(), 0, c.output().length), Bytes.hex(result.dataOut(), 0, result.dataOut().length), c.name());
                assertDecodes(c, result.dataOut());
                assertOnlyCounted(before, DirectorCounter.TUNNELLED, c.name());
                assertTrue(xdp.lookup(c.input()));
                assertEquals(1, xdp.entry.packets(), c.name() + ": packets counted on the flow");
                assertEquals(GoldenVectors.ipPacket(c.input()).length, xdp.entry.bytes(), c.name() + ": inner bytes counted on the flow");
                assertTrue(xdp.delete(c.input()));
            }
            return null;
        });
    }

    @Test
    void anAgentBehindTheCaptureInterfaceIsReachedWithXdpTx() throws Exception {
        TunnelVectors.Case c = TunnelVectors.all().get(0);
        String sameLinkAgent = "198.18.0.9";
        String sameLinkAgentMac = "02:00:00:00:00:09";
        lab.ip(director, "neigh", "replace", sameLinkAgent, "lladdr", sameLinkAgentMac, "dev", "cap0", "nud", "permanent");
        inDirector(() -> {
            xdp.put(c.input(), Bytes.parseIpv4(sameLinkAgent), AGENT_PORT, Bytes.parseIpv4("198.18.0.2"), TOKEN, 0);
            TestRunResult result = xdp.run(c.input(), Interfaces.indexOf("cap0"));
            assertEquals(XDP_TX, result.returnValue());
            byte[] out = result.dataOut();
            assertEquals(LinkDecoder.parseMac(sameLinkAgentMac), mac(out, 0));
            assertEquals(LinkDecoder.parseMac(CAPTURE_MAC), mac(out, 6));
            assertEquals(Bytes.parseIpv4("198.18.0.2"), Bytes.i32(out, OUTER_IP + 12));
            assertEquals(Bytes.parseIpv4(sameLinkAgent), Bytes.i32(out, OUTER_IP + 16));
            assertEquals(0, InternetChecksum.compute(out, OUTER_IP, 20), "outer IPv4 checksum");
            assertEquals(TOKEN, Bytes.i64(out, TUNNEL + 8));
            assertArrayEquals(GoldenVectors.ipPacket(c.input()), Arrays.copyOfRange(out, INNER, out.length));
            return null;
        });
    }

    @Test
    void whenTheAgentCannotBeReachedFromXdpTheFrameGoesToJavaUntouched() throws Exception {
        byte[] ack = TunnelVectors.all().get(0).input();  // a 52-byte IPv4 packet: 96 bytes encapsulated
        byte[] request = TunnelVectors.all().get(2).input();  // 134 bytes: 178 encapsulated
        lab.route(director, "198.18.5.2/32", "via", AGENT, "mtu", "lock", "96");
        lab.route(director, "198.18.5.3/32", "via", AGENT, "mtu", "lock", "95");
        inDirector(() -> {
            int capture = Interfaces.indexOf("cap0");
            assertPassed(ack, "198.18.3.77", 0, capture, DirectorCounter.PASSED_FIB_NO_NEIGH);  // on the link, never resolved
            assertPassed(ack, "198.18.9.9", 0, capture, DirectorCounter.PASSED_FIB_NO_ROUTE);
            assertPassed(ack, "198.18.5.3", 0, capture, DirectorCounter.PASSED_TOO_BIG);
            assertPassed(request, "198.18.5.2", DirectorFlowEntry.FLAG_TUNNEL_ALL, capture, DirectorCounter.PASSED_TOO_BIG);

            xdp.put(ack, Bytes.parseIpv4("198.18.5.2"), AGENT_PORT, Bytes.parseIpv4(SOURCE), TOKEN, 0);
            assertEquals(XDP_REDIRECT, xdp.run(ack, capture).returnValue(), "96 bytes through a 96-byte MTU");
            return null;
        });
        lab.sysctl(director, "net.ipv4.conf.cap0.forwarding", "0");
        inDirector(() -> {
            assertPassed(ack, AGENT, 0, Interfaces.indexOf("cap0"), DirectorCounter.PASSED_FIB_FORWARDING_OFF);
            return null;
        });
    }

    @Test
    void attachedToTheCaptureInterfaceAClientsPureAckReachesTheAgentAsTunnelAndItsRequestDoesNot() throws Exception {
        // A frame redirected to a veth is received only by a peer that runs NAPI (GRO or an XDP
        // program); a real NIC's ndo_xdp_xmit needs nothing of the kind.
        lab.exec(agent, "ethtool", "-K", "a0", "gro", "on");
        DatagramSocket agentSocket = lab.own(lab.inNamespace(agent, () -> new DatagramSocket(new InetSocketAddress(AGENT, AGENT_PORT))));
        RawSocketSink clientSocket = lab.own(lab.inNamespace(client, RawSocketSink::open));
        byte[] ack = PacketBuilder.tcp().from(CLIENT, 40000).to(VIP, 80).id(0x1234).seq(1000).ack(2000)
                .flags(TcpSegment.ACK).window(502).timestamps(7, 9).build();
        byte[] request = PacketBuilder.tcp().from(CLIENT, 40000).to(VIP, 80).id(0x1235).seq(1000).ack(2000)
                .flags(TcpSegment.ACK | TcpSegment.PSH).window(502).payload("GET / HTTP/1.1\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                .build();
        xdp.key.set(Bytes.parseIpv4(CLIENT), 40000, Bytes.parseIpv4(VIP), 80);
        xdp.entry.clear().agentAddress(Bytes.parseIpv4(AGENT)).agentPort(AGENT_PORT).sourceAddress(Bytes.parseIpv4(SOURCE)).token(TOKEN);
        xdp.flows.update(xdp.key.buffer(), xdp.entry.buffer());
        XdpAttachment attachment = inDirector(() -> XdpAttachment.attach(Interfaces.indexOf("cap0"), xdp.program, XdpMode.NATIVE));
        try {
            assertEquals(XdpMode.NATIVE, attachment.mode());
            assertTrue(clientSocket.send(ack, 0, ack.length), "client sent its ACK");
            byte[] datagram = new byte[2048];
            DatagramPacket received = new DatagramPacket(datagram, datagram.length);
            agentSocket.setSoTimeout(5_000);
            agentSocket.receive(received);

            assertEquals(new InetSocketAddress(SOURCE, DirectorXdp.tunnelSourcePort(Bytes.parseIpv4(CLIENT), 40000, Bytes.parseIpv4(VIP), 80)),
                    received.getSocketAddress(), "from the director's address, the flow's source port");
            assertTunnel("agent: ", Arrays.copyOf(datagram, received.getLength()), 0, TOKEN, ack);
            assertEquals(1, xdp.counters.counter(DirectorCounter.TUNNELLED.index()));

            assertTrue(clientSocket.send(request, 0, request.length), "client sent its request");
            for (int i = 0; i < 100 && xdp.counters.counter(DirectorCounter.PASSED_PAYLOAD.index()) == 0; i++) {
                Thread.sleep(10);
            }
            assertEquals(1, xdp.counters.counter(DirectorCounter.PASSED_PAYLOAD.index()), "the request went to the capture");
            agentSocket.setSoTimeout(300);
            assertThrows(SocketTimeoutException.class, () -> agentSocket.receive(received), "nothing more reached the agent");
            assertEquals(1, xdp.counters.counter(DirectorCounter.TUNNELLED.index()));
            assertTrue(xdp.flows.lookup(xdp.key.buffer(), xdp.entry.buffer()));
            assertEquals(1, xdp.entry.packets());
            assertEquals(ack.length, xdp.entry.bytes());
        } finally {
            inDirector(() -> {
                attachment.close();
                return null;
            });
        }
    }

    void assertPassed(byte[] frame, String agentAddress, int flags, int ingress, DirectorCounter counter) {
        xdp.put(frame, Bytes.parseIpv4(agentAddress), AGENT_PORT, Bytes.parseIpv4(SOURCE), TOKEN, flags);
        long[] before = xdp.counters();
        TestRunResult result = xdp.run(frame, ingress);
        assertEquals(XDP_PASS, result.returnValue(), counter + ": verdict");
        assertArrayEquals(frame, result.dataOut(), counter + ": the frame as it came");
        assertOnlyCounted(before, counter, agentAddress);
    }

    void assertOnlyCounted(long[] before, DirectorCounter counter, String what) {
        long[] after = xdp.counters();
        long[] expected = before.clone();
        expected[counter.index()]++;
        assertArrayEquals(expected, after, () -> what + ": " + counter + " + 1 only; before " + Arrays.toString(before)
                + ", after " + Arrays.toString(after));
    }

    /** The output read field by field against the case's input and entry, without the program's own bytes as reference. */
    static void assertDecodes(TunnelVectors.Case c, byte[] out) {
        byte[] inner = GoldenVectors.ipPacket(c.input());
        String n = c.name() + ": ";
        assertEquals(INNER + inner.length, out.length, n + "frame length");
        assertEquals(c.nextHopMac(), mac(out, 0), n + "Ethernet destination");
        assertEquals(c.egressMac(), mac(out, 6), n + "Ethernet source");
        assertEquals(0x0800, Bytes.u16(out, 12), n + "EtherType");
        assertEquals(0x45, Bytes.u8(out, OUTER_IP), n + "IPv4, 20-byte header");
        assertEquals(0, Bytes.u8(out, OUTER_IP + 1), n + "TOS");
        assertEquals(20 + 8 + 16 + inner.length, Bytes.u16(out, OUTER_IP + 2), n + "total length");
        assertEquals(0, Bytes.u16(out, OUTER_IP + 4), n + "id");
        assertEquals(0x4000, Bytes.u16(out, OUTER_IP + 6), n + "DF, no fragment");
        assertEquals(64, Bytes.u8(out, OUTER_IP + 8), n + "TTL");
        assertEquals(17, Bytes.u8(out, OUTER_IP + 9), n + "UDP");
        assertEquals(0, InternetChecksum.compute(out, OUTER_IP, 20), n + "IPv4 header checksum");
        assertEquals(c.sourceAddress(), Bytes.i32(out, OUTER_IP + 12), n + "outer source");
        assertEquals(c.agentAddress(), Bytes.i32(out, OUTER_IP + 16), n + "outer destination");
        assertEquals(DirectorXdp.tunnelSourcePort(Bytes.i32(inner, 12), Bytes.u16(inner, 20), Bytes.i32(inner, 16), Bytes.u16(inner, 22)),
                Bytes.u16(out, OUTER_UDP), n + "UDP source port: the flow's hash");
        assertEquals(c.agentPort(), Bytes.u16(out, OUTER_UDP + 2), n + "UDP destination port");
        assertEquals(8 + 16 + inner.length, Bytes.u16(out, OUTER_UDP + 4), n + "UDP length");
        assertEquals(0, Bytes.u16(out, OUTER_UDP + 6), n + "UDP checksum");
        assertTunnel(n, out, TUNNEL, c.token(), inner);
    }

    /** The TUNNEL header at {@code at} and the inner packet after it. */
    static void assertTunnel(String n, byte[] b, int at, long token, byte[] inner) {
        assertEquals(0x484F, Bytes.u16(b, at), n + "magic");
        assertEquals(1, Bytes.u8(b, at + 2), n + "version");
        assertEquals(11, Bytes.u8(b, at + 3), n + "type TUNNEL");
        assertEquals(16 + inner.length, Bytes.u16(b, at + 4), n + "TUNNEL total length");
        assertEquals(0, Bytes.u16(b, at + 6), n + "TUNNEL flags");
        assertEquals(token, Bytes.i64(b, at + 8), n + "token");
        assertArrayEquals(inner, Arrays.copyOfRange(b, at + 16, b.length), n + "inner packet unchanged");
    }

    static long mac(byte[] b, int at) {
        return ((long) Bytes.u16(b, at) << 32) | Bytes.u32(b, at + 2);
    }

    <T> T inDirector(java.util.concurrent.Callable<T> task) throws Exception {
        return lab.inNamespace(director, task);
    }
}
