package org.handoff.protocol.message;

import static org.handoff.protocol.message.GoldenMessages.V_RECALL_NACK;
import static org.handoff.protocol.message.Vectors.assertBadBody;
import static org.handoff.protocol.message.Vectors.withByte;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RecallNackMessageTest {

    @Test
    void goldenDecodesToItsValue() {
        RecallNackFlyweight nack = Vectors.assertDecodes(V_RECALL_NACK).recallNack();
        assertEquals(RecallNackReason.RESPONSE_PENDING, nack.reason());
        assertEquals(GoldenMessages.BOOT | 9, nack.recallMessageId());
        assertEquals(112, MessageType.RECALL_NACK.minLength());
        assertEquals(MessageType.RECALL_NACK, MessageType.fromCode(10));
    }

    @Test
    void goldenEncodesToItsBytes() {
        Vectors.assertEncodes(V_RECALL_NACK);
    }

    @Test
    void everyReasonRoundTripsWithItsDocumentedCode() {
        int[] codes = {1, 2, 3, 4, 5};
        RecallNackReason[] reasons = {RecallNackReason.RESPONSE_PENDING, RecallNackReason.UNKNOWN_FLOW, RecallNackReason.CLOSING,
                RecallNackReason.BAD_STATE, RecallNackReason.INTERNAL};
        assertEquals(reasons.length, RecallNackReason.values().length);
        for (int i = 0; i < reasons.length; i++) {
            assertEquals(codes[i], reasons[i].code());
            RecallNack nack = new RecallNack(GoldenMessages.FLOW_V4, 9, reasons[i]);
            byte[] d = Vectors.encoder().encode(nack);
            MessageDecoder decoder = Vectors.decoder();
            assertEquals(DecodeResult.ACCEPTED, decoder.decode(d, 0, d.length), decoder::describe);
            assertEquals(nack, decoder.message().body());
        }
    }

    @Test
    void unknownReasonsAndReservedBytesAreRejected() {
        MessageDecoder d = assertBadBody(withByte(V_RECALL_NACK, RecallNackFlyweight.REASON_OFFSET, 0), BodyError.BAD_REASON);
        assertEquals("body: reason code: 0 (expected: a known code)", d.describe());
        assertBadBody(withByte(V_RECALL_NACK, RecallNackFlyweight.REASON_OFFSET, 6), BodyError.BAD_REASON);
        assertBadBody(withByte(V_RECALL_NACK, RecallNackFlyweight.RESERVED_OFFSET + 2, 1), BodyError.RESERVED_NONZERO);
    }
}
