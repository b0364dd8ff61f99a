package org.handoff.protocol.message;

/** An agent's own view of its health (HEARTBEAT). Codes start at 1 so that a zeroed field is never a valid reason. */
public enum HealthState {
    /** Accepting hand-offs. */
    OK(1),
    /** Serving existing flows, refusing new hand-offs. */
    DRAINING(2),
    /** Not serving; the director should stop sending. */
    DOWN(3);

    private static final HealthState[] BY_CODE = new HealthState[4];

    static {
        for (HealthState r : values()) {
            BY_CODE[r.code] = r;
        }
    }

    private final int code;

    HealthState(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The constant with this wire code, or null for an unknown code. */
    public static HealthState fromCode(int code) {
        return code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
