package org.handoff.protocol.message;

import static org.handoff.protocol.message.GoldenMessages.KEY_ID;
import static org.handoff.protocol.message.GoldenMessages.SECRET;
import static org.handoff.protocol.message.GoldenMessages.TIMESTAMP;
import static org.handoff.protocol.message.GoldenMessages.V_HANDOFF_V4;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.handoff.protocol.wire.Bytes;
import org.junit.jupiter.api.Test;

/** The receiver steps common to all types: lengths, header fields, keys, MAC, replay. */
class MessageDecoderTest {

    @Test
    void truncatedAtEveryLengthIsRejectedWithTheRightReason() {
        for (GoldenMessages.Vector v : GoldenMessages.ALL) {
            byte[] golden = Vectors.load(v.file());
            MessageDecoder decoder = Vectors.decoder();
            for (int length = 0; length < golden.length; length++) {
                DecodeResult r = decoder.decode(golden, 0, length);
                // Below header + MAC nothing is read; above it the header's length disagrees.
                DecodeResult expected = length < HandoffProtocol.MIN_DATAGRAM_LENGTH ? DecodeResult.TRUNCATED : DecodeResult.BAD_LENGTH;
                assertEquals(expected, r, v.file() + " cut to " + length);
            }
        }
    }

    @Test
    void truncatedWithAConsistentHeaderIsStillRejected() {
        // A sender that wrote a short datagram and sealed it: length and MAC agree, the layout does not.
        for (GoldenMessages.Vector v : GoldenMessages.ALL) {
            byte[] golden = Vectors.load(v.file());
            MessageDecoder decoder = Vectors.decoder();
            for (int length = HandoffProtocol.MIN_DATAGRAM_LENGTH; length < golden.length; length++) {
                byte[] d = Arrays.copyOf(golden, length);
                new MessageHeaderFlyweight().wrap(d, 0).totalLength(length);
                DecodeResult r = decoder.decode(Vectors.reseal(d), 0, length);
                assertTrue(r == DecodeResult.TRUNCATED || r == DecodeResult.BAD_BODY, v.file() + " cut to " + length + ": " + r);
            }
        }
    }

    @Test
    void shortDatagramMessageGivesMeasuredAgainstExpected() {
        MessageDecoder decoder = Vectors.decoder();
        assertEquals(DecodeResult.TRUNCATED, decoder.decode(new byte[12], 0, 12));
        assertEquals("datagram length: 12 bytes (expected: 60+)", decoder.describe());
        assertEquals(12, decoder.measured());
        assertEquals("60+", decoder.expected());
        HandoffProtocolException e = assertThrows(HandoffProtocolException.class, () -> decoder.decodeOrThrow(new byte[12], 0, 12));
        assertEquals("datagram length: 12 bytes (expected: 60+)", e.getMessage());
        assertEquals(DecodeResult.TRUNCATED, e.result());
        assertEquals(12, e.measured());
        assertEquals("60+", e.expected());
    }

    @Test
    void typeShorterThanItsFixedPartIsTruncated() {
        byte[] d = Arrays.copyOf(Vectors.load(V_HANDOFF_V4.file()), 100);
        new MessageHeaderFlyweight().wrap(d, 0).totalLength(100);
        MessageDecoder decoder = Vectors.decoder();
        assertEquals(DecodeResult.TRUNCATED, decoder.decode(d, 0, 100));
        assertEquals("datagram length: 100 bytes (expected: 164+)", decoder.describe());
    }

    @Test
    void impossibleLengthsAreRejectedNotThrown() {
        MessageDecoder decoder = Vectors.decoder();
        byte[] golden = Vectors.load(V_HANDOFF_V4.file());
        assertEquals(DecodeResult.BAD_LENGTH, decoder.decode(null, 0, 10));
        assertEquals(DecodeResult.BAD_LENGTH, decoder.decode(golden, 0, -1));
        assertEquals(DecodeResult.BAD_LENGTH, decoder.decode(golden, -1, 10));
        assertEquals(DecodeResult.BAD_LENGTH, decoder.decode(golden, 10, golden.length));
        assertEquals(DecodeResult.BAD_LENGTH, decoder.decode(golden, Integer.MAX_VALUE, Integer.MAX_VALUE));
        assertEquals(DecodeResult.BAD_LENGTH, decoder.decode(new byte[70_000], 0, 65_508));
        assertEquals("datagram length: 65508 bytes (expected: 60..65507)", decoder.describe());
        for (int claimed : new int[] {0, 59, 60, golden.length - 1, golden.length + 1, 0xffff}) {
            byte[] d = golden.clone();
            new MessageHeaderFlyweight().wrap(d, 0).totalLength(claimed);
            assertEquals(DecodeResult.BAD_LENGTH, decoder.decode(d, 0, d.length), "claimed " + claimed);
        }
        byte[] d = golden.clone();
        new MessageHeaderFlyweight().wrap(d, 0).totalLength(0xffff);
        decoder.decode(d, 0, d.length);
        assertEquals("datagram length: 210 bytes (expected: 65535)", decoder.describe());
    }

