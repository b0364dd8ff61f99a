package org.handoff.protocol.message;

/**
 * What {@link MessageDecoder#decode} made of one datagram. Returning an enum constant costs
 * nothing, so the receive loop counts these by kind and drops the datagram; code that prefers
 * exceptions gets a {@link HandoffProtocolException} carrying the same constant.
 *
 * <p>The constants are listed in the order the receiver checks them (docs/handoff-protocol.md,
 * "Receiver steps").
 */
public enum DecodeResult {
    /**
     * Authentic, fresh and well formed: process it. For a TUNNEL (not sealed): well formed; the
     * flow's owner authenticates it by its flow token.
     */
    ACCEPTED("accepted"),
    /**
     * Authentic and well formed, but its message id was already accepted inside the replay window:
     * a retransmission. The views are valid; answer it again the same way, never process it twice.
     */
    DUPLICATE("duplicate message id"),
    /** Shorter than the header and MAC, or than its type's fixed part. */
    TRUNCATED("datagram length"),
    BAD_MAGIC("magic"),
    BAD_VERSION("version"),
    /**
     * The datagram length disagrees with the header's total length, exceeds the largest UDP
     * payload, breaks a fixed-size type's length, or the caller's range lies outside its buffer.
     */
    BAD_LENGTH("datagram length"),
    /** The header's flags field is not zero. */
    RESERVED_NONZERO("header flags (reserved)"),
    UNKNOWN_TYPE("message type"),
    /** No key with the header's key id in the receiver's key ring. */
    UNKNOWN_KEY("key id"),
    /** The MAC does not match: corrupted, forged, or signed with another secret under this key id. */
    BAD_MAC("HMAC-SHA256 mismatch under key id"),
    /** Sender timestamp outside now +/- (replay window + clock skew). */
    STALE("sender timestamp minus receiver clock, ms"),
    /** Authentic and fresh, but the replay guard's table for this time slice is full; see ReplayGuard. */
    REPLAY_CAPACITY("message ids remembered in this time slice"),
    /** Authentic, but a body field breaks the protocol; {@link MessageDecoder#bodyError()} says which. */
    BAD_BODY("body");

    private final String what;

    DecodeResult(String what) {
        this.what = what;
    }

    /** What was measured, in words, for error messages. */
    public String what() {
        return what;
    }

    /**
     * True when the datagram passed every check up to the MAC and the body check (ACCEPTED or
     * DUPLICATE); for a TUNNEL, which has no MAC, every check it has.
     */
    public boolean isAuthentic() {
        return this == ACCEPTED || this == DUPLICATE;
    }
}
