package org.handoff.director.config;

/** {@code limits.*}: the bounds on what the director holds. See docs/configuration.md. */
public record Limits(long maxFlows, int maxHalfOpen, int maxRequestHeadBytes, int maxRequestHeaders,
        int maxBufferedBytesPerFlow, long maxBufferedBytesTotal) {
    public static final long DEFAULT_MAX_FLOWS = 1_000_000;
    public static final int DEFAULT_MAX_HALF_OPEN = 65_536;
    public static final int DEFAULT_MAX_REQUEST_HEAD_BYTES = 16_384;
    public static final int DEFAULT_MAX_REQUEST_HEADERS = 100;
    public static final int DEFAULT_MAX_BUFFERED_BYTES_PER_FLOW = 65_536;
    public static final long DEFAULT_MAX_BUFFERED_BYTES_TOTAL = 256L << 20;

    public static Limits defaults() {
        return new Limits(DEFAULT_MAX_FLOWS, DEFAULT_MAX_HALF_OPEN, DEFAULT_MAX_REQUEST_HEAD_BYTES,
                DEFAULT_MAX_REQUEST_HEADERS, DEFAULT_MAX_BUFFERED_BYTES_PER_FLOW, DEFAULT_MAX_BUFFERED_BYTES_TOTAL);
    }
}
