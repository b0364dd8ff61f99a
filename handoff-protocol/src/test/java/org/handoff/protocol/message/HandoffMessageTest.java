package org.handoff.protocol.message;

import static org.handoff.protocol.message.GoldenMessages.HANDOFF_V4;
import static org.handoff.protocol.message.GoldenMessages.V_HANDOFF_V4;
import static org.handoff.protocol.message.GoldenMessages.V_HANDOFF_V6;
import static org.handoff.protocol.message.Vectors.assertBadBody;
import static org.handoff.protocol.message.Vectors.withByte;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.wire.Bytes;
import org.junit.jupiter.api.Test;

class HandoffMessageTest {

    @Test
    void goldenIpv4DecodesToItsValue() {
        Vectors.assertDecodes(V_HANDOFF_V4);
    }

    @Test
    void goldenIpv4EncodesToItsBytes() {
        Vectors.assertEncodes(V_HANDOFF_V4);
    }

    @Test
    void goldenIpv6WithoutOptionsDecodesToItsValue() {
        Vectors.assertDecodes(V_HANDOFF_V6);
    }

    @Test
    void goldenIpv6WithoutOptionsEncodesToItsBytes() {
        Vectors.assertEncodes(V_HANDOFF_V6);
    }

    @Test
    void viewReadsEveryFieldWithoutDecodingAValue() {
        MessageDecoder decoder = Vectors.assertDecodes(V_HANDOFF_V4);
        HandoffFlyweight h = decoder.handoff();
        assertEquals(AddressFamily.IPV4, h.family());
        assertEquals(Bytes.parseIpv4("198.18.0.10"), h.clientIpv4());
        assertEquals(40000, h.clientPort());
        assertEquals(Bytes.parseIpv4("198.18.1.1"), h.vipIpv4());
        assertEquals(80, h.vipPort());
        assertEquals(Bytes.parseIpv4("198.18.2.10"), h.originIpv4());
        assertEquals(8080, h.originPort());
        assertEquals(1, h.attempt());
        assertEquals(0x11223344, h.clientIsn());
        assertEquals(0x55667788, h.directorIsn());
        assertEquals(SeqNumber.add(0x11223344, 1 + GoldenMessages.REQUEST.length), h.clientNextSeq());
        assertEquals(0x55667789, h.directorNextSeq());
        assertEquals(502, h.clientWindow());
        assertEquals(1460, h.clientMss());
        assertTrue(h.windowScaling());
        assertEquals(7, h.clientShift());
        assertEquals(7, h.directorShift());
        assertTrue(h.sackPermitted());
        assertTrue(h.timestamps());
        assertEquals(0x01020304, h.tsRecent());
        assertEquals(0x0a0b0c0d, h.directorTsVal());
        assertEquals(GoldenMessages.REQUEST.length, h.requestLength());
        assertArrayEquals(GoldenMessages.REQUEST, Arrays.copyOfRange(h.buffer(), h.requestBufferOffset(),
                h.requestBufferOffset() + h.requestLength()));
        assertTrue(h.isFlow(GoldenMessages.FLOW_V4));
        assertFalse(h.isFlow(GoldenMessages.FLOW_V6));
        assertTrue(h.toString().contains("198.18.0.10:40000->198.18.1.1:80"), h::toString);
    }

    @Test
    void ipv6ViewReportsOptionsOff() {
        HandoffFlyweight h = Vectors.assertDecodes(V_HANDOFF_V6).handoff();
        assertEquals(AddressFamily.IPV6, h.family());
        assertFalse(h.windowScaling());
        assertFalse(h.timestamps());
        assertFalse(h.sackPermitted());
        assertEquals(GoldenMessages.ip("2001:db8::10"), h.clientAddress());
        assertEquals(GoldenMessages.ip("2001:db8::2:10"), h.originAddress());
    }

    @Test
    void unknownAddressFamilyIsABadBody() {
        assertBadBody(withByte(V_HANDOFF_V4, FlowMessageFlyweight.FAMILY_OFFSET, 5), BodyError.BAD_ADDRESS_FAMILY);
    }

    @Test
    void reservedBytesMustBeZero() {
        assertBadBody(withByte(V_HANDOFF_V4, FlowMessageFlyweight.FLOW_OFFSET + FlowIdentity.RESERVED_OFFSET, 1), BodyError.RESERVED_NONZERO);
        assertBadBody(withByte(V_HANDOFF_V4, FlowMessageFlyweight.FLOW_OFFSET + FlowIdentity.RESERVED2_OFFSET + 1, 1), BodyError.RESERVED_NONZERO);
        assertBadBody(withByte(V_HANDOFF_V4, HandoffFlyweight.RESERVED_OFFSET, 0x80), BodyError.RESERVED_NONZERO);
        MessageDecoder d = assertBadBody(withByte(V_HANDOFF_V4, HandoffFlyweight.REQUEST_RESERVED_OFFSET, 1), BodyError.RESERVED_NONZERO);
        assertEquals(HandoffFlyweight.REQUEST_RESERVED_OFFSET, d.measured());
    }

