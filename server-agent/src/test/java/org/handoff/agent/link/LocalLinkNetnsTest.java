package org.handoff.agent.link;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.handoff.agent.setup.AgentNetworkConfig;
import org.handoff.agent.setup.AgentNetworkSetup;
import org.handoff.host.CommandResult;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.transform.FlowTransform;
import org.handoff.protocol.transform.PacketRewriter;
import org.handoff.protocol.transform.RewriteResult;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.TcpSegment;
import org.handoff.testkit.NetnsLab;
import org.handoff.testkit.Netns;
import org.handoff.testkit.Nginx;
import org.handoff.testkit.PacketCapture;
import org.handoff.testkit.PcapReader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The agent's local link and direct return on the real kernel, as docs/agent-link.md describes
 * them:
 *
 * <pre>
 *  client ns                                origin ns
 *  C 198.18.0.2/24 eth0 ===== veth ===== eth0 198.18.0.3/24
 *  route VIP via D (198.18.0.4, absent)      lo: H 198.18.1.1/32, nginx on H:80
 *                                            ho-tun0 (AgentNetworkSetup), strict rp_filter,
 *                                            a site firewall dropping new non-SYN TCP output
 * </pre>
 *
 * From Java, in the origin: a client-looking SYN into the TUN, the SYN-ACK out of it, the
 * request in, the whole response out; then the response rewritten by the transform core and
 * sent through the raw socket arrives in the client namespace from VIP:8080 with valid
 * checksums. With the reader gone, and then with the TUN down, nothing from H reaches the wire.
 */
@Tag("netns")
class LocalLinkNetnsTest {
    private static final String C = "198.18.0.2";
    private static final String O = "198.18.0.3";
    private static final String D = "198.18.0.4";
    private static final String H = "198.18.1.1";
    private static final String VIP = "198.18.2.1";
    private static final int VIP_PORT = 8080;
    private static final String TUN = "ho-tun0";
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @BeforeAll
    static void needRoot() {
        Optional<String> unavailable = NetnsLab.unavailableReason("nginx", "tcpdump", "nft");
        assumeTrue(unavailable.isEmpty(), () -> "skipped: " + unavailable.orElse(""));
    }

