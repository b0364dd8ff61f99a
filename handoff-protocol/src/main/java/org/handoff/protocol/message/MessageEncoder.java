package org.handoff.protocol.message;

/**
 * Encodes message values into datagrams: header, body, MAC. For the control path (hand-offs,
 * acks, heartbeats); the per-packet FORWARD path uses {@link ForwardEncoder}. Not thread-safe.
 *
 * <p>A retransmission must send the bytes of the first transmission again (same id, same
 * timestamp): keep the encoded datagram, do not encode the value twice.
 */
public final class MessageEncoder {
    private final MessageSealer sealer;
    private final MessageHeaderFlyweight header = new MessageHeaderFlyweight();
    private long lastMessageId;

    public MessageEncoder(MessageSealer sealer) {
        this.sealer = sealer;
    }

    /**
     * Encodes {@code body} at {@code buffer[offset..]} with a new message id, the sending key and
     * the current time; returns the datagram length. {@link #lastMessageId()} gives the id.
     *
     * @throws IllegalArgumentException if the datagram does not fit in the buffer
     */
    public int encode(MessageBody body, byte[] buffer, int offset) {
        int length = writeUnsealed(body, buffer, offset);
        lastMessageId = sealer.seal(buffer, offset, length);
        return length;
    }

    /** Encodes with given header values (golden vectors, re-encoding); returns the datagram length. */
    public int encode(MessageBody body, long messageId, long keyId, long timestampMillis, byte[] buffer, int offset) {
        int length = writeUnsealed(body, buffer, offset);
        sealer.seal(buffer, offset, length, messageId, keyId, timestampMillis);
        lastMessageId = messageId;
        return length;
    }

    /** Encodes into a new array of exactly the datagram's length. */
    public byte[] encode(MessageBody body) {
        byte[] datagram = new byte[body.encodedLength()];
        encode(body, datagram, 0);
        return datagram;
    }

    /** Re-encodes a decoded message with its own id, key and timestamp: the same bytes it came in. */
    public byte[] encode(Message message) {
        byte[] datagram = new byte[message.body().encodedLength()];
        encode(message.body(), message.messageId(), message.keyId(), message.timestampMillis(), datagram, 0);
        return datagram;
    }

    public long lastMessageId() {
        return lastMessageId;
    }

    private int writeUnsealed(MessageBody body, byte[] buffer, int offset) {
        int length = body.encodedLength();
        if (offset < 0 || offset > buffer.length || buffer.length - offset < length) {
            throw new IllegalArgumentException(body.type() + " needs " + length + " bytes at offset " + offset
                    + " (expected: a buffer of " + (Math.max(offset, 0) + length) + "+ bytes, got " + buffer.length + ")");
        }
        header.wrap(buffer, offset).writeFixedHeader(body.type(), length);
        body.encodeBody(buffer, offset);
        return length;
    }
}
