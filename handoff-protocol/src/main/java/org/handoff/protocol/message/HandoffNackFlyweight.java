package org.handoff.protocol.message;

/**
 * View over a HANDOFF_NACK (type 3): the agent refuses or failed the hand-off; the director keeps
 * the client and picks another origin or answers itself. Fixed length 112 bytes.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Common header (28 bytes), then flow identity (40 bytes)   |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               | 68
 * +        Message Id of the HANDOFF being refused                +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |    Reason     |                 Reserved (0)                  | 76
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       MAC (32 bytes)                          | 80
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Reason: a NackReason code (1..6).
 * </pre>
 */
public final class HandoffNackFlyweight extends RefusalFlyweight {
    @Override
    public HandoffNackFlyweight wrap(byte[] buffer, int offset) {
        super.wrap(buffer, offset);
        return this;
    }

    public long ackedMessageId() {
        return refusedMessageId();
    }

    public HandoffNackFlyweight ackedMessageId(long id) {
        refusedMessageId(id);
        return this;
    }

    /** The reason, or null for an unknown code (never the case after the decoder's checks). */
    public NackReason reason() {
        return NackReason.fromCode(reasonCode());
    }

    /** Sets the reason and clears the reserved bytes after it. */
    public HandoffNackFlyweight reason(NackReason reason) {
        reasonCode(reason.code());
        return this;
    }

    @Override
    boolean knownReason(int code) {
        return NackReason.fromCode(code) != null;
    }

    @Override
    public String toString() {
        return super.toString() + " HANDOFF_NACK{acked=0x" + Long.toHexString(ackedMessageId()) + ", reason=" + reason() + "}";
    }
}
