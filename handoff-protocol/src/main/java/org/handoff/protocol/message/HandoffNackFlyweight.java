package org.handoff.protocol.message;

import org.handoff.protocol.wire.Bytes;

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
public final class HandoffNackFlyweight extends FlowMessageFlyweight {
    public static final int ACKED_MESSAGE_ID_OFFSET = FLOW_END_OFFSET;
    public static final int REASON_OFFSET = 76;
    public static final int RESERVED_OFFSET = 77;
    public static final int BODY_END_OFFSET = 80;

    @Override
    public HandoffNackFlyweight wrap(byte[] buffer, int offset) {
        super.wrap(buffer, offset);
        return this;
    }

    public long ackedMessageId() {
        return Bytes.i64(buffer, offset + ACKED_MESSAGE_ID_OFFSET);
    }

    public HandoffNackFlyweight ackedMessageId(long id) {
        Bytes.putI64(buffer, offset + ACKED_MESSAGE_ID_OFFSET, id);
        return this;
    }

    public int reasonCode() {
        return Bytes.u8(buffer, offset + REASON_OFFSET);
    }

    /** The reason, or null for an unknown code (never the case after the decoder's checks). */
    public NackReason reason() {
        return NackReason.fromCode(reasonCode());
    }

    /** Sets the reason and clears the reserved bytes after it. */
    public HandoffNackFlyweight reason(NackReason reason) {
        Bytes.putI32(buffer, offset + REASON_OFFSET, reason.code() << 24);
        return this;
    }

    @Override
    boolean checkBody(int length, DecodeFailure failure) {
        return super.checkBody(length, failure)
                && (reason() != null || failure.body(BodyError.BAD_REASON, reasonCode()))
                && AddressFields.checkZero(buffer, offset, RESERVED_OFFSET, 3, failure);
    }

    @Override
    public String toString() {
        return super.toString() + " HANDOFF_NACK{acked=0x" + Long.toHexString(ackedMessageId()) + ", reason=" + reason() + "}";
    }
}
