package org.handoff.protocol.message;

import org.handoff.protocol.wire.Bytes;

/**
 * View over the common header: the first 8 bytes of every hand-off datagram, sealed messages
 * ({@link MessageHeaderFlyweight}) and TUNNEL ({@link TunnelFlyweight}) alike, which
 * {@link MessageDecoder} checks (steps 1-5) before it knows which of the two it has. Offsets
 * are from the start of the datagram; all fields are big-endian.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Magic (0x484F)        |  Version (1)  |     Type      |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Total Length         |       Flags (reserved, 0)     |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * Accessors trust the bytes: wrap a datagram only after {@link MessageDecoder} accepted it, or a
 * buffer being encoded. Setters return {@code this} for chaining.
 */
public abstract class CommonHeaderFlyweight {
    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 2;
    public static final int TYPE_OFFSET = 3;
    public static final int TOTAL_LENGTH_OFFSET = 4;
    public static final int FLAGS_OFFSET = 6;
    /** The common header's length: a sealed message's id, or a TUNNEL's token, follows it. */
    public static final int COMMON_HEADER_LENGTH = 8;

    protected byte[] buffer;
    protected int offset;

    /** Points the view at a datagram starting at {@code offset}; no check, no allocation. */
    public CommonHeaderFlyweight wrap(byte[] buffer, int offset) {
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

    public CommonHeaderFlyweight magic(int magic) {
        Bytes.putU16(buffer, offset + MAGIC_OFFSET, magic);
        return this;
    }

    public int version() {
        return Bytes.u8(buffer, offset + VERSION_OFFSET);
    }

    public CommonHeaderFlyweight version(int version) {
        Bytes.putU8(buffer, offset + VERSION_OFFSET, version);
        return this;
    }

    /** The raw type code; {@link MessageType#fromCode} maps it. */
    public int typeCode() {
        return Bytes.u8(buffer, offset + TYPE_OFFSET);
    }

    public CommonHeaderFlyweight typeCode(int type) {
        Bytes.putU8(buffer, offset + TYPE_OFFSET, type);
        return this;
    }

    /** The whole datagram: header, body and MAC, or TUNNEL header and inner packet. */
    public int totalLength() {
        return Bytes.u16(buffer, offset + TOTAL_LENGTH_OFFSET);
    }

    public CommonHeaderFlyweight totalLength(int length) {
        Bytes.putU16(buffer, offset + TOTAL_LENGTH_OFFSET, length);
        return this;
    }

    public int flags() {
        return Bytes.u16(buffer, offset + FLAGS_OFFSET);
    }

    public CommonHeaderFlyweight flags(int flags) {
        Bytes.putU16(buffer, offset + FLAGS_OFFSET, flags);
        return this;
    }

    /** Writes the whole common header: magic, version, type, length and zero flags. */
    public CommonHeaderFlyweight writeFixedHeader(MessageType type, int totalLength) {
        magic(HandoffProtocol.MAGIC);
        version(HandoffProtocol.VERSION);
        typeCode(type.code());
        totalLength(totalLength);
        flags(0);
        return this;
    }
}
