package org.handoff.protocol.message;

import org.handoff.protocol.wire.Bytes;

/**
 * View over a HANDBACK (type 9): the agent returns an idle handed-off connection to the director,
 * with the state of the client's connection (A) the director needs to resume it, and the byte
 * counts of this hand-off (a handed-back flow gets no CLOSED). Fixed length 144 bytes.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Common header (28 bytes), then flow identity (40 bytes)   |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               | 68
 * +          Message Id of the RECALL being answered              +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Server Next Sequence (A's numbering: SND.NXT)         | 76
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Last TSval: largest the client got (A's clock; 0 unless T)   | 80
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Server Window (as sent)     |0 0 0 0 0 0 0|T| Reserved (0)  | 84
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               | 88
 * +          Bytes client to server (payload, u64)                +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               | 96
 * +          Bytes server to client (payload, u64)                +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               | 104
 * +          Duration, ms (hand-off to hand-back, u64)            +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       MAC (32 bytes)                          | 112
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Flags: T (bit 0, 0x01) timestamps on this flow; Last TSval is 0 when T is clear.
 * Last TSval: the largest TSval (mod 2^32) the client was sent, not necessarily the last one.
 * Server Window: the window field of the origin's last segment as the client got it (already
 * rescaled for the director's shift wd).
 * </pre>
 */
public final class HandbackFlyweight extends FlowMessageFlyweight {
    public static final int RECALL_MESSAGE_ID_OFFSET = FLOW_END_OFFSET;
    public static final int SERVER_NEXT_SEQ_OFFSET = 76;
    public static final int LAST_TSVAL_OFFSET = 80;
    public static final int SERVER_WINDOW_OFFSET = 84;
    public static final int FLAGS_OFFSET = 86;
    public static final int RESERVED_OFFSET = 87;
    public static final int BYTES_CLIENT_TO_SERVER_OFFSET = 88;
    public static final int BYTES_SERVER_TO_CLIENT_OFFSET = 96;
    public static final int DURATION_OFFSET = 104;
    public static final int BODY_END_OFFSET = 112;

    public static final int FLAG_TIMESTAMPS = 0x01;

    @Override
    public HandbackFlyweight wrap(byte[] buffer, int offset) {
        super.wrap(buffer, offset);
        return this;
    }

    public long recallMessageId() {
        return Bytes.i64(buffer, offset + RECALL_MESSAGE_ID_OFFSET);
    }

    public HandbackFlyweight recallMessageId(long id) {
        Bytes.putI64(buffer, offset + RECALL_MESSAGE_ID_OFFSET, id);
        return this;
    }

    /** The raw 32 bits; do arithmetic through SeqNumber. */
    public int serverNextSeq() {
        return Bytes.i32(buffer, offset + SERVER_NEXT_SEQ_OFFSET);
    }

    public HandbackFlyweight serverNextSeq(int seq) {
        Bytes.putI32(buffer, offset + SERVER_NEXT_SEQ_OFFSET, seq);
        return this;
    }

    public int lastTsVal() {
        return Bytes.i32(buffer, offset + LAST_TSVAL_OFFSET);
    }

    public HandbackFlyweight lastTsVal(int tsVal) {
        Bytes.putI32(buffer, offset + LAST_TSVAL_OFFSET, tsVal);
        return this;
    }

    public int serverWindow() {
        return Bytes.u16(buffer, offset + SERVER_WINDOW_OFFSET);
    }

    public HandbackFlyweight serverWindow(int window) {
        Bytes.putU16(buffer, offset + SERVER_WINDOW_OFFSET, window);
        return this;
    }

    public int flags() {
        return Bytes.u8(buffer, offset + FLAGS_OFFSET);
    }

    /** Sets the flags and clears the reserved byte after them. */
    public HandbackFlyweight flags(int flags) {
        Bytes.putU8(buffer, offset + FLAGS_OFFSET, flags);
        Bytes.putU8(buffer, offset + RESERVED_OFFSET, 0);
        return this;
    }

    public boolean timestamps() {
        return (flags() & FLAG_TIMESTAMPS) != 0;
    }

    /** Unsigned 64-bit count (a Java long: negative only above 2^63 bytes). */
    public long bytesClientToServer() {
        return Bytes.i64(buffer, offset + BYTES_CLIENT_TO_SERVER_OFFSET);
    }

    public HandbackFlyweight bytesClientToServer(long bytes) {
        Bytes.putI64(buffer, offset + BYTES_CLIENT_TO_SERVER_OFFSET, bytes);
        return this;
    }

    public long bytesServerToClient() {
        return Bytes.i64(buffer, offset + BYTES_SERVER_TO_CLIENT_OFFSET);
    }

    public HandbackFlyweight bytesServerToClient(long bytes) {
        Bytes.putI64(buffer, offset + BYTES_SERVER_TO_CLIENT_OFFSET, bytes);
        return this;
    }

    public long durationMillis() {
        return Bytes.i64(buffer, offset + DURATION_OFFSET);
    }

    public HandbackFlyweight durationMillis(long millis) {
        Bytes.putI64(buffer, offset + DURATION_OFFSET, millis);
        return this;
    }

    @Override
    boolean checkBody(int length, DecodeFailure failure) {
        int flags = flags();
        return super.checkBody(length, failure)
                && ((flags & ~FLAG_TIMESTAMPS) == 0 || failure.body(BodyError.BAD_HANDBACK_FLAGS, flags))
                && AddressFields.checkZero(buffer, offset, RESERVED_OFFSET, 1, failure)
                && (timestamps() || lastTsVal() == 0
                        || failure.body(BodyError.TIMESTAMPS_WITHOUT_OPTION, lastTsVal() & 0xffff_ffffL));
    }

    @Override
    public String toString() {
        return super.toString() + " HANDBACK{recall=0x" + Long.toHexString(recallMessageId())
                + ", snd.nxt=" + (serverNextSeq() & 0xffff_ffffL)
                + (timestamps() ? ", tsval=" + (lastTsVal() & 0xffff_ffffL) : "")
                + ", wnd=" + serverWindow()
                + ", c->s=" + Long.toUnsignedString(bytesClientToServer()) + "B, s->c=" + Long.toUnsignedString(bytesServerToClient())
                + "B, duration=" + Long.toUnsignedString(durationMillis()) + "ms}";
    }
}
