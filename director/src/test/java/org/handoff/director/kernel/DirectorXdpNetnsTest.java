package org.handoff.director.kernel;

import static org.handoff.director.kernel.DirectorXdpHarness.ETHERNET_HEADER_LENGTH;
import static org.handoff.director.kernel.DirectorXdpHarness.XDP_PASS;
import static org.handoff.director.kernel.DirectorXdpHarness.XDP_REDIRECT;
import static org.handoff.director.kernel.DirectorXdpHarness.XDP_TX;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.handoff.bpf.Interfaces;
import org.handoff.bpf.TestRunResult;
import org.handoff.bpf.XdpAttachment;
import org.handoff.director.io.LinkDecoder;
import org.handoff.director.io.RawSocketSink;
import org.handoff.protocol.message.DecodeResult;
import org.handoff.protocol.message.HandoffKeys;
import org.handoff.protocol.message.MessageDecoder;
import org.handoff.protocol.message.MessageType;
import org.handoff.protocol.message.TunnelFlyweight;
import org.handoff.protocol.message.TunnelFrameWriter;
import org.handoff.protocol.testing.PacketBuilder;
import org.handoff.protocol.testing.TunnelFixtures;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.EthernetFrame;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.TcpSegment;
import org.handoff.protocol.wire.UdpDatagram;
import org.handoff.testkit.Netns;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * director_xdp on a director set up as docs/director-io.md says (VIP routed there, assigned
 * nowhere, ip_forward=0), addressed as the TUNNEL golden vectors are (handoff-protocol's
 * vectors/tunnel/: director 198.18.0.1, agent 198.18.0.11:7070):
 * <pre>
 *   client ns  c0 198.18.2.1 ──veth── cap0 198.18.2.2  director ns  up0 198.18.0.1 ──veth── a0 198.18.0.11  agent ns
 *              VIP 198.18.1.1 via .2.2       (XDP here)   ip_forward=0                       UDP 7070
 * </pre>
 * The next hops come from {@link NextHops} reading the director namespace's own route and
 * neighbour tables (on a thread inside it), written into director_next_hops as the director
 * writes them. Every TUNNEL vector through BPF_PROG_TEST_RUN: the output is, byte for byte, an
 * Ethernet header to the agent plus what {@link TunnelFrameWriter} writes for the input and the
 * entry, and the agent's decoder reads back the entry's token and the input's packet. Then
 * XDP_TX when the agent is behind the capture interface; no next hop and a too-small MTU pass
 * the frame untouched and say why; and the program attached natively to cap0, with a client's
 * pure ACK arriving at the agent's UDP socket as TUNNEL and its request not. MACs are fixed and
 * the agent's neighbour entry permanent, so the outputs are exact.
 */
@Tag("netns")
class DirectorXdpNetnsTest extends DirectorXdpNetnsTestBase {
    /** The vectors' outer source and destination. */
    static final String DIRECTOR = "198.18.0.1";
    static final String AGENT = "198.18.0.11";
    static final int AGENT_PORT = 7070;
    static final String CLIENT_MAC = "02:00:00:00:02:01";
    static final String CAPTURE_MAC = "02:00:00:00:02:02";
    static final String EGRESS_MAC = "02:00:00:00:00:01";
    static final String AGENT_MAC = "02:00:00:00:00:0b";
    static final long TOKEN = 0x0123456789abcdefL;
    static final int OUTER_IP = ETHERNET_HEADER_LENGTH;

    final TunnelFrameWriter writer = new TunnelFrameWriter();
    /** The agent's view of a TUNNEL: steps 1-5 and the body rules (no key is used for type 11). */
    final MessageDecoder decoder = new MessageDecoder(() -> HandoffKeys.of(1, 1L, new byte[HandoffKeys.MIN_SECRET_BYTES]), null,
            System::currentTimeMillis);
    Netns agent;

    @BeforeEach
    void lab() throws Exception {
        agent = lab.namespace("a");
        lab.veth(director, "up0", DIRECTOR + "/24", agent, "a0", AGENT + "/24");
        lab.ip(client, "link", "set", CLIENT_INTERFACE, "address", CLIENT_MAC);
        lab.ip(director, "link", "set", CAPTURE_INTERFACE, "address", CAPTURE_MAC);
        lab.ip(director, "link", "set", "up0", "address", EGRESS_MAC);
        lab.ip(agent, "link", "set", "a0", "address", AGENT_MAC);
        lab.ip(director, "neigh", "replace", AGENT, "lladdr", AGENT_MAC, "dev", "up0", "nud", "permanent");
        // The director's recipe: forwarding off, the VIP assigned nowhere, so its kernel drops
        // what the program passes while the capture sees it. The next-hop map needs no forwarding.
        lab.sysctl(director, "net.ipv4.ip_forward", "0");
    }

