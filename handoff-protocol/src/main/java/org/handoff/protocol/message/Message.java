package org.handoff.protocol.message;

/**
 * A decoded message: the authenticated header fields and the body value. Encoding these again
 * with the same key gives the same bytes.
 *
 * @param messageId       the sender's id for this message (retransmissions repeat it)
 * @param keyId           the key that signed it
 * @param timestampMillis the sender's clock when it encoded the message
 * @param body            the type-specific value
 */
public record Message(long messageId, long keyId, long timestampMillis, MessageBody body) {
    public MessageType type() {
        return body.type();
    }
}
