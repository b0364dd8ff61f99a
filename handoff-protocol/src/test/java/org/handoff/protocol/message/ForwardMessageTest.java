package org.handoff.protocol.message;

import static org.handoff.protocol.message.GoldenMessages.FLOW_V4;
import static org.handoff.protocol.message.GoldenMessages.V_FORWARD;
import static org.handoff.protocol.message.Vectors.assertBadBody;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.handoff.protocol.wire.Bytes;
import org.junit.jupiter.api.Test;

class ForwardMessageTest {
    private static final int OVERHEAD = ForwardFlyweight.FIRST_ENTRY_OFFSET + HandoffProtocol.MAC_LENGTH;

    private static ForwardEncoder encoder(int maxDatagramLength) {
        HandoffKeys keys = GoldenMessages.keys();
        return new ForwardEncoder(new MessageSealer(() -> keys, MessageIdGenerator.withBootId(0x1a2b3c4d), () -> GoldenMessages.TIMESTAMP),
                maxDatagramLength);
    }

    private static byte[] packet(int length, int seed) {
        byte[] p = new byte[length];
        for (int i = 0; i < length; i++) {
            p[i] = (byte) (seed + i);
        }
        return p;
    }

    @Test
    void goldenDecodesToItsValue() {
        MessageDecoder decoder = Vectors.assertDecodes(V_FORWARD);
        assertEquals(2, decoder.forward().packetCount());
    }

    @Test
    void goldenEncodesToItsBytes() {
        Vectors.assertEncodes(V_FORWARD);
    }

    @Test
    void forwardEncoderProducesTheGoldenBytesToo() {
        byte[] golden = Vectors.load(V_FORWARD.file());
        byte[] buffer = new byte[HandoffProtocol.MAX_DATAGRAM_LENGTH + 20];
        Arrays.fill(buffer, Vectors.SENTINEL);
        ForwardEncoder e = encoder(HandoffProtocol.MAX_DATAGRAM_LENGTH);
        e.begin(buffer, 7, FLOW_V4);
        assertEquals(ForwardEncoder.Append.APPENDED, e.append(GoldenMessages.PACKET_ACK, 0, GoldenMessages.PACKET_ACK.length));
        assertEquals(ForwardEncoder.Append.APPENDED, e.append(GoldenMessages.PACKET_DATA, 0, GoldenMessages.PACKET_DATA.length));
        int length = e.seal(V_FORWARD.messageId(), GoldenMessages.KEY_ID, GoldenMessages.TIMESTAMP);
        assertEquals(Bytes.hex(golden, 0, golden.length), Bytes.hex(buffer, 7, length));
        Vectors.assertSentinel(buffer, 0, 7);
        Vectors.assertSentinel(buffer, 7 + length, buffer.length);
    }

    @Test
    void cursorIteratesEveryPacketInOrderWithoutCopying() {
        MessageDecoder decoder = Vectors.assertDecodes(V_FORWARD);
        ForwardPacketCursor c = decoder.forwardPackets();
        List<byte[]> seen = new ArrayList<>();
        while (c.next()) {
            assertEquals(decoder.header().buffer(), c.buffer());
            seen.add(Arrays.copyOfRange(c.buffer(), c.packetOffset(), c.packetOffset() + c.packetLength()));
        }
        assertEquals(2, seen.size());
        assertArrayEquals(GoldenMessages.PACKET_ACK, seen.get(0));
        assertArrayEquals(GoldenMessages.PACKET_DATA, seen.get(1));
        c.rewind();
        assertEquals(true, c.next());
        assertEquals(GoldenMessages.PACKET_ACK.length, c.packetLength());
    }

