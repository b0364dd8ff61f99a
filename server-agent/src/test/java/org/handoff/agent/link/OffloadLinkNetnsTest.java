package org.handoff.agent.link;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.handoff.agent.setup.AgentNetworkConfig;
import org.handoff.agent.setup.AgentNetworkSetup;
import org.handoff.host.CommandResult;
import org.handoff.protocol.checksum.InternetChecksum;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.testing.PcapFile;
import org.handoff.protocol.testing.PcapRecord;
import org.handoff.protocol.transform.ChecksumState;
import org.handoff.protocol.transform.FlowTransform;
import org.handoff.protocol.transform.PacketRewriter;
import org.handoff.protocol.transform.RewriteResult;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.TcpSegment;
import org.handoff.protocol.wire.VirtioNetHeader;
import org.handoff.testkit.NetnsLab;
import org.handoff.testkit.Netns;
import org.handoff.testkit.PacketCapture;
import org.handoff.testkit.PcapReader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The TUN with offloads and direct return through it, on the real kernel (docs/agent-link.md,
 * "Offloads" and "Direct return through the TUN"):
 *
 * <pre>
 *  client ns                                origin ns
 *  C 198.18.0.2/24 eth0 ===== veth ===== eth0 198.18.0.3/24 (tx checksum, TSO, GSO off)
 *  route VIP via D (198.18.0.4, absent)      lo: H 198.18.1.1/32, nginx on H:80
 *                                            ho-tun0 (made before the set-up), forwarding set-up
 * </pre>
 *
 * <ol>
 *   <li>The set-up makes the forwarding path (forwarding and rp_filter on the TUN only) and the
 *       check finds it ready; the check names a strict rp_filter and a firewall whose forward
 *       chain drops by default.
 *   <li>A download over connection B through a TUN attached with offloads: the stack hands over
 *       TSO super-segments (gso_size = the MSS) with partial checksums that hold exactly the
 *       pseudo-header sum, and every header passes the checks; the body is byte-exact.
 *   <li>Those super-segments, rewritten with {@link ChecksumState#PARTIAL} and written back into
 *       the TUN, are forwarded by the kernel, cut and checksummed at the origin's eth0 (its
 *       offloads are off, so the kernel does both in software and the capture sees the result):
 *       every segment reaches the client from VIP:8080, TTL decremented, checksums valid, the
 *       client's kernel counts no checksum error, the bytes are the body's.
 *   <li>Offloads outlive an attach: a later attach without them clears them and reads MTU-sized
 *       packets with full checksums again.
 *   <li>Teardown restores the TUN's sysctls to what they were and leaves the TUN it did not make.
 * </ol>
 *
 * With {@code -Dhandoff.vnet.capture=FILE} the frames read in step 2 are written to FILE (pcap,
 * link type USER0: the 10-byte virtio-net header, then the IPv4 packet), which is how
 * {@code handoff-protocol/src/test/resources/vectors/tun-vnet-tso.pcap} was recorded.
 */
@Tag("netns")
class OffloadLinkNetnsTest {
    private static final String C = "198.18.0.2";
    private static final String O = "198.18.0.3";
    private static final String D = "198.18.0.4";
    private static final String H = "198.18.1.1";
    private static final String VIP = "198.18.2.1";
    private static final int VIP_PORT = 8080;
    private static final String TUN = "ho-tun0";
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    /** pcap link type for the recorded frames: DLT_USER0, header + packet. */
    static final int LINKTYPE_VNET_IPV4 = 147;

    @BeforeAll
    static void needRoot() {
        Optional<String> unavailable = NetnsLab.unavailableReason("nginx", "tcpdump", "nft", "ethtool");
        assumeTrue(unavailable.isEmpty(), () -> "skipped: " + unavailable.orElse(""));
    }

