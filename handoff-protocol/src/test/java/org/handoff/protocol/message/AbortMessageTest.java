package org.handoff.protocol.message;

import static org.handoff.protocol.message.GoldenMessages.V_ABORT;
import static org.handoff.protocol.message.Vectors.assertBadBody;
import static org.handoff.protocol.message.Vectors.withByte;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class AbortMessageTest {

    @Test
    void goldenDecodesToItsValue() {
        assertEquals(AbortReason.HANDOFF_TIMEOUT, Vectors.assertDecodes(V_ABORT).abort().reason());
    }

    @Test
    void goldenEncodesToItsBytes() {
        Vectors.assertEncodes(V_ABORT);
    }

    @Test
    void everyReasonRoundTrips() {
        for (AbortReason reason : AbortReason.values()) {
            Abort abort = new Abort(GoldenMessages.FLOW_V6, reason);
            byte[] d = Vectors.encoder().encode(abort);
            MessageDecoder decoder = Vectors.decoder();
            assertEquals(DecodeResult.ACCEPTED, decoder.decode(d, 0, d.length), decoder::describe);
            assertEquals(abort, decoder.message().body());
        }
    }

    @Test
    void unknownReasonsAndReservedBytesAreRejected() {
        assertBadBody(withByte(V_ABORT, AbortFlyweight.REASON_OFFSET, 0), BodyError.BAD_REASON);
        assertBadBody(withByte(V_ABORT, AbortFlyweight.REASON_OFFSET, 0xff), BodyError.BAD_REASON);
        assertBadBody(withByte(V_ABORT, AbortFlyweight.RESERVED_OFFSET, 1), BodyError.RESERVED_NONZERO);
    }
}
