package org.handoff.protocol.message;

import static org.handoff.protocol.message.HandoffProtocol.MAX_WINDOW_SHIFT;

import org.handoff.protocol.wire.Bytes;

/**
 * View over a HANDOFF_ACK (type 2): the agent holds the connection with the origin; the director
 * stops answering the client and forwards its packets. Fixed length 116 bytes.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Common header (28 bytes), then flow identity (40 bytes)   |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               | 68
 * +        Message Id of the HANDOFF being acknowledged           +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |            Server ISN (si; 0 unless flag I)                   | 76
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Server Shift  |  Flags    |H|I|         Reserved (0)          | 80
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       MAC (32 bytes)                          | 84
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Flags: I (bit 0, 0x01) Server ISN present; H (bit 1, 0x02) Server Shift present (0..14).
 * Both are diagnostics: the director needs neither to operate.
 * </pre>
 */
public final class HandoffAckFlyweight extends FlowMessageFlyweight {
    public static final int ACKED_MESSAGE_ID_OFFSET = FLOW_END_OFFSET;
    public static final int SERVER_ISN_OFFSET = 76;
    public static final int SERVER_SHIFT_OFFSET = 80;
    public static final int DIAGNOSTIC_FLAGS_OFFSET = 81;
    public static final int RESERVED_OFFSET = 82;
    public static final int BODY_END_OFFSET = 84;

    public static final int FLAG_SERVER_ISN = 0x01;
    public static final int FLAG_SERVER_SHIFT = 0x02;

    @Override
    public HandoffAckFlyweight wrap(byte[] buffer, int offset) {
        super.wrap(buffer, offset);
        return this;
    }

    public long ackedMessageId() {
        return Bytes.i64(buffer, offset + ACKED_MESSAGE_ID_OFFSET);
    }

    public HandoffAckFlyweight ackedMessageId(long id) {
        Bytes.putI64(buffer, offset + ACKED_MESSAGE_ID_OFFSET, id);
        return this;
    }

    public int serverIsn() {
        return Bytes.i32(buffer, offset + SERVER_ISN_OFFSET);
    }

    public HandoffAckFlyweight serverIsn(int isn) {
        Bytes.putI32(buffer, offset + SERVER_ISN_OFFSET, isn);
        return this;
    }

    public int serverShift() {
        return Bytes.u8(buffer, offset + SERVER_SHIFT_OFFSET);
    }

    public HandoffAckFlyweight serverShift(int shift) {
        Bytes.putU8(buffer, offset + SERVER_SHIFT_OFFSET, shift);
        return this;
    }

    public int diagnosticFlags() {
        return Bytes.u8(buffer, offset + DIAGNOSTIC_FLAGS_OFFSET);
    }

    /** Sets the flags and clears the reserved bytes after them. */
    public HandoffAckFlyweight diagnosticFlags(int flags) {
        Bytes.putU8(buffer, offset + DIAGNOSTIC_FLAGS_OFFSET, flags);
        Bytes.putU16(buffer, offset + RESERVED_OFFSET, 0);
        return this;
    }

    public boolean hasServerIsn() {
        return (diagnosticFlags() & FLAG_SERVER_ISN) != 0;
    }

    public boolean hasServerShift() {
        return (diagnosticFlags() & FLAG_SERVER_SHIFT) != 0;
    }

    @Override
    boolean checkBody(int length, DecodeFailure failure) {
        int flags = diagnosticFlags();
        return super.checkBody(length, failure)
                && ((flags & ~(FLAG_SERVER_ISN | FLAG_SERVER_SHIFT)) == 0 || failure.body(BodyError.BAD_ACK_FLAGS, flags))
                && AddressFields.checkZero(buffer, offset, RESERVED_OFFSET, 2, failure)
                && (hasServerIsn() || serverIsn() == 0 || failure.body(BodyError.DIAGNOSTIC_WITHOUT_FLAG, serverIsn() & 0xffff_ffffL))
                && (hasServerShift() || serverShift() == 0 || failure.body(BodyError.DIAGNOSTIC_WITHOUT_FLAG, serverShift()))
                && (serverShift() <= MAX_WINDOW_SHIFT || failure.body(BodyError.BAD_WINDOW_SHIFT, serverShift()));
    }

    @Override
    public String toString() {
        return super.toString() + " HANDOFF_ACK{acked=0x" + Long.toHexString(ackedMessageId())
                + (hasServerIsn() ? ", si=" + (serverIsn() & 0xffff_ffffL) : "")
                + (hasServerShift() ? ", ws=" + serverShift() : "") + "}";
    }
}
