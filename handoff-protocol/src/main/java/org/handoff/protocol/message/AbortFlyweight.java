package org.handoff.protocol.message;

import org.handoff.protocol.wire.Bytes;

/**
 * View over an ABORT (type 5), sent by either side: forget this flow. Fixed length 104 bytes.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Common header (28 bytes), then flow identity (40 bytes)   |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |    Reason     |                 Reserved (0)                  | 68
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       MAC (32 bytes)                          | 72
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Reason: an AbortReason code (1..6).
 * </pre>
 */
public final class AbortFlyweight extends FlowMessageFlyweight {
    public static final int REASON_OFFSET = FLOW_END_OFFSET;
    public static final int RESERVED_OFFSET = 69;
    public static final int BODY_END_OFFSET = 72;

    @Override
    public AbortFlyweight wrap(byte[] buffer, int offset) {
        super.wrap(buffer, offset);
        return this;
    }

    public int reasonCode() {
        return Bytes.u8(buffer, offset + REASON_OFFSET);
    }

    public AbortReason reason() {
        return AbortReason.fromCode(reasonCode());
    }

    /** Sets the reason and clears the reserved bytes after it. */
    public AbortFlyweight reason(AbortReason reason) {
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
        return super.toString() + " ABORT{reason=" + reason() + "}";
    }
}
