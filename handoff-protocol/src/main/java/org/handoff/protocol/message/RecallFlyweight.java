package org.handoff.protocol.message;

import org.handoff.protocol.wire.Bytes;

/**
 * View over a RECALL (type 8): the director asks the agent for a handed-off connection back,
 * because the client's next request routes to another origin. The agent answers HANDBACK when
 * the connection is idle, else RECALL_NACK. Fixed length 120 bytes.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Common header (28 bytes), then flow identity (40 bytes)   |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               | 68
 * +    Handoff Id: Message Id of the HANDOFF the agent accepted   +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Request Start (first client byte the director holds)      | 76
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Client Ack (ack field of the client's latest segment)     | 80
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                         Reserved (0)                          | 84
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       MAC (32 bytes)                          | 88
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Request Start: client (A) numbering, which is also B's. Client Ack: A's numbering.
 * </pre>
 */
public final class RecallFlyweight extends FlowMessageFlyweight {
    public static final int HANDOFF_MESSAGE_ID_OFFSET = FLOW_END_OFFSET;
    public static final int REQUEST_START_OFFSET = 76;
    public static final int CLIENT_ACK_OFFSET = 80;
    public static final int RESERVED_OFFSET = 84;
    public static final int BODY_END_OFFSET = 88;

    @Override
    public RecallFlyweight wrap(byte[] buffer, int offset) {
        super.wrap(buffer, offset);
        return this;
    }

    public long handoffMessageId() {
        return Bytes.i64(buffer, offset + HANDOFF_MESSAGE_ID_OFFSET);
    }

    public RecallFlyweight handoffMessageId(long id) {
        Bytes.putI64(buffer, offset + HANDOFF_MESSAGE_ID_OFFSET, id);
        return this;
    }

    /** Sequence-number fields are the raw 32 bits; do arithmetic through SeqNumber. */
    public int requestStart() {
        return Bytes.i32(buffer, offset + REQUEST_START_OFFSET);
    }

    public RecallFlyweight requestStart(int seq) {
        Bytes.putI32(buffer, offset + REQUEST_START_OFFSET, seq);
        return this;
    }

    public int clientAck() {
        return Bytes.i32(buffer, offset + CLIENT_ACK_OFFSET);
    }

    /** Sets the client's ack and clears the reserved bytes after it. */
    public RecallFlyweight clientAck(int ack) {
        Bytes.putI32(buffer, offset + CLIENT_ACK_OFFSET, ack);
        Bytes.putI32(buffer, offset + RESERVED_OFFSET, 0);
        return this;
    }

    @Override
    boolean checkBody(int length, DecodeFailure failure) {
        return super.checkBody(length, failure)
                && AddressFields.checkZero(buffer, offset, RESERVED_OFFSET, 4, failure);
    }

    @Override
    public String toString() {
        return super.toString() + " RECALL{handoff=0x" + Long.toHexString(handoffMessageId())
                + ", request start=" + (requestStart() & 0xffff_ffffL) + ", client ack=" + (clientAck() & 0xffff_ffffL) + "}";
    }
}