    @Test
    void packsExactlyUpToTheBudgetThenReportsFull() {
        int budget = OVERHEAD + 2 * (2 + 40);
        ForwardEncoder e = encoder(budget);
        byte[] buffer = new byte[budget];
        e.begin(buffer, 0, FLOW_V4);
        assertEquals(ForwardEncoder.Append.APPENDED, e.append(packet(40, 1), 0, 40));
        assertEquals(ForwardEncoder.Append.APPENDED, e.append(packet(40, 2), 0, 40));
        assertEquals(budget, e.length());
        assertEquals(ForwardEncoder.Append.FULL, e.append(packet(1, 3), 0, 1));
        int length = e.seal();
        assertEquals(budget, length);
        MessageDecoder decoder = Vectors.decoder();
        assertEquals(DecodeResult.ACCEPTED, decoder.decode(buffer, 0, length), decoder::describe);
        assertEquals(2, decoder.forward().packetCount());
    }

    @Test
    void packetLargerThanAnEmptyDatagramIsTooLarge() {
        int budget = 200;
        ForwardEncoder e = encoder(budget);
        int largest = budget - OVERHEAD - 2;
        assertEquals(largest, e.maxPacketLength());
        e.begin(new byte[budget], 0, FLOW_V4);
        assertEquals(ForwardEncoder.Append.TOO_LARGE, e.append(new byte[largest + 1], 0, largest + 1));
        assertEquals(ForwardEncoder.Append.APPENDED, e.append(new byte[largest], 0, largest));
        assertEquals(budget, e.seal());
        assertThrows(IllegalArgumentException.class, () -> e.append(new byte[0], 0, 0));
    }

    @Test
    void defaultBudgetSplitsAStreamOfPacketsIntoDatagramsThatAllDecode() {
        ForwardEncoder e = encoder(HandoffProtocol.MAX_DATAGRAM_LENGTH);
        assertEquals(65_401, e.maxPacketLength());
        byte[] buffer = new byte[HandoffProtocol.MAX_DATAGRAM_LENGTH];
        List<byte[]> sent = new ArrayList<>();
        List<byte[]> received = new ArrayList<>();
        MessageDecoder decoder = Vectors.decoder();
        e.begin(buffer, 0, FLOW_V4);
        for (int i = 0; i < 200; i++) {
            byte[] p = packet(1500 - (i % 7) * 100, i);
            sent.add(p);
            if (e.append(p, 0, p.length) == ForwardEncoder.Append.FULL) {
                drain(e.seal(), buffer, decoder, received);
                e.begin(buffer, 0, FLOW_V4);
                assertEquals(ForwardEncoder.Append.APPENDED, e.append(p, 0, p.length));
            }
        }
        drain(e.seal(), buffer, decoder, received);
        assertEquals(sent.size(), received.size());
        for (int i = 0; i < sent.size(); i++) {
            assertArrayEquals(sent.get(i), received.get(i), "packet " + i);
        }
    }

    private static void drain(int length, byte[] buffer, MessageDecoder decoder, List<byte[]> received) {
        assertEquals(DecodeResult.ACCEPTED, decoder.decode(buffer, 0, length), decoder::describe);
        for (ForwardPacketCursor c = decoder.forwardPackets(); c.next(); ) {
            received.add(Arrays.copyOfRange(c.buffer(), c.packetOffset(), c.packetOffset() + c.packetLength()));
        }
    }

    @Test
    void largestPacketAtDefaultBudgetRoundTrips() {
        ForwardEncoder e = encoder(HandoffProtocol.MAX_DATAGRAM_LENGTH);
        byte[] buffer = new byte[HandoffProtocol.MAX_DATAGRAM_LENGTH];
        byte[] p = packet(e.maxPacketLength(), 9);
        e.begin(buffer, 0, FLOW_V4);
        assertEquals(ForwardEncoder.Append.APPENDED, e.append(p, 0, p.length));
        int length = e.seal();
        assertEquals(HandoffProtocol.MAX_DATAGRAM_LENGTH, length);
        MessageDecoder decoder = Vectors.decoder();
        assertEquals(DecodeResult.ACCEPTED, decoder.decode(buffer, 0, length), decoder::describe);
        assertEquals(e.lastMessageId(), decoder.header().messageId());
    }

