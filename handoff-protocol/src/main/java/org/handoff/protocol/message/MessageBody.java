package org.handoff.protocol.message;

/**
 * An immutable, validated message body: the value side of the view/value split. Constructors
 * reject anything the decoder would reject, so every value encodes to a datagram that decodes
 * back to an equal value. Encoding is done by {@link MessageEncoder}, which adds the header and MAC.
 */
public sealed interface MessageBody permits Handoff, HandoffAck, HandoffNack, Forward, Abort, Closed, Heartbeat, Recall, Handback,
        RecallNack {
    MessageType type();

    /** Length of the whole datagram this body makes: header, body and MAC. */
    int encodedLength();

    /**
     * Writes the body fields (not the header, not the MAC) into a datagram starting at
     * {@code datagramOffset}; the caller has checked that {@link #encodedLength()} bytes fit.
     */
    void encodeBody(byte[] buffer, int datagramOffset);
}
