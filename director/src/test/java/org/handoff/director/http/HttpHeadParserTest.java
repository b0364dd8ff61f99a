package org.handoff.director.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.handoff.director.http.HeadParseResult.Status;
import org.junit.jupiter.api.Test;

/** Exact inputs for each case the director meets: complete, partial, too large, malformed. */
class HttpHeadParserTest {
    private final HttpHeadParser parser = new HttpHeadParser();

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private HeadParseResult parse(String s) {
        byte[] b = bytes(s);
        return parser.parse(b, 0, b.length);
    }

    private ParsedRequest ok(String s) {
        HeadParseResult r = parse(s);
        assertEquals(Status.COMPLETE, r.status(), () -> "for " + s.replace("\r", "\\r").replace("\n", "\\n") + ": " + r);
        return r.request();
    }

    private String malformed(String s) {
        HeadParseResult r = parse(s);
        assertEquals(Status.MALFORMED, r.status(), () -> "for " + s.replace("\r", "\\r").replace("\n", "\\n") + ": " + r);
        assertEquals(400, r.responseStatus());
        return r.reason();
    }

    @Test
    void simpleGet() {
        String head = "GET /static/app.js?v=3 HTTP/1.1\r\nHost: Example.COM:8080\r\nUser-Agent: t\r\nAccept: */*\r\n\r\n";
        ParsedRequest r = ok(head);
        assertEquals("GET", r.method());
        assertEquals("/static/app.js?v=3", r.target());
        assertEquals("/static/app.js", r.path());
        assertEquals("v=3", r.query());
        assertEquals("example.com", r.host());
        assertEquals(ProtocolVersion.HTTP_1_1, r.version());
        assertEquals("t", r.header("user-agent"));
        assertEquals(3, r.headerCount());
        assertEquals(List.of(Map.entry("Host", "Example.COM:8080"), Map.entry("User-Agent", "t"), Map.entry("Accept", "*/*")),
                r.headers());
        assertEquals(-1, r.contentLength());
        assertFalse(r.isChunked());
        assertFalse(r.hasBody());
        assertTrue(r.isKeepAlive());
        assertEquals(head.length(), r.headLength());
    }

    @Test
    void needMoreUntilTheBlankLineThenComplete() {
        String head = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
        byte[] b = bytes(head);
        for (int len = 0; len < b.length; len++) {
            assertSame(HeadParseResult.NEED_MORE, parser.parse(b, 0, len), "length " + len);
        }
        assertEquals(head.length(), parser.parse(b, 0, b.length).request().headLength());
    }

    @Test
    void byteByByteWithScanFromFindsTheSameEnd() {
        String head = "GET /x HTTP/1.1\r\nHost: a\r\nX: y\r\n\r\n";
        byte[] b = bytes(head + "BODY");
        int scanFrom = 0;
        HeadParseResult r = null;
        for (int len = 1; len <= b.length; len++) {
            r = parser.parse(b, 0, len, scanFrom);
            if (r.status() != Status.NEED_MORE) {
                assertEquals(head.length(), len);
                break;
            }
            scanFrom = len;
        }
        assertEquals(Status.COMPLETE, r.status());
        assertEquals(head.length(), r.request().headLength());
    }

    @Test
    void bareLfLineEndingsAsNettyReadsThem() {
        ParsedRequest r = ok("GET /a HTTP/1.1\nHost: a\n\n");
        assertEquals(25, r.headLength());
        assertEquals("a", r.host());
    }

    @Test
    void pipelinedRequestsEndAtTheFirstHead() {
        String first = "GET /one HTTP/1.1\r\nHost: a\r\n\r\n";
        String second = "GET /two HTTP/1.1\r\nHost: a\r\n\r\n";
        ParsedRequest r = ok(first + second);
        assertEquals("/one", r.path());
        assertEquals(first.length(), r.headLength());
    }

    @Test
    void offsetIntoALargerBuffer() {
        byte[] b = bytes("xxxxGET /o HTTP/1.1\r\nHost: h\r\n\r\nyyy");
        HeadParseResult r = parser.parse(b, 4, b.length - 4);
        assertEquals("/o", r.request().path());
        assertEquals(b.length - 4 - 3, r.request().headLength());
    }

