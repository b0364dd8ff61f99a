package org.handoff.director.netns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.handoff.director.Director;
import org.handoff.protocol.message.DecodeResult;
import org.handoff.protocol.message.Handoff;
import org.handoff.protocol.message.HandoffKeys;
import org.handoff.protocol.message.HandoffNack;
import org.handoff.protocol.message.MessageDecoder;
import org.handoff.protocol.message.MessageEncoder;
import org.handoff.protocol.message.MessageIdGenerator;
import org.handoff.protocol.message.MessageSealer;
import org.handoff.protocol.message.MessageType;
import org.handoff.protocol.message.NackReason;
import org.handoff.host.CommandResult;
import org.handoff.testkit.Netns;
import org.handoff.testkit.NetnsLab;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The director process on a real kernel: curl in a client namespace connects to the VIP, the
 * director (in its own namespace, the VIP routed to it but not assigned) terminates the
 * connection in user space and hands the request to a scripted agent, which refuses it: the
 * client must get a clean 503 (the only origin of the pool refused), and a malformed request
 * a 400, both from the director itself.
 */
@Tag("netns")
class DirectorNetnsTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void needRoot() {
        assumeTrue(NetnsLab.unavailableReason().isEmpty(), () -> "skipped: " + NetnsLab.unavailableReason().orElse(""));
    }

    @Test
    void realClientGetsTheDirectorsOwnAnswersAndTheAgentSeesTheRequest() throws Exception {
        byte[] secret = new byte[32];
        for (int i = 0; i < secret.length; i++) {
            secret[i] = (byte) (i * 7 + 1);
        }
        Path keyFile = dir.resolve("lab.keys");
        Files.writeString(keyFile, "1 " + org.handoff.protocol.wire.Bytes.hex(secret, 0, 32) + "\n");
        Path config = dir.resolve("director.yaml");
        Files.writeString(config, String.join("\n",
                "vips: [198.18.1.1:80]",
                "pools:",
                "  static:",
                "    servers:",
                "      - { name: origin1, agent: \"198.18.0.11:7070\", service: \"198.18.0.11:80\" }",
                "rules:",
                "  - { name: static, match: { path: { prefix: /static/ } }, pool: static }",
                "default-pool: static",
                "handoff: { key-file: " + keyFile + ", deadline: 1s }",
                "workers: 1",
                "capture: { interface: eth0 }",
                // The user path: this test is about the director's own answers through its capture
                // and raw socket. The kernel path runs in the e2e lab, whose client veth peer takes
                // XDP_TX frames (a bare veth peer here would drop the XDP program's SYN-ACKs), and
                // whose bpffs is its own (the default kernel.bpffs would stay mounted on the host).
                "datapath: user",
                "metrics: { listen: \"127.0.0.1:19464\" }",
                ""));

        try (NetnsLab lab = NetnsLab.create()) {
            Netns client = lab.namespace("client");
            Netns director = lab.namespace("director");
            lab.veth(client, "eth0", director, "eth0");
            lab.address(client, "eth0", "198.18.2.7/24");
            lab.address(director, "eth0", "198.18.2.1/24");
            lab.offloadsOff(client, "eth0");
            lab.offloadsOff(director, "eth0");
            lab.route(client, "198.18.1.1/32", "via", "198.18.2.1");
            lab.address(director, "lo", "198.18.0.11/32"); // the scripted agent's address

            HandoffKeys keys = HandoffKeys.load(keyFile);
            DatagramChannel agent = lab.inNamespace(director, () -> {
                DatagramChannel ch = DatagramChannel.open();
                ch.bind(new InetSocketAddress("198.18.0.11", 7070));
                ch.configureBlocking(false);
                return ch;
            });
            List<String> requests = new ArrayList<>();
            AtomicBoolean run = new AtomicBoolean(true);
            Thread agentThread = new Thread(() -> refuseEverything(agent, keys, requests, run), "scripted-agent");
            agentThread.start();

            Director d = lab.inNamespace(director, () -> {
                Director x = Director.create(config, true);
                x.start();
                return x;
            });
            try {
                CommandResult r = lab.curl(client, "-o", "/dev/null", "-w", "%{http_code}", "http://198.18.1.1/static/a.txt");
                assertEquals("503", r.stdout().strip(), r.toString());
                synchronized (requests) {
                    assertEquals(1, requests.size(), "the agent received one HANDOFF: " + requests);
                    assertTrue(requests.get(0).startsWith("GET /static/a.txt HTTP/1.1\r\n"), requests.get(0));
                }

                CommandResult bad = lab.exec(client, "bash", "-c",
                        "printf 'GET / HTTP/1.1\\r\\nHost: lab\\r\\nBad Header\\r\\n\\r\\n' | timeout 5 nc -q 3 198.18.1.1 80");
                assertTrue(bad.stdout().startsWith("HTTP/1.1 400 Bad Request"), bad.toString());

                CommandResult metrics = lab.exec(director, "curl", "-sS", "--max-time", "5", "http://127.0.0.1:19464/metrics");
                assertTrue(metrics.stdout().contains("handoff_director_requests_total{outcome=\"no_origin\"} 1.0"), metrics.stdout());
                assertTrue(metrics.stdout().contains("handoff_director_requests_total{outcome=\"bad_request\"} 1.0"), metrics.stdout());
                // The raw socket sent every answer: its drop counters are exported, at zero.
                for (String reason : List.of("invalid", "failed", "would_block")) {
                    assertTrue(metrics.stdout().contains("handoff_director_send_dropped_total{reason=\"" + reason + "\"} 0.0"),
                            metrics.stdout());
                }

                // Reload: an invalid file is rejected with its errors and the running config stays.
                String good = Files.readString(config);
                Files.writeString(config, good.replace("default-pool: static", "default-pool: nowhere"));
                List<String> errors = d.reload();
                assertEquals(1, errors.size(), errors.toString());
                assertTrue(errors.get(0).startsWith("default-pool=nowhere"), errors.toString());
                assertEquals("503", lab.curl(client, "-o", "/dev/null", "-w", "%{http_code}",
                        "http://198.18.1.1/static/b.txt").stdout().strip());
                synchronized (requests) {
                    assertEquals(2, requests.size(), "still routed by the old config: " + requests);
                }
                // A change only a restart can apply is refused by name, and the running config stays.
                Files.writeString(config, good.replace("interface: eth0", "interface: eth1"));
                assertEquals(List.of("capture.interface=eth1 (expected: eth0, as running: a change to capture.interface "
                        + "needs a restart)"), d.reload());
                // A valid new config is accepted (the swap itself is tested in ConfigHolderTest).
                Files.writeString(config, good.replace("rules:", "rules:\n  - { name: deny-all, match: { path: { prefix: /static/ } }, pool: static }"));
                assertEquals(List.of(), d.reload());
            } finally {
                d.close();
                run.set(false);
                agentThread.join(5000);
                agent.close();
            }
        }
    }

    /** Decodes each HANDOFF, records its request, and refuses it (SERVER_REFUSED). */
    private static void refuseEverything(DatagramChannel ch, HandoffKeys keys, List<String> requests, AtomicBoolean run) {
        MessageDecoder decoder = new MessageDecoder(() -> keys, null, System::currentTimeMillis);
        MessageEncoder encoder = new MessageEncoder(new MessageSealer(() -> keys, new MessageIdGenerator(), System::currentTimeMillis));
        ByteBuffer buf = ByteBuffer.allocate(65_536);
        java.util.Set<Long> ids = new java.util.HashSet<>();
        long until = System.currentTimeMillis() + 60_000;
        try {
            while (run.get() && System.currentTimeMillis() < until) {
                buf.clear();
                SocketAddress from = ch.receive(buf);
                if (from == null) {
                    Thread.sleep(2);
                    continue;
                }
                if (decoder.decode(buf.array(), 0, buf.position()) != DecodeResult.ACCEPTED || decoder.type() != MessageType.HANDOFF) {
                    continue;
                }
                Handoff h = (Handoff) decoder.message().body();
                synchronized (requests) {
                    // A retransmission (same message id, when this thread answers late on a busy
                    // machine) is the same hand-off: record each hand-off once.
                    if (ids.add(decoder.header().messageId())) {
                        requests.add(new String(h.request(), StandardCharsets.ISO_8859_1));
                    }
                }
                byte[] out = encoder.encode(new HandoffNack(h.flow(), decoder.header().messageId(), NackReason.SERVER_REFUSED));
                ch.send(ByteBuffer.wrap(out), from);
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
