package org.handoff.protocol.message;

import org.handoff.protocol.wire.Bytes;

/**
 * View over a CLOSED (type 6): the agent reports that a handed-off flow ended, with byte counts
 * for accounting. Fixed length 128 bytes.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Common header (28 bytes), then flow identity (40 bytes)   |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               | 68
 * +          Bytes client to server (payload, u64)                +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               | 76
 * +          Bytes server to client (payload, u64)                +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               | 84
 * +          Duration, ms (hand-off to close, u64)                +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |    Reason     |                 Reserved (0)                  | 92
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       MAC (32 bytes)                          | 96
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Reason: a CloseReason code (1..5).
 * </pre>
 */
public final class ClosedFlyweight extends FlowMessageFlyweight {
    public static final int BYTES_CLIENT_TO_SERVER_OFFSET = FLOW_END_OFFSET;
    public static final int BYTES_SERVER_TO_CLIENT_OFFSET = 76;
    public static final int DURATION_OFFSET = 84;
    public static final int REASON_OFFSET = 92;
    public static final int RESERVED_OFFSET = 93;
    public static final int BODY_END_OFFSET = 96;

    @Override
    public ClosedFlyweight wrap(byte[] buffer, int offset) {
        super.wrap(buffer, offset);
        return this;
    }

    /** Unsigned 64-bit count (a Java long: negative only above 2^63 bytes). */
    public long bytesClientToServer() {
        return Bytes.i64(buffer, offset + BYTES_CLIENT_TO_SERVER_OFFSET);
    }

    public ClosedFlyweight bytesClientToServer(long bytes) {
        Bytes.putI64(buffer, offset + BYTES_CLIENT_TO_SERVER_OFFSET, bytes);
        return this;
    }

    public long bytesServerToClient() {
        return Bytes.i64(buffer, offset + BYTES_SERVER_TO_CLIENT_OFFSET);
    }

    public ClosedFlyweight bytesServerToClient(long bytes) {
        Bytes.putI64(buffer, offset + BYTES_SERVER_TO_CLIENT_OFFSET, bytes);
        return this;
    }

    public long durationMillis() {
        return Bytes.i64(buffer, offset + DURATION_OFFSET);
    }

    public ClosedFlyweight durationMillis(long millis) {
        Bytes.putI64(buffer, offset + DURATION_OFFSET, millis);
        return this;
    }

    public int reasonCode() {
        return Bytes.u8(buffer, offset + REASON_OFFSET);
    }

    public CloseReason reason() {
        return CloseReason.fromCode(reasonCode());
    }

    /** Sets the reason and clears the reserved bytes after it. */
    public ClosedFlyweight reason(CloseReason reason) {
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
        return super.toString() + " CLOSED{c->s=" + Long.toUnsignedString(bytesClientToServer()) + "B, s->c="
                + Long.toUnsignedString(bytesServerToClient()) + "B, duration=" + Long.toUnsignedString(durationMillis())
                + "ms, reason=" + reason() + "}";
    }
}