    @Test
    void zeroPortsAreBadBodies() {
        byte[] d = Vectors.load(V_HANDOFF_V4.file());
        Bytes.putU16(d, HandoffFlyweight.ORIGIN_PORT_OFFSET, 0);
        assertBadBody(Vectors.reseal(d), BodyError.BAD_PORT);
        d = Vectors.load(V_HANDOFF_V4.file());
        Bytes.putU16(d, FlowMessageFlyweight.CLIENT_PORT_OFFSET, 0);
        assertBadBody(Vectors.reseal(d), BodyError.BAD_PORT);
    }

    @Test
    void ipv4AddressPaddingMustBeZero() {
        MessageDecoder d = assertBadBody(withByte(V_HANDOFF_V4, FlowMessageFlyweight.CLIENT_ADDRESS_OFFSET + 15, 1),
                BodyError.ADDRESS_PADDING_NONZERO);
        assertEquals(FlowMessageFlyweight.CLIENT_ADDRESS_OFFSET + 15, d.measured());
        assertBadBody(withByte(V_HANDOFF_V4, HandoffFlyweight.ORIGIN_ADDRESS_OFFSET + 4, 1), BodyError.ADDRESS_PADDING_NONZERO);
    }

    @Test
    void ipv4MappedAddressInAnIpv6FlowIsRejected() {
        byte[] d = Vectors.load(V_HANDOFF_V6.file());
        byte[] mapped = Bytes.fromHex("00000000000000000000ffffc612000a");
        System.arraycopy(mapped, 0, d, FlowMessageFlyweight.CLIENT_ADDRESS_OFFSET, 16);
        assertBadBody(Vectors.reseal(d), BodyError.MAPPED_IPV6_ADDRESS);
    }

    @Test
    void attemptAndMssMustBeNonZero() {
        byte[] d = Vectors.load(V_HANDOFF_V4.file());
        Bytes.putU16(d, HandoffFlyweight.ATTEMPT_OFFSET, 0);
        assertBadBody(Vectors.reseal(d), BodyError.BAD_ATTEMPT);
        d = Vectors.load(V_HANDOFF_V4.file());
        Bytes.putU16(d, HandoffFlyweight.CLIENT_MSS_OFFSET, 0);
        assertBadBody(Vectors.reseal(d), BodyError.BAD_MSS);
    }

    @Test
    void unknownOptionBitsAreRejected() {
        assertBadBody(withByte(V_HANDOFF_V4, HandoffFlyweight.OPTIONS_OFFSET, 0x0f), BodyError.BAD_OPTION_FLAGS);
    }

    @Test
    void windowShiftsAbove14AreRejectedAndNonZeroShiftsNeedTheOption() {
        MessageDecoder d = assertBadBody(withByte(V_HANDOFF_V4, HandoffFlyweight.CLIENT_SHIFT_OFFSET, 15), BodyError.BAD_WINDOW_SHIFT);
        assertEquals("body: window-scale shift: 15 (expected: 0..14, or 0 when window scaling is off)", d.describe());
        assertBadBody(withByte(V_HANDOFF_V4, HandoffFlyweight.DIRECTOR_SHIFT_OFFSET, 0xff), BodyError.BAD_WINDOW_SHIFT);
        assertBadBody(withByte(V_HANDOFF_V6, HandoffFlyweight.DIRECTOR_SHIFT_OFFSET, 1), BodyError.BAD_WINDOW_SHIFT);
        // Shift 14 is the RFC 7323 maximum and is accepted.
        MessageDecoder ok = Vectors.decoder();
        byte[] fourteen = withByte(V_HANDOFF_V4, HandoffFlyweight.CLIENT_SHIFT_OFFSET, 14);
        assertEquals(DecodeResult.ACCEPTED, ok.decode(fourteen, 0, fourteen.length), ok::describe);
    }

    @Test
    void timestampValuesWithTimestampsOffAreRejected() {
        assertBadBody(withByte(V_HANDOFF_V6, HandoffFlyweight.TS_RECENT_OFFSET, 1), BodyError.TIMESTAMPS_WITHOUT_OPTION);
        assertBadBody(withByte(V_HANDOFF_V6, HandoffFlyweight.DIRECTOR_TSVAL_OFFSET + 3, 1), BodyError.TIMESTAMPS_WITHOUT_OPTION);
    }

    @Test
    void requestLengthMustMatchTheBytesPresent() {
        byte[] d = Vectors.load(V_HANDOFF_V4.file());
        Bytes.putU16(d, HandoffFlyweight.REQUEST_LENGTH_OFFSET, GoldenMessages.REQUEST.length + 1);
        MessageDecoder decoder = assertBadBody(Vectors.reseal(d), BodyError.BAD_REQUEST_LENGTH);
        assertEquals("body: request length field: 47 (expected: 46)", decoder.describe());
    }

