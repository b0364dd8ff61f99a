package org.handoff.protocol.wire;

/**
 * A packet that failed a length or format check, naming the measured against the expected
 * value: "TCP data offset (doff*4): 64 bytes (expected: 20..60)".
 */
public final class MalformedPacketException extends Exception {
    private final WireError error;
    private final long measured;
    private final String expected;

    public MalformedPacketException(WireError error, long measured, String expected) {
        super(error.what() + ": " + measured + " (expected: " + expected + ")");
        this.error = error;
        this.measured = measured;
        this.expected = expected;
    }

    public WireError error() {
        return error;
    }

    public long measured() {
        return measured;
    }

    public String expected() {
        return expected;
    }
}
