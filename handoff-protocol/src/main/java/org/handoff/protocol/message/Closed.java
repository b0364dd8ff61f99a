package org.handoff.protocol.message;

/**
 * CLOSED value (type 6). Layout in {@link ClosedFlyweight}. Counters are unsigned 64-bit on the
 * wire; a Java long holds them (negative only beyond 2^63).
 *
 * @param flow                the client connection that ended
 * @param bytesClientToServer payload bytes the client sent after the hand-off, request included
 * @param bytesServerToClient payload bytes the origin sent to the client
 * @param durationMillis      hand-off to close
 * @param reason              how it ended
 */
public record Closed(FlowIdentity flow, long bytesClientToServer, long bytesServerToClient, long durationMillis,
                     CloseReason reason) implements MessageBody {

    public Closed {
        if (flow == null || reason == null) {
            throw new IllegalArgumentException("CLOSED with a null field (expected: flow and reason)");
        }
    }

    @Override
    public MessageType type() {
        return MessageType.CLOSED;
    }

    @Override
    public int encodedLength() {
        return MessageType.CLOSED.minLength();
    }

    @Override
    public void encodeBody(byte[] buffer, int datagramOffset) {
        ClosedFlyweight f = new ClosedFlyweight().wrap(buffer, datagramOffset);
        f.flowIdentity(flow);
        f.bytesClientToServer(bytesClientToServer)
                .bytesServerToClient(bytesServerToClient)
                .durationMillis(durationMillis)
                .reason(reason);
    }

    public static Closed decode(ClosedFlyweight f) {
        return new Closed(f.flowIdentity(), f.bytesClientToServer(), f.bytesServerToClient(), f.durationMillis(), f.reason());
    }
}
