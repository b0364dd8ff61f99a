package org.handoff.director.http;

/**
 * Where a request ends in the client's byte stream, as far as the director follows a handed-off
 * connection to route each of its requests (docs/architecture.md, "Hand-back"): a head alone,
 * or a head and a Content-Length body. What it does not follow, it names, and the connection
 * stays with its origin from then on.
 *
 * @param kind          how the request is framed
 * @param requestLength head and body bytes, when {@code kind} is {@link Kind#LENGTH}
 */
public record RequestFraming(Kind kind, long requestLength) {
    /** How a request's end is known. */
    public enum Kind {
        /** Head, and a Content-Length body (0 or more bytes): the next request starts after it. */
        LENGTH,
        /** A chunked body: its end is not followed (its chunks would have to be read). */
        CHUNKED,
        /** CONNECT, or an Upgrade: after the answer the bytes are no longer HTTP requests. */
        UPGRADE,
        /** The client asked to close after this request: there is no next request. */
        CLOSE
    }

    public static RequestFraming of(ParsedRequest request) {
        if (request.method().equals("CONNECT") || request.header("upgrade") != null) {
            return new RequestFraming(Kind.UPGRADE, -1);
        }
        if (request.isChunked()) {
            return new RequestFraming(Kind.CHUNKED, -1);
        }
        if (!request.isKeepAlive()) {
            return new RequestFraming(Kind.CLOSE, -1);
        }
        long body = Math.max(0, request.contentLength());
        // Saturating: Content-Length: 9223372036854775807 must stay "too long to follow", not wrap negative.
        return new RequestFraming(Kind.LENGTH, body > Long.MAX_VALUE - request.headLength() ? Long.MAX_VALUE
                : request.headLength() + body);
    }
}
