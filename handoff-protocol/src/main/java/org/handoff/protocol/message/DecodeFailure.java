package org.handoff.protocol.message;

/**
 * The details of the last rejection, recorded without allocating: the result, the broken body
 * rule, the measured value and the expected value as a constant text or a numeric range. Text is
 * built only when someone asks for it.
 */
final class DecodeFailure {
    /** Marks an open-ended range: "60+". */
    static final long NO_MAX = Long.MAX_VALUE;

    DecodeResult result;
    BodyError bodyError;
    long measured;
    String expectedText;
    long expectedMin;
    long expectedMax;
    String unit;
    boolean hex;

    void clear() {
        result = null;
        bodyError = null;
        measured = 0;
        expectedText = null;
        expectedMin = 0;
        expectedMax = 0;
        unit = null;
        hex = false;
    }

    /** Records a failure against a numeric range; returns the result so callers can {@code return failure.range(...)}. */
    DecodeResult range(DecodeResult result, long measured, long min, long max, String unit) {
        this.result = result;
        this.bodyError = null;
        this.measured = measured;
        this.expectedText = null;
        this.expectedMin = min;
        this.expectedMax = max;
        this.unit = unit;
        this.hex = false;
        return result;
    }

    DecodeResult text(DecodeResult result, long measured, String expected, boolean hex) {
        range(result, measured, 0, 0, null);
        this.expectedText = expected;
        this.hex = hex;
        return result;
    }

    /** A broken body rule with the rule's fixed expectation; always returns false (the check failed). */
    boolean body(BodyError error, long measured) {
        text(DecodeResult.BAD_BODY, measured, error.expected(), false);
        this.bodyError = error;
        return false;
    }

    /** A broken body rule whose expectation depends on the datagram. */
    boolean body(BodyError error, long measured, long min, long max) {
        range(DecodeResult.BAD_BODY, measured, min, max, null);
        this.bodyError = error;
        return false;
    }

    String expected() {
        if (expectedText != null) {
            return expectedText;
        }
        if (expectedMin == expectedMax) {
            return Long.toString(expectedMin);
        }
        if (expectedMax == NO_MAX) {
            return expectedMin + "+";
        }
        return expectedMin + ".." + expectedMax;
    }

    /** "datagram length: 12 bytes (expected: 60+)". */
    String describe() {
        if (result == null) {
            return "no decode yet";
        }
        if (result.isAuthentic()) {
            return result.what();
        }
        String what = bodyError != null ? "body: " + bodyError.what() : result.what();
        String value = hex ? "0x" + Long.toHexString(measured) : Long.toString(measured);
        String u = unit == null ? "" : " " + unit;
        // The unit reads once, after the measured value: "12 bytes (expected: 60+)".
        return what + ": " + value + u + " (expected: " + expected() + ")";
    }

    HandoffProtocolException toException() {
        return new HandoffProtocolException(result, bodyError, measured, expected(), describe());
    }
}
