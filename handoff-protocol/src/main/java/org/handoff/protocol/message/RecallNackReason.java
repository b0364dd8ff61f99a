package org.handoff.protocol.message;

/**
 * Why an agent did not hand a connection back (RECALL_NACK), and so what the director does next.
 * Codes start at 1 so that a zeroed field is never a valid reason.
 */
public enum RecallNackReason {
    /**
     * The previous response is not complete or not acknowledged by the client: the director
     * forwards the held request to this agent and pins the connection there.
     */
    RESPONSE_PENDING(1),
    /** The agent holds no such flow: the director resets the client. */
    UNKNOWN_FLOW(2),
    /** A FIN was seen either way: the director forwards what it holds and lets the connection close. */
    CLOSING(3),
    /** The RECALL names another hand-off of this flow than the one the agent holds: the director resets the client. */
    BAD_STATE(4),
    /** A fault inside the agent: the director resets the client. */
    INTERNAL(5);

    private static final RecallNackReason[] BY_CODE = new RecallNackReason[6];

    static {
        for (RecallNackReason r : values()) {
            BY_CODE[r.code] = r;
        }
    }

    private final int code;

    RecallNackReason(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The constant with this wire code, or null for an unknown code. */
    public static RecallNackReason fromCode(int code) {
        return code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
