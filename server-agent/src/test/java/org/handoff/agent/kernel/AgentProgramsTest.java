package org.handoff.agent.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.handoff.agent.kernel.AgentKernelConfig.EgressMode;
import org.handoff.bpf.BpfMap;
import org.handoff.bpf.BpfObject;
import org.handoff.bpf.BpfProgram;
import org.handoff.bpf.BpfRingBuffer;
import org.handoff.bpf.TestRunResult;
import org.handoff.host.ProcessRunner;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.testing.PacketBuilder;
import org.handoff.protocol.testing.RewriterFixtures;
import org.handoff.protocol.testing.RewriterFixtures.Case;
import org.handoff.protocol.testing.RewriterFixtures.Direction;
import org.handoff.protocol.transform.ChecksumState;
import org.handoff.protocol.transform.FlowTransform;
import org.handoff.protocol.transform.PacketRewriter;
import org.handoff.protocol.transform.RewriteResult;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.EthernetFrame;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.TcpSegment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * The agent's programs (bpf/src/main/c/agent_egress.bpf.c, agent_ingress.bpf.c) against the
 * rewriter fixture table with BPF_PROG_TEST_RUN, the requirement: every case's output
 * byte-identical to {@link PacketRewriter}'s. Server-to-client cases run through
 * {@code agent_egress_eth} (a test-run skb starts with an Ethernet header; the TUN's
 * {@code agent_egress} is the same code at offset 0), client-to-server cases through
 * {@code agent_ingress} inside Ethernet, outer IPv4/UDP and a TUNNEL header with the flow's token.
 * Loads and test-runs only (no attachment): root, no namespace.
 *
 * <p>The {@code partial} and {@code unverified} cases: a test-run skb is never
 * {@code CHECKSUM_PARTIAL} (BPF_PROG_TEST_RUN cannot set its checksum state), so the kernel's
 * helpers update the TCP checksum incrementally, as {@link ChecksumState#VALID} does. Those cases
 * are held to {@code PacketRewriter} run with {@code VALID} on the same input, byte for byte, and
 * to the table everywhere but the TCP checksum; each says so in the test's output. The partial
 * path itself is the real kernel's (bpf/README.md, the namespace run).
 */
class AgentProgramsTest {
    static final int TC_ACT_OK = 0;
    static final int TC_ACT_SHOT = 2;
    static final int TC_ACT_REDIRECT = 7;
    static final int TUNNEL_PORT = 9000;
    static final long TOKEN = 0x0123456789abcdefL;
    static final long CLIENT_MAC = 0x020000000001L;
    static final long AGENT_MAC = 0x020000000002L;
    static final int DIRECTOR = Bytes.parseIpv4("198.18.0.2");
    static final int AGENT = Bytes.parseIpv4("198.18.0.11");
    static final int TCP_CHECKSUM = EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH + TcpSegment.CHECKSUM_OFFSET;

    static final List<Case> CASES = RewriterFixtures.load();

    private BpfObject egress;
    private BpfObject ingress;
    private final ByteBuffer egressKey = ByteBuffer.allocateDirect(EgressFlowKey.LENGTH);
    private final ByteBuffer egressValue = ByteBuffer.allocateDirect(EgressFlowValue.LENGTH);
    private final ByteBuffer ingressKey = ByteBuffer.allocateDirect(IngressFlowKey.LENGTH);
    private final ByteBuffer ingressValue = ByteBuffer.allocateDirect(IngressFlowValue.LENGTH);
    private final EgressFlowValue egressView = new EgressFlowValue().wrap(egressValue);

    @BeforeAll
    static void needRoot() {
        assumeTrue(ProcessRunner.isRoot(), "loading BPF programs needs root (CAP_BPF)");
    }

    @BeforeEach
    void load() {
        egress = BpfObject.openResource("agent_egress.bpf.o");
        egress.load();
        // One set of flow maps and one ring buffer for both programs, as the agent's pins make it.
        ingress = BpfObject.openResource("agent_ingress.bpf.o").reuseMap("agent_egress_flows", egress.map("agent_egress_flows"))
                .reuseMap("agent_ingress_flows", egress.map("agent_ingress_flows")).reuseMap("agent_events", egress.map("agent_events"));
        ingress.load();
        // Egress into the TUN's own ingress: no FIB, so the run does not depend on this host's routes.
        config(egress, 0, EgressMode.TUN_INGRESS);
        config(ingress, TUNNEL_PORT, EgressMode.TUN_INGRESS);
    }

    @AfterEach
    void close() {
        egress.close();
        ingress.close();
    }

    private static void config(BpfObject o, int port, EgressMode mode) {
        ByteBuffer key = ByteBuffer.allocateDirect(4);
        ByteBuffer value = ByteBuffer.allocateDirect(AgentKernelConfig.LENGTH);
        new AgentKernelConfig().wrap(value).entry(port, mode, 0);
        o.map("agent_config").update(key, value);
    }

    // ---- the fixture table

    @ParameterizedTest
    @FieldSource("CASES")
    void theFixtureThroughTheProgramIsPacketRewritersOutput(Case c) {
        FlowTransform f = c.transform();
        byte[] frame;
        BpfProgram program;
        if (c.direction() == Direction.SERVER_TO_CLIENT) {
            egress.map("agent_egress_flows").update(new EgressFlowKey().wrap(egressKey).flow(f).buffer(),
                    egressView.entry(f, false, 0, 0, 0, 0).buffer());
            frame = PacketBuilder.ethernet(CLIENT_MAC, AGENT_MAC, c.input());
            program = egress.program("agent_egress_eth");
        } else {
            addIngressFlow(f, TOKEN);
            frame = tunnel(TOKEN, c.input());
            program = ingress.program("agent_ingress");
        }
        TestRunResult r = program.testRun(frame, 1);
        if (c.direction() == Direction.CLIENT_TO_SERVER && isControl(c.input())) {
            // The client's SYN or RST goes up to the agent untouched (its Java rewrites it with
            // PacketRewriter), as the egress program passes the server's up. A FIN is rewritten here.
            assertEquals(TC_ACT_OK, r.returnValue(), c.name() + ": verdict");
            assertEquals(Bytes.hex(frame, 0, frame.length), Bytes.hex(r.dataOut(), 0, r.dataOut().length),
                    c.name() + ": passed up as it came");
            assertEquals(1, counter(ingress, AgentKernelCounter.INGRESS_CONTROL_PASSED), c.name() + ": counted");
            assertEquals(0, counter(ingress, AgentKernelCounter.INGRESS_DELIVERED), c.name() + ": not delivered");
            return;
        }

        byte[] expected = c.output();
        if (c.result() == RewriteResult.OK && c.checksum() != ChecksumState.VALID) {
            PacketRewriter valid = new PacketRewriter();
            expected = c.input().clone();
            if (c.direction() == Direction.SERVER_TO_CLIENT) {
                valid.serverToClient(expected, 0, expected.length, f, ChecksumState.VALID);
            } else {
                valid.clientToServer(expected, 0, expected.length, f, ChecksumState.VALID);
            }
            System.out.println("AgentProgramsTest " + c.name() + ": checksum " + c.checksum().name().toLowerCase()
                    + " held to PacketRewriter with VALID: a BPF_PROG_TEST_RUN skb is never CHECKSUM_PARTIAL, so the"
                    + " kernel updates the TCP checksum incrementally; every other byte is the table's");
            assertEquals(Arrays.toString(new int[] {TCP_CHECKSUM - EthernetFrame.HEADER_LENGTH,
                    TCP_CHECKSUM - EthernetFrame.HEADER_LENGTH + 1}), Arrays.toString(differences(expected, c.output())),
                    c.name() + ": the VALID rewrite differs from the table in the TCP checksum only");
        }
        byte[] out = r.dataOut();
        assertEquals(c.result() == RewriteResult.OK && c.direction() == Direction.SERVER_TO_CLIENT ? TC_ACT_REDIRECT : TC_ACT_OK,
                r.returnValue(), c.name() + ": verdict");
        assertArrayEquals(Arrays.copyOfRange(frame, 0, EthernetFrame.HEADER_LENGTH),
                Arrays.copyOfRange(out, 0, EthernetFrame.HEADER_LENGTH), c.name() + ": the Ethernet header is kept");
        byte[] packet = Arrays.copyOfRange(out, EthernetFrame.HEADER_LENGTH, out.length);
        assertEquals(Bytes.hex(expected, 0, expected.length), Bytes.hex(packet, 0, packet.length), c.name());
        assertEquals(c.result() == RewriteResult.OK ? 1 : 0, counter(c.direction() == Direction.SERVER_TO_CLIENT
                ? egress : ingress, c.direction() == Direction.SERVER_TO_CLIENT
                ? AgentKernelCounter.EGRESS_REWRITTEN : AgentKernelCounter.INGRESS_DELIVERED), c.name() + ": counted");
    }

    /** The table has every kind the kernel path must get right; a regenerated table that loses one fails here too. */
    @Test
    void theTableRunsBothProgramsAndEveryChecksumState() {
        assertTrue(CASES.stream().anyMatch(c -> c.direction() == Direction.SERVER_TO_CLIENT && c.checksum() == ChecksumState.VALID));
        assertTrue(CASES.stream().anyMatch(c -> c.direction() == Direction.CLIENT_TO_SERVER && c.checksum() == ChecksumState.VALID));
        assertTrue(CASES.stream().filter(c -> c.checksum() == ChecksumState.VALID).count() >= 18,
                "valid cases, held to the table byte for byte");
    }

    // ---- egress: state and verdicts

    @Test
    void egressStateWordsFollowWhatWasSent() {
        Case response = find("s2c-response-all-options");
        FlowTransform f = response.transform();
        BpfMap flows = egress.map("agent_egress_flows");
        int isn = Bytes.i32(response.input(), 24);
        flows.update(new EgressFlowKey().wrap(egressKey).flow(f).buffer(), egressView.entry(f, false, isn, f.tsFloor(), 0, 0).buffer());
        egress.program("agent_egress_eth").testRun(PacketBuilder.ethernet(CLIENT_MAC, AGENT_MAC, response.input()), 1);
        assertTrue(flows.lookup(egressKey, egressValue));
        Ipv4Packet ip = new Ipv4Packet().wrap(response.input(), 0, response.input().length);
        TcpSegment tcp = new TcpSegment().wrap(response.input(), ip.payloadOffset(), ip.payloadLength());
        assertEquals(tcp.seq() + tcp.payloadLength(), egressView.serverNext(), "seq + payload, B's numbering");
        assertEquals(Bytes.i32(response.output(), 20 + 20 + 4), egressView.lastTsVal(), "the TSval written");
        assertEquals(tcp.ack(), egressView.serverAck());
        assertEquals(new TcpSegment().wrap(response.output(), 20, response.output().length - 20).window(), egressView.window());
        assertEquals(tcp.flags(), egressView.tcpFlagsSeen());

        // An older segment (a retransmission) moves neither maximum back.
        byte[] older = response.input().clone();
        Bytes.putI32(older, 20 + 4, tcp.seq() - 100_000);
        egress.program("agent_egress_eth").testRun(PacketBuilder.ethernet(CLIENT_MAC, AGENT_MAC, older), 1);
        assertTrue(flows.lookup(egressKey, egressValue));
        assertEquals(tcp.seq() + tcp.payloadLength(), egressView.serverNext());
    }

    @Test
    void ingressDeliveredWordCountsSegmentsAndKeepsTheHighestAckOnB() {
        Case request = find("c2s-request-all-options");
        FlowTransform f = request.transform();
        BpfMap flows = ingress.map("agent_ingress_flows");
        IngressFlowValue view = new IngressFlowValue().wrap(ingressValue);
        flows.update(new IngressFlowKey().wrap(ingressKey).flow(f).buffer(), view.entry(f, TOKEN, 7, 0, 0).buffer());
        ingress.program("agent_ingress").testRun(tunnel(TOKEN, request.input()), 1);
        assertTrue(flows.lookup(ingressKey, ingressValue));
        Ipv4Packet ip = new Ipv4Packet().wrap(request.input(), 0, request.input().length);
        TcpSegment tcp = new TcpSegment().wrap(request.input(), ip.payloadOffset(), ip.payloadLength());
        int ackOnB = tcp.ack() - f.seqOffset();
        assertEquals(ackOnB, view.clientAck(), "ack - d, B's numbering");
        assertEquals(1, view.packetsDelivered());

        // An older ack (a reordered segment) counts as a packet but does not move the ack back.
        byte[] older = request.input().clone();
        Bytes.putI32(older, 20 + 8, tcp.ack() - 100_000);
        ingress.program("agent_ingress").testRun(tunnel(TOKEN, older), 1);
        assertTrue(flows.lookup(ingressKey, ingressValue));
        assertEquals(ackOnB, view.clientAck());
        assertEquals(2, view.packetsDelivered());
    }

    @Test
    void aFlowNotInTheMapGoesToTheTunReaderUntouchedAndCounted() {
        Case response = find("s2c-response-all-options");
        byte[] frame = PacketBuilder.ethernet(CLIENT_MAC, AGENT_MAC, response.input());
        TestRunResult r = egress.program("agent_egress_eth").testRun(frame, 1);
        assertEquals(TC_ACT_OK, r.returnValue());
        assertArrayEquals(frame, r.dataOut());
        assertEquals(1, counter(egress, AgentKernelCounter.EGRESS_NO_FLOW));
        assertEquals(0, counter(egress, AgentKernelCounter.EGRESS_REWRITTEN));
    }

    @Test
    void controlSegmentsGoToTheAgentWhenTheEntrySaysSo() {
        byte[] rst = find("s2c-response-all-options").input().clone();
        rst[20 + TcpSegment.FLAGS_OFFSET] = (byte) (TcpSegment.RST | TcpSegment.ACK);
        for (byte[] packet : List.of(find("s2c-syn-ack-all-options").input(), rst)) {
            FlowTransform f = find("s2c-syn-ack-all-options").transform();
            egress.map("agent_egress_flows").update(new EgressFlowKey().wrap(egressKey).flow(f).buffer(),
                    egressView.entry(f, true, 0, 0, 0, 0).buffer());
            byte[] frame = PacketBuilder.ethernet(CLIENT_MAC, AGENT_MAC, packet);
            TestRunResult r = egress.program("agent_egress_eth").testRun(frame, 1);
            assertEquals(TC_ACT_OK, r.returnValue());
            assertArrayEquals(frame, r.dataOut());
        }
        assertEquals(2, counter(egress, AgentKernelCounter.EGRESS_CONTROL_PASSED), "the SYN-ACK and the RST");
        for (String name : List.of("s2c-response-all-options", "s2c-fin-all-options")) {
            Case c = find(name);
            egress.map("agent_egress_flows").update(new EgressFlowKey().wrap(egressKey).flow(c.transform()).buffer(),
                    egressView.entry(c.transform(), true, 0, 0, 0, 0).buffer());
            TestRunResult r = egress.program("agent_egress_eth").testRun(PacketBuilder.ethernet(CLIENT_MAC, AGENT_MAC, c.input()), 1);
            assertEquals(TC_ACT_REDIRECT, r.returnValue(), name + ": data and FINs of the same kind of flow are rewritten");
        }
        assertEquals(2, counter(egress, AgentKernelCounter.EGRESS_CONTROL_PASSED), "nothing more passed");
    }

    @Test
    void malformedOptionsOfAMappedFlowPassUntouched() {
        Case c = find("s2c-response-all-options");
        FlowTransform f = c.transform();
        egress.map("agent_egress_flows").update(new EgressFlowKey().wrap(egressKey).flow(f).buffer(),
                egressView.entry(f, false, 0, 0, 0, 0).buffer());
        byte[] bad = c.input().clone();
        bad[20 + 20 + 2] = 8;   // NOP NOP then kind 8 (timestamps) ...
        bad[20 + 20 + 3] = 11;  // ... with length 11: beyond the options
        byte[] frame = PacketBuilder.ethernet(CLIENT_MAC, AGENT_MAC, bad);
        TestRunResult r = egress.program("agent_egress_eth").testRun(frame, 1);
        assertEquals(TC_ACT_OK, r.returnValue());
        assertArrayEquals(frame, r.dataOut());
        assertEquals(1, counter(egress, AgentKernelCounter.EGRESS_MALFORMED));
    }

    // ---- ingress: tokens and malformed tunnels

    @Test
    void aWrongTokenIsDroppedAndCounted() {
        Case c = find("c2s-request-all-options");
        addIngressFlow(c.transform(), TOKEN);
        TestRunResult r = ingress.program("agent_ingress").testRun(tunnel(TOKEN ^ 1, c.input()), 1);
        assertEquals(TC_ACT_SHOT, r.returnValue());
        assertEquals(1, counter(ingress, AgentKernelCounter.INGRESS_BAD_TOKEN));
        assertEquals(0, counter(ingress, AgentKernelCounter.INGRESS_DELIVERED));
    }

    @Test
    void aTunnelWithoutAnEntryGoesUpUntouchedAndCounted() {
        Case c = find("c2s-request-all-options");
        byte[] frame = tunnel(TOKEN, c.input());
        TestRunResult r = ingress.program("agent_ingress").testRun(frame, 1);
        assertEquals(TC_ACT_OK, r.returnValue());
        assertArrayEquals(frame, r.dataOut());
        assertEquals(1, counter(ingress, AgentKernelCounter.INGRESS_NO_FLOW));
    }

    @Test
    void otherTrafficAndOtherMessagesPassUntouchedAndUncounted() {
        Case c = find("c2s-request-all-options");
        addIngressFlow(c.transform(), TOKEN);
        byte[] otherPort = PacketBuilder.udp().from(DIRECTOR, 40000).to(AGENT, TUNNEL_PORT + 1)
                .payload(tunnelPayload(TOKEN, c.input())).frame(AGENT_MAC, CLIENT_MAC);
        byte[] handoffType = tunnel(TOKEN, c.input());
        handoffType[EthernetFrame.HEADER_LENGTH + 20 + 8 + 3] = 1; // another message type on the agent's port
        byte[] tcp = PacketBuilder.ethernet(AGENT_MAC, CLIENT_MAC, c.input());
        for (byte[] frame : List.of(otherPort, handoffType, tcp)) {
            TestRunResult r = ingress.program("agent_ingress").testRun(frame, 1);
            assertEquals(TC_ACT_OK, r.returnValue());
            assertArrayEquals(frame, r.dataOut());
        }
        for (AgentKernelCounter counter : AgentKernelCounter.values()) {
            assertEquals(0, counter(ingress, counter), counter.name());
        }
    }

    /**
     * While a stopped agent's successor starts (agent_config's hold), whatever would go up to its
     * closed port is dropped and counted, so no ICMP port unreachable makes the director reset its
     * clients; TUNNELs of flows in the map are still delivered; other traffic is untouched; once the
     * hold has passed the datagrams go up again.
     */
    @Test
    void duringARestartHoldDatagramsForTheAgentAreDroppedAndTheFlowsGoOn() {
        Case c = find("c2s-request-all-options");
        addIngressFlow(c.transform(), TOKEN);
        ByteBuffer key = ByteBuffer.allocateDirect(4);
        ByteBuffer value = ByteBuffer.allocateDirect(AgentKernelConfig.LENGTH);
        ingress.map("agent_config").update(key, new AgentKernelConfig().wrap(value)
                .entry(TUNNEL_PORT, EgressMode.TUN_INGRESS, 0, System.nanoTime() + 60_000_000_000L).buffer());
        byte[] forward = tunnel(TOKEN, c.input());
        forward[EthernetFrame.HEADER_LENGTH + 20 + 8 + 3] = 2; // a FORWARD: sealed, for the agent's socket
        byte[] noFlow = tunnel(TOKEN, find("c2s-request-no-timestamps").input());
        byte[] otherPort = PacketBuilder.udp().from(DIRECTOR, 40000).to(AGENT, TUNNEL_PORT + 1)
                .payload(tunnelPayload(TOKEN, c.input())).frame(AGENT_MAC, CLIENT_MAC);
        for (byte[] frame : List.of(forward, noFlow)) {
            assertEquals(TC_ACT_SHOT, ingress.program("agent_ingress").testRun(frame, 1).returnValue());
        }
        assertEquals(2, counter(ingress, AgentKernelCounter.INGRESS_HELD_RESTARTING));
        assertEquals(TC_ACT_OK, ingress.program("agent_ingress").testRun(otherPort, 1).returnValue(), "not the agent's port");
        assertEquals(TC_ACT_OK, ingress.program("agent_ingress").testRun(tunnel(TOKEN, c.input()), 1).returnValue());
        assertEquals(1, counter(ingress, AgentKernelCounter.INGRESS_DELIVERED), "a flow in the map goes on in the kernel");

        ingress.map("agent_config").update(key, new AgentKernelConfig().wrap(value)
                .entry(TUNNEL_PORT, EgressMode.TUN_INGRESS, 0, System.nanoTime() - 1).buffer());
        assertEquals(TC_ACT_OK, ingress.program("agent_ingress").testRun(forward, 1).returnValue(), "the hold has passed");
        assertEquals(2, counter(ingress, AgentKernelCounter.INGRESS_HELD_RESTARTING));
    }

    /** Every kind of broken TUNNEL is counted by reason and dropped; none crashes or reaches the stack rewritten. */
    @Test
    void malformedTunnelsAreDroppedAndCountedByReason() {
        Case c = find("c2s-request-all-options");
        addIngressFlow(c.transform(), TOKEN);
        int tun = EthernetFrame.HEADER_LENGTH + 20 + 8;
        int inner = tun + 16;

        byte[] badLength = tunnel(TOKEN, c.input());
        Bytes.putU16(badLength, tun + 4, 16 + c.input().length - 1);
        byte[] flags = tunnel(TOKEN, c.input());
        Bytes.putU16(flags, tun + 6, 1);
        byte[] truncatedHeader = PacketBuilder.udp().from(DIRECTOR, 40000).to(AGENT, TUNNEL_PORT)
                .payload(Arrays.copyOf(tunnelPayload(TOKEN, c.input()), 10)).frame(AGENT_MAC, CLIENT_MAC);
        byte[] innerShort = PacketBuilder.udp().from(DIRECTOR, 40000).to(AGENT, TUNNEL_PORT)
                .payload(Arrays.copyOf(tunnelPayload(TOKEN, c.input()), 16 + 40)).frame(AGENT_MAC, CLIENT_MAC);
        Bytes.putU16(innerShort, tun + 4, 16 + 40);
        byte[] innerUdp = tunnel(TOKEN, PacketBuilder.udp().from("198.18.200.1", 40884).to("198.18.2.1", 8080)
                .payload(new byte[40]).build());
        byte[] badOffset = tunnel(TOKEN, c.input());
        badOffset[inner + 20 + 12] = (byte) 0xf0; // data offset 60 bytes: past the packet's options

        assertEquals(TC_ACT_SHOT, ingress.program("agent_ingress").testRun(badLength, 1).returnValue());
        assertEquals(TC_ACT_SHOT, ingress.program("agent_ingress").testRun(flags, 1).returnValue());
        assertEquals(TC_ACT_SHOT, ingress.program("agent_ingress").testRun(truncatedHeader, 1).returnValue());
        assertEquals(3, counter(ingress, AgentKernelCounter.INGRESS_MALFORMED_TUNNEL));
        assertEquals(TC_ACT_SHOT, ingress.program("agent_ingress").testRun(innerShort, 1).returnValue());
        assertEquals(TC_ACT_SHOT, ingress.program("agent_ingress").testRun(badOffset, 1).returnValue());
        assertEquals(2, counter(ingress, AgentKernelCounter.INGRESS_MALFORMED_INNER));
        assertEquals(TC_ACT_SHOT, ingress.program("agent_ingress").testRun(innerUdp, 1).returnValue());
        assertEquals(1, counter(ingress, AgentKernelCounter.INGRESS_INNER_NOT_TCP));
        assertEquals(0, counter(ingress, AgentKernelCounter.INGRESS_DELIVERED));

        // Every prefix of a valid TUNNEL frame from a whole outer IPv4 header on (BPF_PROG_TEST_RUN
        // refuses an skb shorter than that): never delivered, never a crash.
        byte[] whole = tunnel(TOKEN, c.input());
        for (int len = EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH; len < whole.length; len++) {
            TestRunResult r = ingress.program("agent_ingress").testRun(Arrays.copyOf(whole, len), 1);
            assertNotEquals(TC_ACT_REDIRECT, r.returnValue(), "prefix " + len);
        }
        assertEquals(0, counter(ingress, AgentKernelCounter.INGRESS_DELIVERED), "no prefix delivered");
    }

    // ---- the close (agent_close.h)

    static final int C = Bytes.parseIpv4("198.18.0.100");
    static final int VIP = Bytes.parseIpv4("198.18.1.1");
    static final int H = Bytes.parseIpv4("198.18.0.11");
    static final int CLIENT_ISN = 1_000;
    static final int DIRECTOR_ISN = 0xffff_fff0; // the server's numbers wrap on A during the response
    static final int SERVER_ISN = 500_000;
    static final FlowTransform CLOSING = FlowTransform.builder().client(C, 40000).vip(VIP, 80).server(H, 80)
            .isns(DIRECTOR_ISN, SERVER_ISN).windowShifts(7, 7).build();

    /** The server closes first: its FIN, the client's ACK of it, the client's FIN, the stack's ACK of that. */
    @Test
    void bothFinsAcknowledgedInTheKernelSendOneCloseEvent() {
        addFlow(CLOSING);
        int serverFinEnd = SERVER_ISN + 1 + 100 + 1;
        int clientFinEnd = CLIENT_ISN + 1 + 50 + 1;
        List<String> events = new java.util.ArrayList<>();
        try (BpfRingBuffer ring = BpfRingBuffer.open(egress.map("agent_events"), AgentEvent.LENGTH, (b, n) -> events.add(
                n + " bytes: " + Bytes.ipv4ToString(AgentEvent.clientAddress(b, 0)) + ":" + AgentEvent.clientPort(b, 0) + " -> "
                        + Bytes.ipv4ToString(AgentEvent.vipAddress(b, 0)) + ":" + AgentEvent.vipPort(b, 0) + " kind "
                        + AgentEvent.kind(b, 0)))) {
            assertEquals(TC_ACT_REDIRECT, fromServer(SERVER_ISN + 101, CLIENT_ISN + 51, TcpSegment.FIN | TcpSegment.ACK), "FIN rewritten");
            IngressFlowValue v = ingressEntry(CLOSING);
            assertEquals(IngressFlowValue.closeWord(true, serverFinEnd, false), v.serverClose(), "the server's FIN and its end: " + v);
            assertEquals(0, v.clientClose());

            fromClient(CLIENT_ISN + 51, serverFinEnd - 1 + CLOSING.seqOffset(), TcpSegment.ACK);
            assertEquals(IngressFlowValue.closeWord(true, serverFinEnd, false), ingressEntry(CLOSING).serverClose(),
                    "an ACK one short of the FIN's end does not acknowledge it");
            fromClient(CLIENT_ISN + 51, serverFinEnd + CLOSING.seqOffset(), TcpSegment.ACK);
            assertEquals(IngressFlowValue.closeWord(true, serverFinEnd, true), ingressEntry(CLOSING).serverClose());
            assertEquals(0, ring.poll(0), "one FIN acknowledged: no event");

            fromClient(CLIENT_ISN + 51, serverFinEnd + CLOSING.seqOffset(), TcpSegment.FIN | TcpSegment.ACK);
            assertEquals(2 + 1, counter(ingress, AgentKernelCounter.INGRESS_DELIVERED), "the client's segments, its FIN too");
            assertEquals(IngressFlowValue.closeWord(true, clientFinEnd, false), ingressEntry(CLOSING).clientClose());
            assertTrue(egressEntry(CLOSING).clientFin(), "the egress entry now looks for the stack's ACK of it");

            fromServer(serverFinEnd, clientFinEnd - 1, TcpSegment.ACK);
            assertEquals(0, ring.poll(0), "the client's FIN not yet acknowledged");
            fromServer(serverFinEnd, clientFinEnd, TcpSegment.ACK);
            assertEquals(1, ring.poll(0));
            assertEquals(List.of("16 bytes: 198.18.0.100:40000 -> 198.18.1.1:80 kind " + AgentEvent.KIND_CLOSED), events);
            assertEquals(IngressFlowValue.closeWord(true, clientFinEnd, true) | IngressFlowValue.CLOSE_REPORTED,
                    ingressEntry(CLOSING).clientClose());

            // Retransmissions (the stack's ACK, the client's FIN) change nothing and send nothing more.
            fromServer(serverFinEnd, clientFinEnd, TcpSegment.ACK);
            fromClient(CLIENT_ISN + 51, serverFinEnd + CLOSING.seqOffset(), TcpSegment.FIN | TcpSegment.ACK);
            assertEquals(0, ring.poll(0));
            assertEquals(1, counter(egress, AgentKernelCounter.CLOSES_REPORTED) + counter(ingress, AgentKernelCounter.CLOSES_REPORTED));
            assertEquals(0, counter(egress, AgentKernelCounter.CLOSE_EVENTS_LOST) + counter(ingress, AgentKernelCounter.CLOSE_EVENTS_LOST));
        }
    }

    /** The client closes first; the close is reported by the program that sees the last ACK, the ingress one here. */
    @Test
    void aClientThatClosesFirstIsReportedByTheLastAck() {
        addFlow(CLOSING);
        int serverFinEnd = SERVER_ISN + 1 + 1;
        int clientFinEnd = CLIENT_ISN + 1 + 1;
        int[] records = {0};
        try (BpfRingBuffer ring = BpfRingBuffer.open(egress.map("agent_events"), AgentEvent.LENGTH, (b, n) -> records[0]++)) {
            fromClient(CLIENT_ISN + 1, SERVER_ISN + 1 + CLOSING.seqOffset(), TcpSegment.FIN | TcpSegment.ACK);
            fromServer(SERVER_ISN + 1, clientFinEnd, TcpSegment.FIN | TcpSegment.ACK); // FIN and the ACK of the client's at once
            IngressFlowValue v = ingressEntry(CLOSING);
            assertEquals(IngressFlowValue.closeWord(true, clientFinEnd, true), v.clientClose(), v.toString());
            assertEquals(IngressFlowValue.closeWord(true, serverFinEnd, false), v.serverClose(), v.toString());
            assertEquals(0, ring.poll(0));
            fromClient(clientFinEnd, serverFinEnd + CLOSING.seqOffset(), TcpSegment.ACK);
            assertEquals(1, ring.poll(0));
            assertEquals(1, records[0]);
            assertEquals(1, counter(ingress, AgentKernelCounter.CLOSES_REPORTED));
        }
    }

    /** FINs the agent passed on before it wrote the entries are in the entries' start values; their ACKs close the flow here. */
    @Test
    void finsTheAgentSawBeforeTheEntriesAreTakenFromTheStartValues() {
        int clientFinEnd = CLIENT_ISN + 1 + 1;
        int serverFinEnd = SERVER_ISN + 1 + 1;
        egress.map("agent_egress_flows").update(new EgressFlowKey().wrap(egressKey).flow(CLOSING).buffer(),
                egressView.entry(CLOSING, true, true, serverFinEnd, 0, 0, 0).buffer());
        ingress.map("agent_ingress_flows").update(new IngressFlowKey().wrap(ingressKey).flow(CLOSING).buffer(),
                new IngressFlowValue().wrap(ingressValue).entry(CLOSING, TOKEN, SERVER_ISN + 1,
                        IngressFlowValue.closeWord(true, clientFinEnd, false), IngressFlowValue.closeWord(true, serverFinEnd, true)).buffer());
        try (BpfRingBuffer ring = BpfRingBuffer.open(egress.map("agent_events"), AgentEvent.LENGTH, (b, n) -> { })) {
            fromServer(serverFinEnd, clientFinEnd, TcpSegment.ACK);
            assertEquals(1, ring.poll(0), "the stack's ACK of a FIN the agent passed on closes the flow");
        }
    }

    private void addFlow(FlowTransform f) {
        egress.map("agent_egress_flows").update(new EgressFlowKey().wrap(egressKey).flow(f).buffer(),
                egressView.entry(f, true, SeqNumber.add(SERVER_ISN, 1), 0, 0, 0).buffer());
        addIngressFlow(f, TOKEN);
    }

    /** A segment of connection B from the stack (B's numbering) through the egress program; its verdict. */
    private int fromServer(int seq, int ack, int flags) {
        byte[] ip = PacketBuilder.tcp().from(H, 80).to(C, 40000).seq(seq).ack(ack).flags(flags).window(500).noOptions().noPayload()
                .build();
        return egress.program("agent_egress_eth").testRun(PacketBuilder.ethernet(CLIENT_MAC, AGENT_MAC, ip), 1).returnValue();
    }

    /** A client segment (A's numbering) in a TUNNEL through the ingress program; delivered, or the test fails. */
    private void fromClient(int seq, int ack, int flags) {
        long before = counter(ingress, AgentKernelCounter.INGRESS_DELIVERED);
        byte[] ip = PacketBuilder.tcp().from(C, 40000).to(VIP, 80).seq(seq).ack(ack).flags(flags).window(500).noOptions().noPayload()
                .build();
        ingress.program("agent_ingress").testRun(tunnel(TOKEN, ip), 1);
        assertEquals(before + 1, counter(ingress, AgentKernelCounter.INGRESS_DELIVERED), "delivered");
    }

    private IngressFlowValue ingressEntry(FlowTransform f) {
        IngressFlowValue v = new IngressFlowValue().wrap(ingressValue);
        assertTrue(ingress.map("agent_ingress_flows").lookup(new IngressFlowKey().wrap(ingressKey).flow(f).buffer(), ingressValue));
        return v;
    }

    private EgressFlowValue egressEntry(FlowTransform f) {
        assertTrue(egress.map("agent_egress_flows").lookup(new EgressFlowKey().wrap(egressKey).flow(f).buffer(), egressValue));
        return egressView;
    }

    // ---- helpers

    private void addIngressFlow(FlowTransform f, long token) {
        ingress.map("agent_ingress_flows").update(new IngressFlowKey().wrap(ingressKey).flow(f).buffer(),
                new IngressFlowValue().wrap(ingressValue).entry(f, token).buffer());
    }

    private static byte[] tunnelPayload(long token, byte[] inner) {
        byte[] p = new byte[16 + inner.length];
        Bytes.putU16(p, 0, 0x484f);
        p[2] = 1;
        p[3] = 11;
        Bytes.putU16(p, 4, p.length);
        Bytes.putI64(p, 8, token);
        System.arraycopy(inner, 0, p, 16, inner.length);
        return p;
    }

    /** Ethernet, outer IPv4/UDP (checksum 0) from the director to the agent's port, the TUNNEL header, the inner packet. */
    private static byte[] tunnel(long token, byte[] inner) {
        return PacketBuilder.udp().from(DIRECTOR, 40000).to(AGENT, TUNNEL_PORT).transportChecksum(0)
                .payload(tunnelPayload(token, inner)).frame(AGENT_MAC, CLIENT_MAC);
    }

    private static long counter(BpfObject o, AgentKernelCounter counter) {
        return o.map("agent_counters").counter(counter.index());
    }

    private static int[] differences(byte[] a, byte[] b) {
        return java.util.stream.IntStream.range(0, a.length).filter(i -> a[i] != b[i]).toArray();
    }

    /** A TCP segment with SYN or RST: one the ingress program passes up. */
    private static boolean isControl(byte[] ip) {
        int l4 = new Ipv4Packet().wrap(ip, 0, ip.length).headerLength();
        TcpSegment tcp = new TcpSegment().wrap(ip, l4, ip.length - l4);
        return (tcp.flags() & (TcpSegment.SYN | TcpSegment.RST)) != 0;
    }

    private static Case find(String name) {
        return CASES.stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow(() -> new AssertionError("no case " + name));
    }
}
