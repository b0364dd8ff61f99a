package org.handoff.protocol.message;

import org.handoff.protocol.wire.Bytes;

/**
 * View over the header of a sealed hand-off datagram: the common header
 * ({@link CommonHeaderFlyweight}, bytes 0-7), then message id, key id and timestamp, and the MAC
 * at the end. Offsets are from the start of the datagram; all fields are big-endian.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Magic (0x484F)        |  Version (1)  |     Type      |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Total Length         |       Flags (reserved, 0)     |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |  8
 * +                          Message Id                           +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                            Key Id                             | 16
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               | 20
 * +              Sender Timestamp (Unix epoch, ms)                +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                          Body ...                             | 28
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |            HMAC-SHA256 over bytes 0..Total Length-33          | Total Length - 32
 * +                           (32 bytes)                          +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * Accessors trust the bytes: wrap a datagram only after {@link MessageDecoder} accepted it, or a
 * buffer being encoded. Setters return {@code this} for chaining.
 */
public class MessageHeaderFlyweight extends CommonHeaderFlyweight {
    public static final int MESSAGE_ID_OFFSET = COMMON_HEADER_LENGTH;
    public static final int KEY_ID_OFFSET = 16;
    public static final int TIMESTAMP_OFFSET = 20;
    public static final int BODY_OFFSET = HandoffProtocol.HEADER_LENGTH;

    @Override
    public MessageHeaderFlyweight wrap(byte[] buffer, int offset) {
        super.wrap(buffer, offset);
        return this;
    }

    public long messageId() {
        return Bytes.i64(buffer, offset + MESSAGE_ID_OFFSET);
    }

    public MessageHeaderFlyweight messageId(long id) {
        Bytes.putI64(buffer, offset + MESSAGE_ID_OFFSET, id);
        return this;
    }

    /** Unsigned 32-bit key id, as a long. */
    public long keyId() {
        return Bytes.u32(buffer, offset + KEY_ID_OFFSET);
    }

    public MessageHeaderFlyweight keyId(long keyId) {
        Bytes.putI32(buffer, offset + KEY_ID_OFFSET, (int) keyId);
        return this;
    }

    /** Sender's clock at encoding, Unix epoch milliseconds. */
    public long timestampMillis() {
        return Bytes.i64(buffer, offset + TIMESTAMP_OFFSET);
    }

    public MessageHeaderFlyweight timestampMillis(long millis) {
        Bytes.putI64(buffer, offset + TIMESTAMP_OFFSET, millis);
        return this;
    }

    /** Offset of the MAC from the start of the datagram. */
    public int macOffset() {
        return totalLength() - HandoffProtocol.MAC_LENGTH;
    }

    /**
     * Checks the type-specific body of an authentic datagram of {@code length} bytes; subclasses
     * override. On failure records the broken rule in {@code failure} and returns false.
     */
    boolean checkBody(int length, DecodeFailure failure) {
        return true;
    }

    @Override
    public String toString() {
        MessageType type = MessageType.fromCode(typeCode());
        return "header{type=" + (type != null ? type : typeCode()) + ", length=" + totalLength() + ", flags=" + flags()
                + ", id=0x" + Long.toHexString(messageId()) + ", key=" + keyId() + ", ts=" + timestampMillis() + "}";
    }
}
