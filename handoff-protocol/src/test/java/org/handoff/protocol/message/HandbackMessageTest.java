package org.handoff.protocol.message;

import static org.handoff.protocol.message.GoldenMessages.V_HANDBACK;
import static org.handoff.protocol.message.Vectors.assertBadBody;
import static org.handoff.protocol.message.Vectors.withByte;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.handoff.protocol.seq.SeqNumber;
import org.junit.jupiter.api.Test;

class HandbackMessageTest {

    @Test
    void goldenDecodesToItsValue() {
        HandbackFlyweight h = Vectors.assertDecodes(V_HANDBACK).handback();
        assertEquals(GoldenMessages.BOOT | 9, h.recallMessageId());
        assertEquals(0x55668789, h.serverNextSeq());
        assertTrue(h.timestamps());
        assertEquals(0x0a0b0d0e, h.lastTsVal());
        assertEquals(502, h.serverWindow());
        assertEquals(46, h.bytesClientToServer());
        assertEquals(4096, h.bytesServerToClient());
        assertEquals(250, h.durationMillis());
        assertEquals(144, MessageType.HANDBACK.minLength());
        assertEquals(MessageType.HANDBACK, MessageType.fromCode(9));
    }

    @Test
    void goldenEncodesToItsBytes() {
        Vectors.assertEncodes(V_HANDBACK);
    }

    @Test
    void withoutTimestampsAndWithFullRangeFieldsRoundTrips() {
        Handback h = new Handback(GoldenMessages.FLOW_V6, 3, SeqNumber.of(0xfffffffe), false, 0, 0xffff, -1L, Long.MIN_VALUE, -2L);
        byte[] d = Vectors.encoder().encode(h);
        MessageDecoder decoder = Vectors.decoder();
        assertEquals(DecodeResult.ACCEPTED, decoder.decode(d, 0, d.length), decoder::describe);
        assertEquals(h, decoder.message().body());
        assertEquals(0, decoder.handback().flags());
        assertEquals("18446744073709551615", Long.toUnsignedString(decoder.handback().bytesClientToServer()));
    }

    @Test
    void unknownFlagsReservedBytesAndATsValWithoutTimestampsAreRejected() {
        MessageDecoder d = assertBadBody(withByte(V_HANDBACK, HandbackFlyweight.FLAGS_OFFSET, 0x03), BodyError.BAD_HANDBACK_FLAGS);
        assertEquals("body: HANDBACK flags: 3 (expected: bit 0 only)", d.describe());
        assertBadBody(withByte(V_HANDBACK, HandbackFlyweight.RESERVED_OFFSET, 1), BodyError.RESERVED_NONZERO);
        // T clear while Last TSval holds a value: the director would continue a clock that does not exist.
        assertBadBody(withByte(V_HANDBACK, HandbackFlyweight.FLAGS_OFFSET, 0), BodyError.TIMESTAMPS_WITHOUT_OPTION);
    }

    @Test
    void valuesTheDecoderWouldRefuseAreRefusedByTheValue() {
        SeqNumber next = SeqNumber.of(1);
        assertThrows(IllegalArgumentException.class, () -> new Handback(GoldenMessages.FLOW_V4, 1, next, false, 5, 0, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Handback(GoldenMessages.FLOW_V4, 1, next, true, 5, 65536, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Handback(GoldenMessages.FLOW_V4, 1, next, true, 5, -1, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Handback(GoldenMessages.FLOW_V4, 1, null, true, 5, 0, 0, 0, 0));
    }
}
