package org.handoff.protocol.message;

import static org.handoff.protocol.message.GoldenMessages.V_HANDOFF_ACK;
import static org.handoff.protocol.message.Vectors.assertBadBody;
import static org.handoff.protocol.message.Vectors.withByte;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class HandoffAckMessageTest {

    @Test
    void goldenDecodesToItsValue() {
        HandoffAckFlyweight ack = Vectors.assertDecodes(V_HANDOFF_ACK).handoffAck();
        assertEquals(GoldenMessages.BOOT | 1, ack.ackedMessageId());
        assertTrue(ack.hasServerIsn());
        assertTrue(ack.hasServerShift());
        assertEquals(0xdeadbeef, ack.serverIsn());
        assertEquals(10, ack.serverShift());
        assertEquals(AddressFamily.IPV6, ack.family());
    }

    @Test
    void goldenEncodesToItsBytes() {
        Vectors.assertEncodes(V_HANDOFF_ACK);
    }

    @Test
    void withoutDiagnosticsRoundTrips() {
        HandoffAck plain = HandoffAck.of(GoldenMessages.FLOW_V4, 42);
        byte[] d = Vectors.encoder().encode(plain);
        assertEquals(116, d.length);
        MessageDecoder decoder = Vectors.decoder();
        assertEquals(DecodeResult.ACCEPTED, decoder.decode(d, 0, d.length), decoder::describe);
        assertFalse(decoder.handoffAck().hasServerIsn());
        assertEquals(plain, decoder.message().body());
    }

    @Test
    void diagnosticValuesWithTheirFlagClearAreRejected() {
        byte[] d = Vectors.load(V_HANDOFF_ACK.file());
        d[HandoffAckFlyweight.DIAGNOSTIC_FLAGS_OFFSET] = HandoffAckFlyweight.FLAG_SERVER_SHIFT;
        assertBadBody(Vectors.reseal(d), BodyError.DIAGNOSTIC_WITHOUT_FLAG);
        d = Vectors.load(V_HANDOFF_ACK.file());
        d[HandoffAckFlyweight.DIAGNOSTIC_FLAGS_OFFSET] = HandoffAckFlyweight.FLAG_SERVER_ISN;
        assertBadBody(Vectors.reseal(d), BodyError.DIAGNOSTIC_WITHOUT_FLAG);
    }

    @Test
    void unknownFlagsShiftAbove14AndReservedBytesAreRejected() {
        assertBadBody(withByte(V_HANDOFF_ACK, HandoffAckFlyweight.DIAGNOSTIC_FLAGS_OFFSET, 0x07), BodyError.BAD_ACK_FLAGS);
        assertBadBody(withByte(V_HANDOFF_ACK, HandoffAckFlyweight.SERVER_SHIFT_OFFSET, 15), BodyError.BAD_WINDOW_SHIFT);
        assertBadBody(withByte(V_HANDOFF_ACK, HandoffAckFlyweight.RESERVED_OFFSET + 1, 1), BodyError.RESERVED_NONZERO);
    }

    @Test
    void fixedLengthIsEnforced() {
        byte[] golden = Vectors.load(V_HANDOFF_ACK.file());
        byte[] longer = java.util.Arrays.copyOf(golden, golden.length + 4);
        new MessageHeaderFlyweight().wrap(longer, 0).totalLength(longer.length);
        MessageDecoder decoder = Vectors.decoder();
        assertEquals(DecodeResult.BAD_LENGTH, decoder.decode(Vectors.reseal(longer), 0, longer.length));
        assertEquals("datagram length: 120 bytes (expected: 116)", decoder.describe());
    }

    @Test
    void valueRejectsShiftAbove14() {
        assertThrows(IllegalArgumentException.class,
                () -> new HandoffAck(GoldenMessages.FLOW_V4, 1, OptionalInt.empty(), OptionalInt.of(15)));
    }
}
