package org.handoff.director.replay;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The replay report as JSON, streamed: the header, then each flow as it ends, then the totals
 * (and the comparison). Only deterministic facts go in (no wall-clock times, no machine
 * speed), so the same capture, config and options give the same bytes.
 */
public final class ReportWriter implements ReplayEngine.FlowSink, AutoCloseable {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private final JsonGenerator json;
    private long flows;

    public ReportWriter(OutputStream out, Map<String, Object> header) throws IOException {
        json = MAPPER.getFactory().createGenerator(out, JsonEncoding.UTF8);
        json.useDefaultPrettyPrinter();
        json.writeStartObject();
        for (Map.Entry<String, Object> e : header.entrySet()) {
            json.writeFieldName(e.getKey());
            MAPPER.writeValue(json, e.getValue());
        }
        json.writeArrayFieldStart("flows");
    }

    @Override
    public void onFlow(FlowRecord f) {
        try {
            MAPPER.writeValue(json, toMap(f));
            flows++;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public long flows() {
        return flows;
    }

    /** Ends the flows and writes the remaining sections (totals, compare, ...) in order. */
    public void finish(Map<String, Object> sections) throws IOException {
        json.writeEndArray();
        for (Map.Entry<String, Object> e : sections.entrySet()) {
            json.writeFieldName(e.getKey());
            MAPPER.writeValue(json, e.getValue());
        }
        json.writeEndObject();
        json.flush();
    }

    @Override
    public void close() throws IOException {
        json.close();
    }

    static Map<String, Object> toMap(FlowRecord f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("client", f.client());
        m.put("vip", f.vip());
        m.put("start", Instant.ofEpochSecond(0, f.startNanos()).toString());
        m.put("request", f.requestLine());
        m.put("host", f.host());
        m.put("rule", f.rule());
        m.put("pool", f.pool());
        m.put("origin", f.origin());
        m.put("outcome", f.outcome());
        m.put("reason", f.reason());
        m.put("status", f.status());
        m.put("attempts", f.attempts());
        m.put("decision-ms", f.decisionMillis());
        m.put("closed", f.closed());
        m.put("client-packets", f.clientPackets());
        if (!f.laterRequests().isEmpty()) {
            java.util.List<Map<String, Object>> later = new java.util.ArrayList<>();
            for (FlowRecord.Request r : f.laterRequests()) {
                Map<String, Object> q = new LinkedHashMap<>();
                q.put("request", r.requestLine());
                q.put("host", r.host());
                q.put("rule", r.rule());
                q.put("pool", r.pool());
                q.put("origin", r.origin());
                q.put("outcome", r.outcome());
                q.put("reason", r.reason());
                q.put("status", r.status());
                later.add(q);
            }
            m.put("later-requests", later);
        }
        return m;
    }
}