    @Test
    void superSegmentsWithPartialChecksumsOutAndForwardedBackThroughTheTun() throws Exception {
        try (NetnsLab lab = NetnsLab.create()) {
            Netns client = lab.namespace("client");
            Netns origin = lab.namespace("origin");
            lab.veth(client, "eth0", C + "/24", origin, "eth0", O + "/24");
            lab.route(client, VIP + "/32", "via", D);
            // A default route, so the check's probe (ip route get 192.0.2.1 from VIP iif TUN) has an answer.
            lab.route(origin, "default", "via", C);
            // The kernel segments and checksums in software before eth0, so the capture sees what the wire would.
            lab.offloadsOff(origin, "eth0");
            lab.offloadsOff(client, "eth0"); // no GRO: the capture sees each segment as it arrived

            // The tun exists before the set-up: teardown must leave it, and restore its sysctls.
            lab.ip(origin, "tuntap", "add", "dev", TUN, "mode", "tun");
            AgentNetworkConfig config = AgentNetworkConfig.of(TUN, H, List.of(80), List.of(VIP)).withForwarding(true)
                    .withStateFile(lab.workDir().resolve("agent/setup.json"));
            AgentNetworkSetup setup = new AgentNetworkSetup(config, lab.runner(origin));
            List<String> actions = setup.setup();
            assertTrue(actions.contains("set net.ipv4.conf." + TUN + ".forwarding=1 (was 0)"), actions::toString);
            assertEquals("1", lab.sysctlValue(origin, "net.ipv4.conf." + TUN + ".forwarding"));
            assertEquals("0", lab.sysctlValue(origin, "net.ipv4.conf.all.forwarding"), "only the tun forwards");
            assertEquals("0", lab.sysctlValue(origin, "net.ipv4.conf.eth0.forwarding"), "only the tun forwards");
            // The kernel's own answer: from the VIP, arriving on the tun, forwarded; arriving on eth0, not.
            assertTrue(lab.execUnchecked(origin, "ip", "route", "get", C, "from", VIP, "iif", TUN).ok());
            CommandResult onEth0 = lab.execUnchecked(origin, "ip", "route", "get", "192.0.2.1", "from", VIP, "iif", "eth0");
            assertFalse(onEth0.ok(), "eth0 must not forward: " + onEth0.describe());

            Path www = lab.createDir("www");
            byte[] body = new byte[Integer.getInteger("handoff.vnet.body", 1 << 20)];
            new Random(7).nextBytes(body);
            Files.write(www.resolve("data.bin"), body);
            lab.startNginx(origin, H + ":80", www);
            AgentNetworkSetup.CheckResult check = setup.check();
            assertTrue(check.ok(), check.problems()::toString);
            assertEquals(List.of(), check.forwardingProblems());

            // ---- what the check finds wrong with the forwarding path
            lab.sysctl(origin, "net.ipv4.conf.all.rp_filter", "1");
            List<String> strict = setup.check().forwardingProblems();
            assertTrue(strict.stream().anyMatch(p -> p.startsWith("strict reverse-path filter on " + TUN)), strict::toString);
            assertTrue(strict.stream().anyMatch(p -> p.contains("Invalid argument")), "the kernel's probe agrees: " + strict);
            lab.sysctl(origin, "net.ipv4.conf.all.rp_filter", "0");
            CommandResult fw = lab.execWithInput(origin, String.join("\n",
                    "table inet site_fw {",
                    "  chain fwd_drop { type filter hook forward priority filter; policy drop; }",
                    "}", ""), "nft", "-f", "-");
            assertTrue(fw.ok(), fw::describe);
            List<String> dropped = setup.check().forwardingProblems();
            assertEquals(1, dropped.size(), dropped::toString);
            assertTrue(dropped.get(0).startsWith("nftables chain inet site_fw fwd_drop (hook forward, policy drop)"), dropped::toString);
            lab.exec(origin, "nft", "add", "rule", "inet", "site_fw", "fwd_drop", "iifname", TUN, "accept");
            assertEquals(List.of(), setup.check().forwardingProblems(), "a chain that names the tun is trusted");
            lab.sysctl(origin, "net.ipv4.conf." + TUN + ".forwarding", "0");
            List<String> off = setup.check().forwardingProblems();
            assertTrue(off.stream().anyMatch(p -> p.startsWith("IPv4 forwarding is off on " + TUN)), off::toString);
            assertTrue(off.stream().anyMatch(p -> p.contains("No route to host")), "the kernel's probe agrees: " + off);
            setup.setup();
            assertEquals(List.of(), setup.check().forwardingProblems(), "setup made it again");

            int c = Bytes.parseIpv4(C);
            int h = Bytes.parseIpv4(H);
            int clientPort = 40_001;
            int ci = 0x7fff_0000;
            List<byte[]> frames = new ArrayList<>();
            int si;
            int ws;
            int synAckTsVal;
            TunLink link = lab.inNamespace(origin, () -> TunLink.openWithOffloads(TUN));
            try {
                assertEquals(TunLink.VNET_HEADER_LENGTH, link.frameHeaderLength());
                // ---- a download over connection B: super-segments with partial checksums
                TcpOverLink b = new TcpOverLink(link, c, clientPort, h, 80);
                b.sendSyn(ci);
                assertTrue(b.receive(5 * SECOND), "no SYN-ACK from H:80 came out of the tun");
                frames.add(b.lastFrame());
                si = b.tcp.seq();
                ws = b.options.windowShift;
                synAckTsVal = b.options.tsVal;
                b.rcvNxt = SeqNumber.add(si, 1);
                b.send(0, null);
                b.send(TcpSegment.PSH, "GET /data.bin HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

                VirtioNetHeader vnet = new VirtioNetHeader();
                ByteArrayOutputStream response = new ByteArrayOutputStream();
                int superSegments = 0;
                int largest = 0;
                boolean fin = false;
                long deadline = System.nanoTime() + 20 * SECOND;
                while (!fin && System.nanoTime() < deadline) {
                    assertTrue(b.receive(5 * SECOND), "response stalled after " + response.size() + " bytes");
                    byte[] frame = b.lastFrame();
                    vnet.wrap(frame, 0, frame.length);
                    assertNull(vnet.check(), () -> vnet.toString());
                    assertNull(vnet.checkTcpv4(true, b.ip.headerLength()), () -> vnet.toString());
                    assertTrue(b.ip.verifyHeaderChecksum(), "the IPv4 header checksum is always complete");
                    if (vnet.needsChecksum()) {
                        // Linux's convention: the field holds the folded pseudo-header sum, nothing else.
                        assertEquals(InternetChecksum.partial(b.ip.pseudoHeaderSum()), b.tcp.checksum(), () -> vnet.toString());
                        byte[] completed = frame.clone();
                        InternetChecksum.completePartial(completed, VirtioNetHeader.LENGTH + vnet.csumStart(), frame.length,
                                VirtioNetHeader.LENGTH + vnet.csumStart() + vnet.csumOffset());
                        TcpSegment t = new TcpSegment().wrap(completed, b.tcp.offset(), b.ip.payloadLength());
                        assertTrue(t.verifyChecksum(b.ip.pseudoHeaderSum()), "the completed checksum verifies");
                    } else {
                        assertTrue(b.tcp.verifyChecksum(b.ip.pseudoHeaderSum()), "no NEEDS_CSUM: the checksum is complete");
                    }
                    if (vnet.isGso()) {
                        superSegments++;
                        assertEquals(VirtioNetHeader.GSO_TCPV4, vnet.gsoType());
                        assertEquals(1460 - 12, vnet.gsoSize(), "gso_size is the MSS (1460 less the timestamps)");
                        assertTrue(vnet.needsChecksum());
                    }
                    largest = Math.max(largest, b.inLength);
                    if (b.tcp.seq() != b.rcvNxt) {
                        continue;
                    }
                    frames.add(frame);
                    int n = b.tcp.payloadLength();
                    response.write(b.in, b.tcp.payloadOffset(), n);
                    b.rcvNxt = SeqNumber.add(b.rcvNxt, n + (b.tcp.fin() ? 1 : 0));
                    fin = b.tcp.fin();
                    b.send(fin ? TcpSegment.FIN : 0, null);
                }
                assertTrue(fin, "no FIN within 20 s");
                assertTrue(superSegments > 0, "no super-segment arrived");
                assertTrue(largest > 1500, "largest frame " + largest + " bytes");
                byte[] all = response.toByteArray();
                String text = new String(all, StandardCharsets.ISO_8859_1);
                int headerEnd = text.indexOf("\r\n\r\n") + 4;
                assertTrue(text.startsWith("HTTP/1.1 200 OK\r\n"), () -> text.substring(0, Math.min(200, text.length())));
                assertArrayEquals(body, Arrays.copyOfRange(all, headerEnd, all.length), "response body");
                String capture = System.getProperty("handoff.vnet.capture");
                if (capture != null) {
                    List<PcapRecord> records = new ArrayList<>();
                    long t = System.currentTimeMillis() * 1_000_000L;
                    for (byte[] f : frames) {
                        records.add(PcapRecord.of(t++, f));
                    }
                    PcapFile.of(ByteOrder.LITTLE_ENDIAN, PcapFile.Resolution.MICROS, PcapFile.DEFAULT_SNAP_LENGTH,
                            LINKTYPE_VNET_IPV4, records).write(Path.of(capture));
                }

                // ---- direct return through the tun: rewritten with partial checksums, forwarded by the kernel
                PacketCapture arrivals = lab.capture(client, "eth0", "src host " + VIP);
                int di = 0x0bad_f00d;
                FlowTransform flow = FlowTransform.builder()
                        .client(c, clientPort).vip(Bytes.parseIpv4(VIP), VIP_PORT).server(h, 80)
                        .isns(di, si).timestamps(123_456_789, synAckTsVal).windowShifts(ws, 7).build();
                PacketRewriter rewriter = new PacketRewriter();
                TunForwardEgress egress = new TunForwardEgress(link::writeFrame);
                Ipv4Packet ip = new Ipv4Packet();
                TcpSegment tcp = new TcpSegment();
                TreeMap<Long, byte[]> expected = new TreeMap<>(); // payload by offset into the response
                int segmentsSent = 0;
                for (byte[] f : frames.subList(1, frames.size())) {
                    byte[] copy = f.clone();
                    vnet.wrap(copy, 0, copy.length);
                    ip.wrap(copy, VirtioNetHeader.LENGTH, copy.length - VirtioNetHeader.LENGTH);
                    tcp.wrap(copy, ip.payloadOffset(), ip.payloadLength());
                    int payload = tcp.payloadLength();
                    if (payload > 0) {
                        expected.put((long) SeqNumber.diff(tcp.seq(), SeqNumber.add(si, 1)),
                                Arrays.copyOfRange(copy, tcp.payloadOffset(), tcp.payloadOffset() + payload));
                    }
                    ChecksumState state = vnet.needsChecksum() ? ChecksumState.PARTIAL : ChecksumState.VALID;
                    assertEquals(RewriteResult.OK, rewriter.serverToClient(copy, VirtioNetHeader.LENGTH, ip.totalLength(), flow, state));
                    vnet.hdrLen(ip.headerLength() + tcp.headerLength());
                    assertTrue(egress.sendOffloaded(copy, 0, copy.length), egress::toString);
                    segmentsSent += vnet.isGso() ? (payload + vnet.gsoSize() - 1) / vnet.gsoSize() : 1;
                }
                List<PcapReader.Frame> got = arrivals.stopAfter(segmentsSent, 5000);
                assertEquals(segmentsSent, got.size(), "every segment of every super-segment reached the client namespace");
                ByteArrayOutputStream forwarded = new ByteArrayOutputStream();
                TreeMap<Long, byte[]> arrived = new TreeMap<>();
                for (PcapReader.Frame f : got) {
                    int at = f.ipOffset();
                    ip.wrap(f.data(), at, f.data().length - at);
                    assertNull(ip.check());
                    ip.wrap(f.data(), at, ip.totalLength());
                    tcp.wrap(f.data(), ip.payloadOffset(), ip.payloadLength());
                    assertTrue(ip.totalLength() <= 1500, "cut to the MTU: " + ip.totalLength());
                    assertEquals(VIP, Bytes.ipv4ToString(ip.source()));
                    assertEquals(C, Bytes.ipv4ToString(ip.destination()));
                    assertEquals(VIP_PORT, tcp.sourcePort());
                    assertEquals(63, ip.ttl(), "forwarded once: TTL 64 - 1");
                    assertTrue(ip.verifyHeaderChecksum(), "IP checksum");
                    assertTrue(tcp.verifyChecksum(ip.pseudoHeaderSum()), "TCP checksum completed by the kernel from our partial one");
                    if (tcp.payloadLength() > 0) {
                        arrived.put((long) SeqNumber.diff(tcp.seq(), SeqNumber.add(di, 1)),
                                Arrays.copyOfRange(f.data(), tcp.payloadOffset(), tcp.payloadOffset() + tcp.payloadLength()));
                    }
                }
                for (byte[] p : arrived.values()) {
                    forwarded.write(p);
                }
                ByteArrayOutputStream sentBytes = new ByteArrayOutputStream();
                for (byte[] p : expected.values()) {
                    sentBytes.write(p);
                }
                assertArrayEquals(sentBytes.toByteArray(), forwarded.toByteArray(), "the forwarded bytes, in sequence order");
                assertEquals("0", lab.nstat(client, "TcpInCsumErrors"), "the client's kernel found no checksum error");
                assertEquals(0, egress.failed(), egress::toString);
                byte[] drain = new byte[TunLink.MAX_FRAME];
                int vip = Bytes.parseIpv4(VIP);
                for (int i = 0; i < 100; i++) {
                    int n = link.read(drain, 0, drain.length, SECOND / 5);
                    if (n <= 0) {
                        break;
                    }
                    assertTrue(Bytes.i32(drain, VirtioNetHeader.LENGTH + 12) != vip, "a forwarded packet came back into the tun");
                }
            } finally {
                link.close();
            }

            // ---- offloads outlive the attach; a plain attach clears them
            TunLink plain = lab.inNamespace(origin, () -> TunLink.open(TUN));
            try {
                assertEquals(0, plain.frameHeaderLength());
                TcpOverLink b = new TcpOverLink(plain, c, clientPort + 1, h, 80);
                b.sendSyn(0x1000);
                assertTrue(b.receive(5 * SECOND));
                b.rcvNxt = SeqNumber.add(b.tcp.seq(), 1);
                b.send(0, null);
                b.send(TcpSegment.PSH, "GET /data.bin HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                for (int i = 0; i < 64 && !b.tcp.fin(); i++) {
                    assertTrue(b.receive(5 * SECOND));
                    assertTrue(b.inLength <= 1500, "MTU-sized again: " + b.inLength);
                    assertTrue(b.tcp.verifyChecksum(b.ip.pseudoHeaderSum()), "full checksums again");
                    if (b.tcp.seq() == b.rcvNxt) {
                        b.rcvNxt = SeqNumber.add(b.rcvNxt, b.tcp.payloadLength());
                        b.send(0, null);
                    }
                }
                b.send(TcpSegment.RST, null);
            } finally {
                plain.close();
            }

            // ---- teardown: the tun's sysctls back to what they were, the tun itself left alone
            lab.exec(origin, "nft", "delete", "table", "inet", "site_fw");
            setup.teardown();
            assertEquals("0", lab.sysctlValue(origin, "net.ipv4.conf." + TUN + ".forwarding"), "restored");
            assertTrue(lab.execUnchecked(origin, "ip", "link", "show", TUN).ok(), "the tun was there before: it stays");
            assertFalse(lab.execUnchecked(origin, "nft", "list", "table", "inet", "handoff_agent").ok(), "nft table removed");
            assertFalse(Files.exists(config.stateFile()), "state file removed");
        }
    }
}
