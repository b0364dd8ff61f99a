package org.handoff.protocol.message;

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
public final class RecallNackFlyweight extends RefusalFlyweight {
    @Override
    public RecallNackFlyweight wrap(byte[] buffer, int offset) {
        super.wrap(buffer, offset);
        return this;
    }

    public long recallMessageId() {
        return refusedMessageId();
    }

    public RecallNackFlyweight recallMessageId(long id) {
        refusedMessageId(id);
        return this;
    }

    /** The reason, or null for an unknown code (never the case after the decoder's checks). */
    public RecallNackReason reason() {
        return RecallNackReason.fromCode(reasonCode());
    }

    /** Sets the reason and clears the reserved bytes after it. */
    public RecallNackFlyweight reason(RecallNackReason reason) {
        reasonCode(reason.code());
        return this;
    }

    @Override
    boolean knownReason(int code) {
        return RecallNackReason.fromCode(code) != null;
    }

    @Override
    public String toString() {
        return super.toString() + " RECALL_NACK{recall=0x" + Long.toHexString(recallMessageId()) + ", reason=" + reason() + "}";
    }
}
