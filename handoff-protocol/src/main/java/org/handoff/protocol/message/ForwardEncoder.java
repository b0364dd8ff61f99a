package org.handoff.protocol.message;

import static org.handoff.protocol.message.HandoffProtocol.MAC_LENGTH;
import static org.handoff.protocol.message.HandoffProtocol.MAX_DATAGRAM_LENGTH;

import org.handoff.protocol.wire.Bytes;

/**
 * Packs client packets into FORWARD datagrams in a reused buffer, with no allocation:
 * <pre>
 * encoder.begin(buffer, 0, flow);
 * for each queued packet:
 *     switch (encoder.append(pkt, off, len)) {
 *         case APPENDED  -&gt; continue;
 *         case FULL      -&gt; { send(buffer, 0, encoder.seal()); encoder.begin(buffer, 0, flow); encoder.append(pkt, off, len); }
 *         case TOO_LARGE -&gt; split or drop: no datagram of this budget can carry it
 *     }
 * if (!encoder.isEmpty()) send(buffer, 0, encoder.seal());
 * </pre>
 * Not thread-safe: one per sending thread.
 */
public final class ForwardEncoder {
    /** What {@link #append} did with a packet. */
    public enum Append {
        /** The packet is in the datagram. */
        APPENDED,
        /** It does not fit in what is left: seal this datagram, begin another, append again. */
        FULL,
        /** It would not fit even an empty datagram of this budget: a caller error (split it first). */
        TOO_LARGE
    }

    private static final int OVERHEAD = ForwardFlyweight.FIRST_ENTRY_OFFSET + MAC_LENGTH;
    private static final int MAX_PACKETS = 0xffff;

    private final MessageSealer sealer;
    private final int maxDatagramLength;
    private final ForwardFlyweight view = new ForwardFlyweight();
    private byte[] buffer;
    private int offset;
    /** Write position relative to the datagram start: where the next entry goes. */
    private int position;
    private int packetCount;
    private long lastMessageId;

    public ForwardEncoder(MessageSealer sealer) {
        this(sealer, MAX_DATAGRAM_LENGTH);
    }

    /** @param maxDatagramLength budget of one datagram (header and MAC included), 107..65507 */
    public ForwardEncoder(MessageSealer sealer, int maxDatagramLength) {
        int min = OVERHEAD + ForwardFlyweight.ENTRY_HEADER_LENGTH + 1;
        if (maxDatagramLength < min || maxDatagramLength > MAX_DATAGRAM_LENGTH) {
            throw new IllegalArgumentException("max datagram length " + maxDatagramLength + " (expected: " + min + ".."
                    + MAX_DATAGRAM_LENGTH + ")");
        }
        this.sealer = sealer;
        this.maxDatagramLength = maxDatagramLength;
    }

    public int maxDatagramLength() {
        return maxDatagramLength;
    }

    /** Largest packet that fits an empty datagram of this budget. */
    public int maxPacketLength() {
        return Math.min(0xffff, maxDatagramLength - OVERHEAD - ForwardFlyweight.ENTRY_HEADER_LENGTH);
    }

    /**
     * Starts a datagram for {@code flow} at {@code buffer[offset..]}.
     *
     * @throws IllegalArgumentException if the buffer has less than the budget's room after offset
     */
    public ForwardEncoder begin(byte[] buffer, int offset, FlowIdentity flow) {
        if (offset < 0 || offset > buffer.length || buffer.length - offset < maxDatagramLength) {
            throw new IllegalArgumentException("FORWARD buffer of " + buffer.length + " bytes at offset " + offset
                    + " (expected: room for " + maxDatagramLength + " bytes)");
        }
        this.buffer = buffer;
        this.offset = offset;
        view.wrap(buffer, offset).flowIdentity(flow);
        position = ForwardFlyweight.FIRST_ENTRY_OFFSET;
        packetCount = 0;
        return this;
    }

    /** Appends one whole IP packet of 1+ bytes; see {@link Append}. */
    public Append append(byte[] packet, int packetOffset, int packetLength) {
        if (packetLength < 1) {
            throw new IllegalArgumentException("FORWARD packet of " + packetLength + " bytes (expected: 1+)");
        }
        if (packetLength > maxPacketLength()) {
            return Append.TOO_LARGE;
        }
        int entryLength = ForwardFlyweight.ENTRY_HEADER_LENGTH + packetLength;
        if (position + entryLength + MAC_LENGTH > maxDatagramLength || packetCount == MAX_PACKETS) {
            return Append.FULL;
        }
        Bytes.putU16(buffer, offset + position, packetLength);
        System.arraycopy(packet, packetOffset, buffer, offset + position + ForwardFlyweight.ENTRY_HEADER_LENGTH, packetLength);
        position += entryLength;
        packetCount++;
        return Append.APPENDED;
    }

    public boolean isEmpty() {
        return packetCount == 0;
    }

    public int packetCount() {
        return packetCount;
    }

    /** Datagram length if sealed now. */
    public int length() {
        return position + MAC_LENGTH;
    }

    /**
     * Writes header, count and MAC; returns the datagram length. The encoder is then idle until
     * the next {@link #begin}.
     *
     * @throws IllegalStateException if no packet was appended (an empty FORWARD is invalid)
     */
    public int seal() {
        int length = finish();
        lastMessageId = sealer.seal(buffer, offset, length);
        return length;
    }

    /** Seals with given header values (golden vectors, tools); returns the datagram length. */
    public int seal(long messageId, long keyId, long timestampMillis) {
        int length = finish();
        sealer.seal(buffer, offset, length, messageId, keyId, timestampMillis);
        lastMessageId = messageId;
        return length;
    }

    private int finish() {
        if (packetCount == 0) {
            throw new IllegalStateException("FORWARD with 0 packets (expected: 1+; check isEmpty() before seal())");
        }
        int length = position + MAC_LENGTH;
        view.writeFixedHeader(MessageType.FORWARD, length);
        view.packetCount(packetCount);
        packetCount = 0;
        return length;
    }

    public long lastMessageId() {
        return lastMessageId;
    }
}
