package org.handoff.protocol.message;

import static org.handoff.protocol.message.HandoffProtocol.MAC_LENGTH;

import org.handoff.protocol.wire.Bytes;

/**
 * View over a FORWARD (type 4): whole client IP packets the director received after the
 * hand-off, for the agent to inject. Entries are packed back to back with no padding; read them
 * with a {@link ForwardPacketCursor}, build them with a {@link ForwardEncoder}.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Common header (28 bytes), then flow identity (40 bytes)   |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |       Packet Count (1..)      |         Reserved (0)          | 68
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |       Packet 1 Length         |   Packet 1 (IP header first)  | 72
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * |                             ...                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |       Packet 2 Length         |   Packet 2 ...                |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       MAC (32 bytes)                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Entries tile the space between offset 72 and the MAC exactly; each length is 1..65535 and the
 * number of entries equals Packet Count. The packets themselves are checked by the agent.
 * </pre>
 */
public final class ForwardFlyweight extends FlowMessageFlyweight {
    public static final int PACKET_COUNT_OFFSET = FLOW_END_OFFSET;
    public static final int RESERVED_OFFSET = 70;
    public static final int FIRST_ENTRY_OFFSET = 72;
    /** Each entry starts with a u16 length. */
    public static final int ENTRY_HEADER_LENGTH = 2;

    @Override
    public ForwardFlyweight wrap(byte[] buffer, int offset) {
        super.wrap(buffer, offset);
        return this;
    }

    public int packetCount() {
        return Bytes.u16(buffer, offset + PACKET_COUNT_OFFSET);
    }

    /** Sets the count and clears the reserved bytes after it. */
    public ForwardFlyweight packetCount(int count) {
        Bytes.putI32(buffer, offset + PACKET_COUNT_OFFSET, count << 16);
        return this;
    }

    @Override
    boolean checkBody(int length, DecodeFailure failure) {
        if (!super.checkBody(length, failure) || !AddressFields.checkZero(buffer, offset, RESERVED_OFFSET, 2, failure)) {
            return false;
        }
        int count = packetCount();
        int end = length - MAC_LENGTH;
        int at = FIRST_ENTRY_OFFSET;
        int entries = 0;
        while (at < end) {
            if (end - at < ENTRY_HEADER_LENGTH) {
                return failure.body(BodyError.FORWARD_TRAILING_BYTES, end - at);
            }
            int packetLength = Bytes.u16(buffer, offset + at);
            int room = end - at - ENTRY_HEADER_LENGTH;
            if (packetLength < 1 || packetLength > room) {
                return failure.body(BodyError.BAD_PACKET_LENGTH, packetLength, Math.min(1, room), room);
            }
            at += ENTRY_HEADER_LENGTH + packetLength;
            entries++;
        }
        if (count < 1 || entries != count) {
            return failure.body(BodyError.BAD_PACKET_COUNT, count, Math.max(1, entries), Math.max(1, entries));
        }
        return true;
    }

    @Override
    public String toString() {
        return super.toString() + " FORWARD{packets=" + packetCount() + ", bytes=" + (totalLength() - FIRST_ENTRY_OFFSET - MAC_LENGTH) + "}";
    }
}
