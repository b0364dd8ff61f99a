package org.handoff.protocol.message;

import org.handoff.protocol.seq.SeqNumber;

/**
 * HANDBACK value (type 9). Layout in {@link HandbackFlyweight}. Counters are unsigned 64-bit on
 * the wire; a Java long holds them (negative only beyond 2^63).
 *
 * @param flow                the client connection handed back
 * @param recallMessageId     message id of the RECALL answered
 * @param serverNextSeq       the next byte the origin would have sent, in the client's numbering
 *                            (A): the director's SND.NXT and SND.UNA from now on
 * @param timestamps          whether the flow carries timestamps
 * @param lastTsVal           the largest TSval (mod 2^32) the client was sent, not necessarily the
 *                            last one (A's clock; 0 unless timestamps): the director's clock
 *                            continues above it
 * @param serverWindow        window field of the origin's last segment as the client got it
 *                            (already for the director's shift)
 * @param bytesClientToServer payload given to the origin on this hand-off, request included
 * @param bytesServerToClient payload the origin sent to the client on this hand-off
 * @param durationMillis      hand-off to hand-back
 */
public record Handback(FlowIdentity flow, long recallMessageId, SeqNumber serverNextSeq, boolean timestamps, int lastTsVal,
                       int serverWindow, long bytesClientToServer, long bytesServerToClient, long durationMillis)
        implements MessageBody {

    public Handback {
        if (flow == null || serverNextSeq == null) {
            throw new IllegalArgumentException("HANDBACK with a null field (expected: flow and server next sequence)");
        }
        if (serverWindow < 0 || serverWindow > 0xffff) {
            throw new IllegalArgumentException("server window " + serverWindow + " (expected: 0..65535, the raw field)");
        }
        if (!timestamps && lastTsVal != 0) {
            throw new IllegalArgumentException("last TSval " + (lastTsVal & 0xffff_ffffL) + " without timestamps (expected: 0)");
        }
    }

    @Override
    public MessageType type() {
        return MessageType.HANDBACK;
    }

    @Override
    public int encodedLength() {
        return MessageType.HANDBACK.minLength();
    }

    @Override
    public void encodeBody(byte[] buffer, int datagramOffset) {
        HandbackFlyweight f = new HandbackFlyweight().wrap(buffer, datagramOffset);
        f.flowIdentity(flow);
        f.recallMessageId(recallMessageId)
                .serverNextSeq(serverNextSeq.bits())
                .lastTsVal(lastTsVal)
                .serverWindow(serverWindow)
                .flags(timestamps ? HandbackFlyweight.FLAG_TIMESTAMPS : 0)
                .bytesClientToServer(bytesClientToServer)
                .bytesServerToClient(bytesServerToClient)
                .durationMillis(durationMillis);
    }

    public static Handback decode(HandbackFlyweight f) {
        return new Handback(f.flowIdentity(), f.recallMessageId(), SeqNumber.of(f.serverNextSeq()), f.timestamps(), f.lastTsVal(),
                f.serverWindow(), f.bytesClientToServer(), f.bytesServerToClient(), f.durationMillis());
    }
}
