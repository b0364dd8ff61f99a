package org.handoff.protocol.message;

import org.handoff.protocol.seq.SeqNumber;

/**
 * RECALL value (type 8). Layout in {@link RecallFlyweight}.
 *
 * @param flow             the client connection wanted back
 * @param handoffMessageId message id of the HANDOFF the agent accepted this flow under (one
 *                         incarnation of the flow; the agent refuses a RECALL for another)
 * @param requestStart     client sequence number of the first byte the director holds (the next
 *                         request); every byte before it was forwarded to the agent
 * @param clientAck        the ack field of the client's latest segment, in the client's numbering (A)
 */
public record Recall(FlowIdentity flow, long handoffMessageId, SeqNumber requestStart, SeqNumber clientAck)
        implements MessageBody {

    public Recall {
        if (flow == null || requestStart == null || clientAck == null) {
            throw new IllegalArgumentException("RECALL with a null field (expected: flow, request start and client ack)");
        }
    }

    @Override
    public MessageType type() {
        return MessageType.RECALL;
    }

    @Override
    public int encodedLength() {
        return MessageType.RECALL.minLength();
    }

    @Override
    public void encodeBody(byte[] buffer, int datagramOffset) {
        RecallFlyweight f = new RecallFlyweight().wrap(buffer, datagramOffset);
        f.flowIdentity(flow);
        f.handoffMessageId(handoffMessageId)
                .requestStart(requestStart.bits())
                .clientAck(clientAck.bits());
    }

    public static Recall decode(RecallFlyweight f) {
        return new Recall(f.flowIdentity(), f.handoffMessageId(), SeqNumber.of(f.requestStart()), SeqNumber.of(f.clientAck()));
    }
}
