package org.handoff.protocol.message;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.handoff.protocol.wire.Bytes;

/** Loads committed vectors and drives the both-ways golden checks shared by the per-type tests. */
final class Vectors {
    private Vectors() {
    }

    static final byte SENTINEL = (byte) 0xA5;

    /** The committed bytes of a vector file: hex, '#' comment lines ignored. */
    static byte[] load(String file) {
        try (InputStream in = Vectors.class.getResourceAsStream("/vectors/messages/" + file)) {
            assertNotNull(in, "missing test resource vectors/messages/" + file);
            StringBuilder hex = new StringBuilder();
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                if (!line.startsWith("#")) {
                    hex.append(line);
                }
            }
            return Bytes.fromHex(hex);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A decoder with the test key, a fresh replay guard and a clock at the vectors' timestamp. */
    static MessageDecoder decoder() {
        return decoder(new AtomicLong(GoldenMessages.TIMESTAMP));
    }

    static MessageDecoder decoder(AtomicLong clock) {
        HandoffKeys keys = GoldenMessages.keys();
        return new MessageDecoder(() -> keys, new ReplayGuard(2_000, 500, 1024), clock::get);
    }

    static MessageEncoder encoder() {
        HandoffKeys keys = GoldenMessages.keys();
        return new MessageEncoder(new MessageSealer(() -> keys, MessageIdGenerator.withBootId(0x1a2b3c4d),
                () -> GoldenMessages.TIMESTAMP));
    }

    /** Decodes the committed bytes: accepted, equal to the value, and re-encoding gives the same bytes. */
    static MessageDecoder assertDecodes(GoldenMessages.Vector v) {
        byte[] golden = load(v.file());
        MessageDecoder decoder = decoder();
        assertEquals(DecodeResult.ACCEPTED, decoder.decode(golden, 0, golden.length), decoder::describe);
        Message m = decoder.message();
        assertEquals(v.body(), m.body());
        assertEquals(v.messageId(), m.messageId());
        assertEquals(GoldenMessages.KEY_ID, m.keyId());
        assertEquals(GoldenMessages.TIMESTAMP, m.timestampMillis());
        assertArrayEquals(golden, encoder().encode(m));
        return decoder;
    }

    /** Encodes the value into a sentinel-filled buffer at an odd offset: exactly the committed bytes, sentinel intact around them. */
    static void assertEncodes(GoldenMessages.Vector v) {
        byte[] golden = load(v.file());
        int offset = 13;
        byte[] buffer = new byte[offset + golden.length + 64];
        Arrays.fill(buffer, SENTINEL);
        int length = encoder().encode(v.body(), v.messageId(), GoldenMessages.KEY_ID, GoldenMessages.TIMESTAMP, buffer, offset);
        assertEquals(golden.length, length);
        assertEquals(golden.length, v.body().encodedLength());
        assertEquals(Bytes.hex(golden, 0, golden.length), Bytes.hex(buffer, offset, length));
        assertSentinel(buffer, 0, offset);
        assertSentinel(buffer, offset + length, buffer.length);
    }

    static void assertSentinel(byte[] buffer, int from, int to) {
        for (int i = from; i < to; i++) {
            assertEquals(SENTINEL, buffer[i], "sentinel overwritten at " + i);
        }
    }

    /** Recomputes the MAC of a datagram with the test key, keeping its header values: for body-rule tests. */
    static byte[] reseal(byte[] datagram) {
        HandoffKeys keys = GoldenMessages.keys();
        MessageHeaderFlyweight h = new MessageHeaderFlyweight().wrap(datagram, 0);
        new MessageSealer(() -> keys, MessageIdGenerator.withBootId(1), () -> 0)
                .seal(datagram, 0, datagram.length, h.messageId(), GoldenMessages.KEY_ID, h.timestampMillis());
        return datagram;
    }

    /** The vector with one body byte changed and the MAC recomputed: only the body rules can reject it. */
    static byte[] withByte(GoldenMessages.Vector v, int offset, int value) {
        byte[] d = load(v.file());
        d[offset] = (byte) value;
        return reseal(d);
    }

    /** Decodes and expects BAD_BODY for the given rule. */
    static MessageDecoder assertBadBody(byte[] datagram, BodyError expected) {
        MessageDecoder decoder = decoder();
        assertEquals(DecodeResult.BAD_BODY, decoder.decode(datagram, 0, datagram.length), decoder::describe);
        assertEquals(expected, decoder.bodyError(), decoder::describe);
        return decoder;
    }
}
