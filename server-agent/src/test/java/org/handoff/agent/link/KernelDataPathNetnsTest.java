package org.handoff.agent.link;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.handoff.agent.kernel.AgentKernelConfig;
import org.handoff.agent.kernel.AgentKernelConfig.EgressMode;
import org.handoff.agent.kernel.AgentKernelCounter;
import org.handoff.agent.kernel.EgressFlowKey;
import org.handoff.agent.kernel.EgressFlowValue;
import org.handoff.agent.kernel.IngressFlowKey;
import org.handoff.agent.kernel.IngressFlowValue;
import org.handoff.agent.setup.AgentNetworkConfig;
import org.handoff.agent.setup.AgentNetworkSetup;
import org.handoff.bpf.BpfMap;
import org.handoff.bpf.BpfObject;
import org.handoff.bpf.Interfaces;
import org.handoff.bpf.TcAttachment;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.testing.PacketBuilder;
import org.handoff.protocol.transform.FlowTransform;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.TcpOptions;
import org.handoff.protocol.wire.TcpSegment;
import org.handoff.testkit.Netns;
import org.handoff.testkit.NetnsLab;
import org.handoff.testkit.PacketCapture;
import org.handoff.testkit.PcapReader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Both agent programs on the real kernel, on the agent's own host set-up
 * ({@link AgentNetworkSetup}: the TUN, the {@code from H} rule, the input guard, forwarding on
 * the TUN), with a transform that moves every field: a download whose packets never reach user
 * space in either direction.
 *
 * <ol>
 *   <li>Connection B is opened through the TUN as the agent opens it ({@link TcpOverLink}: the
 *       client's SYN, the stack's SYN-ACK, the ACK); from its ISN, clock and window shift the
 *       test builds the flow's {@link FlowTransform} (director ISN and TSval of its own, window
 *       shift 7 on A) and writes both map entries, then attaches {@code agent_egress} to the
 *       TUN's egress and {@code agent_ingress} to the origin's eth0.
 *   <li>The client namespace plays the client and the director: it sends the request, and then
 *       an ACK each time the stack has sent more (read from the egress entry's {@code sent}
 *       word: the hand-back's state, kept by the program), all in A's numbering, as TUNNELs
 *       with the flow's token to the agent's port. {@code agent_ingress} decapsulates them,
 *       rewrites them onto B and puts them into the TUN's ingress, where the input guard and
 *       the reverse-path check accept them; the stack verifies their checksums.
 *   <li>The response leaves through {@code agent_egress}, rewritten onto A and sent out of eth0
 *       by its FIB lookup; the origin's eth0 has no offloads, so the kernel cuts and checksums
 *       the super-packets after the program and a capture in the client namespace sees the
 *       wire: every segment from the VIP, seq + d, TSval + t, the window rescaled, valid
 *       checksums, TTL 64 (sent, not forwarded); reassembled in A's numbering, the body is
 *       byte-exact.
 *   <li>A TUNNEL with another token is dropped and counted, and nothing of the flow ever reached
 *       the TUN's reader after the handshake.
 * </ol>
 */
@Tag("netns")
class KernelDataPathNetnsTest {
    private static final String C = "198.18.0.2";
    private static final String O = "198.18.0.3";
    private static final String H = "198.18.1.1";
    private static final String VIP = "198.18.2.1";
    private static final int VIP_PORT = 8080;
    private static final int AGENT_PORT = 9000;
    private static final String TUN = "ho-tun0";
    private static final int CLIENT_PORT = 40_123;
    private static final int CLIENT_ISN = 0x7fff_0000;
    private static final int DIRECTOR_ISN = 0x0bad_f00d;
    private static final int DIRECTOR_TSVAL = 123_456_789;
    private static final int DIRECTOR_SHIFT = 7;
    private static final long TOKEN = 0x5eed_0123_4567_89abL;
    private static final int BODY = 1 << 20;
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @BeforeAll
    static void needRoot() {
        Optional<String> unavailable = NetnsLab.unavailableReason("nginx", "tcpdump", "nft", "ethtool", "nstat");
        assumeTrue(unavailable.isEmpty(), () -> "skipped: " + unavailable.orElse(""));
    }

    @Test
    void aDownloadRunsThroughBothProgramsWithEveryFieldRewritten() throws Exception {
        try (NetnsLab lab = NetnsLab.create();
             BpfObject egress = BpfObject.openResource("agent_egress.bpf.o");
             BpfObject ingress = BpfObject.openResource("agent_ingress.bpf.o")) {
            Netns client = lab.namespace("client");
            Netns origin = lab.namespace("origin");
            lab.veth(client, "eth0", C + "/24", origin, "eth0", O + "/24");
            lab.route(origin, "default", "via", C);
            lab.offloadsOff(origin, "eth0"); // the kernel cuts and checksums in software: the capture sees the wire
            lab.offloadsOff(client, "eth0"); // no GRO: each segment as it arrived
            // The client namespace has no socket for A: its kernel neither answers nor resets.
            assertTrue(lab.execWithInput(client, String.join("\n", "table ip no_answer {",
                    "  chain in { type filter hook input priority filter; ip saddr " + VIP + " drop; }", "}", ""), "nft", "-f", "-").ok());

            lab.ip(origin, "tuntap", "add", "dev", TUN, "mode", "tun");
            AgentNetworkConfig config = AgentNetworkConfig.of(TUN, H, List.of(80), List.of(VIP)).withForwarding(true)
                    .withStateFile(lab.workDir().resolve("agent/setup.json"));
            new AgentNetworkSetup(config, lab.runner(origin)).setup();
            lab.sysctl(origin, "net.ipv4.conf.all.rp_filter", "1"); // strict: delivery must be on the TUN
            Path www = lab.createDir("www");
            byte[] body = new byte[BODY];
            new Random(11).nextBytes(body);
            Files.write(www.resolve("data.bin"), body);
            lab.startNginx(origin, H + ":80", www);

            int c = Bytes.parseIpv4(C);
            int h = Bytes.parseIpv4(H);
            int vip = Bytes.parseIpv4(VIP);
            TunLink link = lab.own(lab.inNamespace(origin, () -> TunLink.open(TUN)));
            // ---- 1. connection B, as the agent opens it
            TcpOverLink b = new TcpOverLink(link, c, CLIENT_PORT, h, 80);
            b.sendSyn(CLIENT_ISN);
            assertTrue(b.receive(5 * SECOND), "no SYN-ACK from H:80 came out of the tun");
            int si = b.tcp.seq();
            FlowTransform f = FlowTransform.builder().client(c, CLIENT_PORT).vip(vip, VIP_PORT).server(h, 80)
                    .isns(DIRECTOR_ISN, si).timestamps(DIRECTOR_TSVAL, b.options.tsVal)
                    .windowShifts(b.options.windowShift, DIRECTOR_SHIFT).build();
            b.rcvNxt = SeqNumber.add(si, 1);
            b.send(0, null);

            egress.load();
            ingress.load();
            ByteBuffer zero = ByteBuffer.allocateDirect(4);
            ByteBuffer configEntry = ByteBuffer.allocateDirect(AgentKernelConfig.LENGTH);
            int tunIndex = lab.inNamespace(origin, () -> Interfaces.indexOf(TUN));
            egress.map("agent_config").update(zero, new AgentKernelConfig().wrap(configEntry).entry(0, EgressMode.FIB, 0).buffer());
            ingress.map("agent_config").update(zero,
                    new AgentKernelConfig().wrap(configEntry).entry(AGENT_PORT, EgressMode.FIB, tunIndex).buffer());
            ByteBuffer key = ByteBuffer.allocateDirect(EgressFlowKey.LENGTH);
            ByteBuffer value = ByteBuffer.allocateDirect(EgressFlowValue.LENGTH);
            EgressFlowValue state = new EgressFlowValue().wrap(value);
            BpfMap egressFlows = egress.map("agent_egress_flows");
            egressFlows.update(new EgressFlowKey().wrap(key).flow(f).buffer(),
                    state.entry(f, false, SeqNumber.add(si, 1), DIRECTOR_TSVAL, SeqNumber.add(CLIENT_ISN, 1), 0).buffer(),
                    BpfMap.UpdateMode.NOEXIST);
            ByteBuffer ingressKey = ByteBuffer.allocateDirect(IngressFlowKey.LENGTH);
            ByteBuffer ingressValue = ByteBuffer.allocateDirect(IngressFlowValue.LENGTH);
            ingress.map("agent_ingress_flows").update(new IngressFlowKey().wrap(ingressKey).flow(f).buffer(),
                    new IngressFlowValue().wrap(ingressValue).entry(f, TOKEN).buffer(), BpfMap.UpdateMode.NOEXIST);

            // Detached inside the namespace at the end (an attachment closes from its own namespace).
            TcAttachment out = lab.inNamespace(origin, () -> TcAttachment.attach(tunIndex, TcAttachment.Direction.EGRESS,
                    egress.program("agent_egress"), 1, 1));
            TcAttachment in = lab.inNamespace(origin, () -> TcAttachment.attach(Interfaces.indexOf("eth0"),
                    TcAttachment.Direction.INGRESS, ingress.program("agent_ingress"), 1, 1));
            try {
                PacketCapture capture = lab.capture(client, "eth0", "tcp and src host " + VIP);

                // ---- 2. the client and the director: the request, then ACKs as the stack sends, as TUNNELs
                DatagramChannel director = lab.own(lab.inNamespace(client, DatagramChannel::open));
                InetSocketAddress agent = new InetSocketAddress(O, AGENT_PORT);
                byte[] request = "GET /data.bin HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
                int clientSeq = SeqNumber.add(CLIENT_ISN, 1);
                int clientTsVal = 5_000;
                PacketBuilder a = PacketBuilder.tcp().from(c, CLIENT_PORT).to(vip, VIP_PORT);
                int tunnels = 0;
                director.send(tunnel(TOKEN, a.seq(clientSeq).ack(SeqNumber.add(DIRECTOR_ISN, 1)).flags(TcpSegment.ACK | TcpSegment.PSH)
                        .window(2048).timestamps(++clientTsVal, DIRECTOR_TSVAL).payload(request).build()), agent);
                tunnels++;
                clientSeq = SeqNumber.add(clientSeq, request.length);
                int acked = SeqNumber.add(si, 1);
                long deadline = System.nanoTime() + 20 * SECOND;
                boolean finAcked = false;
                for (int polls = 0; !finAcked && System.nanoTime() < deadline && polls < 200_000; polls++) {
                    assertTrue(egressFlows.lookup(key, value));
                    int next = state.serverNext();
                    if (next != acked) {
                        acked = next;
                        finAcked = (state.tcpFlagsSeen() & TcpSegment.FIN) != 0;
                        // A's numbering: the client acknowledges seq + d, and echoes the largest TSval it got.
                        director.send(tunnel(TOKEN, a.noPayload().seq(clientSeq).ack(SeqNumber.add(next, f.seqOffset()))
                                .flags(TcpSegment.ACK).window(2048).timestamps(++clientTsVal, state.lastTsVal()).build()), agent);
                        tunnels++;
                    } else {
                        Thread.sleep(1);
                    }
                }
                assertTrue(finAcked, "the response did not end in 20 s; sent up to " + Integer.toUnsignedString(acked) + ", " + state);

                // ---- 4. a forged TUNNEL: another token
                director.send(tunnel(TOKEN ^ 0x1, a.noPayload().seq(clientSeq).ack(SeqNumber.add(acked, f.seqOffset()))
                        .flags(TcpSegment.RST).window(0).timestamps(++clientTsVal, state.lastTsVal()).build()), agent);
                BpfMap counters = ingress.map("agent_counters");
                for (int i = 0; i < 100 && counters.counter(AgentKernelCounter.INGRESS_BAD_TOKEN.index()) == 0; i++) {
                    Thread.sleep(10);
                }
                assertEquals(1, counters.counter(AgentKernelCounter.INGRESS_BAD_TOKEN.index()), "the forged TUNNEL dropped");
                assertEquals(tunnels, counters.counter(AgentKernelCounter.INGRESS_DELIVERED.index()), "every real TUNNEL delivered");
                assertEquals("0", lab.nstat(origin, "TcpInCsumErrors"), "the stack verified every rewritten client packet");

                // ---- 3. what the client got
                List<PcapReader.Frame> frames = capture.stopAndRead();
                TreeMap<Long, byte[]> payload = new TreeMap<>();
                Ipv4Packet ip = new Ipv4Packet();
                TcpSegment tcp = new TcpSegment();
                TcpOptions options = new TcpOptions();
                int windowShifted = 0;
                for (PcapReader.Frame frame : frames) {
                    byte[] d = frame.data();
                    assertEquals(null, ip.wrap(d, frame.ipOffset(), d.length - frame.ipOffset()).check());
                    assertTrue(ip.verifyHeaderChecksum(), "IPv4 header checksum");
                    assertEquals(vip, ip.source());
                    assertEquals(c, ip.destination());
                    assertEquals(64, ip.ttl(), "sent from the TUN's egress, never forwarded");
                    tcp.wrap(d, ip.payloadOffset(), ip.payloadLength());
                    assertEquals(null, tcp.check());
                    assertTrue(tcp.verifyChecksum(ip.pseudoHeaderSum()), "TCP checksum of a wire segment");
                    assertEquals(VIP_PORT, tcp.sourcePort());
                    assertEquals(CLIENT_PORT, tcp.destinationPort());
                    assertTrue(tcp.length() - tcp.headerLength() <= 1448, "cut to the MSS by the kernel after the program");
                    tcp.parseOptions(options);
                    assertTrue(options.hasTimestamps());
                    assertTrue(SeqNumber.ge(options.tsVal, DIRECTOR_TSVAL), "TSval on the director's clock, above its TSval at hand-off");
                    if (tcp.window() != 0) {
                        windowShifted++;
                    }
                    long offset = SeqNumber.diff(tcp.seq(), SeqNumber.add(DIRECTOR_ISN, 1)) & 0xffffffffL;
                    int n = tcp.length() - tcp.headerLength();
                    if (n > 0) {
                        payload.put(offset, Arrays.copyOfRange(d, tcp.offset() + tcp.headerLength(), tcp.offset() + tcp.length()));
                    }
                }
                assertTrue(windowShifted > 0, "windows, rescaled to shift " + DIRECTOR_SHIFT);
                ByteArrayOutputStream stream = new ByteArrayOutputStream();
                for (var e : payload.entrySet()) {
                    if (e.getKey() == stream.size()) {
                        stream.write(e.getValue());
                    } else if (e.getKey() + e.getValue().length > stream.size()) {
                        int overlap = (int) (stream.size() - e.getKey());
                        stream.write(e.getValue(), overlap, e.getValue().length - overlap);
                    }
                }
                byte[] response = stream.toByteArray();
                String head = new String(response, 0, Math.min(200, response.length), StandardCharsets.US_ASCII);
                assertTrue(head.startsWith("HTTP/1.1 200 OK"), head);
                int bodyStart = indexOf(response, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII)) + 4;
                assertArrayEquals(body, Arrays.copyOfRange(response, bodyStart, response.length), "the body in A's numbering");

                assertEquals(0, link.read(new byte[TunLink.MAX_FRAME], 0, TunLink.MAX_FRAME, 0),
                        "nothing of the flow reached the TUN's reader");
                long rewritten = egress.map("agent_counters").counter(AgentKernelCounter.EGRESS_REWRITTEN.index());
                System.out.println("KernelDataPathNetnsTest: " + tunnels + " TUNNELs delivered, " + rewritten
                        + " server packets rewritten, " + frames.size() + " segments on the wire; " + f + "; " + state);
            } finally {
                lab.inNamespace(origin, () -> {
                    in.close();
                    out.close();
                    return null;
                });
            }
        }
    }

    /** Outer UDP payload: the 16-byte TUNNEL header (handoff_tunnel.h) and the inner packet. */
    private static ByteBuffer tunnel(long token, byte[] inner) {
        ByteBuffer p = ByteBuffer.allocate(16 + inner.length);
        p.putShort((short) 0x484f).put((byte) 1).put((byte) 11).putShort((short) (16 + inner.length)).putShort((short) 0)
                .putLong(token).put(inner);
        return p.flip();
    }

    private static int indexOf(byte[] b, byte[] what) {
        for (int i = 0; i + what.length <= b.length; i++) {
            if (Arrays.equals(b, i, i + what.length, what, 0, what.length)) {
                return i;
            }
        }
        throw new AssertionError("no header end in the response");
    }
}
