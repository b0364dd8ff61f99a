package org.handoff.protocol.message;

/**
 * ABORT value (type 5). Layout in {@link AbortFlyweight}.
 *
 * @param flow   the client connection to forget
 * @param reason why
 */
public record Abort(FlowIdentity flow, AbortReason reason) implements MessageBody {

    public Abort {
        if (flow == null || reason == null) {
            throw new IllegalArgumentException("ABORT with a null field (expected: flow and reason)");
        }
    }

    @Override
    public MessageType type() {
        return MessageType.ABORT;
    }

    @Override
    public int encodedLength() {
        return MessageType.ABORT.minLength();
    }

    @Override
    public void encodeBody(byte[] buffer, int datagramOffset) {
        AbortFlyweight f = new AbortFlyweight().wrap(buffer, datagramOffset);
        f.flowIdentity(flow);
        f.reason(reason);
    }

    public static Abort decode(AbortFlyweight f) {
        return new Abort(f.flowIdentity(), f.reason());
    }
}
