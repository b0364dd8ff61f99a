package org.handoff.protocol.message;

/**
 * HANDOFF_NACK value (type 3). Layout in {@link HandoffNackFlyweight}.
 *
 * @param flow             the client connection
 * @param handoffMessageId message id of the HANDOFF refused
 * @param reason           why
 */
public record HandoffNack(FlowIdentity flow, long handoffMessageId, NackReason reason) implements MessageBody {

    public HandoffNack {
        if (flow == null || reason == null) {
            throw new IllegalArgumentException("HANDOFF_NACK with a null field (expected: flow and reason)");
        }
    }

    @Override
    public MessageType type() {
        return MessageType.HANDOFF_NACK;
    }

    @Override
    public int encodedLength() {
        return MessageType.HANDOFF_NACK.minLength();
    }

    @Override
    public void encodeBody(byte[] buffer, int datagramOffset) {
        HandoffNackFlyweight f = new HandoffNackFlyweight().wrap(buffer, datagramOffset);
        f.flowIdentity(flow);
        f.ackedMessageId(handoffMessageId).reason(reason);
    }

    public static HandoffNack decode(HandoffNackFlyweight f) {
        return new HandoffNack(f.flowIdentity(), f.ackedMessageId(), f.reason());
    }
}
