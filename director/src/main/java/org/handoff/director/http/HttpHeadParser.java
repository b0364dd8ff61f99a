package org.handoff.director.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses the head of the first HTTP/1.x request on a connection from the bytes the director
 * has received so far. One instance per worker, reused for every flow; not thread-safe.
 *
 * <p>The flow keeps its received bytes from the first one on and calls {@link #parse} after
 * each segment that adds to them, until the result is not {@code NEED_MORE}. To keep a head
 * that arrives byte by byte linear in its size, the flow may pass the length of the previous
 * {@code NEED_MORE} call as {@code scanFrom}; the end-of-head search resumes there.
 *
 * <p>How: a scan finds the blank line that ends the head (LF then CR LF or LF, as Netty reads
 * lines) and enforces the size limit; then the head bytes alone are copied into one reused
 * buffer and decoded by Netty's {@link HttpRequestDecoder}, called directly (no channel, no
 * pipeline). Netty decides the request line, header syntax, obs-fold and Content-Length;
 * this class adds what routing needs on top: the version must be HTTP/1.0 or 1.1, HTTP/1.1
 * must have exactly one Host, Transfer-Encoding must end in chunked, the header count is
 * bounded, the target is split and its path normalised ({@link ParsedRequest}).
 */
public final class HttpHeadParser {
    /** Default limit on the head, request line to blank line inclusive: 16 KiB. */
    public static final int DEFAULT_MAX_HEAD_BYTES = 16 * 1024;
    /** Default limit on the number of header fields. */
    public static final int DEFAULT_MAX_HEADERS = 100;
    /** Empty lines (CR, LF) tolerated before the request line (RFC 9112 2.2 "at least one"). */
    static final int MAX_LEADING_EMPTY_BYTES = 8;

    private final int maxHeadBytes;
    private final int maxHeaders;
    private final DirectDecoder decoder;
    private final ByteBuf scratch;
    private final List<Object> out = new ArrayList<>(4);

    public HttpHeadParser() {
        this(DEFAULT_MAX_HEAD_BYTES, DEFAULT_MAX_HEADERS);
    }

    public HttpHeadParser(int maxHeadBytes, int maxHeaders) {
        if (maxHeadBytes < 64) {
            throw new IllegalArgumentException("maxHeadBytes=" + maxHeadBytes + " (expected: 64+)");
        }
        if (maxHeaders < 1) {
            throw new IllegalArgumentException("maxHeaders=" + maxHeaders + " (expected: 1+)");
        }
        this.maxHeadBytes = maxHeadBytes;
        this.maxHeaders = maxHeaders;
        // Our scan enforces the head limit before Netty sees the bytes; Netty's own limits are
        // set to the same value so they can only agree with it.
        this.decoder = new DirectDecoder(new HttpDecoderConfig()
                .setMaxInitialLineLength(maxHeadBytes)
                .setMaxHeaderSize(maxHeadBytes)
                .setInitialBufferSize(256)
                .setValidateHeaders(true));
        this.scratch = Unpooled.buffer(Math.min(maxHeadBytes, 4096), maxHeadBytes);
    }

    public int maxHeadBytes() {
        return maxHeadBytes;
    }

    public HeadParseResult parse(byte[] buf, int off, int len) {
        return parse(buf, off, len, 0);
    }

    /** Parses the readable bytes of {@code buf} without moving its reader index. */
    public HeadParseResult parse(ByteBuf buf, int scanFrom) {
        if (buf.hasArray()) {
            return parse(buf.array(), buf.arrayOffset() + buf.readerIndex(), buf.readableBytes(), scanFrom);
        }
        byte[] copy = new byte[Math.min(buf.readableBytes(), maxHeadBytes + 1)];
        buf.getBytes(buf.readerIndex(), copy);
        return parse(copy, 0, copy.length, Math.min(scanFrom, copy.length));
    }

