package org.handoff.protocol.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import org.handoff.protocol.testing.TunnelFixtures;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.Ipv4Packet;
import org.junit.jupiter.api.Test;

/**
 * TUNNEL (type 11) through the decoder: the common steps 1-5, then only its body rules (one test
 * per rule), never a MAC, timestamp or duplicate check; and {@link TunnelFrameWriter}'s refusals.
 */
class TunnelMessageTest {
    /** The UDP payload of the table's pure ACK with timestamps: header + a 52-byte inner packet. */
    private static final byte[] GOLDEN = payload(TunnelFixtures.load().get(1).frame());

    private static byte[] payload(byte[] frame) {
        return Arrays.copyOfRange(frame, TunnelFrameWriter.TUNNEL_OFFSET, frame.length);
    }

    private static byte[] with(int offset, int value) {
        byte[] d = GOLDEN.clone();
        d[offset] = (byte) value;
        return d;
    }

    private static MessageDecoder badBody(byte[] d, BodyError expected) {
        MessageDecoder decoder = Vectors.decoder();
        assertEquals(DecodeResult.BAD_BODY, decoder.decode(d, 0, d.length), decoder::describe);
        assertEquals(expected, decoder.bodyError(), decoder::describe);
        assertNull(decoder.type());
        return decoder;
    }

    @Test
    void typeAndLengths() {
        assertEquals(MessageType.TUNNEL, MessageType.fromCode(11));
        assertEquals(56, MessageType.TUNNEL.minLength());
        assertEquals(65_507, MessageType.TUNNEL.maxLength());
        assertTrue(!MessageType.TUNNEL.isSealed() && !MessageType.TUNNEL.hasFlowIdentity());
        assertEquals(44, TunnelFrameWriter.OVERHEAD);
        assertEquals(65_491, TunnelFlyweight.MAX_INNER_LENGTH);
    }

    @Test
    void acceptedWithoutKeyMacTimestampOrDuplicateCheck() {
        // No key in the ring matches anything in it, the clock is far off, and it comes twice: still ACCEPTED.
        HandoffKeys other = HandoffKeys.of(99, 99, GoldenMessages.SECRET);
        ReplayGuard guard = new ReplayGuard(2_000, 500, 1024);
        MessageDecoder decoder = new MessageDecoder(() -> other, guard, () -> 0L);
        for (int i = 0; i < 2; i++) {
            assertEquals(DecodeResult.ACCEPTED, decoder.decode(GOLDEN, 0, GOLDEN.length), decoder::describe);
        }
        assertEquals(MessageType.TUNNEL, decoder.type());
        assertEquals(0x5eed_70ce_0bad_f00dL, decoder.tunnel().flowToken());
        assertEquals(0, guard.remembered(0), "a TUNNEL never takes a place in the replay tables");
        assertEquals("accepted: TUNNEL inner=52B", decoder.describe());
    }

    @Test
    void aTunnelHasNoValueAndNoFlowIdentity() {
        MessageDecoder decoder = Vectors.decoder();
        decoder.decode(GOLDEN, 0, GOLDEN.length);
        IllegalStateException e = assertThrows(IllegalStateException.class, decoder::message);
        assertEquals("message() on a TUNNEL (expected: a sealed message; read tunnel())", e.getMessage());
        assertThrows(IllegalStateException.class, decoder::flow);
        assertThrows(IllegalStateException.class, decoder::handoff);
        assertThrows(IllegalStateException.class, () -> decoder.decodeOrThrow(GOLDEN, 0, GOLDEN.length));
        byte[] handoff = Vectors.load(GoldenMessages.V_HANDOFF_V4.file());
        decoder.decode(handoff, 0, handoff.length);
        assertThrows(IllegalStateException.class, decoder::tunnel);
    }

