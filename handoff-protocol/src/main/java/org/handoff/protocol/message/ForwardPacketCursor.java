package org.handoff.protocol.message;

import org.handoff.protocol.wire.Bytes;

/**
 * Iterates the packets of an accepted FORWARD without creating an object per packet:
 * <pre>
 * for (cursor.wrap(forward); cursor.next(); ) {
 *     inject(cursor.buffer(), cursor.packetOffset(), cursor.packetLength());
 * }
 * </pre>
 * The packet bytes stay in the datagram buffer; they are valid until the buffer is reused.
 */
public final class ForwardPacketCursor {
    private byte[] buffer;
    private int firstEntry;
    private int end;
    private int nextEntry;
    private int packetOffset;
    private int packetLength;

    /** Points at the first packet of a FORWARD the decoder accepted. */
    public ForwardPacketCursor wrap(ForwardFlyweight forward) {
        this.buffer = forward.buffer();
        this.firstEntry = forward.offset() + ForwardFlyweight.FIRST_ENTRY_OFFSET;
        this.end = forward.offset() + forward.macOffset();
        return rewind();
    }

    /** Starts again from the first packet. */
    public ForwardPacketCursor rewind() {
        nextEntry = firstEntry;
        packetOffset = -1;
        packetLength = 0;
        return this;
    }

    /** Moves to the next packet; false when there is none (or, defensively, when an entry overruns). */
    public boolean next() {
        if (end - nextEntry < ForwardFlyweight.ENTRY_HEADER_LENGTH) {
            return false;
        }
        int length = Bytes.u16(buffer, nextEntry);
        int start = nextEntry + ForwardFlyweight.ENTRY_HEADER_LENGTH;
        if (length > end - start) {
            return false;
        }
        packetOffset = start;
        packetLength = length;
        nextEntry = start + length;
        return true;
    }

    public byte[] buffer() {
        return buffer;
    }

    /** Absolute offset of the current packet's first byte in {@link #buffer()}. */
    public int packetOffset() {
        return packetOffset;
    }

    public int packetLength() {
        return packetLength;
    }
}