    /**
     * @param buf the flow's received bytes, {@code buf[off]} being the first byte of the stream
     * @param len how many bytes have been received
     * @param scanFrom 0, or the {@code len} of this flow's previous call that returned
     *     {@code NEED_MORE}: bytes before it are known not to end the head
     */
    public HeadParseResult parse(byte[] buf, int off, int len, int scanFrom) {
        if (off < 0 || len < 0 || off + len > buf.length || scanFrom < 0 || scanFrom > len) {
            throw new IndexOutOfBoundsException("off=" + off + " len=" + len + " scanFrom=" + scanFrom
                    + " (expected: within a buffer of " + buf.length + ")");
        }
        int end = off + len;
        int start = off;
        while (start < end && (buf[start] == '\r' || buf[start] == '\n')) {
            start++;
        }
        if (start - off > MAX_LEADING_EMPTY_BYTES) {
            return HeadParseResult.malformed("empty lines before the request line: " + (start - off)
                    + " bytes (expected: at most " + MAX_LEADING_EMPTY_BYTES + ")");
        }
        if (start < end && !isTokenChar(buf[start])) {
            return HeadParseResult.malformed(String.format(
                    "request line: starts with byte 0x%02x (expected: a method token)", buf[start] & 0xff));
        }
        int headEnd = findHeadEnd(buf, Math.max(start, off + scanFrom - 2), end);
        if (headEnd < 0) {
            return len >= maxHeadBytes ? HeadParseResult.tooLarge("request head: more than " + maxHeadBytes
                    + " bytes without a blank line (expected: at most " + maxHeadBytes + ")") : HeadParseResult.NEED_MORE;
        }
        int headLength = headEnd - off;
        if (headLength > maxHeadBytes) {
            return HeadParseResult.tooLarge("request head: " + headLength + " bytes (expected: at most " + maxHeadBytes + ")");
        }
        try {
            return HeadParseResult.complete(decodeHead(buf, off, headLength));
        } catch (BadHeadException e) {
            return e.tooLarge() ? HeadParseResult.tooLarge(e.getMessage()) : HeadParseResult.malformed(e.getMessage());
        }
    }

    /**
     * The index just after the blank line ending the head, or -1. A line ends at LF (a CR
     * before it is part of the terminator), so the head ends at "\n\r\n" or "\n\n".
     */
    static int findHeadEnd(byte[] b, int from, int end) {
        for (int i = from; i < end; i++) {
            if (b[i] != '\n') {
                continue;
            }
            if (i + 1 < end && b[i + 1] == '\n') {
                return i + 2;
            }
            if (i + 2 < end && b[i + 1] == '\r' && b[i + 2] == '\n') {
                return i + 3;
            }
        }
        return -1;
    }

    private ParsedRequest decodeHead(byte[] buf, int off, int headLength) throws BadHeadException {
        scratch.clear();
        scratch.writeBytes(buf, off, headLength);
        HttpRequest request = null;
        try {
            decoder.reset();
            decoder.decodeHead(scratch, out);
            for (Object o : out) {
                if (o instanceof HttpRequest) {
                    request = (HttpRequest) o;
                    break;
                }
            }
        } catch (Exception e) {
            throw new BadHeadException("request head: " + e + " (expected: an HTTP/1.x request head)");
        } finally {
            for (Object o : out) {
                ReferenceCountUtil.release(o);
            }
            out.clear();
        }
        if (request == null) {
            throw new BadHeadException("request line: no method, target and version (expected: METHOD SP target SP HTTP/1.x)");
        }
        DecoderResult result = request.decoderResult();
        if (result.isFailure()) {
            Throwable cause = result.cause();
            String what = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
            boolean tooLong = cause instanceof TooLongFrameException;
            throw new BadHeadException("request head: " + what + " (expected: " + (tooLong
                    ? "at most " + maxHeadBytes + " bytes" : "valid HTTP/1.x syntax") + ")", tooLong);
        }
        checkVersionText(buf, off, headLength);
        return check(request, headLength);
    }

