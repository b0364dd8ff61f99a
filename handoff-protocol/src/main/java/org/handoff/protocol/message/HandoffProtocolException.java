package org.handoff.protocol.message;

/**
 * A datagram that {@link MessageDecoder} did not accept, for callers that prefer exceptions to
 * result codes. The message gives the measured value against the expected one:
 * "datagram length: 12 bytes (expected: 60+)".
 */
public final class HandoffProtocolException extends Exception {
    private final DecodeResult result;
    private final BodyError bodyError;
    private final long measured;
    private final String expected;

    public HandoffProtocolException(DecodeResult result, BodyError bodyError, long measured, String expected, String message) {
        super(message);
        this.result = result;
        this.bodyError = bodyError;
        this.measured = measured;
        this.expected = expected;
    }

    public DecodeResult result() {
        return result;
    }

    /** The broken body rule when {@link #result()} is BAD_BODY, else null. */
    public BodyError bodyError() {
        return bodyError;
    }

    public long measured() {
        return measured;
    }

    public String expected() {
        return expected;
    }
}
