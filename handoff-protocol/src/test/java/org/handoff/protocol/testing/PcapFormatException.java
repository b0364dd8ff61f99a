package org.handoff.protocol.testing;

import java.io.IOException;

/**
 * A pcap file that is truncated or not classic pcap. The message names where (byte offset,
 * record index) and gives the measured value against the expected one:
 * "record 3 data at offset 1040: 20 bytes (expected: 60)".
 */
public final class PcapFormatException extends IOException {
    private final long offset;
    private final String measured;
    private final String expected;

    public PcapFormatException(String what, long offset, String measured, String expected) {
        super(what + " at offset " + offset + ": " + measured + " (expected: " + expected + ")");
        this.offset = offset;
        this.measured = measured;
        this.expected = expected;
    }

    /** Byte offset in the file of the field or structure that failed. */
    public long offset() {
        return offset;
    }

    public String measured() {
        return measured;
    }

    public String expected() {
        return expected;
    }
}
