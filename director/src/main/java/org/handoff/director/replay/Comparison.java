package org.handoff.director.replay;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The same capture under two configs: which requests change origin, and the requests per
 * origin before ({@code --config}) and after ({@code --compare}). The "after" run is replayed
 * first and kept as one entry per request (client endpoint and SYN time to origin); the
 * "before" run is then matched flow by flow as it streams. Memory grows with the requests of
 * the capture, only when comparing.
 */
public final class Comparison {
    private final Map<String, String> after = new HashMap<>();
    private final Map<String, long[]> perOrigin = new TreeMap<>();
    private final List<Map<String, Object>> changed = new ArrayList<>();
    private long matched;
    private long onlyBefore;

    /** Collects the "after" run. */
    public ReplayEngine.FlowSink afterSink() {
        return f -> {
            if (f.requestLine() != null) {
                after.put(f.matchKey(), name(f.origin()));
                perOrigin.computeIfAbsent(name(f.origin()), k -> new long[2])[1]++;
            }
        };
    }

    /** Matches the "before" run against it. */
    public ReplayEngine.FlowSink beforeSink() {
        return f -> {
            if (f.requestLine() == null) {
                return;
            }
            String before = name(f.origin());
            perOrigin.computeIfAbsent(before, k -> new long[2])[0]++;
            String now = after.get(f.matchKey());
            if (now == null) {
                onlyBefore++;
                return;
            }
            matched++;
            if (!Objects.equals(before, now)) {
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("client", f.client());
                c.put("request", f.requestLine());
                c.put("host", f.host());
                c.put("before", before);
                c.put("after", now);
                changed.add(c);
            }
        };
    }

    private static String name(String origin) {
        return origin == null ? "none" : origin;
    }

    public List<Map<String, Object>> changed() {
        return changed;
    }

    /** Requests per origin: [before, after]. */
    public Map<String, long[]> perOrigin() {
        return perOrigin;
    }

    public Map<String, Object> toMap(String otherConfig) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("config", otherConfig);
        m.put("requests-matched", matched);
        m.put("requests-only-before", onlyBefore);
        m.put("changed-count", changed.size());
        Map<String, Object> origins = new LinkedHashMap<>();
        perOrigin.forEach((k, v) -> {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("before", v[0]);
            o.put("after", v[1]);
            origins.put(k, o);
        });
        m.put("origins", origins);
        m.put("changed", changed);
        return m;
    }
}
