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
        "ipv4-http-no-options", "ipv4-http-post", "ipv4-sack-blocks"})
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