    @Test
    void datagramInsideALargerBufferDecodesAtItsOffset() {
        byte[] golden = Vectors.load(V_HANDOFF_V4.file());
        byte[] buffer = new byte[golden.length + 100];
        Arrays.fill(buffer, (byte) 0x5a);
        System.arraycopy(golden, 0, buffer, 37, golden.length);
        MessageDecoder decoder = Vectors.decoder();
        assertEquals(DecodeResult.ACCEPTED, decoder.decode(buffer, 37, golden.length), decoder::describe);
        assertEquals(GoldenMessages.HANDOFF_V4, decoder.message().body());
    }

    @Test
    void everySingleBitFlipIsRejected() {
        for (GoldenMessages.Vector v : GoldenMessages.ALL) {
            byte[] golden = Vectors.load(v.file());
            MessageDecoder decoder = Vectors.decoder();
            for (int bit = 0; bit < golden.length * 8; bit++) {
                byte[] d = golden.clone();
                d[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
                DecodeResult r = decoder.decode(d, 0, d.length);
                assertEquals(expectedForFlipAt(bit / 8, d[MessageHeaderFlyweight.TYPE_OFFSET], r), r, v.file() + " bit " + bit);
            }
        }
    }

    /** Which check catches a flip in a given byte: the header's own checks first, the MAC for the rest. */
    private static DecodeResult expectedForFlipAt(int offset, byte typeAfterFlip, DecodeResult actual) {
        if (offset < 2) {
            return DecodeResult.BAD_MAGIC;
        }
        if (offset == 2) {
            return DecodeResult.BAD_VERSION;
        }
        if (offset == 3 && typeAfterFlip == MessageType.TUNNEL.code()) {
            // From 9 or 10: TUNNEL has no MAC, and its body rules refuse a sealed message's bytes.
            return DecodeResult.BAD_BODY;
        }
        if (offset == 3) {
            // Another type code: unknown, or a known type whose length rules or MAC then fail.
            return actual == DecodeResult.UNKNOWN_TYPE || actual == DecodeResult.TRUNCATED || actual == DecodeResult.BAD_LENGTH
                    ? actual : DecodeResult.BAD_MAC;
        }
        if (offset < 6) {
            return DecodeResult.BAD_LENGTH;
        }
        if (offset < 8) {
            return DecodeResult.RESERVED_NONZERO;
        }
        if (offset >= 16 && offset < 20) {
            return DecodeResult.UNKNOWN_KEY;
        }
        return DecodeResult.BAD_MAC;
    }

    @Test
    void wrongMagicVersionAndFlagsNameWhatTheyFound() {
        byte[] golden = Vectors.load(V_HANDOFF_V4.file());
        MessageDecoder decoder = Vectors.decoder();
        byte[] d = golden.clone();
        Bytes.putU16(d, MessageHeaderFlyweight.MAGIC_OFFSET, 0x4850);
        assertEquals(DecodeResult.BAD_MAGIC, decoder.decode(d, 0, d.length));
        assertEquals("magic: 0x4850 (expected: 0x484f)", decoder.describe());
        d = golden.clone();
        d[MessageHeaderFlyweight.VERSION_OFFSET] = 2;
        assertEquals(DecodeResult.BAD_VERSION, decoder.decode(d, 0, d.length));
        assertEquals("version: 2 (expected: 1)", decoder.describe());
        d = golden.clone();
        Bytes.putU16(d, MessageHeaderFlyweight.FLAGS_OFFSET, 0x0100);
        assertEquals(DecodeResult.RESERVED_NONZERO, decoder.decode(Vectors.reseal(d), 0, d.length));
        assertEquals("header flags (reserved): 0x100 (expected: 0)", decoder.describe());
        d = golden.clone();
        d[MessageHeaderFlyweight.TYPE_OFFSET] = 12;
        assertEquals(DecodeResult.UNKNOWN_TYPE, decoder.decode(d, 0, d.length));
        assertEquals("message type: 12 (expected: 1..11)", decoder.describe());
        d[MessageHeaderFlyweight.TYPE_OFFSET] = 0;
        assertEquals(DecodeResult.UNKNOWN_TYPE, decoder.decode(d, 0, d.length));
    }

    @Test
    void unknownKeyIdIsTypedAndNamed() {
        byte[] golden = Vectors.load(V_HANDOFF_V4.file());
        HandoffKeys other = HandoffKeys.of(8, 8, SECRET);
        MessageDecoder decoder = new MessageDecoder(() -> other, null, () -> TIMESTAMP);
        assertEquals(DecodeResult.UNKNOWN_KEY, decoder.decode(golden, 0, golden.length));
        assertEquals("key id: 7 (expected: a key id in the key ring)", decoder.describe());
        HandoffProtocolException e = assertThrows(HandoffProtocolException.class, () -> decoder.decodeOrThrow(golden, 0, golden.length));
        assertEquals(DecodeResult.UNKNOWN_KEY, e.result());
        assertEquals(7, e.measured());
    }

    @Test
    void sameKeyIdWithAnotherSecretFailsTheMac() {
        byte[] golden = Vectors.load(V_HANDOFF_V4.file());
        byte[] otherSecret = SECRET.clone();
        otherSecret[31] ^= 1;
        HandoffKeys keys = HandoffKeys.of(KEY_ID, KEY_ID, otherSecret);
        MessageDecoder decoder = new MessageDecoder(() -> keys, null, () -> TIMESTAMP);
        assertEquals(DecodeResult.BAD_MAC, decoder.decode(golden, 0, golden.length));
        assertEquals("HMAC-SHA256 mismatch under key id: 7 (expected: the HMAC of the bytes before it)", decoder.describe());
    }

    @Test
    void keyRotationOverlapsOldAndNewKeys() {
        byte[] oldSecret = SECRET;
        byte[] newSecret = new byte[48];
        Arrays.fill(newSecret, (byte) 0x42);
        AtomicLong clock = new AtomicLong(TIMESTAMP);
        // Step 1: everyone knows key 7 only.
        AtomicReference<HandoffKeys> senderKeys = new AtomicReference<>(HandoffKeys.of(7, 7, oldSecret));
        AtomicReference<HandoffKeys> receiverKeys = new AtomicReference<>(HandoffKeys.of(7, 7, oldSecret));
        MessageEncoder sender = new MessageEncoder(new MessageSealer(senderKeys::get, new MessageIdGenerator(), clock::get));
        MessageDecoder receiver = new MessageDecoder(receiverKeys::get, new ReplayGuard(2000, 500, 1024), clock::get);
        byte[] before = sender.encode(GoldenMessages.ABORT);
        assertEquals(DecodeResult.ACCEPTED, receiver.decode(before, 0, before.length));
        // Step 2: the receiver learns key 8 (still sending with 7); old-key messages still pass.
        receiverKeys.set(HandoffKeys.of(7, 7, oldSecret, 8, newSecret));
        byte[] stillOld = sender.encode(GoldenMessages.ABORT);
        assertEquals(7, new MessageHeaderFlyweight().wrap(stillOld, 0).keyId());
        assertEquals(DecodeResult.ACCEPTED, receiver.decode(stillOld, 0, stillOld.length));
        // Step 3: the sender switches to key 8; the same encoder object picks up the reload.
        senderKeys.set(HandoffKeys.of(8, 7, oldSecret, 8, newSecret));
        byte[] switched = sender.encode(GoldenMessages.ABORT);
        assertEquals(8, new MessageHeaderFlyweight().wrap(switched, 0).keyId());
        assertEquals(DecodeResult.ACCEPTED, receiver.decode(switched, 0, switched.length));
        // A message signed with 7 before the switch, arriving late, is still accepted during the overlap.
        byte[] lateOld = Vectors.encoder().encode(GoldenMessages.CLOSED);
        assertEquals(DecodeResult.ACCEPTED, receiver.decode(lateOld, 0, lateOld.length));
        // Step 4: key 7 is retired; its messages become UNKNOWN_KEY.
        receiverKeys.set(HandoffKeys.of(8, 8, newSecret));
        byte[] retired = Vectors.encoder().encode(GoldenMessages.HEARTBEAT);
        assertEquals(DecodeResult.UNKNOWN_KEY, receiver.decode(retired, 0, retired.length));
        byte[] current = sender.encode(GoldenMessages.HEARTBEAT);
        assertEquals(DecodeResult.ACCEPTED, receiver.decode(current, 0, current.length));
    }

    @Test
    void duplicateIsReportedWithValidViewsAndNeverAcceptedTwice() {
        byte[] golden = Vectors.load(V_HANDOFF_V4.file());
        MessageDecoder decoder = Vectors.decoder();
        assertEquals(DecodeResult.ACCEPTED, decoder.decode(golden, 0, golden.length));
        assertEquals(DecodeResult.DUPLICATE, decoder.decode(golden, 0, golden.length));
        // The receiver answers a duplicate again: it can still read what it needs.
        assertEquals(GoldenMessages.BOOT | 1, decoder.header().messageId());
        assertTrue(decoder.handoff().isFlow(GoldenMessages.FLOW_V4));
        assertEquals(DecodeResult.DUPLICATE, decoder.decode(golden, 0, golden.length));
        assertEquals(1, decoder.count(DecodeResult.ACCEPTED));
        assertEquals(2, decoder.count(DecodeResult.DUPLICATE));
        HandoffProtocolException e = assertThrows(HandoffProtocolException.class, () -> decoder.decodeOrThrow(golden, 0, golden.length));
        assertEquals(DecodeResult.DUPLICATE, e.result());
    }

    @Test
    void forgedOrMalformedDatagramsDoNotOccupyTheReplayTable() {
        byte[] golden = Vectors.load(V_HANDOFF_V4.file());
        ReplayGuard guard = new ReplayGuard(2000, 500, 1024);
        HandoffKeys keys = GoldenMessages.keys();
        MessageDecoder decoder = new MessageDecoder(() -> keys, guard, () -> TIMESTAMP);
        byte[] forged = golden.clone();
        forged[forged.length - 1] ^= 1;
        assertEquals(DecodeResult.BAD_MAC, decoder.decode(forged, 0, forged.length));
        byte[] badBody = Vectors.withByte(V_HANDOFF_V4, HandoffFlyweight.CLIENT_SHIFT_OFFSET, 15);
        assertEquals(DecodeResult.BAD_BODY, decoder.decode(badBody, 0, badBody.length));
        assertEquals(0, guard.remembered(TIMESTAMP));
        assertEquals(DecodeResult.ACCEPTED, decoder.decode(golden, 0, golden.length));
        assertEquals(1, guard.remembered(TIMESTAMP));
    }

    @Test
    void staleAtTheWindowEdgesIncludingClockSkew() {
        byte[] golden = Vectors.load(V_HANDOFF_V4.file());
        long tolerance = 2_000 + 500;
        long[] accepted = {TIMESTAMP - tolerance, TIMESTAMP + tolerance, TIMESTAMP};
        long[] stale = {TIMESTAMP - tolerance - 1, TIMESTAMP + tolerance + 1, 0, Long.MAX_VALUE, Long.MIN_VALUE};
        for (long now : accepted) {
            MessageDecoder decoder = Vectors.decoder(new AtomicLong(now));
            assertEquals(DecodeResult.ACCEPTED, decoder.decode(golden, 0, golden.length), "now=" + now);
        }
        for (long now : stale) {
            MessageDecoder decoder = Vectors.decoder(new AtomicLong(now));
            assertEquals(DecodeResult.STALE, decoder.decode(golden, 0, golden.length), "now=" + now);
        }
        MessageDecoder decoder = Vectors.decoder(new AtomicLong(TIMESTAMP + tolerance + 1));
        decoder.decode(golden, 0, golden.length);
        assertEquals("sender timestamp minus receiver clock, ms: -2501 (expected: -2500..2500)", decoder.describe());
    }

    @Test
    void withoutAReplayGuardTimestampsAndDuplicatesAreNotChecked() {
        byte[] golden = Vectors.load(V_HANDOFF_V4.file());
        HandoffKeys keys = GoldenMessages.keys();
        MessageDecoder decoder = new MessageDecoder(() -> keys, null, () -> 0);
        assertEquals(DecodeResult.ACCEPTED, decoder.decode(golden, 0, golden.length));
        assertEquals(DecodeResult.ACCEPTED, decoder.decode(golden, 0, golden.length));
    }

    @Test
    void viewsAreRefusedAfterARejection() {
        MessageDecoder decoder = Vectors.decoder();
        assertNull(decoder.result());
        decoder.decode(new byte[3], 0, 3);
        assertNull(decoder.type());
        assertThrows(IllegalStateException.class, decoder::handoff);
        assertThrows(IllegalStateException.class, decoder::message);
        byte[] golden = Vectors.load(V_HANDOFF_V4.file());
        decoder.decode(golden, 0, golden.length);
        assertThrows(IllegalStateException.class, decoder::forward);
        assertEquals(MessageType.HANDOFF, decoder.type());
    }

    @Test
    void randomGarbageNeverThrowsAndIsNeverAccepted() {
        Random random = new Random(1);
        MessageDecoder decoder = Vectors.decoder();
        for (int i = 0; i < 20_000; i++) {
            byte[] d = new byte[random.nextInt(300)];
            random.nextBytes(d);
            if (d.length >= 6 && random.nextBoolean()) {
                Bytes.putU16(d, 0, HandoffProtocol.MAGIC);
                d[2] = 1;
                Bytes.putU16(d, 4, d.length);
            }
            assertFalse(decoder.decode(d, 0, d.length).isAuthentic());
            assertNotEquals("", decoder.describe());
        }
    }

    @Test
    void everyResultHasAMessage() {
        for (DecodeResult r : DecodeResult.values()) {
            assertFalse(r.what().isEmpty());
        }
        for (BodyError e : BodyError.values()) {
            assertFalse(e.what().isEmpty());
        }
    }
}