    @Test
    void everyTunnelVectorComesOutAsTheJavaWriterWritesItAndDecodesToItsInputAndEntry() throws Exception {
        List<TunnelFixtures.Case> cases = TunnelFixtures.load();
        assertEquals(5, cases.size(), "cases in " + TunnelFixtures.RESOURCE);
        inDirector(() -> {
            int capture = Interfaces.indexOf(CAPTURE_INTERFACE);
            NextHops.NextHop hop = resolved(AGENT);
            assertEquals("up0", hop.device());
            assertEquals(Interfaces.indexOf("up0"), hop.ifindex());
            assertEquals(Bytes.parseIpv4(DIRECTOR), hop.sourceAddress(), "the outer source: up0's address");
            xdp.putNextHop(Bytes.parseIpv4(AGENT), hop);
            int tunnelled = 0;
            for (TunnelFixtures.Case k : cases) {
                assertEquals(Bytes.parseIpv4(DIRECTOR), k.director(), k.name());
                assertEquals(Bytes.parseIpv4(AGENT), k.agent(), k.name());
                assertEquals(AGENT_PORT, k.agentPort(), k.name());
                byte[] in = PacketBuilder.ethernet(LinkDecoder.parseMac(CAPTURE_MAC), LinkDecoder.parseMac(CLIENT_MAC), k.inner());
                // the segment that carries request bytes goes by XDP only for a flow marked "all"
                int flags = hasPayload(k.inner()) ? DirectorFlowEntry.FLAG_TUNNEL_ALL : 0;
                if (new Ipv4Packet().wrap(k.inner(), 0, k.inner().length).headerLength() != 20) {
                    // TunnelFrameWriter encapsulates an inner packet with IPv4 options; the
                    // program leaves such (rare) packets to Java, which forwards them in FORWARD.
                    assertPassed(in, AGENT, flags, capture, DirectorCounter.PASSED_IP_OPTIONS);
                    continue;
                }
                assertTunnelled(k, in, flags, capture);
                if (k.inner().length < 46) {
                    // the same packet in a frame a NIC padded to 60 bytes: the padding is dropped
                    assertTunnelled(k, Arrays.copyOf(in, 60), flags, capture);
                    tunnelled++;
                }
                tunnelled++;
            }
            assertEquals(5, tunnelled, "four vectors and one padded frame went through XDP");
            return null;
        });
    }

    /** {@code in} (the case's inner packet behind Ethernet, maybe padded) comes out as the writer's frame; its flow counts it. */
    void assertTunnelled(TunnelFixtures.Case k, byte[] in, int flags, int capture) {
        xdp.put(in, k.agent(), k.agentPort(), k.director(), k.token(), flags);
        long[] before = xdp.counters();

        TestRunResult result = xdp.run(in, capture);

        assertEquals(XDP_REDIRECT, result.returnValue(), k.name() + ": verdict (the agent is behind up0)");
        byte[] expected = new byte[ETHERNET_HEADER_LENGTH + TunnelFrameWriter.OVERHEAD + k.inner().length];
        int written = writer.write(expected, ETHERNET_HEADER_LENGTH, k.director(), k.agent(), k.agentPort(), k.token(),
                k.inner(), 0, k.inner().length);
        new EthernetFrame().wrap(expected, 0, expected.length).destinationMac(LinkDecoder.parseMac(AGENT_MAC))
                .sourceMac(LinkDecoder.parseMac(EGRESS_MAC)).etherType(EthernetFrame.ETHERTYPE_IPV4);
        assertEquals(expected.length, ETHERNET_HEADER_LENGTH + written);
        assertEquals(Bytes.hex(expected, 0, expected.length), Bytes.hex(result.dataOut(), 0, result.dataOut().length),
                k.name() + ": XDP output == Ethernet + TunnelFrameWriter");
        assertEquals(Bytes.hex(k.frame(), 0, k.frame().length),
                Bytes.hex(result.dataOut(), ETHERNET_HEADER_LENGTH, result.dataOut().length - ETHERNET_HEADER_LENGTH),
                k.name() + ": XDP output after its Ethernet header == the vector's frame");
        assertDecodes(k.name(), result.dataOut(), k.director(), k.agent(), k.agentPort(), k.token(), k.inner());
        assertOnlyCounted(before, DirectorCounter.TUNNELLED, k.name());
        assertTrue(xdp.lookup(in));
        assertEquals(1, xdp.entry.packets(), k.name() + ": packets counted on the flow");
        assertEquals(k.inner().length, xdp.entry.bytes(), k.name() + ": inner bytes counted on the flow");
        TcpSegment tcp = new TcpSegment().wrap(k.inner(), 20, k.inner().length - 20);
        if ((tcp.flags() & TcpSegment.ACK) != 0) {
            assertEquals(tcp.ack(), xdp.entry.lastAck(), k.name() + ": the packet's ack kept on the flow");
        }
        assertTrue(xdp.delete(in));
    }