    /**
     * Netty upper-cases the version before it parses it; RFC 9112 2.3 says "HTTP" is
     * case-sensitive, and an origin may refuse "http/1.1". So the raw request line must end in
     * exactly " HTTP/1.0" or " HTTP/1.1".
     */
    private static void checkVersionText(byte[] buf, int off, int headLength) throws BadHeadException {
        int i = off;
        int end = off + headLength;
        while (i < end && (buf[i] == '\r' || buf[i] == '\n')) {
            i++;
        }
        int lf = i;
        while (lf < end && buf[lf] != '\n') {
            lf++;
        }
        int lineEnd = lf > i && buf[lf - 1] == '\r' ? lf - 1 : lf;
        int sp = lineEnd - 1;
        while (sp >= i && buf[sp] != ' ') {
            sp--;
        }
        int len = lineEnd - sp - 1;
        boolean ok = len == 8 && buf[sp + 1] == 'H' && buf[sp + 2] == 'T' && buf[sp + 3] == 'T' && buf[sp + 4] == 'P'
                && buf[sp + 5] == '/' && buf[sp + 6] == '1' && buf[sp + 7] == '.' && (buf[sp + 8] == '0' || buf[sp + 8] == '1');
        if (!ok) {
            String version = new String(buf, sp + 1, Math.min(len, 16), StandardCharsets.ISO_8859_1);
            throw new BadHeadException("HTTP version: " + version + " (expected: HTTP/1.0 or HTTP/1.1)");
        }
    }

    private ParsedRequest check(HttpRequest request, int headLength) throws BadHeadException {
        HttpVersion v = request.protocolVersion();
        ProtocolVersion version;
        if (v.protocolName().equals("HTTP") && v.majorVersion() == 1 && v.minorVersion() == 1) {
            version = ProtocolVersion.HTTP_1_1;
        } else if (v.protocolName().equals("HTTP") && v.majorVersion() == 1 && v.minorVersion() == 0) {
            version = ProtocolVersion.HTTP_1_0;
        } else {
            throw new BadHeadException("HTTP version: " + v.text() + " (expected: HTTP/1.0 or HTTP/1.1)");
        }
        HttpHeaders headers = request.headers();
        if (headers.size() > maxHeaders) {
            throw new BadHeadException("header fields: " + headers.size() + " (expected: at most " + maxHeaders + ")", true);
        }
        String method = request.method().name();
        RequestTargets.Target target = RequestTargets.parse(method, request.uri());

        List<String> hosts = headers.getAll(HttpHeaderNames.HOST);
        if (hosts.size() > 1) {
            throw new BadHeadException("Host header: " + hosts.size() + " fields (expected: one)");
        }
        if (hosts.isEmpty() && version == ProtocolVersion.HTTP_1_1) {
            throw new BadHeadException("Host header: missing (expected: one on HTTP/1.1)");
        }
        String host = hosts.isEmpty() ? "" : RequestTargets.normalizeHost(hosts.get(0).trim(), "Host header");
        if (target.host != null) {
            host = target.host; // RFC 9112 3.2.2: the absolute-form authority wins over Host
        }

        boolean chunked = false;
        List<String> te = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (!te.isEmpty()) {
            if (version == ProtocolVersion.HTTP_1_0) {
                throw new BadHeadException("Transfer-Encoding on HTTP/1.0: " + String.join(", ", te)
                        + " (expected: none, RFC 9112 6.1)");
            }
            String last = te.get(te.size() - 1);
            int comma = last.lastIndexOf(',');
            String finalCoding = (comma < 0 ? last : last.substring(comma + 1)).trim();
            if (!finalCoding.equalsIgnoreCase("chunked")) {
                throw new BadHeadException("Transfer-Encoding: " + String.join(", ", te)
                        + " (expected: chunked as the final coding, RFC 9112 6.3)");
            }
            chunked = true;
        }
        long contentLength = -1;
        if (!chunked) {
            String cl = headers.get(HttpHeaderNames.CONTENT_LENGTH);
            if (cl != null) {
                contentLength = HttpUtil.getContentLength(request, -1L);
            }
        }
        return new ParsedRequest(method, request.uri(), target.path, target.query, host, headers, version,
                contentLength, chunked, HttpUtil.isKeepAlive(request), headLength);
    }

    private static boolean isTokenChar(byte b) {
        // RFC 9110 5.6.2 tchar
        if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')) {
            return true;
        }
        return b > 0x20 && b < 0x7f && "!#$%&'*+-.^_`|~".indexOf(b) >= 0;
    }

    /** Netty's request decoder, driven directly on one buffer instead of from a pipeline. */
    private static final class DirectDecoder extends HttpRequestDecoder {
        DirectDecoder(HttpDecoderConfig config) {
            super(config);
        }

        void decodeHead(ByteBuf in, List<Object> out) throws Exception {
            // HttpObjectDecoder does not touch the context while it reads a request head.
            decode(null, in, out);
        }
    }
}
