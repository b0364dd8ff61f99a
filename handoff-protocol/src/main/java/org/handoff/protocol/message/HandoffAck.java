package org.handoff.protocol.message;

import static org.handoff.protocol.message.HandoffProtocol.MAX_WINDOW_SHIFT;

import java.util.OptionalInt;

/**
 * HANDOFF_ACK value (type 2). Layout in {@link HandoffAckFlyweight}.
 *
 * @param flow             the client connection
 * @param handoffMessageId message id of the HANDOFF acknowledged
 * @param serverIsn        diagnostic: the origin's ISN (si), if the agent reports it
 * @param serverShift      diagnostic: the origin's window-scale shift (ws, 0..14), if it scales
 */
public record HandoffAck(FlowIdentity flow, long handoffMessageId, OptionalInt serverIsn, OptionalInt serverShift)
        implements MessageBody {

    public HandoffAck {
        if (flow == null || serverIsn == null || serverShift == null) {
            throw new IllegalArgumentException("HANDOFF_ACK with a null field (expected: OptionalInt.empty() for absent diagnostics)");
        }
        if (serverShift.isPresent() && (serverShift.getAsInt() < 0 || serverShift.getAsInt() > MAX_WINDOW_SHIFT)) {
            throw new IllegalArgumentException("server shift " + serverShift.getAsInt() + " (expected: 0..14)");
        }
    }

    public static HandoffAck of(FlowIdentity flow, long handoffMessageId) {
        return new HandoffAck(flow, handoffMessageId, OptionalInt.empty(), OptionalInt.empty());
    }

    @Override
    public MessageType type() {
        return MessageType.HANDOFF_ACK;
    }

    @Override
    public int encodedLength() {
        return MessageType.HANDOFF_ACK.minLength();
    }

    @Override
    public void encodeBody(byte[] buffer, int datagramOffset) {
        HandoffAckFlyweight f = new HandoffAckFlyweight().wrap(buffer, datagramOffset);
        f.flowIdentity(flow);
        f.ackedMessageId(handoffMessageId)
                .serverIsn(serverIsn.orElse(0))
                .serverShift(serverShift.orElse(0))
                .diagnosticFlags((serverIsn.isPresent() ? HandoffAckFlyweight.FLAG_SERVER_ISN : 0)
                        | (serverShift.isPresent() ? HandoffAckFlyweight.FLAG_SERVER_SHIFT : 0));
    }

    public static HandoffAck decode(HandoffAckFlyweight f) {
        return new HandoffAck(f.flowIdentity(), f.ackedMessageId(),
                f.hasServerIsn() ? OptionalInt.of(f.serverIsn()) : OptionalInt.empty(),
                f.hasServerShift() ? OptionalInt.of(f.serverShift()) : OptionalInt.empty());
    }
}
