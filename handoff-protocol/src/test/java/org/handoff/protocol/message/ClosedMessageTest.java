package org.handoff.protocol.message;

import static org.handoff.protocol.message.GoldenMessages.V_CLOSED;
import static org.handoff.protocol.message.Vectors.assertBadBody;
import static org.handoff.protocol.message.Vectors.withByte;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ClosedMessageTest {

    @Test
    void goldenDecodesToItsValue() {
        ClosedFlyweight c = Vectors.assertDecodes(V_CLOSED).closed();
        assertEquals(1234, c.bytesClientToServer());
        assertEquals(5_000_000, c.bytesServerToClient());
        assertEquals(1500, c.durationMillis());
        assertEquals(CloseReason.FIN, c.reason());
    }

    @Test
    void goldenEncodesToItsBytes() {
        Vectors.assertEncodes(V_CLOSED);
    }

    @Test
    void countersAreFullUnsigned64Bit() {
        Closed huge = new Closed(GoldenMessages.FLOW_V4, -1L, Long.MIN_VALUE, -2L, CloseReason.IDLE_TIMEOUT);
        byte[] d = Vectors.encoder().encode(huge);
        MessageDecoder decoder = Vectors.decoder();
        assertEquals(DecodeResult.ACCEPTED, decoder.decode(d, 0, d.length), decoder::describe);
        assertEquals(huge, decoder.message().body());
        assertEquals("18446744073709551615", Long.toUnsignedString(decoder.closed().bytesClientToServer()));
    }

    @Test
    void unknownReasonsAndReservedBytesAreRejected() {
        assertBadBody(withByte(V_CLOSED, ClosedFlyweight.REASON_OFFSET, 6), BodyError.BAD_REASON);
        assertBadBody(withByte(V_CLOSED, ClosedFlyweight.RESERVED_OFFSET + 1, 1), BodyError.RESERVED_NONZERO);
    }
}