    @Test
    void largestRequestFillsTheLargestDatagram() {
        byte[] request = new byte[HandoffFlyweight.MAX_REQUEST_LENGTH];
        Arrays.fill(request, (byte) 'x');
        Handoff big = withRequest(request);
        assertEquals(HandoffProtocol.MAX_DATAGRAM_LENGTH, big.encodedLength());
        byte[] datagram = Vectors.encoder().encode(big);
        MessageDecoder decoder = Vectors.decoder();
        assertEquals(DecodeResult.ACCEPTED, decoder.decode(datagram, 0, datagram.length), decoder::describe);
        assertEquals(big, decoder.message().body());
        assertThrows(IllegalArgumentException.class, () -> withRequest(new byte[HandoffFlyweight.MAX_REQUEST_LENGTH + 1]));
    }

    @Test
    void emptyRequestIsAllowed() {
        Handoff empty = withRequest(new byte[0]);
        byte[] datagram = Vectors.encoder().encode(empty);
        assertEquals(MessageType.HANDOFF.minLength(), datagram.length);
        MessageDecoder decoder = Vectors.decoder();
        assertEquals(DecodeResult.ACCEPTED, decoder.decode(datagram, 0, datagram.length), decoder::describe);
    }

    @Test
    void valuesRejectWhatTheDecoderWouldReject() {
        assertThrows(IllegalArgumentException.class, () -> new NegotiatedOptions(1460, 15, 7, true, true, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new NegotiatedOptions(1460, 7, NegotiatedOptions.NO_WINDOW_SCALING, true, true, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new NegotiatedOptions(1460, 7, 7, true, false, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new NegotiatedOptions(0, 7, 7, true, true, 1, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Handoff(HANDOFF_V4.flow(),
                GoldenMessages.ip("2001:db8::1"), 80, 1, HANDOFF_V4.clientIsn(), HANDOFF_V4.directorIsn(), HANDOFF_V4.clientNextSeq(),
                HANDOFF_V4.directorNextSeq(), 0, HANDOFF_V4.options(), HANDOFF_V4.flowToken(), new byte[0]));
        assertEquals("origin address 2001:db8:0:0:0:0:0:1 (expected: family IPV4)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Handoff(HANDOFF_V4.flow(), HANDOFF_V4.originAddress(), 80, 0,
                HANDOFF_V4.clientIsn(), HANDOFF_V4.directorIsn(), HANDOFF_V4.clientNextSeq(), HANDOFF_V4.directorNextSeq(), 0,
                HANDOFF_V4.options(), HANDOFF_V4.flowToken(), new byte[0]));
        e = assertThrows(IllegalArgumentException.class, () -> new Handoff(HANDOFF_V4.flow(), HANDOFF_V4.originAddress(), 80, 1,
                HANDOFF_V4.clientIsn(), HANDOFF_V4.directorIsn(), HANDOFF_V4.clientNextSeq(), HANDOFF_V4.directorNextSeq(), 0,
                HANDOFF_V4.options(), 0, new byte[0]));
        assertEquals("flow token 0 (expected: not 0; 0 marks no token)", e.getMessage());
    }

    @Test
    void zeroFlowTokenIsRejected() {
        byte[] d = Vectors.load(V_HANDOFF_V4.file());
        Bytes.putI64(d, HandoffFlyweight.FLOW_TOKEN_OFFSET, 0);
        MessageDecoder decoder = assertBadBody(Vectors.reseal(d), BodyError.BAD_TOKEN);
        assertEquals("body: flow token: 0 (expected: not 0)", decoder.describe());
        // Any other value is a token, the top bit included: it is 64 opaque bits, not a number.
        Bytes.putI64(d, HandoffFlyweight.FLOW_TOKEN_OFFSET, Long.MIN_VALUE);
        MessageDecoder accepting = Vectors.decoder();
        assertEquals(DecodeResult.ACCEPTED, accepting.decode(Vectors.reseal(d), 0, d.length), accepting::describe);
        assertEquals(Long.MIN_VALUE, accepting.handoff().flowToken());
    }

    @Test
    void flowTokenIsKeptOutOfTheLogText() {
        String token = Long.toHexString(HANDOFF_V4.flowToken());
        assertFalse(HANDOFF_V4.toString().contains(token), HANDOFF_V4::toString);
        MessageDecoder decoder = Vectors.assertDecodes(V_HANDOFF_V4);
        assertFalse(decoder.handoff().toString().contains(token), decoder.handoff()::toString);
    }

    @Test
    void requestIsCopiedInAndOut() {
        byte[] request = "abc".getBytes();
        Handoff h = withRequest(request);
        request[0] = 'z';
        assertEquals('a', h.request()[0]);
        h.request()[1] = 'z';
        assertEquals('b', h.request()[1]);
    }

    private static Handoff withRequest(byte[] request) {
        Handoff h = HANDOFF_V4;
        return new Handoff(h.flow(), h.originAddress(), h.originPort(), h.attempt(), h.clientIsn(), h.directorIsn(),
                h.clientNextSeq(), h.directorNextSeq(), h.clientWindow(), h.options(), h.flowToken(), request);
    }
}
