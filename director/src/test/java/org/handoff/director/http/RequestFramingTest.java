package org.handoff.director.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RequestFramingTest {
    static RequestFraming framingOf(String head) {
        byte[] b = head.getBytes(StandardCharsets.US_ASCII);
        HeadParseResult r = new HttpHeadParser(16_384, 100).parse(b, 0, b.length);
        assertEquals(HeadParseResult.Status.COMPLETE, r.status(), r.toString());
        return RequestFraming.of(r.request());
    }

    @Test
    void theRequestEndsAfterItsHeadAndContentLength() {
        String head = "PUT /up HTTP/1.1\r\nHost: lab\r\nContent-Length: 10\r\n\r\n";
        RequestFraming f = framingOf(head);
        assertEquals(RequestFraming.Kind.LENGTH, f.kind());
        assertEquals(head.length() + 10, f.requestLength());
    }

    @Test
    void theLargestContentLengthSaturatesRatherThanWrapsNegative() {
        RequestFraming f = framingOf("PUT /up HTTP/1.1\r\nHost: lab\r\nContent-Length: 9223372036854775807\r\n\r\n");
        assertEquals(Long.MAX_VALUE, f.requestLength(), "beyond what is followed: the connection is pinned (large_body)");
    }
}
