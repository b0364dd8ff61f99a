package org.handoff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.handoff.host.CommandResult;
import org.handoff.host.ProcessRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code handoff replay} as users run it, over the example traces. */
class ReplayCommandTest {
    static final Path TRACES = Path.of("../examples/traces");

    @Test
    void replaysATraceWritesTheExpectedReportAndAPcapTcpdumpReads(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("report.json");
        Path out = dir.resolve("out.pcap");
        HandoffCommandTest.Run r = HandoffCommandTest.run("replay", "--config", TRACES.resolve("director.yaml").toString(),
                "--pcap", TRACES.resolve("ipv4-http-post.pcap").toString(), "--report", report.toString(), "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("requests: handed-off 1, bad-request 0, head-too-large 0, no-origin 0"), r.out());
        assertTrue(r.out().contains("throughput: "), r.out());
        ObjectMapper m = new ObjectMapper();
        JsonNode want = m.readTree(TRACES.resolve("expected/ipv4-http-post.report.json").toFile());
        assertEquals(want.toPrettyString(), m.readTree(report.toFile()).toPrettyString());

        assumeTrue(ProcessRunner.findExecutable("tcpdump").isPresent(), "tcpdump not installed");
        CommandResult tcpdump = new ProcessRunner().run("tcpdump", "-nn", "-r", out.toString());
        String text = tcpdump.stdout() + tcpdump.stderr();
        assertEquals(0, tcpdump.exitCode(), tcpdump::describe);
        List<String> lines = text.lines().filter(l -> l.contains(" IP ")).toList();
        assertTrue(lines.stream().anyMatch(l -> l.contains("198.18.200.2.80 > 198.18.200.1.") && l.contains("[S.]")),
                "the director's SYN-ACK:\n" + text);
        assertTrue(lines.stream().anyMatch(l -> l.contains("198.51.100.1.40000 > 198.18.0.13.7070: UDP")),
                "the hand-off datagram to origin3's agent:\n" + text);
        assertTrue(!text.contains("truncated") && !text.contains("bogus"), text);
    }

    /** An output file that cannot be written is said, and the run fails: nothing is lost silently. */
    @Test
    void anOutputFileThatCannotBeWrittenFailsTheRun() {
        assumeTrue(Files.isWritable(Path.of("/dev/full")), "/dev/full (every write fails with ENOSPC)");
        HandoffCommandTest.Run r = HandoffCommandTest.run("replay", "--config", TRACES.resolve("director.yaml").toString(),
                "--pcap", TRACES.resolve("ipv4-http-post.pcap").toString(), "--out", "/dev/full");
        assertEquals(1, r.exitCode(), r.out() + r.err());
        assertTrue(r.err().startsWith("handoff replay: /dev/full is incomplete: "), r.err());
        assertTrue(r.err().contains("No space left on device"), r.err());
    }

    @Test
    void compareListsTheRequestsThatChangeOrigin(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("report.json");
        HandoffCommandTest.Run r = HandoffCommandTest.run("replay", "--config", TRACES.resolve("director.yaml").toString(),
                "--pcap", TRACES.resolve("ipv4-http-post.pcap").toString(), "--compare",
                TRACES.resolve("director-uploads-to-bins.yaml").toString(), "--report", report.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("1 request(s) change origin"), r.out());
        JsonNode compare = new ObjectMapper().readTree(report.toFile()).get("compare");
        assertEquals(1, compare.get("changed-count").asInt());
        JsonNode change = compare.get("changed").get(0);
        assertEquals("POST /upload HTTP/1.1", change.get("request").asText());
        assertEquals("origin3", change.get("before").asText());
        assertEquals(1, compare.get("origins").get("origin3").get("before").asInt());
        assertEquals(0, compare.get("origins").get("origin3").get("after").asInt());
    }

    /** tcpdump on a client host with checksum offload: partial TCP checksums on every client packet. */
    @Test
    void aCaptureWithPartialChecksumsReplaysByDefaultAndTheSummarySaysSo() {
        String config = TRACES.resolve("director.yaml").toString();
        String pcap = TRACES.resolve("ipv4-http-offload.pcap").toString();
        HandoffCommandTest.Run r = HandoffCommandTest.run("replay", "--config", config, "--pcap", pcap);
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("replayed ipv4-http-offload.pcap under director.yaml: 24 packets (14 from clients, 10 of the "
                + "captured server ignored, 14 with a partial TCP checksum), 2 flow(s)\n"), r.out());
        assertTrue(r.out().contains("requests: handed-off 2, bad-request 0, head-too-large 0, no-origin 0"), r.out());

        HandoffCommandTest.Run strict = HandoffCommandTest.run("replay", "--config", config, "--pcap", pcap, "--strict-checksums");
        assertEquals(0, strict.exitCode(), strict.err());
        assertTrue(strict.out().contains("0 with a partial TCP checksum), 0 flow(s)"), strict.out());
        assertTrue(strict.out().contains("dropped: bad-tcp-checksum 14"), strict.out());

        HandoffCommandTest.Run both = HandoffCommandTest.run("replay", "--config", config, "--pcap", pcap, "--strict-checksums",
                "--no-verify-checksums");
        assertEquals(2, both.exitCode());
        assertTrue(both.err().contains("--strict-checksums, --no-verify-checksums are mutually exclusive"), both.err());
    }

    @Test
    void anUnknownOriginOrBehaviourIsAUsageError() {
        HandoffCommandTest.Run r = HandoffCommandTest.run("replay", "--config", TRACES.resolve("director.yaml").toString(),
                "--pcap", TRACES.resolve("ipv4-http-post.pcap").toString(), "--agent", "nobody=refuse");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("no origin 'nobody'"), r.err());
        r = HandoffCommandTest.run("replay", "--config", TRACES.resolve("director.yaml").toString(),
                "--pcap", TRACES.resolve("ipv4-http-post.pcap").toString(), "--agent", "origin1=sometimes");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("expected: accept, refuse, silent"), r.err());
    }
}
