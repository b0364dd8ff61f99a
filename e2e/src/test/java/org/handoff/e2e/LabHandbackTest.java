package org.handoff.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.handoff.config.ConfigException;
import org.handoff.director.config.ConfigLoader;
import org.handoff.host.CommandResult;
import org.handoff.host.ProcessRunner;
import org.handoff.host.RunningCommand;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Hand-back (issue 12): every request on a kept-alive connection is routed by the rules, not
 * only the connection's first (docs/lab.md, "End-to-end tests"). Files under {@code /static/hb/}
 * are on origin1 only and under {@code /video/hb/} on origin2 only, so a request that reaches
 * the wrong origin is answered 404 by it; each request's origin is read from X-Served-By and
 * from both origins' access logs. One lab for the class; the last two tests freeze an agent
 * (and thaw it) and kill one (and start it again).
 */
@Tag("netns")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LabHandbackTest {
    private static final String A = "/static/hb/a.bin";
    private static final String B = "/video/hb/b.bin";
    private static final String C = "/static/hb/c.bin";
    private static final String BIG = "/static/hb/big.bin";
    /** On both origins: pipelined requests all go to the first request's origin. */
    private static final List<String> PIPELINED = List.of("/static/hb/pipe-a.bin", "/video/hb/pipe-b.bin", "/static/hb/pipe-c.bin");
    private static final String PAGE = "/static/hb/page.html";
    private static final int IMAGES = 8;
    /** Requests in the series with loss on the client link (TCP recovers each loss; nothing to count). */
    private static final int LOSS_REQUESTS = 20;
    /**
     * Requests in the series with loss on the hand-off path, so many that a retransmission is
     * certain. The first is a plain hand-off (HANDOFF, HANDOFF_ACK); each later one changes origin
     * (RECALL, HANDBACK, HANDOFF, HANDOFF_ACK). When the first transmission of a HANDOFF or a
     * HANDOFF_ACK is dropped, the director sends the HANDOFF again ({@code event="retransmitted"});
     * when a HANDBACK is dropped, it sends the RECALL again and the agent answers it from memory
     * ({@code result="duplicate"}); a lost RECALL is sent again and counted as retransmitted as
     * well. Each datagram is dropped with p = 0.05, independently (nftables {@code numgen random}
     * per packet), so P(no retransmission counted) <= 0.95^(2 + 4 x 99) = 0.95^398
     * = e^(398 ln 0.95) = 1.4e-9, below 1e-6. With 20 requests it would be 0.95^78 = 0.02.
     */
    private static final int HANDOFF_PATH_LOSS_REQUESTS = 100;
    private static final String PINNED_PIPELINED = "handoff_director_connections_pinned_total{reason=\"pipelined\"}";
    /** The flags a root, offline, headless Chromium needs here (docs/lab.md); each run gets a new empty profile. */
    private static final List<String> CHROMIUM = List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync");

    private static Lab lab;
    private static Path out;
    /** SHA-256 of each file the tests serve, by URL path. */
    private static final Map<String, String> SHA = new HashMap<>();
    private static String client;

    @BeforeAll
    static void up() throws Exception {
        lab = Lab.up("handback");
        out = Files.createTempDirectory("e2e-handback");
        client = lab.topology.client().address();
        for (String p : List.of(A, B, C)) {
            SHA.put(p, lab.contentOn(originOf(p), p.substring(1), 3000 + p.length()));
        }
        SHA.put(BIG, lab.contentOn(1, BIG.substring(1), 10L << 20));
        for (String p : PIPELINED) {
            SHA.put(p, lab.content(p.substring(1), 2000 + p.length()));
        }
        for (int i = 0; i < LOSS_REQUESTS; i++) {
            String p = lossPath("loss", i);
            SHA.put(p, lab.contentOn(originOf(p), p.substring(1), 64 * 1024 + i));
        }
        for (int i = 0; i < HANDOFF_PATH_LOSS_REQUESTS; i++) {
            String p = lossPath("path-loss", i);
            SHA.put(p, lab.contentOn(originOf(p), p.substring(1), 64 * 1024 + i));
        }
        for (int i = 0; i < IMAGES; i++) {
            lab.put(1, image(i, "static").substring(1), png(width(i, "static"), 0xc02020 + 0x1100 * i));
            lab.put(2, image(i, "video").substring(1), png(width(i, "video"), 0x2020c0 + 0x110000 * i));
        }
        lab.put(1, PAGE.substring(1), page().getBytes(StandardCharsets.UTF_8));
        lab.makeUploadDirectories();
    }

    @AfterAll
    static void down() throws Exception {
        Lab.tearDown(lab, out);
    }

    /** The origin the lab's rules route a path to: /static/ origin1, /video/ origin2 (each pool has one origin). */
    private static int originOf(String path) {
        if (path.startsWith("/static/")) {
            return 1;
        }
        assertTrue(path.startsWith("/video/"), path);
        return 2;
    }

    /** The i-th path of a loss series: /static/ (origin1) and /video/ (origin2) in turn. */
    private static String lossPath(String series, int i) {
        return i % 2 == 0 ? "/static/hb/" + series + "/s" + i + ".bin" : "/video/hb/" + series + "/v" + i + ".bin";
    }

    /** A GET of {@code path} through the VIP into {@link #file}: a step for {@link Lab#oneCurl}. */
    private static List<String> get(String path) {
        return List.of("-o", file(path).toString(), lab.url(path));
    }

    private static Path file(String path) {
        return out.resolve(path.substring(1).replace('/', '_'));
    }

    /** 200 from the origin the path's rule routes to, with the file's exact bytes. */
    private static void assertServed(Lab.Answer a, String path) throws IOException {
        assertEquals("origin" + originOf(path) + " 200", a.origin() + " " + a.status(), path + ": its rule's origin answers");
        Path f = file(path);
        assertEquals(SHA.get(path), Lab.sha256(f), "SHA-256 of " + path);
        Files.delete(f);
    }

    /** An access log entry as {@link Lab#accessSince} gives it: the client's address, method, path, status. */
    private static String logged(String method, String path, String status) {
        return client + " " + method + " " + path + " " + status;
    }

    private static void assertAccessLogs(long[] mark, List<String> origin1, List<String> origin2) throws Exception {
        assertEquals(origin1, lab.accessSince(mark, 1), "requests origin1's nginx logged");
        assertEquals(origin2, lab.accessSince(mark, 2), "requests origin2's nginx logged");
    }

    @Test
    @Order(1)
    @Timeout(60)
    void eachRequestOnAKeptAliveConnectionGoesToItsRulesOrigin() throws Exception {
        long[] mark = lab.accessMark();
        List<String> paths = List.of(A, B, C);
        List<Lab.Answer> answers = lab.oneCurl(Duration.ofSeconds(20), paths.stream().map(LabHandbackTest::get).toList());
        Lab.assertOneConnection(answers, paths);
        for (int i = 0; i < paths.size(); i++) {
            assertServed(answers.get(i), paths.get(i));
        }
        assertAccessLogs(mark, List.of(logged("GET", A, "200"), logged("GET", C, "200")), List.of(logged("GET", B, "200")));
    }

    @Test
    @Order(2)
    @Timeout(120)
    void aLargeResponseThenARequestForTheOtherOrigin() throws Exception {
        long[] mark = lab.accessMark();
        List<Lab.Answer> answers = lab.oneCurl(Duration.ofSeconds(50), List.of(get(BIG), get(B)));
        Lab.assertOneConnection(answers, List.of(BIG, B));
        assertEquals(10L << 20, answers.get(0).bytes(), BIG);
        assertServed(answers.get(0), BIG);
        assertServed(answers.get(1), B);
        assertAccessLogs(mark, List.of(logged("GET", BIG, "200")), List.of(logged("GET", B, "200")));
    }

    @Test
    @Order(3)
    @Timeout(150)
    void anUploadThenAGetFromTheOtherOrigin() throws Exception {
        String upload = "/uploads/hb-upload.bin";
        // /uploads/ is in the default pool, hashed by URL: a request of its own (404, with
        // X-Served-By) says which origin the upload goes to; the GET after it goes to the other.
        String uploadOrigin = lab.servedBy(upload);
        int u = Integer.parseInt(uploadOrigin.substring("origin".length()));
        String other = u == 1 ? B : A;
        Path body = out.resolve("upload.bin");
        byte[] data = new byte[5 << 20];
        new Random(12).nextBytes(data);
        Files.write(body, data);
        long[] mark = lab.accessMark();
        List<Lab.Answer> answers = lab.oneCurl(Duration.ofSeconds(60), List.of(
                List.of("-T", body.toString(), "-o", "/dev/null", lab.url(upload)), get(other)));
        Lab.assertOneConnection(answers, List.of("PUT " + upload, other));
        Lab.Answer put = answers.get(0);
        assertTrue(put.status().equals("201") || put.status().equals("204"), "PUT " + upload + ": " + put);
        assertEquals(uploadOrigin, put.origin(), "PUT " + upload + ": the origin its URL hashes to");
        Path stored = lab.www(u).resolve("uploads/hb-upload.bin");
        assertTrue(Files.isRegularFile(stored), "no upload at " + stored);
        assertEquals(Lab.sha256(body), Lab.sha256(stored), "the upload stored on " + uploadOrigin);
        assertServed(answers.get(1), other);
        List<String> onUploadOrigin = List.of(logged("PUT", upload, put.status()));
        List<String> onOther = List.of(logged("GET", other, "200"));
        assertAccessLogs(mark, u == 1 ? onUploadOrigin : onOther, u == 1 ? onOther : onUploadOrigin);
        Files.delete(body);
    }

    @Test
    @Order(4)
    @Timeout(60)
    void headAndNotModifiedAnswersBetweenRequestsForDifferentOrigins() throws Exception {
        // nginx's validators, each from a request of its own.
        String etag = lab.header(A, "etag", "-I");
        String lastModified = lab.header(B, "last-modified", "-I");
        assertFalse(etag.isEmpty() || lastModified.isEmpty(), "ETag '" + etag + "', Last-Modified '" + lastModified + "'");
        long[] mark = lab.accessMark();
        List<Lab.Answer> answers = lab.oneCurl(Duration.ofSeconds(20), List.of(
                List.of("-I", "-o", "/dev/null", lab.url(A)),
                get(B),
                List.of("-H", "If-None-Match: " + etag, "-o", "/dev/null", lab.url(A)),
                List.of("-H", "If-Modified-Since: " + lastModified, "-o", "/dev/null", lab.url(B)),
                get(C)));
        Lab.assertOneConnection(answers, "HEAD, GET, two conditional GETs, GET");
        assertEquals("origin1 200 0", answers.get(0).origin() + " " + answers.get(0).status() + " " + answers.get(0).bytes(),
                "HEAD " + A);
        assertServed(answers.get(1), B);
        assertEquals("origin1 304 0", answers.get(2).origin() + " " + answers.get(2).status() + " " + answers.get(2).bytes(),
                "GET " + A + " If-None-Match");
        assertEquals("origin2 304 0", answers.get(3).origin() + " " + answers.get(3).status() + " " + answers.get(3).bytes(),
                "GET " + B + " If-Modified-Since");
        assertServed(answers.get(4), C);
        assertAccessLogs(mark, List.of(logged("HEAD", A, "200"), logged("GET", A, "304"), logged("GET", C, "200")),
                List.of(logged("GET", B, "200"), logged("GET", B, "304")));
    }

    /**
     * Three requests in one write on a raw socket (bash's /dev/tcp). The design keeps a
     * pipelining connection on its origin (the director sees the next request arrive before any
     * of the response and pins the connection): the answers come in order, byte-exact, all from
     * the first request's origin, and the director counts the connection pinned.
     */
    @Test
    @Order(5)
    @Timeout(60)
    void pipelinedRequestsAreAnsweredInOrderByTheFirstRequestsOrigin() throws Exception {
        double pinnedBefore = lab.directorMetric(PINNED_PIPELINED);
        StringBuilder requests = new StringBuilder();
        for (int i = 0; i < PIPELINED.size(); i++) {
            requests.append("GET ").append(PIPELINED.get(i)).append(" HTTP/1.1\r\nHost: ").append(lab.topology.vipAddress())
                    .append("\r\n").append(i == PIPELINED.size() - 1 ? "Connection: close\r\n" : "").append("\r\n");
        }
        Path requestFile = out.resolve("pipelined.req");
        Path responseFile = out.resolve("pipelined.resp");
        Files.writeString(requestFile, requests, StandardCharsets.US_ASCII);
        long[] mark = lab.accessMark();
        // cat writes the small file in one write(); the origin closes after the last answer (Connection: close).
        CommandResult r = Lab.nsBash(lab.client(), Duration.ofSeconds(30), "exec 3<>/dev/tcp/" + lab.topology.vipAddress() + "/"
                + lab.topology.vipPort() + " && cat " + requestFile + " >&3 && timeout 20 cat <&3 >" + responseFile);
        assertTrue(r.ok(), r.describe());
        List<HttpResponse> responses = HttpResponse.parseAll(Files.readAllBytes(responseFile));
        assertEquals(PIPELINED.size(), responses.size(), "responses to " + PIPELINED.size() + " pipelined requests");
        for (int i = 0; i < PIPELINED.size(); i++) {
            HttpResponse resp = responses.get(i);
            String path = PIPELINED.get(i);
            assertEquals("200 origin1", resp.status() + " " + resp.headers().get("x-served-by"),
                    "pipelined request " + (i + 1) + " " + path + ": the first request's origin answers, in order");
            assertEquals(SHA.get(path), Lab.sha256Hex(resp.body()), "SHA-256 of pipelined answer " + (i + 1) + " " + path);
        }
        assertAccessLogs(mark, PIPELINED.stream().map(p -> logged("GET", p, "200")).toList(), List.of());
        Lab.awaitMetric(() -> lab.directorMetric(PINNED_PIPELINED), pinnedBefore + 1, Duration.ofSeconds(5),
                PINNED_PIPELINED + " on the director's /metrics");
    }

    /**
     * A client that half-closes after its last request (netcat -N: shutdown(SHUT_WR) at the end
     * of its input), for another origin than the first: its FIN may arrive while the director
     * holds the request and recalls the connection; the director passes it to the new origin
     * with the packets it held. Both answers come byte-exact from their rules' origins, and
     * the connection ends cleanly (origin2's nginx saw the FIN and closed; no reset, no hang).
     */
    @Test
    @Order(5)
    @Timeout(60)
    void aHalfCloseAfterTheLastRequestReachesItsNewOrigin() throws Exception {
        String host = "Host: " + lab.topology.vipAddress() + "\\r\\n";
        Path responseFile = out.resolve("half-close.resp");
        long[] mark = lab.accessMark();
        // The first answer is read whole before the second request is written (1 s): not pipelined.
        CommandResult r = Lab.nsBash(lab.client(), Duration.ofSeconds(30), "{ printf 'GET " + A + " HTTP/1.1\\r\\n" + host
                + "\\r\\n'; sleep 1; printf 'GET " + B + " HTTP/1.1\\r\\n" + host + "\\r\\n'; } | timeout 20 nc -N "
                + lab.topology.vipAddress() + " " + lab.topology.vipPort() + " >" + responseFile);
        assertTrue(r.ok(), "nc ends when origin2 closes after its answer (exit 124: a hang): " + r.describe());
        List<HttpResponse> responses = HttpResponse.parseAll(Files.readAllBytes(responseFile));
        assertEquals(2, responses.size(), "two answers");
        assertEquals("200 origin1", responses.get(0).status() + " " + responses.get(0).headers().get("x-served-by"));
        assertEquals(SHA.get(A), Lab.sha256Hex(responses.get(0).body()), "SHA-256 of " + A);
        assertEquals("200 origin2", responses.get(1).status() + " " + responses.get(1).headers().get("x-served-by"));
        assertEquals(SHA.get(B), Lab.sha256Hex(responses.get(1).body()), "SHA-256 of " + B);
        assertAccessLogs(mark, List.of(logged("GET", A, "200")), List.of(logged("GET", B, "200")));
    }

    /** An HTTP/1.1 response read off the wire: status, headers (names in lower case), body by Content-Length. */
    private record HttpResponse(int status, Map<String, String> headers, byte[] body) {
        static List<HttpResponse> parseAll(byte[] raw) {
            List<HttpResponse> all = new ArrayList<>();
            int at = 0;
            while (at < raw.length) {
                int end = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), at);
                assertTrue(end >= 0, "a response head without its end at byte " + at + " of " + raw.length);
                String[] lines = new String(raw, at, end - at, StandardCharsets.ISO_8859_1).split("\r\n");
                Map<String, String> headers = new LinkedHashMap<>();
                for (int i = 1; i < lines.length; i++) {
                    int colon = lines[i].indexOf(':');
                    headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
                }
                int length = Integer.parseInt(headers.getOrDefault("content-length", "-1"));
                assertTrue(length >= 0, "no Content-Length in " + Arrays.toString(lines));
                int bodyStart = end + 4;
                assertTrue(bodyStart + length <= raw.length, "a body of " + length + " bytes cut at " + (raw.length - bodyStart));
                all.add(new HttpResponse(Integer.parseInt(lines[0].split(" ")[1]), headers,
                        Arrays.copyOfRange(raw, bodyStart, bodyStart + length)));
                at = bodyStart + length;
            }
            return all;
        }

        private static int indexOf(byte[] haystack, byte[] needle, int from) {
            for (int i = from; i + needle.length <= haystack.length; i++) {
                if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                    return i;
                }
            }
            return -1;
        }
    }

    /**
     * The browser trial: a page with 8 images under /static/ (origin1 only) and 8 under
     * /video/ (origin2 only) through the VIP. The browser opens a few connections and reuses
     * them for the images, whichever origin served the connection's last answer; the page counts
     * the images that loaded and writes their widths (each image its own) into the DOM that
     * {@code --dump-dom} prints. A capture on the client's link tells which requests each
     * connection carried, so the test knows reused connections did change origin.
     */
    @Test
    @Order(6)
    @Timeout(180)
    void aBrowserLoadsEveryImageOfAPageUnderBothPrefixes() throws Exception {
        assertTrue(ProcessRunner.findExecutable("chromium").isPresent(), "no chromium: run scripts/install-deps.sh");
        Path profile = out.resolve("chromium-profile");
        Path captureOut = out.resolve("capture.txt");
        Path captureErr = out.resolve("capture.err");
        long[] mark = lab.accessMark();
        // Requests to the VIP, as tcpdump prints them ("... 198.18.0.100.PORT > 198.18.1.1.80: ... HTTP: GET PATH HTTP/1.1").
        RunningCommand capture = Lab.start(lab.client(), "bash", "-c", "exec tcpdump -i eth0 -nn -l --immediate-mode 'tcp dst port "
                + lab.topology.vipPort() + " and dst host " + lab.topology.vipAddress() + "' >" + captureOut + " 2>" + captureErr);
        CommandResult browser;
        try {
            Lab.awaitFile(captureErr, "listening on", Duration.ofSeconds(10), capture);
            Files.createDirectories(profile);
            List<String> command = new ArrayList<>(CHROMIUM);
            command.addAll(List.of("--user-data-dir=" + profile, "--dump-dom", lab.url(PAGE)));
            browser = Lab.ns(lab.client(), Duration.ofSeconds(90), command.toArray(String[]::new));
        } finally {
            Lab.run(Lab.SHORT, "kill", "-INT", Long.toString(capture.pid()));
            capture.await(Duration.ofSeconds(10));
            killProcessesNaming(profile);
            Lab.deleteTree(profile);
        }
        assertTrue(browser.ok(), browser.describe());
        Matcher result = Pattern.compile("<p id=\"result\">([^<]*)</p>").matcher(browser.stdout());
        assertTrue(result.find(), "no result in the page Chromium dumped: " + browser.describe());
        StringBuilder expected = new StringBuilder("loaded=" + 2 * IMAGES);
        for (int i = 0; i < IMAGES; i++) {
            expected.append(' ').append(image(i, "static")).append('=').append(width(i, "static"));
            expected.append(' ').append(image(i, "video")).append('=').append(width(i, "video"));
        }
        String seen = result.group(1);
        Map<Integer, Set<String>> connections = requestsByConnection(Files.readString(captureOut));
        System.err.println("e2e: Chromium's connections (client port: requests): " + connections);
        assertEquals(expected.toString(), seen, "images loaded (a width of 0 did not load); connections: " + connections);

        List<String> origin1 = new ArrayList<>(List.of(logged("GET", PAGE, "200")));
        List<String> origin2 = new ArrayList<>();
        for (int i = 0; i < IMAGES; i++) {
            origin1.add(logged("GET", image(i, "static"), "200"));
            origin2.add(logged("GET", image(i, "video"), "200"));
        }
        // The browser's order of requests is its own: compare sorted.
        assertEquals(origin1.stream().sorted().toList(), lab.accessSince(mark, 1).stream().sorted().toList(),
                "requests origin1's nginx logged");
        assertEquals(origin2.stream().sorted().toList(), lab.accessSince(mark, 2).stream().sorted().toList(),
                "requests origin2's nginx logged");

        Set<String> requested = new LinkedHashSet<>();
        connections.values().forEach(requested::addAll);
        assertEquals(1 + 2 * IMAGES, requested.size(), "distinct requests on the wire: " + connections);
        assertTrue(connections.size() < requested.size(), "the browser reused no connection: " + connections);
        assertTrue(connections.values().stream().anyMatch(paths -> paths.stream().anyMatch(p -> p.startsWith("/static/"))
                && paths.stream().anyMatch(p -> p.startsWith("/video/"))),
                "no connection carried requests for both origins, so none was moved: " + connections);
    }

    private static String image(int i, String prefix) {
        return "/" + prefix + "/hb/img/" + prefix.charAt(0) + i + ".png";
    }

    private static int width(int i, String prefix) {
        return (prefix.equals("static") ? 40 : 60) + i;
    }

    /** A PNG of its own: {@code width} x 30 pixels. */
    private static byte[] png(int width, int rgb) throws IOException {
        BufferedImage image = new BufferedImage(width, 30, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < width; x++) {
            for (int y = 0; y < 30; y++) {
                image.setRGB(x, y, rgb ^ (x * y));
            }
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(image, "png", bytes), "no PNG writer");
        return bytes.toByteArray();
    }

    /** The page: the images alternately under each prefix, and a script that writes what loaded into the DOM. */
    private static String page() {
        StringBuilder html = new StringBuilder("<!DOCTYPE html>\n<html><head><title>hand-back</title>\n"
                // An empty icon of its own: no /favicon.ico request.
                + "<link rel=\"icon\" href=\"data:,\"></head><body>\n");
        for (int i = 0; i < IMAGES; i++) {
            html.append("<img src=\"").append(image(i, "static")).append("\">\n");
            html.append("<img src=\"").append(image(i, "video")).append("\">\n");
        }
        html.append("<p id=\"result\">pending</p>\n<script>\n"
                + "window.addEventListener('load', function () {\n"
                + "  var loaded = 0, widths = [];\n"
                + "  for (var i = 0; i < document.images.length; i++) {\n"
                + "    var img = document.images[i];\n"
                + "    if (img.complete && img.naturalWidth > 0) loaded++;\n"
                + "    widths.push(img.getAttribute('src') + '=' + img.naturalWidth);\n"
                + "  }\n"
                + "  document.getElementById('result').textContent = 'loaded=' + loaded + ' ' + widths.join(' ');\n"
                + "});\n</script>\n</body></html>\n");
        return html.toString();
    }

    private static final Pattern CAPTURED_REQUEST = Pattern.compile(
            "IP [0-9.]+\\.(\\d+) > [0-9.]+\\.\\d+: .*HTTP: [A-Z]+ (\\S+) HTTP/1\\.1$");

    /** The request paths each client port sent, in order, from tcpdump's lines (a retransmitted request once). */
    private static Map<Integer, Set<String>> requestsByConnection(String tcpdump) {
        Map<Integer, Set<String>> byPort = new TreeMap<>();
        for (String line : tcpdump.split("\n")) {
            Matcher m = CAPTURED_REQUEST.matcher(line);
            if (m.find()) {
                byPort.computeIfAbsent(Integer.parseInt(m.group(1)), k -> new LinkedHashSet<>()).add(m.group(2));
            }
        }
        return byPort;
    }

    /** Ends what is left of a Chromium run (its helpers may outlive it): the processes whose command line names its own profile. */
    private static void killProcessesNaming(Path profile) {
        String p = profile.toString();
        ProcessHandle.allProcesses().filter(h -> h.info().commandLine().map(c -> c.contains(p)).orElse(false))
                .forEach(ProcessHandle::destroyForcibly);
    }

    /**
     * Requests for origin1 and origin2 in turn on one connection, 64 KiB each, first
     * {@value #LOSS_REQUESTS} with 5% of the client's packets dropped both ways, then
     * {@value #HANDOFF_PATH_LOSS_REQUESTS} with 5% of the datagrams between the director and the
     * agents dropped both ways (HANDOFF, FORWARD and the hand-back's messages and their answers):
     * every answer byte-exact from its rule's origin. On the hand-off path the loss must have
     * made the director or an agent send something again: the metrics show a HANDOFF
     * retransmitted or a RECALL answered again from memory (see
     * {@link #HANDOFF_PATH_LOSS_REQUESTS} for why that is certain).
     */
    @Test
    @Order(7)
    @Timeout(500)
    void fivePercentLossOnTheClientLinkAndOnTheHandoffPathDuringHandBacks() throws Exception {
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < LOSS_REQUESTS; i++) {
            paths.add(lossPath("loss", i));
        }
        Lab.nft(lab.client(), Lab.CLIENT_LOSS);
        try {
            alternatingSeries(paths, "5% loss on the client link");
        } finally {
            Lab.deleteLossTable(lab.client());
        }

        paths.clear();
        for (int i = 0; i < HANDOFF_PATH_LOSS_REQUESTS; i++) {
            paths.add(lossPath("path-loss", i));
        }
        Map<String, Double> before = retransmissions();
        int agentPort = lab.origin(1).agentPort(); // both agents listen on it, each on its origin's address
        Lab.nft(lab.director(), Lab.lossTable("udp dport " + agentPort, "udp sport " + agentPort));
        long dropped;
        try {
            alternatingSeries(paths, "5% loss on the hand-off path");
        } finally {
            dropped = droppedByLossTable(lab.director());
            Lab.deleteLossTable(lab.director());
        }
        Map<String, Double> sent = since(before, retransmissions());
        System.err.println("e2e: hand-off path loss: " + dropped + " datagrams dropped; sent again: " + sent);
        assertTrue(dropped > 0, "the loss rules dropped no datagram to or from the agents (port " + agentPort + ")");
        assertTrue(sent.values().stream().mapToDouble(Double::doubleValue).sum() > 0,
                "no HANDOFF or RECALL was sent again although " + dropped + " datagrams were dropped: " + sent);
    }

    /**
     * The retransmissions the metrics count: HANDOFFs and RECALLs the director sent again, per
     * origin ({@code handoff_director_handoffs_total{event="retransmitted"}}: a lost HANDOFF,
     * HANDOFF_ACK, RECALL or its answer), and RECALLs an agent got again and answered from memory
     * ({@code handoff_agent_recalls_total{result="duplicate"}}: a lost HANDBACK or RECALL_NACK).
     */
    private static Map<String, Double> retransmissions() {
        Map<String, Double> director = lab.directorCounters(List.of(handoffEvent("retransmitted", 1), handoffEvent("retransmitted", 2)));
        Map<String, Double> counts = new LinkedHashMap<>();
        for (int n = 1; n <= 2; n++) {
            counts.put("HANDOFF to origin" + n, director.get(handoffEvent("retransmitted", n)));
            counts.put("RECALL to origin" + n + " answered again", lab.agentCounter(n, "handoff_agent_recalls_total{result=\"duplicate\"}"));
        }
        return counts;
    }

    private static final Pattern NFT_COUNTER = Pattern.compile("counter packets (\\d+)");

    /** The packets the loss table's {@code counter} rules dropped in a namespace. */
    private static long droppedByLossTable(String ns) {
        String rules = Lab.ns(ns, Lab.SHORT, "nft", "list", "table", "inet", Lab.LOSS_TABLE).requireOk().stdout();
        long dropped = 0;
        for (Matcher m = NFT_COUNTER.matcher(rules); m.find(); ) {
            dropped += Long.parseLong(m.group(1));
        }
        return dropped;
    }

    /** The director's per-origin hand-off counter series of an event ({@code handoff_director_handoffs_total}). */
    private static String handoffEvent(String event, int origin) {
        return "handoff_director_handoffs_total{event=\"" + event + "\",origin=\"origin" + origin + "\"}";
    }

    private static void alternatingSeries(List<String> paths, String condition) throws Exception {
        long[] mark = lab.accessMark();
        List<Lab.Answer> answers = lab.oneCurl(Duration.ofSeconds(10), paths.stream().map(LabHandbackTest::get).toList());
        Lab.assertOneConnection(answers, condition);
        for (int i = 0; i < paths.size(); i++) {
            assertServed(answers.get(i), paths.get(i));
        }
        assertAccessLogs(mark, paths.stream().filter(p -> originOf(p) == 1).map(p -> logged("GET", p, "200")).toList(),
                paths.stream().filter(p -> originOf(p) == 2).map(p -> logged("GET", p, "200")).toList());
    }

    /**
     * origin1's agent holds a kept-alive connection (its first request answered) and then stops
     * answering with its port still bound: frozen with SIGSTOP, so no ICMP tells the director
     * anything and the datagrams to the agent wait unread. The client asks for origin2 on that
     * connection at once: the director sends RECALL, gets no answer however often it sends it
     * again, and at {@code handoff.deadline} resets the client (and sends ABORT). The director's
     * metrics show that path: RECALLED and TIMED_OUT for origin1 up by one each, UNREACHABLE not
     * at all. The agent is thawed (SIGCONT) in any case and serves again.
     */
    @Test
    @Order(8)
    @Timeout(120)
    void anAgentThatStopsAnsweringLetsTheRecallTimeOutAndTheClientIsResetAtTheDeadline() throws Exception {
        Duration deadline = labDeadline();
        String agent = Long.toString(Lab.pid(lab.origin(1).agentPidFile()));
        Map<String, Double> before = origin1Events();
        NextRequest next;
        try {
            next = nextRequestAfter("agent-frozen", () -> Lab.run(Lab.SHORT, "kill", "-STOP", agent).requireOk());
        } finally {
            Lab.run(Lab.SHORT, "kill", "-CONT", agent);
        }
        Map<String, Double> events = since(before, origin1Events());
        System.err.println("e2e: a frozen agent: director events for origin1 " + events + ", reset after "
                + next.elapsedMillis() + " ms (handoff.deadline " + deadline.toMillis() + " ms)");
        assertEquals(Map.of("recalled", 1.0, "timed_out", 1.0, "unreachable", 0.0), events,
                "the director RECALLed the connection and gave up at the deadline; no ICMP came");
        // From the client's write, which comes before the RECALL; the timer wheel may round a tick down.
        assertTrue(next.elapsedMillis() >= deadline.toMillis() - 100, "reset after " + next.elapsedMillis()
                + " ms: before handoff.deadline (" + deadline.toMillis() + " ms), so not by the RECALL's timeout");
        // The slack is for a loaded 2-core lab (the client, the director and two agents share it).
        assertTrue(next.elapsedMillis() < deadline.toMillis() + 1_500, "reset after " + next.elapsedMillis()
                + " ms, more than handoff.deadline (" + deadline.toMillis() + " ms) and 1.5 s");
        lab.awaitServing(A, Duration.ofSeconds(40));
    }

    /**
     * origin1's agent holds a kept-alive connection (its first request answered), is killed
     * (SIGKILL), and the client at once sends a request for origin2 on that connection. The
     * defined result is a reset, within seconds, never a hang: the director cannot take the
     * connection back from a dead agent, and learns of the death from the ICMP port-unreachable
     * its datagram to the agent (the RECALL, or the once-a-second probe, whichever goes first)
     * brings back; it then resets the client (docs/lab.md, "An agent dies"). The metrics show that
     * path: UNREACHABLE for origin1 up, TIMED_OUT not (the RECALL did not wait for its deadline);
     * RECALLED is up by one when the RECALL went before the probe, else the idle connection was
     * reset already and the client's write fails instead. Either way the client sees "reset".
     * The agent is restarted through {@code LabRunner}.
     */
    @Test
    @Order(9)
    @Timeout(120)
    void aKilledAgentIsFoundByItsClosedPortAndTheClientIsReset() throws Exception {
        long agent = Lab.pid(lab.origin(1).agentPidFile());
        Map<String, Double> before = origin1Events();
        NextRequest next;
        try {
            next = nextRequestAfter("agent-kill", () -> {
                Lab.run(Lab.SHORT, "kill", "-KILL", Long.toString(agent)).requireOk();
                Lab.awaitGone(agent, Duration.ofSeconds(10));
            });
        } finally {
            lab.restartAgentIfDead(1);
        }
        Map<String, Double> events = since(before, origin1Events());
        System.err.println("e2e: a killed agent: director events for origin1 " + events + " ("
                + (events.get("recalled") > 0 ? "the RECALL" : "a probe") + " found the closed port), reset after "
                + next.elapsedMillis() + " ms");
        assertTrue(events.get("unreachable") >= 1, "the director did not learn of the closed port: " + events);
        assertEquals(0.0, events.get("timed_out"), "a RECALL waited for its deadline: " + events);
        assertTrue(events.get("recalled") <= 1, "RECALLs: " + events);
        assertTrue(next.elapsedMillis() < 10_000, "the reset took " + next.elapsedMillis() + " ms");
        lab.awaitServing(A, Duration.ofSeconds(40));
    }

    /** The director's hand-off events that tell how a connection of origin1's agent ended. */
    private static Map<String, Double> origin1Events() {
        List<String> names = List.of("recalled", "timed_out", "unreachable");
        Map<String, Double> counts = lab.directorCounters(names.stream().map(event -> handoffEvent(event, 1)).toList());
        Map<String, Double> events = new TreeMap<>();
        for (String event : names) {
            events.put(event, counts.get(handoffEvent(event, 1)));
        }
        return events;
    }

    /** How far each count moved from {@code before} to {@code now}, in {@code now}'s order. */
    private static Map<String, Double> since(Map<String, Double> before, Map<String, Double> now) {
        Map<String, Double> delta = new LinkedHashMap<>();
        now.forEach((k, v) -> delta.put(k, v - before.get(k)));
        return delta;
    }

    /** {@code handoff.deadline} of the lab director's config (examples/lab/director.yaml), read as the director reads it. */
    private static Duration labDeadline() throws ConfigException {
        return ConfigLoader.DIRECTOR.load(lab.topology.director().config()).handoff().deadline();
    }

    /** Something done to origin1's agent between the first answer and the next request. */
    private interface AgentAction {
        void run() throws Exception;
    }

    /** What an idle connection's next request got: the client script's {@code key=value} lines. */
    private record NextRequest(Map<String, String> outcome) {
        long elapsedMillis() {
            return Long.parseLong(outcome.get("elapsed_ms"));
        }
    }

    /**
     * A raw socket (bash's /dev/tcp) through the VIP, not curl: curl retries a request that fails
     * on a reused connection on a new one, which would hide what happened to this connection. It
     * sends GET {@link #A} (origin1) and reads the answer whole, byte-exact, so the connection is
     * open and idle at origin1's agent; then {@code toTheAgent} runs; then the client sends GET
     * {@link #B} (origin2) and reads until the connection ends (at most 30 s). The client must see
     * a reset, never a hang, and no byte of an answer.
     */
    private static NextRequest nextRequestAfter(String name, AgentAction toTheAgent) throws Exception {
        Path dir = Files.createDirectories(out.resolve(name));
        String vip = lab.topology.vipAddress() + "/" + lab.topology.vipPort();
        String script = String.join("\n",
                "set -u",
                "trap '' PIPE",
                "exec 3<>/dev/tcp/" + vip + " || exit 90",
                "printf 'GET " + A + " HTTP/1.1\\r\\nHost: lab\\r\\n\\r\\n' >&3",
                // The head line by line, then exactly Content-Length bytes: the connection stays open and idle.
                "length=''",
                "while IFS= read -r -t 10 line <&3; do",
                "  line=${line%$'\\r'}",
                "  [[ -z $line ]] && break",
                "  echo \"first: $line\"",
                "  [[ ${line,,} == content-length:* ]] && length=${line#*: }",
                "done",
                "[[ -n $length ]] || exit 92",
                "head -c \"$length\" <&3 >" + dir.resolve("first.bin"),
                ": >" + dir.resolve("ready"),
                "for i in $(seq 1 300); do [[ -e " + dir.resolve("go") + " ]] && break; sleep 0.1; done",
                "[[ -e " + dir.resolve("go") + " ]] || exit 93",
                "start=$(date +%s%N)",
                "printf 'GET " + B + " HTTP/1.1\\r\\nHost: lab\\r\\n\\r\\n' >&3 2>" + dir.resolve("write.err"),
                "echo \"write_exit=$?\"",
                "timeout 30 cat <&3 >" + dir.resolve("second.bin") + " 2>" + dir.resolve("read.err"),
                "echo \"read_exit=$?\"",
                "echo \"elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))\"");
        RunningCommand connection = Lab.start(lab.client(), "bash", "-c", script);
        CommandResult r;
        try {
            Lab.awaitFile(dir.resolve("ready"), "", Duration.ofSeconds(20), connection);
            assertEquals(SHA.get(A), Lab.sha256(dir.resolve("first.bin")), "the first answer, " + A);
            toTheAgent.run();
            Files.createFile(dir.resolve("go"));
            r = connection.await(Duration.ofSeconds(60));
        } finally {
            connection.stop(1000);
        }
        assertTrue(r.ok(), r.describe());
        Map<String, String> outcome = new HashMap<>();
        r.stdout().lines().filter(l -> l.contains("=") && !l.startsWith("first:"))
                .forEach(l -> outcome.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1)));
        String errors = Files.readString(dir.resolve("write.err")) + Files.readString(dir.resolve("read.err"));
        System.err.println("e2e: " + name + ": " + outcome + ", " + errors.strip());
        assertNotEquals("124", outcome.get("read_exit"), "the client waited 30 s for an answer: a hang. " + r.describe());
        assertTrue(errors.contains("Connection reset by peer"), "no reset seen by the client: " + outcome + " " + errors);
        assertEquals(0, Files.size(dir.resolve("second.bin")), "bytes received after the agent stopped answering");
        return new NextRequest(outcome);
    }
}