    @Test
    void anAgentBehindTheCaptureInterfaceIsReachedWithXdpTx() throws Exception {
        TunnelFixtures.Case k = TunnelFixtures.load().get(1);
        byte[] in = PacketBuilder.ethernet(LinkDecoder.parseMac(CAPTURE_MAC), LinkDecoder.parseMac(CLIENT_MAC), k.inner());
        String sameLinkAgent = "198.18.2.9";
        String sameLinkAgentMac = "02:00:00:00:02:09";
        lab.ip(director, "neigh", "replace", sameLinkAgent, "lladdr", sameLinkAgentMac, "dev", CAPTURE_INTERFACE, "nud", "permanent");
        inDirector(() -> {
            NextHops.NextHop hop = resolved(sameLinkAgent);
            assertEquals(Interfaces.indexOf(CAPTURE_INTERFACE), hop.ifindex());
            assertEquals(Bytes.parseIpv4(CAPTURE_ADDRESS), hop.sourceAddress());
            xdp.putNextHop(Bytes.parseIpv4(sameLinkAgent), hop);
            xdp.put(in, Bytes.parseIpv4(sameLinkAgent), AGENT_PORT, hop.sourceAddress(), TOKEN, 0);
            TestRunResult result = xdp.run(in, Interfaces.indexOf(CAPTURE_INTERFACE));
            assertEquals(XDP_TX, result.returnValue());
            byte[] out = result.dataOut();
            EthernetFrame ethernet = new EthernetFrame().wrap(out, 0, out.length);
            assertEquals(LinkDecoder.parseMac(sameLinkAgentMac), ethernet.destinationMac(), "the agent's MAC");
            assertEquals(LinkDecoder.parseMac(CAPTURE_MAC), ethernet.sourceMac(), "out of the interface it came in by");
            assertDecodes("XDP_TX", out, Bytes.parseIpv4(CAPTURE_ADDRESS), Bytes.parseIpv4(sameLinkAgent), AGENT_PORT, TOKEN, k.inner());
            return null;
        });
    }

