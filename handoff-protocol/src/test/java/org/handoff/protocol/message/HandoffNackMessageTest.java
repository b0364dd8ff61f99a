package org.handoff.protocol.message;

import static org.handoff.protocol.message.GoldenMessages.V_HANDOFF_NACK;
import static org.handoff.protocol.message.Vectors.assertBadBody;
import static org.handoff.protocol.message.Vectors.withByte;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class HandoffNackMessageTest {

    @Test
    void goldenDecodesToItsValue() {
        HandoffNackFlyweight nack = Vectors.assertDecodes(V_HANDOFF_NACK).handoffNack();
        assertEquals(NackReason.SERVER_TIMEOUT, nack.reason());
        assertEquals(GoldenMessages.BOOT | 1, nack.ackedMessageId());
    }

    @Test
    void goldenEncodesToItsBytes() {
        Vectors.assertEncodes(V_HANDOFF_NACK);
    }

    @Test
    void everyReasonRoundTrips() {
        for (NackReason reason : NackReason.values()) {
            HandoffNack nack = new HandoffNack(GoldenMessages.FLOW_V4, 9, reason);
            byte[] d = Vectors.encoder().encode(nack);
            MessageDecoder decoder = Vectors.decoder();
            assertEquals(DecodeResult.ACCEPTED, decoder.decode(d, 0, d.length), decoder::describe);
            assertEquals(nack, decoder.message().body());
        }
    }

    @Test
    void unknownReasonsAndReservedBytesAreRejected() {
        MessageDecoder d = assertBadBody(withByte(V_HANDOFF_NACK, HandoffNackFlyweight.REASON_OFFSET, 0), BodyError.BAD_REASON);
        assertEquals("body: reason code: 0 (expected: a known code)", d.describe());
        assertBadBody(withByte(V_HANDOFF_NACK, HandoffNackFlyweight.REASON_OFFSET, 7), BodyError.BAD_REASON);
        assertBadBody(withByte(V_HANDOFF_NACK, HandoffNackFlyweight.RESERVED_OFFSET + 2, 1), BodyError.RESERVED_NONZERO);
    }
}
