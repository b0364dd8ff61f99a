package org.handoff.director.routing;

import java.nio.charset.StandardCharsets;
import org.handoff.config.ConfigException;
import org.handoff.director.config.ConfigLoader;
import org.handoff.director.config.DirectorConfig;
import org.handoff.director.http.HeadParseResult;
import org.handoff.director.http.HttpHeadParser;
import org.handoff.director.http.ParsedRequest;

/** Test requests made the way the director makes them: by parsing a head. */
final class Requests {
    private static final HttpHeadParser PARSER = new HttpHeadParser();

    private Requests() {}

    /** {@code extraHeaders} as "Name: value" strings. */
    static synchronized ParsedRequest request(String method, String host, String target, String... extraHeaders) {
        StringBuilder sb = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: ")
                .append(host).append("\r\n");
        for (String h : extraHeaders) {
            sb.append(h).append("\r\n");
        }
        byte[] b = sb.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        HeadParseResult r = PARSER.parse(b, 0, b.length);
        if (!r.isComplete()) {
            throw new IllegalArgumentException(r.toString());
        }
        return r.request();
    }

    static ParsedRequest get(String host, String target) {
        return request("GET", host, target);
    }

    static DirectorConfig config(String yaml) {
        try {
            return ConfigLoader.parse(yaml, null);
        } catch (ConfigException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }
}