    @Test
    void sealingAnEmptyDatagramIsACallerError() {
        ForwardEncoder e = encoder(1000);
        e.begin(new byte[1000], 0, FLOW_V4);
        assertThrows(IllegalStateException.class, e::seal);
        assertThrows(IllegalArgumentException.class, () -> e.begin(new byte[999], 0, FLOW_V4));
        assertThrows(IllegalArgumentException.class, () -> encoder(OVERHEAD + 2));
        assertThrows(IllegalArgumentException.class, () -> encoder(HandoffProtocol.MAX_DATAGRAM_LENGTH + 1));
    }

    @Test
    void packetCountMustMatchTheEntries() {
        byte[] d = Vectors.load(V_FORWARD.file());
        Bytes.putU16(d, ForwardFlyweight.PACKET_COUNT_OFFSET, 3);
        MessageDecoder decoder = assertBadBody(Vectors.reseal(d), BodyError.BAD_PACKET_COUNT);
        assertEquals("body: FORWARD packet count: 3 (expected: 2)", decoder.describe());
        d = Vectors.load(V_FORWARD.file());
        Bytes.putU16(d, ForwardFlyweight.PACKET_COUNT_OFFSET, 0);
        assertBadBody(Vectors.reseal(d), BodyError.BAD_PACKET_COUNT);
    }

    @Test
    void entriesMustTileTheBodyExactly() {
        int first = ForwardFlyweight.FIRST_ENTRY_OFFSET;
        byte[] d = Vectors.load(V_FORWARD.file());
        Bytes.putU16(d, first, 0);
        assertBadBody(Vectors.reseal(d), BodyError.BAD_PACKET_LENGTH);
        d = Vectors.load(V_FORWARD.file());
        Bytes.putU16(d, first, 0xffff);
        assertBadBody(Vectors.reseal(d), BodyError.BAD_PACKET_LENGTH);
        // First entry one byte longer: the second entry's length field then starts one byte late and overruns.
        d = Vectors.load(V_FORWARD.file());
        Bytes.putU16(d, first, GoldenMessages.PACKET_ACK.length + 1);
        assertBadBody(Vectors.reseal(d), BodyError.BAD_PACKET_LENGTH);
        // Second entry one byte shorter: one byte dangles before the MAC.
        d = Vectors.load(V_FORWARD.file());
        Bytes.putU16(d, first + 2 + GoldenMessages.PACKET_ACK.length, GoldenMessages.PACKET_DATA.length - 1);
        assertBadBody(Vectors.reseal(d), BodyError.FORWARD_TRAILING_BYTES);
    }

    @Test
    void reservedBytesMustBeZero() {
        assertBadBody(Vectors.withByte(V_FORWARD, ForwardFlyweight.RESERVED_OFFSET, 1), BodyError.RESERVED_NONZERO);
    }

    @Test
    void forwardWithNoEntriesIsRejected() {
        byte[] d = new byte[MessageType.FORWARD.minLength()];
        System.arraycopy(Vectors.load(V_FORWARD.file()), 0, d, 0, ForwardFlyweight.FIRST_ENTRY_OFFSET);
        new MessageHeaderFlyweight().wrap(d, 0).totalLength(d.length);
        Bytes.putU16(d, ForwardFlyweight.PACKET_COUNT_OFFSET, 0);
        assertBadBody(Vectors.reseal(d), BodyError.BAD_PACKET_COUNT);
    }

    @Test
    void valueCopiesPackets() {
        byte[] p = packet(10, 0);
        Forward f = new Forward(FLOW_V4, List.of(p));
        p[0] = 99;
        assertEquals(0, f.packets().get(0)[0]);
        assertThrows(IllegalArgumentException.class, () -> new Forward(FLOW_V4, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new Forward(FLOW_V4, List.of(new byte[0])));
        assertFalse(f.equals(new Forward(FLOW_V4, List.of(packet(10, 1)))));
    }
}
