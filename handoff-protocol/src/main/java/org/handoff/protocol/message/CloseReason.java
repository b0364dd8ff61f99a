package org.handoff.protocol.message;

/** How a handed-off flow ended (CLOSED). Codes start at 1 so that a zeroed field is never a valid reason. */
public enum CloseReason {
    /** Both sides closed with FIN. */
    FIN(1),
    /** Either side reset the connection. */
    RST(2),
    /** No packets for the idle timeout. */
    IDLE_TIMEOUT(3),
    /** An ABORT removed the flow. */
    ABORTED(4),
    /** The origin server disappeared (connection refused or unreachable mid-flow). */
    SERVER_GONE(5);

    private static final CloseReason[] BY_CODE = new CloseReason[6];

    static {
        for (CloseReason r : values()) {
            BY_CODE[r.code] = r;
        }
    }

    private final int code;

    CloseReason(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The constant with this wire code, or null for an unknown code. */
    public static CloseReason fromCode(int code) {
        return code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
