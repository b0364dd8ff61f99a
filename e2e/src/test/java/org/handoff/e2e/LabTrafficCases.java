package org.handoff.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.handoff.host.CommandResult;
import org.handoff.lab.LabTopology;
import org.handoff.protocol.message.FlowIdentity;
import org.handoff.protocol.message.Handoff;
import org.handoff.protocol.message.HandoffKeys;
import org.handoff.protocol.message.MessageEncoder;
import org.handoff.protocol.message.MessageIdGenerator;
import org.handoff.protocol.message.MessageSealer;
import org.handoff.protocol.message.NegotiatedOptions;
import org.handoff.protocol.seq.SeqNumber;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Traffic through a healthy lab: routing, byte-exact downloads and an upload, keep-alive,
 * concurrency, client TCP options, packet loss, a forged hand-off, direct return
 * (docs/lab.md, "End-to-end tests"). One lab per concrete class: {@link LabTrafficTest} with the
 * agents on the kernel path (the lab's default), {@link LabTrafficUserPathTest} on the user path.
 * The lab is the classes' static state, so they never run at once (surefire runs classes one by one).
 */
@Tag("netns")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class LabTrafficCases {
    static final Duration LONG = Duration.ofSeconds(150);
    /** Sizes of the byte-exact downloads, in bytes, by name. */
    private static final Map<String, Long> SIZES = new LinkedHashMap<>();

    static {
        SIZES.put("0B", 0L);
        SIZES.put("1K", 1024L);
        SIZES.put("1M", 1L << 20);
        SIZES.put("10M", 10L << 20);
        SIZES.put("100M", 100L << 20);
    }

    static Lab lab;
    private static Path out;
    private static final Map<String, String> SHA = new LinkedHashMap<>();

    /** Brings the class's lab up with its agents' {@code datapath}: each concrete class's {@code @BeforeAll} calls it once. */
    static void upWith(String name, String datapath) throws Exception {
        lab = Lab.up(name, datapath);
        out = Files.createTempDirectory("e2e-downloads");
        for (Map.Entry<String, Long> e : SIZES.entrySet()) {
            SHA.put(e.getKey(), lab.content("files/" + e.getKey() + ".bin", e.getValue()));
        }
        SHA.put("100K", lab.content("files/100K.bin", 100 * 1024));
        for (int i = 0; i < 20; i++) {
            lab.content("pool/p" + i + ".txt", 100 + i);
        }
        for (int i = 0; i < 5; i++) {
            lab.content("static/ka/s" + i + ".txt", 1000 + i);
        }
        lab.makeUploadDirectories();
    }

    @AfterAll
    static void down() throws Exception {
        Lab.tearDown(lab, out);
    }

    /** GET through the VIP into a file; asserts 200 and returns "origin" (X-Served-By) after checking SHA-256. */
    static String download(String name, Duration limit, String... extra) throws Exception {
        Path file = out.resolve(name + ".bin");
        Files.deleteIfExists(file);
        List<String> args = new ArrayList<>(List.of("--max-time", Long.toString(limit.toSeconds() - 5), "-o", file.toString(),
                "-w", "%{http_code} %{size_download} %header{x-served-by}"));
        args.addAll(List.of(extra));
        args.add(lab.url("/files/" + name + ".bin"));
        CommandResult r = lab.curl(limit, args.toArray(String[]::new));
        assertTrue(r.ok(), r.describe());
        String[] f = r.stdout().trim().split(" ");
        assertEquals("200", f[0], r.describe());
        assertEquals(SIZES.getOrDefault(name, 100 * 1024L), Long.parseLong(f[1]), "size of " + name);
        assertEquals(SHA.get(name), Lab.sha256(file), "SHA-256 of " + name + " (served by " + f[2] + ")");
        Files.delete(file);
        return f.length > 2 ? f[2] : "";
    }

    @Test
    @Order(1)
    @Timeout(60)
    void routingRulesPickTheirOrigin() throws Exception {
        assertEquals("origin1", lab.servedBy("/static/hello.txt"), "prefix /static/ -> origin1");
        assertEquals("origin2", lab.servedBy("/video/clip.txt"), "prefix /video/ -> origin2");
    }

    @Test
    @Order(2)
    @Timeout(180)
    void urlHashingIsStableAndUsesBothOrigins() throws Exception {
        Set<String> origins = new TreeSet<>();
        for (int i = 0; i < 20; i++) {
            String path = "/pool/p" + i + ".txt";
            String first = lab.servedBy(path);
            assertTrue(first.equals("origin1") || first.equals("origin2"), path + " served by '" + first + "'");
            origins.add(first);
            if (i < 3) {
                for (int k = 0; k < 9; k++) {
                    assertEquals(first, lab.servedBy(path), path + " request " + (k + 2) + " of 10");
                }
            }
        }
        assertEquals(Set.of("origin1", "origin2"), origins, "20 default-pool paths over both origins");
    }

    /**
     * One client port for request after request, each closing its connection: the client reuses
     * the port as soon as its last socket on it is gone, while the director still holds the last
     * flow (and its kernel entry) until the agent's CLOSED, 2 s later. Each new SYN must be
     * answered as a new connection, not sent after the old one. The client is nc without -N: it
     * reads until the server's FIN and only then closes, so it never holds TIME-WAIT (curl, which
     * closes once it has the body, sometimes closed first and then could not bind the port for
     * 60 s), only LAST-ACK until its FIN is acknowledged.
     */
    @Test
    @Order(3)
    @Timeout(120)
    void oneClientPortForRequestAfterRequest() throws Exception {
        String request = "GET /static/hello.txt HTTP/1.1\\r\\nHost: lab\\r\\nConnection: close\\r\\n\\r\\n";
        for (int i = 0; i < 8; i++) {
            // Up to 2 s for the last connection's LAST-ACK to end (milliseconds here), so the bind succeeds.
            Lab.nsBash(lab.client(), Duration.ofSeconds(5),
                    "for i in $(seq 200); do [ -z \"$(ss -Htan sport = :47999)\" ] && exit 0; sleep 0.01; done;"
                    + " echo \"port 47999 still held:\"; ss -Htano sport = :47999; exit 1")
                    .requireOk();
            CommandResult r = Lab.nsBash(lab.client(), Duration.ofSeconds(10), "printf '" + request + "' | timeout 5 nc -p 47999 "
                    + lab.topology.vipAddress() + " " + lab.topology.vipPort()
                    + " | { IFS= read -r status; echo \"$status\"; cat >/dev/null; }"); // all read: nc is never cut short by SIGPIPE
            assertTrue(r.ok() && r.stdout().startsWith("HTTP/1.1 200 "), "request " + (i + 1) + " from port 47999: " + r.describe());
        }
    }

    @Test
    @Order(3)
    @Timeout(300)
    void byteExactDownloads() throws Exception {
        for (String name : SIZES.keySet()) {
            download(name, LONG);
        }
    }

    @Test
    @Order(4)
    @Timeout(60)
    void keepAliveRequestsAreEachRoutedByTheirOwnPath() throws Exception {
        // Five paths under /static/ on one connection: one connect, every one from origin1 (the
        // only origin of /static/'s pool): requests that stay on their origin.
        List<String> staticPaths = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            staticPaths.add("/static/ka/s" + i + ".txt");
        }
        List<Lab.Answer> answers = lab.oneCurl(Duration.ofSeconds(20), Duration.ofSeconds(30), gets(staticPaths));
        Lab.assertOneConnection(answers, staticPaths);
        for (Lab.Answer a : answers) {
            assertEquals("200", a.status());
            assertEquals("origin1", a.origin());
        }

        // Default-pool paths that hash to different origins, on one connection: a path that
        // hashes to one origin, then three that hash to the other. Each request is answered by
        // the origin its own path hashes to, as a request of its own on a new connection shows.
        Map<String, String> originOf = new LinkedHashMap<>();
        Map<String, List<String>> byOrigin = new LinkedHashMap<>();
        for (int i = 0; i < 20; i++) {
            String p = "/pool/p" + i + ".txt";
            originOf.put(p, lab.servedBy(p));
            byOrigin.computeIfAbsent(originOf.get(p), k -> new ArrayList<>()).add(p);
        }
        for (String firstOrigin : List.of("origin1", "origin2")) {
            String other = firstOrigin.equals("origin1") ? "origin2" : "origin1";
            List<String> paths = new ArrayList<>();
            paths.add(byOrigin.get(firstOrigin).get(0));
            paths.addAll(byOrigin.get(other).subList(0, Math.min(3, byOrigin.get(other).size())));
            List<Lab.Answer> pathAnswers = lab.oneCurl(Duration.ofSeconds(20), Duration.ofSeconds(30), gets(paths));
            Lab.assertOneConnection(pathAnswers, paths);
            for (int i = 0; i < paths.size(); i++) {
                assertEquals("200", pathAnswers.get(i).status(), paths.get(i));
                assertEquals(originOf.get(paths.get(i)), pathAnswers.get(i).origin(), "request " + (i + 1) + " of " + paths
                        + " on one connection: the origin its own path hashes to");
            }
        }
    }

    /** A GET of each path through the VIP, the body discarded: the steps of a {@link Lab#oneCurl}. */
    private static List<List<String>> gets(List<String> paths) {
        return paths.stream().map(p -> List.of("-o", "/dev/null", lab.url(p))).toList();
    }

    @Test
    @Order(5)
    @Timeout(120)
    void uploadArrivesByteExact() throws Exception {
        Path body = out.resolve("upload.bin");
        byte[] data = new byte[5 << 20];
        new java.util.Random(5).nextBytes(data);
        Files.write(body, data);
        String expected = Lab.sha256(body);
        CommandResult r = lab.curl(Duration.ofSeconds(90), "--max-time", "80", "-T", body.toString(), "-o", "/dev/null",
                "-w", "%{http_code} %header{x-served-by}", lab.url("/uploads/x.bin")).requireOk();
        String[] f = r.stdout().trim().split(" ");
        assertTrue(f[0].equals("201") || f[0].equals("204"), "PUT status " + r.describe());
        int origin = Integer.parseInt(f[1].substring("origin".length()));
        Path stored = lab.www(origin).resolve("uploads/x.bin");
        assertTrue(Files.isRegularFile(stored), "no upload at " + stored);
        assertEquals(data.length, Files.size(stored));
        assertEquals(expected, Lab.sha256(stored), "the upload on " + f[1]);
        Files.delete(body);
    }

    @Test
    @Order(6)
    @Timeout(240)
    void twoHundredConcurrentDownloads() throws Exception {
        String script = "seq 1 200 | xargs -P 50 -I{} curl -sS --max-time 60 -o /dev/null -w '%{http_code} %{size_download}\\n' "
                + "'" + lab.url("/files/100K.bin") + "?n={}'";
        CommandResult r = Lab.nsBash(lab.client(), Duration.ofSeconds(200), script);
        assertTrue(r.ok(), r.describe());
        List<String> lines = r.stdout().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(200, lines.size(), r.describe());
        long bad = lines.stream().filter(l -> !l.equals("200 102400")).count();
        assertEquals(0, bad, "failed downloads: " + lines.stream().filter(l -> !l.equals("200 102400")).toList());
        System.err.println("e2e: 200 concurrent downloads (50 at a time) in " + r.elapsed().toMillis() + " ms");
    }

    @Test
    @Order(7)
    @Timeout(300)
    void clientTcpOptionsOffStillByteExact() throws Exception {
        for (String option : List.of("tcp_timestamps", "tcp_sack", "tcp_window_scaling")) {
            String key = "net.ipv4." + option;
            String before = Lab.ns(lab.client(), Lab.SHORT, "sysctl", "-n", key).requireOk().stdout().trim();
            Lab.ns(lab.client(), Lab.SHORT, "sysctl", "-qw", key + "=0").requireOk();
            try {
                download("10M", Duration.ofSeconds(90));
            } finally {
                Lab.ns(lab.client(), Lab.SHORT, "sysctl", "-qw", key + "=" + before).requireOk();
            }
        }
    }

    @Test
    @Order(8)
    @Timeout(400)
    void fivePercentLossOnTheClientLink() throws Exception {
        Lab.nft(lab.client(), Lab.CLIENT_LOSS);
        try {
            for (int i = 0; i < 2; i++) {
                download("10M", Duration.ofSeconds(150));
            }
        } finally {
            Lab.deleteLossTable(lab.client());
        }
    }

    @Test
    @Order(9)
    @Timeout(400)
    void fivePercentLossOnTheHandoffPath() throws Exception {
        // Every datagram the director sends to an agent (HANDOFF, FORWARD, ABORT) may be lost.
        Lab.nft(lab.director(), Lab.lossTable("udp dport " + lab.origin(1).agentPort(), null));
        try {
            for (int i = 0; i < 3; i++) {
                download("10M", Duration.ofSeconds(150));
            }
            for (int i = 0; i < 10; i++) {
                download("1K", Duration.ofSeconds(30));
            }
        } finally {
            Lab.deleteLossTable(lab.director());
        }
    }

    @Test
    @Order(10)
    @Timeout(60)
    void forgedHandoffIsRejectedAndCounted() throws Exception {
        double badMac = lab.agentMetric(1, "handoff_agent_datagrams_total{result=\"bad_mac\"}");
        double received = lab.agentMetric(1, "handoff_agent_handoffs_received_total");
        double accepted = lab.agentMetric(1, "handoff_agent_handoffs_accepted_total");

        // The lab's key id (1) with a secret that is not the lab's.
        byte[] wrong = new byte[32];
        new java.util.Random(99).nextBytes(wrong);
        HandoffKeys keys = HandoffKeys.of(1, 1L, wrong);
        MessageEncoder encoder = new MessageEncoder(new MessageSealer(() -> keys, new MessageIdGenerator(),
                System::currentTimeMillis));
        byte[] request = "GET /static/hello.txt HTTP/1.1\r\nHost: lab\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        long ci = 1_000_000L;
        long di = 2_000_000L;
        LabTopology.Origin origin1 = lab.origin(1);
        Handoff h = new Handoff(FlowIdentity.of(InetAddress.getByName(lab.topology.client().address()), 45_678,
                InetAddress.getByName(lab.topology.vipAddress()), lab.topology.vipPort()),
                InetAddress.getByName(origin1.host().address()), 80, 1, SeqNumber.of(ci), SeqNumber.of(di),
                SeqNumber.of(ci + 1 + request.length), SeqNumber.of(di + 1), 502,
                new NegotiatedOptions(1460, 7, 7, true, true, 12345, 67890), 0x0123_4567_89ab_cdefL, request);
        Path datagram = out.resolve("forged.bin");
        Files.write(datagram, encoder.encode(h));
        // One write of the whole file: one datagram from the director's namespace to origin1's agent.
        Lab.nsBash(lab.director(), Lab.SHORT, "cat " + datagram + " > /dev/udp/" + origin1.host().address() + "/"
                + origin1.agentPort()).requireOk();

        Lab.awaitMetric(() -> lab.agentMetric(1, "handoff_agent_datagrams_total{result=\"bad_mac\"}"), badMac + 1,
                Duration.ofSeconds(10), "bad_mac datagrams counted by origin1's agent");
        assertEquals(received, lab.agentMetric(1, "handoff_agent_handoffs_received_total"), "no HANDOFF received");
        assertEquals(accepted, lab.agentMetric(1, "handoff_agent_handoffs_accepted_total"), "no flow accepted");
        // No connection B: no socket on origin1 from the forged client port.
        CommandResult conns = Lab.ns(origin1.host().namespace(), Lab.SHORT, "ss", "-tanH", "( sport = :80 and dport = :45678 )").requireOk();
        assertEquals("", conns.stdout().trim(), "a connection from the forged client port exists on origin1");
    }

    @Test
    @Order(11)
    @Timeout(300)
    void responsesDoNotPassTheDirector() throws Exception {
        long tx0 = Lab.bytes(lab.director(), "tx");
        long rx0 = Lab.bytes(lab.director(), "rx");
        long total = 0;
        for (String name : List.of("10M", "10M", "100M")) {
            download(name, LONG);
            total += SIZES.get(name);
        }
        long director = Lab.bytes(lab.director(), "tx") - tx0 + Lab.bytes(lab.director(), "rx") - rx0;
        System.err.printf("e2e: director eth0 carried %d bytes for %d downloaded (%.2f%%)%n", director, total,
                100.0 * director / total);
        assertTrue(director < total / 10, "director carried " + director + " bytes of " + total + " downloaded");
    }

    /**
     * The agents run the data path the lab asked for: on the kernel path their programs rewrote the
     * responses (most of the server's packets never reached the agents' user space), on the user
     * path the agents rewrote them. Each flow's stack ACK of its request goes to the client from
     * user space by design (the flow is not in the kernel until the request is acknowledged), so it
     * is not held against the programs.
     */
    @Test
    @Order(12)
    @Timeout(60)
    void theAgentsRunTheLabsDatapath() throws Exception {
        boolean kernel = lab.topology.datapath().equals("kernel");
        double programs = 0;
        double userSpace = 0;
        double requestAcks = 0;
        for (int n = 1; n <= lab.topology.origins().size(); n++) {
            assertEquals(1.0, lab.agentCounter(n, "handoff_agent_datapath{mode=\"" + (kernel ? "kernel" : "user") + "\"}"),
                    "origin" + n + "'s agent runs datapath " + lab.topology.datapath());
            programs += lab.agentMetric(n, "handoff_agent_kernel_packets_total{outcome=\"egress_rewritten\"}");
            userSpace += lab.agentMetric(n, "handoff_agent_packets_rewritten_total{direction=\"server_to_client\"}");
            requestAcks += lab.agentMetric(n, "handoff_agent_request_acks_to_client_total");
        }
        System.err.printf("e2e: server packets rewritten by the agents' programs %.0f, by their user space %.0f"
                + " (%.0f of them the requests' ACKs)%n", programs, userSpace, requestAcks);
        if (kernel) {
            assertTrue(programs > 10 * (userSpace - requestAcks), programs + " by the programs, " + userSpace
                    + " in user space, " + requestAcks + " of them the requests' ACKs");
        } else {
            assertEquals(0.0, programs);
            assertTrue(userSpace > 0, "the user path rewrote the responses");
        }
    }
}
