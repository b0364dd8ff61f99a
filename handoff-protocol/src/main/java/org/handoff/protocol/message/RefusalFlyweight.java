package org.handoff.protocol.message;

import org.handoff.protocol.wire.Bytes;

/**
 * The layout the two refusals share, HANDOFF_NACK and RECALL_NACK (each draws it): the flow,
 * the message id of what is refused (offset 68), a reason code (76) and three reserved bytes
 * (77..79). Each subclass names its reasons.
 */
abstract class RefusalFlyweight extends FlowMessageFlyweight {
    public static final int REFUSED_MESSAGE_ID_OFFSET = FLOW_END_OFFSET;
    public static final int REASON_OFFSET = 76;
    public static final int RESERVED_OFFSET = 77;
    public static final int BODY_END_OFFSET = 80;

    /** Message id of the HANDOFF or RECALL refused. */
    long refusedMessageId() {
        return Bytes.i64(buffer, offset + REFUSED_MESSAGE_ID_OFFSET);
    }

    void refusedMessageId(long id) {
        Bytes.putI64(buffer, offset + REFUSED_MESSAGE_ID_OFFSET, id);
    }

    public int reasonCode() {
        return Bytes.u8(buffer, offset + REASON_OFFSET);
    }

    /** Sets the reason code and clears the reserved bytes after it. */
    void reasonCode(int code) {
        Bytes.putI32(buffer, offset + REASON_OFFSET, code << 24);
    }

    /** Whether {@code code} names one of this refusal's reasons. */
    abstract boolean knownReason(int code);

    @Override
    boolean checkBody(int length, DecodeFailure failure) {
        return super.checkBody(length, failure)
                && (knownReason(reasonCode()) || failure.body(BodyError.BAD_REASON, reasonCode()))
                && AddressFields.checkZero(buffer, offset, RESERVED_OFFSET, 3, failure);
    }
}