    @Test
    void connectionBOverTheTunThenDirectReturnFromTheVipAndNoLeak() throws Exception {
        try (NetnsLab lab = NetnsLab.create()) {
            Netns client = lab.namespace("client");
            Netns origin = lab.namespace("origin");
            lab.veth(client, "eth0", C + "/24", origin, "eth0", O + "/24");
            lab.route(client, VIP + "/32", "via", D);
            // Strict reverse-path filtering everywhere in the origin, the tun included (it inherits default).
            lab.sysctl(origin, "net.ipv4.conf.all.rp_filter", "1");
            lab.sysctl(origin, "net.ipv4.conf.default.rp_filter", "1");
            // A common site rule: drop new TCP output that is not a SYN. Conntrack sees the
            // direct-return packets as new flows; only the set-up's notrack lets them pass.
            CommandResult fw = lab.execWithInput(origin, String.join("\n",
                    "table inet site_fw {",
                    "  chain out { type filter hook output priority filter; policy accept;",
                    "    ct state new tcp flags & (syn | ack) != syn counter drop",
                    "  }",
                    "}", ""), "nft", "-f", "-");
            assertTrue(fw.ok(), fw::describe);

            // The agent's set-up, run inside the origin namespace.
            AgentNetworkConfig config = AgentNetworkConfig.of(TUN, H, List.of(80), List.of(VIP))
                    .withStateFile(lab.workDir().resolve("agent/setup.json"));
            AgentNetworkSetup setup = new AgentNetworkSetup(config, lab.runner(origin));
            assertFalse(setup.check().ok(), "nothing is set up yet");
            setup.setup();
            List<String> again = setup.setup();
            assertTrue(again.stream().filter(a -> !a.contains("nftables")).allMatch(a -> a.endsWith("present")), again::toString);
            assertEquals("1", lab.sysctlValue(origin, "net.ipv4.conf." + TUN + ".rp_filter"), "the tun runs strict rp_filter");
            assertEquals("1", lab.sysctlValue(origin, "net.ipv6.conf." + TUN + ".disable_ipv6"));

            Path www = lab.createDir("www");
            byte[] body = new byte[20_000];
            new Random(42).nextBytes(body);
            Files.write(www.resolve("data.bin"), body);
            Nginx nginx = lab.startNginx(origin, H + ":80", www);
            AgentNetworkSetup.CheckResult check = setup.check();
            assertTrue(check.ok(), check.problems()::toString);
            assertEquals(List.of(), check.warnings());

            // Anything from H on the origin's wire is a leak; a SYN from the origin's own address
            // to port 9 is the control that shows the capture works.
            PacketCapture leaks = lab.capture(origin, "eth0", "src host " + H + " or ( tcp dst port 9 and src host " + O + " )");
            PacketCapture arrivals = lab.capture(client, "eth0", "src host " + VIP);

            TunLink[] link = new TunLink[1];
            RawSocketEgress[] egress = new RawSocketEgress[1];
            lab.inNamespace(origin, () -> {
                link[0] = TunLink.open(TUN);
                egress[0] = RawSocketEgress.open();
                return null;
            });
            try {
                // A second attach is refused with a clear reason; a missing device is never created.
                IOException busy = assertThrows(IOException.class, () -> lab.inNamespace(origin, () -> TunLink.open(TUN)));
                assertTrue(busy.getMessage().contains("attached by another process"), busy.getMessage());
                IOException missing = assertThrows(IOException.class, () -> lab.inNamespace(origin, () -> TunLink.open("ho-nope0")));
                assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
                assertFalse(lab.execUnchecked(origin, "ip", "link", "show", "ho-nope0").ok(), "open() must not leave a device");

                // ---- connection B: handshake, request, response, all through the tun
                int c = Bytes.parseIpv4(C);
                int h = Bytes.parseIpv4(H);
                int clientPort = 40_001;
                int ci = 0x7fff_fff0; // wraps during the exchange
                TcpOverLink b = new TcpOverLink(link[0], c, clientPort, h, 80);
                b.sendSyn(ci);
                assertTrue(b.receive(5 * SECOND), "no SYN-ACK from H:80 came out of the tun");
                assertEquals(TcpSegment.SYN | TcpSegment.ACK, b.tcp.flags(), "flags " + TcpSegment.flagsToString(b.tcp.flags()));
                assertEquals(SeqNumber.add(ci, 1), b.tcp.ack(), "SYN-ACK acknowledges the client's ISN + 1");
                assertTrue(b.options.hasTimestamps() && b.options.hasSackPermitted() && b.options.hasWindowScale());
                int si = b.tcp.seq();
                int ws = b.options.windowShift;
                int serverSynAckTsVal = b.options.tsVal;
                b.rcvNxt = SeqNumber.add(si, 1);
                b.send(0, null);
                b.send(TcpSegment.PSH, "GET /data.bin HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

                ByteArrayOutputStream response = new ByteArrayOutputStream();
                List<byte[]> responsePackets = new ArrayList<>();
                boolean fin = false;
                long deadline = System.nanoTime() + 10 * SECOND;
                while (!fin && System.nanoTime() < deadline) {
                    assertTrue(b.receive(5 * SECOND), "response stalled after " + response.size() + " bytes");
                    assertTrue(b.ip.verifyHeaderChecksum() && b.tcp.verifyChecksum(b.ip.pseudoHeaderSum()),
                            "packets read from the tun carry full checksums");
                    assertTrue(b.inLength <= 1500, "tun packets are MTU-sized: " + b.inLength);
                    if (b.tcp.seq() != b.rcvNxt) {
                        continue; // a retransmission of what we have
                    }
                    int n = b.tcp.payloadLength();
                    if (n > 0) {
                        response.write(b.in, b.tcp.payloadOffset(), n);
                        responsePackets.add(b.lastPacket());
                    }
                    b.rcvNxt = SeqNumber.add(b.rcvNxt, n + (b.tcp.fin() ? 1 : 0));
                    fin = b.tcp.fin();
                    b.send(fin ? TcpSegment.FIN : 0, null);
                }
                assertTrue(fin, "no FIN within 10 s");
                byte[] all = response.toByteArray();
                String text = new String(all, StandardCharsets.ISO_8859_1);
                assertTrue(text.startsWith("HTTP/1.1 200 OK\r\n"), () -> text.substring(0, Math.min(200, text.length())));
                int headerEnd = text.indexOf("\r\n\r\n") + 4;
                byte[] got = java.util.Arrays.copyOfRange(all, headerEnd, all.length);
                assertArrayEquals(body, got, "response body");
                assertTrue(nginx.accessLog().stream().anyMatch(l -> l.startsWith(C + " ")), () -> "nginx saw the client: "
                        + nginx.accessLog());

                // ---- direct return: rewrite every response segment and send it from the VIP
                int di = 0x0bad_f00d;
                int tsDirector = 123_456_789;
                FlowTransform flow = FlowTransform.builder()
                        .client(c, clientPort).vip(Bytes.parseIpv4(VIP), VIP_PORT).server(h, 80)
                        .isns(di, si).timestamps(tsDirector, serverSynAckTsVal).windowShifts(ws, 7).build();
                PacketRewriter rewriter = new PacketRewriter();
                List<byte[]> sent = new ArrayList<>();
                List<Integer> originalSeqs = new ArrayList<>();
                for (byte[] p : responsePackets) {
                    byte[] copy = p.clone();
                    originalSeqs.add(Bytes.i32(p, 20 + TcpSegment.SEQ_OFFSET));
                    assertEquals(RewriteResult.OK, rewriter.serverToClient(copy, 0, copy.length, flow, true));
                    assertTrue(egress[0].send(copy, 0, copy.length), () -> "raw send failed: " + egress[0]);
                    sent.add(copy);
                }
                List<PcapReader.Frame> frames = arrivals.stopAfter(sent.size(), 3000);
                assertEquals(sent.size(), frames.size(), "every rewritten segment reached the client namespace");
                Ipv4Packet ip = new Ipv4Packet();
                TcpSegment tcp = new TcpSegment();
                for (int i = 0; i < frames.size(); i++) {
                    PcapReader.Frame f = frames.get(i);
                    int at = f.ipOffset();
                    ip.wrap(f.data(), at, f.data().length - at);
                    assertEquals(null, ip.check());
                    ip.wrap(f.data(), at, ip.totalLength());
                    tcp.wrap(f.data(), ip.payloadOffset(), ip.payloadLength());
                    assertEquals(VIP, Bytes.ipv4ToString(ip.source()));
                    assertEquals(C, Bytes.ipv4ToString(ip.destination()));
                    assertEquals(VIP_PORT, tcp.sourcePort());
                    assertEquals(clientPort, tcp.destinationPort());
                    assertTrue(ip.verifyHeaderChecksum(), "IP checksum of frame " + i);
                    assertTrue(tcp.verifyChecksum(ip.pseudoHeaderSum()), "TCP checksum of frame " + i);
                    assertEquals(SeqNumber.add(originalSeqs.get(i), SeqNumber.diff(di, si)), tcp.seq(), "seq shifted by d");
                    assertArrayEquals(java.util.Arrays.copyOfRange(sent.get(i), 20, sent.get(i).length),
                            java.util.Arrays.copyOfRange(f.data(), ip.payloadOffset(), ip.payloadOffset() + ip.payloadLength()),
                            "TCP segment arrived as sent");
                }
                assertEquals("0", lab.nstat(client, "TcpInCsumErrors"), "the client's kernel found no checksum error");
                // The VIP-sourced packets took the main table's route, never the steering rule's tun.
                byte[] drain = new byte[TunLink.MAX_PACKET];
                int vip = Bytes.parseIpv4(VIP);
                for (int i = 0; i < 100; i++) {
                    int n = link[0].read(drain, 0, drain.length, SECOND / 5);
                    if (n <= 0) {
                        break;
                    }
                    assertTrue(Bytes.i32(drain, 12) != vip, "a direct-return packet came back into the tun");
                }

                // ---- no leak: the reader goes away with the server still sending
                TcpOverLink b2 = new TcpOverLink(link[0], c, clientPort + 1, h, 80);
                b2.sendSyn(0x1000);
                assertTrue(b2.receive(5 * SECOND));
                b2.rcvNxt = SeqNumber.add(b2.tcp.seq(), 1);
                b2.send(0, null);
                b2.send(TcpSegment.PSH, "GET /data.bin HTTP/1.1\r\nHost: lab\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertTrue(b2.receive(5 * SECOND), "the response starts");
                link[0].close(); // no ACKs from now on: the server retransmits into a tun nobody reads
                long retrans0 = Long.parseLong(lab.nstat(origin, "TcpRetransSegs"));
                long tunDrops0 = tunTxDropped(lab, origin);
                Thread.sleep(1_200);
                assertTrue(Long.parseLong(lab.nstat(origin, "TcpRetransSegs")) > retrans0, "the server retransmitted");
                assertTrue(tunTxDropped(lab, origin) > tunDrops0, "retransmissions went to the detached tun and were dropped there");
                // ... and with the tun down its route is gone: the blackhole in table T takes over.
                lab.ip(origin, "link", "set", TUN, "down");
                CommandResult get = lab.execUnchecked(origin, "ip", "route", "get", C, "from", H);
                assertFalse(get.ok(), "route from H to the client must be the blackhole: " + get.describe());
                // A retransmission that finds no route fails before IP output (the socket's
                // route rebuild gets the blackhole's error) and is not counted as sent; the
                // retransmission timeouts are.
                long timeouts1 = Long.parseLong(lab.nstat(origin, "TcpExtTCPTimeouts"));
                Thread.sleep(2_200);
                assertTrue(Long.parseLong(lab.nstat(origin, "TcpExtTCPTimeouts")) > timeouts1, "the server kept retransmitting");
                AgentNetworkSetup.CheckResult down = setup.check();
                assertTrue(down.problems().stream().anyMatch(p -> p.contains("is down")), down.problems()::toString);
                assertTrue(down.problems().stream().anyMatch(p -> p.contains("no `default dev " + TUN + "`")), down.problems()::toString);

                lab.curl(origin, "--max-time", "2", "http://" + C + ":9/"); // refused: one SYN, one RST
                List<PcapReader.Frame> seen = leaks.stopAfter(1, 3000);
                long fromH = seen.stream().filter(f -> Bytes.i32(f.data(), f.ipOffset() + 12) == h).count();
                assertEquals(0, fromH, "packets from H on the origin's wire");
                assertTrue(seen.size() >= 1, "the capture saw the control SYN");
            } finally {
                link[0].close();
                if (egress[0] != null) {
                    egress[0].close();
                }
            }

            // ---- teardown removes exactly what the set-up made
            setup.teardown();
            assertFalse(lab.execUnchecked(origin, "ip", "link", "show", TUN).ok(), "tun removed");
            assertFalse(lab.ip(origin, "rule", "show").stdout().contains(H), "rule removed");
            assertFalse(lab.ip(origin, "-o", "addr", "show", "dev", "lo").stdout().contains(H + "/32"), "H removed");
            assertFalse(lab.execUnchecked(origin, "nft", "list", "table", "inet", "handoff_agent").ok(), "nft table removed");
            assertTrue(lab.execUnchecked(origin, "nft", "list", "table", "inet", "site_fw").ok(), "the site's own table stays");
            assertFalse(Files.exists(config.stateFile()), "state file removed");
            AgentNetworkSetup.CheckResult gone = setup.check();
            assertEquals(6, gone.problems().size(), gone::toString);
        }
    }



    private static long tunTxDropped(NetnsLab lab, Netns ns) {
        String out = lab.ip(ns, "-s", "-j", "link", "show", TUN).stdout();
        int i = out.indexOf("\"tx\":");
        int j = out.indexOf("\"dropped\":", i);
        int k = j + "\"dropped\":".length();
        int e = k;
        while (e < out.length() && Character.isDigit(out.charAt(e))) {
            e++;
        }
        return Long.parseLong(out.substring(k, e));
    }
}
