package org.handoff.director.http;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A parsed HTTP/1.x request head: what routing matches on and what the hand-off needs to know
 * about the bytes. Immutable; made by {@link HttpHeadParser}.
 *
 * <ul>
 *   <li>{@link #target()}: the request-target exactly as sent ("/a/../b?x=1",
 *       "http://Example.com:8080/b", "*").
 *   <li>{@link #path()}: the path for matching: percent-decoded (UTF-8), dot segments removed
 *       without ever climbing above "/", runs of "/" merged. "/static/%2e%2e/admin" is
 *       "/admin". "*" for an asterisk-form OPTIONS.
 *   <li>{@link #query()}: the raw query after "?", not decoded; "" when there is none.
 *   <li>{@link #host()}: from the absolute-form target if there is one (RFC 9112 3.2.2), else
 *       the Host header; lower-cased, the port and one trailing dot removed; "" when empty or
 *       absent (HTTP/1.0).
 * </ul>
 */
public final class ParsedRequest {
    private final String method;
    private final String target;
    private final String path;
    private final String query;
    private final String host;
    private final HttpHeaders headers;
    private final ProtocolVersion version;
    private final long contentLength;
    private final boolean chunked;
    private final boolean keepAlive;
    private final int headLength;

    ParsedRequest(String method, String target, String path, String query, String host, HttpHeaders headers,
            ProtocolVersion version, long contentLength, boolean chunked, boolean keepAlive, int headLength) {
        this.method = method;
        this.target = target;
        this.path = path;
        this.query = query;
        this.host = host;
        this.headers = headers;
        this.version = version;
        this.contentLength = contentLength;
        this.chunked = chunked;
        this.keepAlive = keepAlive;
        this.headLength = headLength;
    }

    /** The method token, case as sent (methods are case-sensitive: "GET", not "get"). */
    public String method() {
        return method;
    }

    public String target() {
        return target;
    }

    public String path() {
        return path;
    }

    public String query() {
        return query;
    }

    public String host() {
        return host;
    }

    public ProtocolVersion version() {
        return version;
    }

    /** The first value of the named header (names are case-insensitive), or null. */
    public String header(CharSequence name) {
        return headers.get(name);
    }

    /** Every value of the named header, in the order received; empty when absent. */
    public List<String> headerValues(CharSequence name) {
        return Collections.unmodifiableList(headers.getAll(name));
    }

    /** All header fields in the order received (obs-folded lines already joined by Netty). */
    public List<Map.Entry<String, String>> headers() {
        return Collections.unmodifiableList(new ArrayList<>(headers.entries()));
    }

    public int headerCount() {
        return headers.size();
    }

    /** The Content-Length, or -1 when there is none (no body, or chunked). */
    public long contentLength() {
        return contentLength;
    }

    /** True when the body is chunked (Transfer-Encoding ends with "chunked"). */
    public boolean isChunked() {
        return chunked;
    }

    /** True when the request has a body: a Content-Length above zero, or chunked. */
    public boolean hasBody() {
        return chunked || contentLength > 0;
    }

    /** HTTP/1.1 without "Connection: close", or HTTP/1.0 with "Connection: keep-alive". */
    public boolean isKeepAlive() {
        return keepAlive;
    }

    /**
     * Bytes from the start of the buffer given to the parser up to and including the blank
     * line that ends the head (any empty lines before the request line included). Body bytes,
     * or a pipelined next request, start here.
     */
    public int headLength() {
        return headLength;
    }

    @Override
    public String toString() {
        return method + " " + target + " " + version.text() + " host=" + host + " path=" + path
                + (query.isEmpty() ? "" : " query=" + query) + " head=" + headLength + "B"
                + (chunked ? " chunked" : contentLength >= 0 ? " content-length=" + contentLength : "");
    }
}