    @Test
    void theCommonHeaderStepsApply() {
        MessageDecoder decoder = Vectors.decoder();
        assertEquals(DecodeResult.BAD_MAGIC, decoder.decode(with(0, 0x48 + 1), 0, GOLDEN.length));
        assertEquals(DecodeResult.BAD_VERSION, decoder.decode(with(2, 2), 0, GOLDEN.length));
        byte[] d = GOLDEN.clone();
        Bytes.putU16(d, TunnelFlyweight.FLAGS_OFFSET, 1);
        assertEquals(DecodeResult.RESERVED_NONZERO, decoder.decode(d, 0, d.length));
        d = GOLDEN.clone();
        Bytes.putU16(d, TunnelFlyweight.TOTAL_LENGTH_OFFSET, d.length + 1);
        assertEquals(DecodeResult.BAD_LENGTH, decoder.decode(d, 0, d.length));
        assertEquals(DecodeResult.BAD_LENGTH, decoder.decode(new byte[70_000], 0, 65_508));
    }

    @Test
    void shorterThanHeaderAndSmallestInnerPacketIsTruncated() {
        MessageDecoder decoder = Vectors.decoder();
        byte[] d = Arrays.copyOf(GOLDEN, 55);
        Bytes.putU16(d, TunnelFlyweight.TOTAL_LENGTH_OFFSET, 55);
        assertEquals(DecodeResult.TRUNCATED, decoder.decode(d, 0, 55));
        assertEquals("datagram length: 55 bytes (expected: 56+)", decoder.describe());
        // 56 bytes, 40 of them inner: accepted once the inner packet says 40 bytes and has no options.
        byte[] smallest = payload(TunnelFixtures.load().get(0).frame());
        assertEquals(56, smallest.length);
        assertEquals(DecodeResult.ACCEPTED, decoder.decode(smallest, 0, 56), decoder::describe);
    }

    @Test
    void tokenZeroIsRefused() {
        byte[] d = GOLDEN.clone();
        Bytes.putI64(d, TunnelFlyweight.FLOW_TOKEN_OFFSET, 0);
        assertEquals("body: flow token: 0 (expected: not 0)", badBody(d, BodyError.BAD_TOKEN).describe());
    }

    @Test
    void innerPacketMustBeIpv4() {
        MessageDecoder decoder = badBody(with(TunnelFlyweight.INNER_OFFSET, 0x65), BodyError.BAD_INNER_VERSION);
        assertEquals("body: TUNNEL inner packet IP version: 6 (expected: 4)", decoder.describe());
    }

    @Test
    void innerHeaderLengthMustLeaveRoomForTcp() {
        MessageDecoder decoder = badBody(with(TunnelFlyweight.INNER_OFFSET, 0x44), BodyError.BAD_INNER_HEADER_LENGTH);
        assertEquals("body: TUNNEL inner packet IPv4 header length, bytes: 16 (expected: 20..32)", decoder.describe());
        badBody(with(TunnelFlyweight.INNER_OFFSET, 0x49), BodyError.BAD_INNER_HEADER_LENGTH); // 36 + 20 > 52
    }

    @Test
    void innerTotalLengthMustBeTheInnerBytes() {
        byte[] d = GOLDEN.clone();
        Bytes.putU16(d, TunnelFlyweight.INNER_OFFSET + Ipv4Packet.TOTAL_LENGTH_OFFSET, 51);
        assertEquals("body: TUNNEL inner packet IPv4 total length: 51 (expected: 52)",
                badBody(d, BodyError.BAD_INNER_LENGTH).describe());
    }

    @Test
    void innerPacketMustBeTcp() {
        badBody(with(TunnelFlyweight.INNER_OFFSET + Ipv4Packet.PROTOCOL_OFFSET, 17), BodyError.BAD_INNER_PROTOCOL);
    }

    @Test
    void innerFragmentsAreRefused() {
        badBody(with(TunnelFlyweight.INNER_OFFSET + Ipv4Packet.FLAGS_FRAGMENT_OFFSET, 0x20), BodyError.INNER_FRAGMENT); // MF
        byte[] d = GOLDEN.clone();
        Bytes.putU16(d, TunnelFlyweight.INNER_OFFSET + Ipv4Packet.FLAGS_FRAGMENT_OFFSET, 0x4001); // DF, offset 8
        badBody(d, BodyError.INNER_FRAGMENT);
    }

