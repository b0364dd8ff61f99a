package org.handoff.director.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.handoff.director.config.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The example traces (examples/traces/, real curl/nginx captures from the lab) replayed under
 * the example config: the report must equal the expected one checked in beside them. Set
 * {@code -Dhandoff.replay.update=true} to rewrite the expected files after a deliberate change.
 */
class ReplayTraceTest {
    static final Path TRACES = Path.of("../examples/traces");

    @ParameterizedTest
    @ValueSource(strings = {"ipv4-http-all-options", "ipv4-http-no-ts", "ipv4-http-no-sack", "ipv4-http-no-wscale",
        "ipv4-http-no-options", "ipv4-http-post", "ipv4-sack-blocks", "ipv4-http-offload"})
    void exampleTraceGivesTheExpectedReport(String name) throws Exception {
        String report = report(TRACES.resolve("director.yaml"), TRACES.resolve(name + ".pcap"), ReplayOptions.DEFAULTS);
        Path expected = TRACES.resolve("expected").resolve(name + ".report.json");
        if (Boolean.getBoolean("handoff.replay.update")) {
            Files.writeString(expected, report);
        }
        ObjectMapper m = new ObjectMapper();
        JsonNode want = m.readTree(Files.readString(expected));
        JsonNode got = m.readTree(report);
        assertEquals(want.toPrettyString(), got.toPrettyString(), name);
    }

    /**
     * A capture taken on the client host with checksum offload: every client packet carries a
     * partial TCP checksum. Accepted and counted by default; strict mode drops every one.
     */
    @Test
    void partialChecksumsAreAcceptedAndCountedUnlessStrict() throws Exception {
        Path capture = TRACES.resolve("ipv4-http-offload.pcap");
        JsonNode totals = new ObjectMapper().readTree(report(TRACES.resolve("director.yaml"), capture, ReplayOptions.DEFAULTS))
                .get("totals");
        assertEquals(14, totals.get("client-packets").asInt());
        assertEquals(14, totals.get("partial-checksums").asInt(), "every client packet");
        assertEquals(2, totals.get("flows").asInt());
        assertEquals(2, totals.get("requests").get("handed-off").asInt());
        assertEquals(0, totals.get("dropped").get("bad-tcp-checksum").asInt());

        JsonNode strict = new ObjectMapper().readTree(report(TRACES.resolve("director.yaml"), capture,
                ReplayOptions.DEFAULTS.withChecksums(ChecksumCheck.STRICT))).get("totals");
        assertEquals(0, strict.get("partial-checksums").asInt());
        assertEquals(14, strict.get("dropped").get("bad-tcp-checksum").asInt());
        assertEquals(0, strict.get("flows").asInt());

        JsonNode off = new ObjectMapper().readTree(report(TRACES.resolve("director.yaml"), capture,
                ReplayOptions.DEFAULTS.withChecksums(ChecksumCheck.OFF))).get("totals");
        assertEquals(0, off.get("partial-checksums").asInt(), "nothing looked at");
        assertEquals(2, off.get("flows").asInt());
    }

    /** The report exactly as the CLI writes it (header: file names only, so it is the same anywhere). */
    static String report(Path config, Path capture, ReplayOptions options) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("capture", capture.getFileName().toString());
        header.put("config", config.getFileName().toString());
        header.put("seed", options.seed());
        Map<String, Object> agents = new LinkedHashMap<>();
        options.agents().forEach((k, v) -> agents.put(k, v.toString()));
        header.put("agents", agents);
        try (ReportWriter w = new ReportWriter(bytes, header)) {
            Replay.Result r = Replay.run(ConfigLoader.load(config), capture, options, null, w, null);
            Map<String, Object> sections = new LinkedHashMap<>();
            sections.put("totals", r.totals());
            w.finish(sections);
        }
        return bytes.toString(java.nio.charset.StandardCharsets.UTF_8) + "\n";
    }
}
