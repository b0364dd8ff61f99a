package org.handoff.protocol.message;

/**
 * RECALL_NACK value (type 10). Layout in {@link RecallNackFlyweight}.
 *
 * @param flow            the client connection
 * @param recallMessageId message id of the RECALL refused
 * @param reason          why, and so what the director does next
 */
public record RecallNack(FlowIdentity flow, long recallMessageId, RecallNackReason reason) implements MessageBody {

    public RecallNack {
        if (flow == null || reason == null) {
            throw new IllegalArgumentException("RECALL_NACK with a null field (expected: flow and reason)");
        }
    }

    @Override
    public MessageType type() {
        return MessageType.RECALL_NACK;
    }

    @Override
    public int encodedLength() {
        return MessageType.RECALL_NACK.minLength();
    }

    @Override
    public void encodeBody(byte[] buffer, int datagramOffset) {
        RecallNackFlyweight f = new RecallNackFlyweight().wrap(buffer, datagramOffset);
        f.flowIdentity(flow);
        f.recallMessageId(recallMessageId).reason(reason);
    }

    public static RecallNack decode(RecallNackFlyweight f) {
        return new RecallNack(f.flowIdentity(), f.recallMessageId(), f.reason());
    }
}