    @Test
    void everyBitFlipIsRefusedOrLeavesAWellFormedTunnel() {
        // No MAC: a flip in the inner packet's payload or checksums is for the stack to catch; the
        // decoder must never throw, and what it accepts must still read inside the datagram.
        MessageDecoder decoder = Vectors.decoder();
        for (int bit = 0; bit < GOLDEN.length * 8; bit++) {
            byte[] d = GOLDEN.clone();
            d[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
            DecodeResult r = decoder.decode(d, 0, d.length);
            if (r == DecodeResult.ACCEPTED) {
                TunnelFlyweight t = decoder.tunnel();
                assertTrue(t.innerOffset() + t.innerHeaderLength() + 4 <= d.length, "bit " + bit);
                assertTrue(bit / 8 >= TunnelFlyweight.FLOW_TOKEN_OFFSET, "bit " + bit + " in the header was accepted");
            }
        }
    }

    @Test
    void theWriterRefusesWhatTheDecoderWouldRefuse() {
        TunnelFrameWriter w = new TunnelFrameWriter();
        byte[] inner = Arrays.copyOfRange(GOLDEN, TunnelFlyweight.INNER_OFFSET, GOLDEN.length);
        byte[] frame = new byte[200];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> w.write(frame, 0, 1, 2, 7070, 0, inner, 0, inner.length));
        assertEquals("flow token 0 (expected: the flow's token, not 0)", e.getMessage());
        byte[] udp = inner.clone();
        udp[Ipv4Packet.PROTOCOL_OFFSET] = 17;
        e = assertThrows(IllegalArgumentException.class, () -> w.write(frame, 0, 1, 2, 7070, 1, udp, 0, udp.length));
        assertEquals("inner packet body: TUNNEL inner packet protocol: 17 (expected: 6 (TCP))", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> w.write(frame, 0, 1, 2, 7070, 1, inner, 0, inner.length - 1));
        assertThrows(IllegalArgumentException.class, () -> w.write(frame, 0, 1, 2, 7070, 1, inner, 0, 39));
        assertThrows(IllegalArgumentException.class, () -> w.write(frame, 0, 1, 2, 0, 1, inner, 0, inner.length));
        assertThrows(IllegalArgumentException.class, () -> w.write(new byte[95], 0, 1, 2, 7070, 1, inner, 0, inner.length));
        assertEquals(96, w.write(new byte[96], 0, 1, 2, 7070, 1, inner, 0, inner.length));
    }

    @Test
    void writeAndDecodeAllocateNothingPerPacket() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        TunnelFrameWriter writer = new TunnelFrameWriter();
        MessageDecoder decoder = Vectors.decoder();
        byte[] inner = Arrays.copyOfRange(GOLDEN, TunnelFlyweight.INNER_OFFSET, GOLDEN.length);
        byte[] frame = new byte[2048];
        long sum = run(writer, decoder, inner, frame, 30_000);
        long before = threads.getCurrentThreadAllocatedBytes();
        sum += run(writer, decoder, inner, frame, 10_000);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(sum != 0);
        assertTrue(allocated < 1024, "allocated " + allocated + " bytes over 10,000 TUNNEL writes and decodes");
    }

    private static long run(TunnelFrameWriter writer, MessageDecoder decoder, byte[] inner, byte[] frame, int packets) {
        long sum = 0;
        for (int i = 0; i < packets; i++) {
            int n = writer.write(frame, 0, 0x0a000001, 0x0a000002, 7070, i + 1L, inner, 0, inner.length);
            if (decoder.decode(frame, TunnelFrameWriter.TUNNEL_OFFSET, n - TunnelFrameWriter.TUNNEL_OFFSET) != DecodeResult.ACCEPTED) {
                throw new AssertionError(decoder.describe());
            }
            TunnelFlyweight t = decoder.tunnel();
            sum += t.flowToken() + t.innerClientPort() + t.innerVipIpv4();
        }
        return sum;
    }
}
