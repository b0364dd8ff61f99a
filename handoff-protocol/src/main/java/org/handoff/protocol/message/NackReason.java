package org.handoff.protocol.message;

/** Why an agent refused a hand-off (HANDOFF_NACK). Codes start at 1 so that a zeroed field is never a valid reason. */
public enum NackReason {
    /** The origin answered the SYN with a RST. */
    SERVER_REFUSED(1),
    /** The origin did not answer the SYN in time. */
    SERVER_TIMEOUT(2),
    /** The agent is at its flow limit. */
    OVER_FLOW_LIMIT(3),
    /** The hand-off contradicts state the agent holds for this flow. */
    BAD_STATE(4),
    /** The agent is draining or stopping. */
    SHUTTING_DOWN(5),
    /** A fault inside the agent. */
    INTERNAL(6);

    private static final NackReason[] BY_CODE = new NackReason[7];

    static {
        for (NackReason r : values()) {
            BY_CODE[r.code] = r;
        }
    }

    private final int code;

    NackReason(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The constant with this wire code, or null for an unknown code. */
    public static NackReason fromCode(int code) {
        return code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
