package org.handoff.protocol.message;

/** Why a flow is abandoned (ABORT), sent by either side. Codes start at 1 so that a zeroed field is never a valid reason. */
public enum AbortReason {
    /** The client reset the connection before the hand-off completed, or opened a new one on its port. */
    CLIENT_RESET(1),
    /** The director gave up waiting for HANDOFF_ACK and answers the client itself. */
    HANDOFF_TIMEOUT(2),
    /** A message for this flow contradicts the receiver's state. */
    BAD_STATE(3),
    /** The sender is stopping. */
    SHUTTING_DOWN(4),
    /** An operator removed the flow. */
    ADMINISTRATIVE(5),
    /** A fault inside the sender. */
    INTERNAL(6);

    private static final AbortReason[] BY_CODE = new AbortReason[7];

    static {
        for (AbortReason r : values()) {
            BY_CODE[r.code] = r;
        }
    }

    private final int code;

    AbortReason(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The constant with this wire code, or null for an unknown code. */
    public static AbortReason fromCode(int code) {
        return code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
