package org.handoff.protocol.message;

import static org.handoff.protocol.message.GoldenMessages.V_RECALL;
import static org.handoff.protocol.message.Vectors.assertBadBody;
import static org.handoff.protocol.message.Vectors.withByte;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.handoff.protocol.seq.SeqNumber;
import org.junit.jupiter.api.Test;

class RecallMessageTest {

    @Test
    void goldenDecodesToItsValue() {
        RecallFlyweight r = Vectors.assertDecodes(V_RECALL).recall();
        assertEquals(GoldenMessages.BOOT | 1, r.handoffMessageId());
        assertEquals(0x11223373, r.requestStart());
        assertEquals(0x55668789, r.clientAck());
        assertEquals(120, MessageType.RECALL.minLength());
        assertEquals(MessageType.RECALL, MessageType.fromCode(8));
    }

    @Test
    void goldenEncodesToItsBytes() {
        Vectors.assertEncodes(V_RECALL);
    }

    @Test
    void sequenceNumbersWithTheTopBitSetRoundTrip() {
        Recall recall = new Recall(GoldenMessages.FLOW_V6, -1L, SeqNumber.of(0xffffffff), SeqNumber.of(0x80000000));
        byte[] d = Vectors.encoder().encode(recall);
        MessageDecoder decoder = Vectors.decoder();
        assertEquals(DecodeResult.ACCEPTED, decoder.decode(d, 0, d.length), decoder::describe);
        assertEquals(recall, decoder.message().body());
        assertEquals(0xffffffffL, Integer.toUnsignedLong(decoder.recall().requestStart()));
    }

    @Test
    void reservedBytesAreRejected() {
        for (int i = 0; i < 4; i++) {
            MessageDecoder d = assertBadBody(withByte(V_RECALL, RecallFlyweight.RESERVED_OFFSET + i, 1), BodyError.RESERVED_NONZERO);
            assertEquals(RecallFlyweight.RESERVED_OFFSET + i, d.measured());
        }
    }

    @Test
    void nullFieldsAreRefusedByTheValue() {
        assertThrows(IllegalArgumentException.class, () -> new Recall(GoldenMessages.FLOW_V4, 1, null, SeqNumber.of(1)));
        assertThrows(IllegalArgumentException.class, () -> new Recall(null, 1, SeqNumber.of(1), SeqNumber.of(1)));
    }
}