    @Test
    void whenTheAgentCannotBeReachedFromXdpTheFrameGoesToJavaUntouched() throws Exception {
        List<TunnelFixtures.Case> cases = TunnelFixtures.load();
        byte[] ack = PacketBuilder.ethernet(LinkDecoder.parseMac(CAPTURE_MAC), LinkDecoder.parseMac(CLIENT_MAC), cases.get(1).inner());
        byte[] request = PacketBuilder.ethernet(LinkDecoder.parseMac(CAPTURE_MAC), LinkDecoder.parseMac(CLIENT_MAC), cases.get(3).inner());
        assertEquals(52, cases.get(1).inner().length, "a pure ACK with timestamps: 96 bytes encapsulated");
        lab.route(director, "198.18.5.0/24", "via", "198.18.0.99");
        inDirector(() -> {
            int capture = Interfaces.indexOf(CAPTURE_INTERFACE);
            NextHops resolver = NextHops.kernel();
            // What the director's refresh finds for agents it cannot reach: it writes no entry.
            assertEquals("no complete neighbour entry for 198.18.0.77 on up0",
                    resolver.resolve(Bytes.parseIpv4("198.18.0.77"), resolver.read()).failure());
            assertEquals("no complete neighbour entry for 198.18.0.99 on up0",
                    resolver.resolve(Bytes.parseIpv4("198.18.5.2"), resolver.read()).failure(), "the gateway's, not the agent's");
            assertEquals("no route to 198.18.9.9 in the main table", resolver.resolve(Bytes.parseIpv4("198.18.9.9"),
                    resolver.read()).failure());
            assertPassed(ack, "198.18.0.77", 0, capture, DirectorCounter.PASSED_NO_NEXT_HOP);

            NextHops.NextHop hop = resolved(AGENT);
            int up0 = hop.ifindex();
            xdp.putNextHop(Bytes.parseIpv4(AGENT), up0, 95, hop.destMac(), hop.sourceMac());
            assertPassed(ack, AGENT, 0, capture, DirectorCounter.PASSED_TOO_BIG);
            assertPassed(request, AGENT, DirectorFlowEntry.FLAG_TUNNEL_ALL, capture, DirectorCounter.PASSED_TOO_BIG);
            xdp.putNextHop(Bytes.parseIpv4(AGENT), up0, 96, hop.destMac(), hop.sourceMac());
            xdp.put(ack, Bytes.parseIpv4(AGENT), AGENT_PORT, Bytes.parseIpv4(DIRECTOR), TOKEN, 0);
            assertEquals(XDP_REDIRECT, xdp.run(ack, capture).returnValue(), "96 bytes through a 96-byte MTU");
            assertTrue(xdp.deleteNextHop(Bytes.parseIpv4(AGENT)));
            assertPassed(ack, AGENT, 0, capture, DirectorCounter.PASSED_NO_NEXT_HOP);
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
                .flags(TcpSegment.ACK | TcpSegment.PSH).window(502).payload("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII))
                .build();
        xdp.key.set(Bytes.parseIpv4(CLIENT), 40000, Bytes.parseIpv4(VIP), 80);
        xdp.entry.clear().agentAddress(Bytes.parseIpv4(AGENT)).agentPort(AGENT_PORT).sourceAddress(Bytes.parseIpv4(DIRECTOR)).token(TOKEN);
        xdp.flows.update(xdp.key.buffer(), xdp.entry.buffer());
        inDirector(() -> {
            xdp.putNextHop(Bytes.parseIpv4(AGENT), resolved(AGENT));
            return null;
        });
        XdpAttachment attachment = attachToCapture();
        try {
            assertTrue(clientSocket.send(ack, 0, ack.length), "client sent its ACK");
            byte[] datagram = new byte[2048];
            DatagramPacket received = new DatagramPacket(datagram, datagram.length);
            agentSocket.setSoTimeout(5_000);
            agentSocket.receive(received);

            assertEquals(new InetSocketAddress(DIRECTOR, TunnelFrameWriter.sourcePort(ack, 0)), received.getSocketAddress(),
                    "from the director's address and the flow's source port");
            assertEquals(DecodeResult.ACCEPTED, decoder.decode(datagram, 0, received.getLength()), decoder::describe);
            assertTunnel("agent", decoder, TOKEN, ack);
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
            detach(attachment);
        }
    }

    void assertPassed(byte[] frame, String agentAddress, int flags, int ingress, DirectorCounter counter) {
        xdp.put(frame, Bytes.parseIpv4(agentAddress), AGENT_PORT, Bytes.parseIpv4(DIRECTOR), TOKEN, flags);
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

    /** The XDP output read back the way the agent reads it: the outer headers name the entry, the TUNNEL its token and the input. */
    void assertDecodes(String what, byte[] out, int source, int agentAddress, int agentPort, long token, byte[] inner) {
        Ipv4Packet outer = new Ipv4Packet().wrap(out, OUTER_IP, out.length - OUTER_IP);
        assertEquals(null, outer.check(), what);
        assertTrue(outer.verifyHeaderChecksum(), what + ": outer IPv4 checksum");
        assertEquals(source, outer.source(), what + ": outer source = the entry's");
        assertEquals(agentAddress, outer.destination(), what + ": outer destination = the entry's agent");
        UdpDatagram udp = new UdpDatagram().wrap(out, outer.payloadOffset(), outer.payloadLength());
        assertEquals(null, udp.check(), what);
        assertEquals(agentPort, udp.destinationPort(), what + ": the entry's agent port");
        assertEquals(TunnelFrameWriter.sourcePort(inner, 0), udp.sourcePort(), what + ": the flow's source port");
        assertEquals(DecodeResult.ACCEPTED, decoder.decode(out, udp.payloadOffset(), udp.payloadLength()), decoder::describe);
        assertTunnel(what, decoder, token, inner);
    }

    static void assertTunnel(String what, MessageDecoder decoder, long token, byte[] inner) {
        assertEquals(MessageType.TUNNEL, decoder.type(), what);
        TunnelFlyweight t = decoder.tunnel();
        assertEquals(token, t.flowToken(), what + ": the entry's token");
        assertEquals(Bytes.hex(inner, 0, inner.length), Bytes.hex(t.buffer(), t.innerOffset(), t.innerLength()), what + ": inner packet unchanged");
        assertEquals(Bytes.i32(inner, 12), t.innerClientIpv4(), what);
        assertEquals(Bytes.i32(inner, 16), t.innerVipIpv4(), what);
    }

    static boolean hasPayload(byte[] ip) {
        Ipv4Packet packet = new Ipv4Packet().wrap(ip, 0, ip.length);
        TcpSegment tcp = new TcpSegment().wrap(ip, packet.payloadOffset(), packet.payloadLength());
        return packet.payloadLength() > tcp.headerLength();
    }

    /** The next hop to {@code agent} from the director namespace's tables (call on a thread inside it). */
    static NextHops.NextHop resolved(String agent) throws java.io.IOException {
        NextHops resolver = NextHops.kernel();
        NextHops.Resolution r = resolver.resolve(Bytes.parseIpv4(agent), resolver.read());
        assertTrue(r.ok(), () -> agent + ": " + r.failure());
        return r.nextHop();
    }
}
