package org.handoff.protocol.message;

import org.handoff.protocol.wire.Bytes;

/**
 * View over the common header of a hand-off datagram. Offsets are from the start of the
 * datagram; all fields are big-endian.
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
public class MessageHeaderFlyweight {
    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 2;
    public static final int TYPE_OFFSET = 3;
    public static final int TOTAL_LENGTH_OFFSET = 4;
    public static final int FLAGS_OFFSET = 6;
    public static final int MESSAGE_ID_OFFSET = 8;
    public static final int KEY_ID_OFFSET = 16;
    public static final int TIMESTAMP_OFFSET = 20;
    public static final int BODY_OFFSET = HandoffProtocol.HEADER_LENGTH;

    protected byte[] buffer;
    protected int offset;

    /** Points the view at a datagram starting at {@code offset}; no check, no allocation. */
    public MessageHeaderFlyweight wrap(byte[] buffer, int offset) {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public byte[] buffer() {
        return buffer;
    }

    /** Where the datagram starts in {@link #buffer()}. */
    public int offset() {
        return offset;
    }

    public int magic() {
        return Bytes.u16(buffer, offset + MAGIC_OFFSET);
    }

    public MessageHeaderFlyweight magic(int magic) {
        Bytes.putU16(buffer, offset + MAGIC_OFFSET, magic);
        return this;
    }

    public int version() {
        return Bytes.u8(buffer, offset + VERSION_OFFSET);
    }

    public MessageHeaderFlyweight version(int version) {
        Bytes.putU8(buffer, offset + VERSION_OFFSET, version);
        return this;
    }

    /** The raw type code; {@link MessageType#fromCode} maps it. */
    public int typeCode() {
        return Bytes.u8(buffer, offset + TYPE_OFFSET);
    }

    public MessageHeaderFlyweight typeCode(int type) {
        Bytes.putU8(buffer, offset + TYPE_OFFSET, type);
        return this;
    }

    /** Header, body and MAC: the whole datagram. */
    public int totalLength() {
        return Bytes.u16(buffer, offset + TOTAL_LENGTH_OFFSET);
    }

    public MessageHeaderFlyweight totalLength(int length) {
        Bytes.putU16(buffer, offset + TOTAL_LENGTH_OFFSET, length);
        return this;
    }

    public int flags() {
        return Bytes.u16(buffer, offset + FLAGS_OFFSET);
    }

    public MessageHeaderFlyweight flags(int flags) {
        Bytes.putU16(buffer, offset + FLAGS_OFFSET, flags);
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

    /** Writes magic, version, type, length and zero flags: everything but id, key, timestamp and MAC. */
    public MessageHeaderFlyweight writeFixedHeader(MessageType type, int totalLength) {
        magic(HandoffProtocol.MAGIC);
        version(HandoffProtocol.VERSION);
        typeCode(type.code());
        totalLength(totalLength);
        flags(0);
        return this;
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