    @Test
    void nettyByteBufInput() {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes("zzGET /b HTTP/1.1\r\nHost: h\r\n\r\n"));
        buf.readerIndex(2);
        assertEquals("/b", parser.parse(buf, 0).request().path());
        assertEquals(2, buf.readerIndex());
        ByteBuf direct = Unpooled.directBuffer().writeBytes(bytes("GET /d HTTP/1.1\r\nHost: h\r\n\r\n"));
        assertEquals("/d", parser.parse(direct, 0).request().path());
        direct.release();
    }

    @Test
    void leadingEmptyLinesAreSkippedButCounted() {
        ParsedRequest r = ok("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals(4 + 27, r.headLength());
        assertEquals("empty lines before the request line: 10 bytes (expected: at most 8)",
                malformed("\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"));
        assertSame(HeadParseResult.NEED_MORE, parse("\r\n"));
    }

    @Test
    void contentLengthBody() {
        String head = "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n";
        ParsedRequest r = ok(head + "hello world");
        assertEquals(11, r.contentLength());
        assertTrue(r.hasBody());
        assertFalse(r.isChunked());
        assertEquals(head.length(), r.headLength());
        // only part of the body received: the head is complete all the same
        assertEquals(head.length(), ok(head + "hel").headLength());
    }

    @Test
    void chunkedBody() {
        String head = "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n";
        ParsedRequest r = ok(head + "5\r\nhello\r\n0\r\n\r\n");
        assertTrue(r.isChunked());
        assertTrue(r.hasBody());
        assertEquals(-1, r.contentLength());
        assertEquals(head.length(), r.headLength());
    }

    @Test
    void chunkedWithContentLengthIsChunked() {
        // RFC 9112 6.3: Transfer-Encoding overrides Content-Length.
        ParsedRequest r = ok("POST /c HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n");
        assertTrue(r.isChunked());
        assertEquals(-1, r.contentLength());
    }

    @Test
    void transferEncodingNotEndingInChunked() {
        assertEquals("Transfer-Encoding: chunked, gzip (expected: chunked as the final coding, RFC 9112 6.3)",
                malformed("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"));
    }

    @Test
    void badContentLength() {
        assertTrue(malformed("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n").startsWith("request head: "));
        assertTrue(malformed("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n")
                .startsWith("request head: "));
        assertTrue(malformed("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n").startsWith("request head: "));
    }

    @Test
    void http10WithoutHost() {
        ParsedRequest r = ok("GET /old HTTP/1.0\r\n\r\n");
        assertEquals(ProtocolVersion.HTTP_1_0, r.version());
        assertEquals("", r.host());
        assertFalse(r.isKeepAlive());
        assertTrue(ok("GET /old HTTP/1.0\r\nConnection: keep-alive\r\nHost: h\r\n\r\n").isKeepAlive());
    }

    @Test
    void keepAliveOnHttp11UnlessClose() {
        assertFalse(ok("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").isKeepAlive());
    }

    @Test
    void missingHostOnHttp11() {
        assertEquals("Host header: missing (expected: one on HTTP/1.1)", malformed("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n"));
    }

    @Test
    void twoHostHeaders() {
        assertEquals("Host header: 2 fields (expected: one)", malformed("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"));
    }

    @Test
    void hostForms() {
        assertEquals("[2001:db8::1]", ok("GET / HTTP/1.1\r\nHost: [2001:DB8::1]:8443\r\n\r\n").host());
        assertEquals("example.com", ok("GET / HTTP/1.1\r\nHost: example.com.\r\n\r\n").host());
        assertEquals("", ok("GET / HTTP/1.1\r\nHost:\r\n\r\n").host());
        assertEquals("Host header: a b has 0x20 at 1 (expected: host[:port])", malformed("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"));
        assertEquals("Host header: a:80x (expected: host[:port] with a numeric port)",
                malformed("GET / HTTP/1.1\r\nHost: a:80x\r\n\r\n"));
    }

    @Test
    void absoluteFormTargetWinsOverHost() {
        ParsedRequest r = ok("GET http://Origin.Example:8080/p/q.html?x=1 HTTP/1.1\r\nHost: other\r\n\r\n");
        assertEquals("origin.example", r.host());
        assertEquals("/p/q.html", r.path());
        assertEquals("x=1", r.query());
        assertEquals("http://Origin.Example:8080/p/q.html?x=1", r.target());
        assertEquals("/", ok("GET https://h HTTP/1.1\r\nHost: h\r\n\r\n").path());
        assertEquals("q", ok("GET http://h?q HTTP/1.1\r\nHost: h\r\n\r\n").query());
        assertEquals("request-target scheme: ftp (expected: http or https)", malformed("GET ftp://h/ HTTP/1.1\r\nHost: h\r\n\r\n"));
        assertEquals("request-target authority: u@h (expected: no userinfo)",
                malformed("GET http://u@h/ HTTP/1.1\r\nHost: h\r\n\r\n"));
        // the Host header is still required on HTTP/1.1 (RFC 9112 3.2)
        assertEquals("Host header: missing (expected: one on HTTP/1.1)", malformed("GET http://h/ HTTP/1.1\r\n\r\n"));
    }

    @Test
    void asteriskAndConnect() {
        assertEquals("*", ok("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n").path());
        assertEquals("request-target: * with method GET (expected: only with OPTIONS)", malformed("GET * HTTP/1.1\r\nHost: a\r\n\r\n"));
        assertEquals("method: CONNECT (expected: a request to an origin, not a tunnel)",
                malformed("CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n"));
    }

    @Test
    void pathIsDecodedAndCannotEscape() {
        assertEquals("/admin", ok("GET /static/../admin HTTP/1.1\r\nHost: a\r\n\r\n").path());
        assertEquals("/admin", ok("GET /static/%2e%2E/admin HTTP/1.1\r\nHost: a\r\n\r\n").path());
        assertEquals("/admin", ok("GET /static%2F..%2Fadmin HTTP/1.1\r\nHost: a\r\n\r\n").path());
        assertEquals("/etc/passwd", ok("GET /../../../etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n").path());
        assertEquals("/a/b/", ok("GET //a/./b//c/.. HTTP/1.1\r\nHost: a\r\n\r\n").path());
        assertEquals("/caf\u00e9 x", ok("GET /caf%C3%A9%20x HTTP/1.1\r\nHost: a\r\n\r\n").path());
        assertEquals("/static/", ok("GET /static/ HTTP/1.1\r\nHost: a\r\n\r\n").path());
    }

    @Test
    void badPaths() {
        assertEquals("path: bad percent-encoding at index 2 in /a%zz (expected: %XX with two hex digits)",
                malformed("GET /a%zz HTTP/1.1\r\nHost: a\r\n\r\n"));
        assertEquals("path: %00 at index 2 (expected: no NUL)", malformed("GET /a%00 HTTP/1.1\r\nHost: a\r\n\r\n"));
        assertEquals("path: /%C3 (expected: valid UTF-8 after percent-decoding)", malformed("GET /%C3 HTTP/1.1\r\nHost: a\r\n\r\n"));
        assertEquals("request-target: byte 0xe9 at 4 (expected: visible ASCII)", malformed("GET /caf\u00e9 HTTP/1.1\r\nHost: a\r\n\r\n"));
        assertEquals("request-target: abc (expected: /path, http://host/path, or * for OPTIONS)",
                malformed("GET abc HTTP/1.1\r\nHost: a\r\n\r\n"));
    }

    @Test
    void versions() {
        assertEquals("HTTP version: HTTP/2.0 (expected: HTTP/1.0 or HTTP/1.1)", malformed("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
        // Netty itself refuses a version that is not HTTP/major.minor
        assertEquals("request head: invalid version format: FOO/1.1 (expected: valid HTTP/1.x syntax)",
                malformed("GET / FOO/1.1\r\nHost: a\r\n\r\n"));
        malformed("GET / HTTP/1.x\r\nHost: a\r\n\r\n");
        // Netty would take "http/1.1"; the protocol name is case-sensitive (RFC 9112 2.3)
        assertEquals("HTTP version: http/1.1 (expected: HTTP/1.0 or HTTP/1.1)",
                malformed("GET / http/1.1\r\nHost: a\r\n\r\n"));
    }

    @Test
    void otherSyntaxNettyRefuses() {
        assertEquals("request head: Validation failed for header 'X' (expected: valid HTTP/1.x syntax)",
                malformed("GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n"));
        assertEquals("request head: Validation failed for header 'X' (expected: valid HTTP/1.x syntax)",
                malformed("GET / HTTP/1.1\r\nHost: a\r\nX: a\u0000b\r\n\r\n"));
        assertEquals("request head: No colon found (expected: valid HTTP/1.x syntax)",
                malformed("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n"));
        assertTrue(malformed("GET / HTTP/1.1\r\nHost: a\r\n: novalue\r\n\r\n").startsWith("request head: "));
        // a folded line with nothing to continue
        assertTrue(malformed("GET / HTTP/1.1\r\n Host: a\r\n\r\n").startsWith("request head: "));
        assertEquals("request head: invalid version format: HTTP/1.1 EXTRA (expected: valid HTTP/1.x syntax)",
                malformed("GET / HTTP/1.1 extra\r\nHost: a\r\n\r\n"));
    }

    @Test
    void methodsAreTokensKeptAsSent() {
        assertEquals("get", ok("get / HTTP/1.1\r\nHost: a\r\n\r\n").method());
        assertEquals("PURGE", ok("PURGE /x HTTP/1.1\r\nHost: a\r\n\r\n").method());
    }

    @Test
    void http09RequestLineHasNoVersion() {
        assertEquals("request head: text is empty (possibly HTTP/0.9) (expected: valid HTTP/1.x syntax)",
                malformed("GET /\r\n\r\n"));
    }

    @Test
    void requestLineMustStartWithAToken() {
        assertEquals("request line: starts with byte 0x20 (expected: a method token)", malformed(" GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
        assertEquals("request line: starts with byte 0x16 (expected: a method token)", malformed("\u0016\u0003\u0001"));
    }

    @Test
    void invalidHeaderNameCharacters() {
        malformed("GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n");
        malformed("GET / HTTP/1.1\r\nHost: a\r\nBad\u0001: x\r\n\r\n");
        // whitespace between the name and the colon (RFC 9112 5.1: must be rejected)
        malformed("GET / HTTP/1.1\r\nHost : a\r\n\r\n");
    }

    @Test
    void obsFoldIsJoinedByNetty() {
        // Netty unfolds obs-fold (RFC 9112 5.2 allows replacing it with SP); routing sees one value.
        ParsedRequest r = ok("GET / HTTP/1.1\r\nHost: a\r\nX-Long: one\r\n  two\r\n\r\n");
        assertEquals("one two", r.header("X-Long"));
    }

    @Test
    void headAtTheLimitAndOver() {
        HttpHeadParser small = new HttpHeadParser(128, 100);
        String prefix = "GET / HTTP/1.1\r\nHost: a\r\nX: ";
        String exact = prefix + "v".repeat(128 - prefix.length() - 4) + "\r\n\r\n";
        assertEquals(128, exact.length());
        byte[] b = bytes(exact);
        assertEquals(Status.COMPLETE, small.parse(b, 0, b.length).status());

        byte[] over = bytes(prefix + "v".repeat(128 - prefix.length() - 3) + "\r\n\r\n");
        HeadParseResult r = small.parse(over, 0, over.length);
        assertEquals(Status.TOO_LARGE, r.status());
        assertEquals(431, r.responseStatus());
        assertEquals("request head: 129 bytes (expected: at most 128)", r.reason());
        // no blank line yet, and already at the limit: no point waiting for more
        r = small.parse(over, 0, 128);
        assertEquals("request head: more than 128 bytes without a blank line (expected: at most 128)", r.reason());
        assertSame(HeadParseResult.NEED_MORE, small.parse(over, 0, 127));
    }

    @Test
    void defaultLimitIs16KiB() {
        String prefix = "GET / HTTP/1.1\r\nHost: a\r\n";
        StringBuilder sb = new StringBuilder(prefix);
        for (int i = 0; sb.length() < 16 * 1024 - 270; i++) {
            sb.append("X-H").append(i).append(": ").append("v".repeat(250)).append("\r\n");
        }
        String head = sb.append("\r\n").toString();
        assertTrue(head.length() <= 16384, head.length() + "");
        assertEquals(Status.COMPLETE, parse(head).status());
        String big = "GET / HTTP/1.1\r\nHost: a\r\nX: " + "v".repeat(16 * 1024) + "\r\n\r\n";
        assertEquals(Status.TOO_LARGE, parse(big).status());
    }

    @Test
    void headerCountLimit() {
        HttpHeadParser p = new HttpHeadParser(16384, 3);
        byte[] ok = bytes("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n");
        assertEquals(Status.COMPLETE, p.parse(ok, 0, ok.length).status());
        byte[] tooMany = bytes("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n");
        HeadParseResult r = p.parse(tooMany, 0, tooMany.length);
        assertEquals(Status.TOO_LARGE, r.status());
        assertEquals("header fields: 4 (expected: at most 3)", r.reason());
    }

    @Test
    void parserIsReusableAfterErrors() {
        malformed("GET / HTTP/1.1\r\nBad Name: x\r\nHost: a\r\n\r\n");
        assertEquals("/after", ok("GET /after HTTP/1.1\r\nHost: a\r\n\r\n").path());
        parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n");
        assertEquals("/again", ok("GET /again HTTP/1.1\r\nHost: a\r\n\r\n").path());
        parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
        assertEquals("/third", ok("GET /third HTTP/1.1\r\nHost: a\r\n\r\n").path());
    }

    @Test
    void headerValuesAndCaseInsensitiveNames() {
        ParsedRequest r = ok("GET / HTTP/1.1\r\nHost: a\r\nX-Tag: one\r\nx-tag: two\r\n\r\n");
        assertEquals(List.of("one", "two"), r.headerValues("X-TAG"));
        assertEquals("one", r.header("x-Tag"));
        assertEquals(List.of(), r.headerValues("absent"));
    }
}
