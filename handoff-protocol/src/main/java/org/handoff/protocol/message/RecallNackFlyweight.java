package org.handoff.protocol.message;

import org.handoff.protocol.wire.Bytes;

/**
 * View over a RECALL_NACK (type 10): the agent keeps the connection (or holds none) and says why;
 * the reason tells the director what to do next. Fixed length 112 bytes.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Common header (28 bytes), then flow identity (40 bytes)   |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               | 68
 * +          Message Id of the RECALL being refused               +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |    Reason     |                 Reserved (0)                  | 76
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       MAC (32 bytes)                          | 80
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Reason: a RecallNackReason code (1..5).
 * </pre>
 */
public final class RecallNackFlyweight extends FlowMessageFlyweight {
    public static final int RECALL_MESSAGE_ID_OFFSET = FLOW_END_OFFSET;
    public static final int REASON_OFFSET = 76;
    public static final int RESERVED_OFFSET = 77;
    public static final int BODY_END_OFFSET = 80;

    @Override
    public RecallNackFlyweight wrap(byte[] buffer, int offset) {
        super.wrap(buffer, offset);
        return this;
    }

    public long recallMessageId() {
        return Bytes.i64(buffer, offset + RECALL_MESSAGE_ID_OFFSET);
    }

    public RecallNackFlyweight recallMessageId(long id) {
        Bytes.putI64(buffer, offset + RECALL_MESSAGE_ID_OFFSET, id);
        return this;
    }

    public int reasonCode() {
        return Bytes.u8(buffer, offset + REASON_OFFSET);
    }

    /** The reason, or null for an unknown code (never the case after the decoder's checks). */
    public RecallNackReason reason() {
        return RecallNackReason.fromCode(reasonCode());
    }

    /** Sets the reason and clears the reserved bytes after it. */
    public RecallNackFlyweight reason(RecallNackReason reason) {
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
        return super.toString() + " RECALL_NACK{recall=0x" + Long.toHexString(recallMessageId()) + ", reason=" + reason() + "}";
    }
}
