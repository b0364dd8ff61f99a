package org.handoff.protocol.message;

import static org.handoff.protocol.message.HandoffProtocol.MAC_LENGTH;
import static org.handoff.protocol.message.HandoffProtocol.MAX_WINDOW_SHIFT;

import java.net.InetAddress;
import org.handoff.protocol.wire.Bytes;

/**
 * View over a HANDOFF (type 1): everything the agent needs to recreate the client's connection
 * against its local stack, and the request bytes the client has sent so far.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Common header (28 bytes), then flow identity (40 bytes)   |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        Origin Address (16 bytes, same family as the flow)     | 68
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Origin Port          |        Attempt (1..)          | 84
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 Client ISN (ci)                               | 88
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 Director ISN (di)                             | 92
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        Client Next Sequence (director's RCV.NXT)              | 96
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        Director Next Sequence (director's SND.NXT)            | 100
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Client Window (raw 16 bits)  |          Client MSS           | 104
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Client Shift  | Director Shift|0 0 0 0 0|W|T|S| Reserved (0)  | 108
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          TS.Recent (client's last TSval, 0 if T clear)        | 112
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Director TSval at hand-off (0 if T clear)            | 116
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               | 120
 * +                  Flow Token (64 bits, not 0)                  +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        Request Length         |         Reserved (0)          | 128
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Request bytes (Request Length bytes) ...             | 132
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       MAC (32 bytes)                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Options: S (bit 0, 0x01) SACK permitted; T (bit 1, 0x02) timestamps;
 *          W (bit 2, 0x04) window scaling, both shifts 0..14 (both 0 when W is clear).
 * </pre>
 *
 * <p>The flow token authenticates the flow's TUNNEL packets ({@link TunnelFlyweight}), which
 * carry no MAC: the director draws it per HANDOFF attempt, and this sealed message is the only
 * place it travels besides those packets (docs/handoff-protocol.md, section 3.11).
 */
public final class HandoffFlyweight extends FlowMessageFlyweight {
    public static final int ORIGIN_ADDRESS_OFFSET = FLOW_END_OFFSET;
    public static final int ORIGIN_PORT_OFFSET = 84;
    public static final int ATTEMPT_OFFSET = 86;
    public static final int CLIENT_ISN_OFFSET = 88;
    public static final int DIRECTOR_ISN_OFFSET = 92;
    public static final int CLIENT_NEXT_SEQ_OFFSET = 96;
    public static final int DIRECTOR_NEXT_SEQ_OFFSET = 100;
    public static final int CLIENT_WINDOW_OFFSET = 104;
    public static final int CLIENT_MSS_OFFSET = 106;
    public static final int CLIENT_SHIFT_OFFSET = 108;
    public static final int DIRECTOR_SHIFT_OFFSET = 109;
    public static final int OPTIONS_OFFSET = 110;
    public static final int RESERVED_OFFSET = 111;
    public static final int TS_RECENT_OFFSET = 112;
    public static final int DIRECTOR_TSVAL_OFFSET = 116;
    public static final int FLOW_TOKEN_OFFSET = 120;
    public static final int REQUEST_LENGTH_OFFSET = 128;
    public static final int REQUEST_RESERVED_OFFSET = 130;
    public static final int REQUEST_OFFSET = 132;

    public static final int OPTION_SACK_PERMITTED = 0x01;
    public static final int OPTION_TIMESTAMPS = 0x02;
    public static final int OPTION_WINDOW_SCALE = 0x04;
    private static final int KNOWN_OPTIONS = OPTION_SACK_PERMITTED | OPTION_TIMESTAMPS | OPTION_WINDOW_SCALE;

    /** Most request bytes one HANDOFF carries: the largest datagram minus header, fixed body and MAC. */
    public static final int MAX_REQUEST_LENGTH = HandoffProtocol.MAX_DATAGRAM_LENGTH - REQUEST_OFFSET - MAC_LENGTH;

    @Override
    public HandoffFlyweight wrap(byte[] buffer, int offset) {
        super.wrap(buffer, offset);
        return this;
    }

    public InetAddress originAddress() {
        return AddressFields.read(family(), buffer, offset + ORIGIN_ADDRESS_OFFSET);
    }

    public int originIpv4() {
        return Bytes.i32(buffer, offset + ORIGIN_ADDRESS_OFFSET);
    }

    public int originPort() {
        return Bytes.u16(buffer, offset + ORIGIN_PORT_OFFSET);
    }

    public int attempt() {
        return Bytes.u16(buffer, offset + ATTEMPT_OFFSET);
    }

    /** Sequence-number fields are the raw 32 bits; do arithmetic through SeqNumber. */
    public int clientIsn() {
        return Bytes.i32(buffer, offset + CLIENT_ISN_OFFSET);
    }

    public int directorIsn() {
        return Bytes.i32(buffer, offset + DIRECTOR_ISN_OFFSET);
    }

    public int clientNextSeq() {
        return Bytes.i32(buffer, offset + CLIENT_NEXT_SEQ_OFFSET);
    }

    public int directorNextSeq() {
        return Bytes.i32(buffer, offset + DIRECTOR_NEXT_SEQ_OFFSET);
    }

    /** The window field of the client's last segment, unscaled. */
    public int clientWindow() {
        return Bytes.u16(buffer, offset + CLIENT_WINDOW_OFFSET);
    }

    public int clientMss() {
        return Bytes.u16(buffer, offset + CLIENT_MSS_OFFSET);
    }

    public int options() {
        return Bytes.u8(buffer, offset + OPTIONS_OFFSET);
    }

    public boolean sackPermitted() {
        return (options() & OPTION_SACK_PERMITTED) != 0;
    }

    public boolean timestamps() {
        return (options() & OPTION_TIMESTAMPS) != 0;
    }

    public boolean windowScaling() {
        return (options() & OPTION_WINDOW_SCALE) != 0;
    }

    public int clientShift() {
        return Bytes.u8(buffer, offset + CLIENT_SHIFT_OFFSET);
    }

    public int directorShift() {
        return Bytes.u8(buffer, offset + DIRECTOR_SHIFT_OFFSET);
    }

    public int tsRecent() {
        return Bytes.i32(buffer, offset + TS_RECENT_OFFSET);
    }

    public int directorTsVal() {
        return Bytes.i32(buffer, offset + DIRECTOR_TSVAL_OFFSET);
    }

    /** The flow's TUNNEL token: 64 opaque bits, compared as they are, never 0 in an accepted HANDOFF. */
    public long flowToken() {
        return Bytes.i64(buffer, offset + FLOW_TOKEN_OFFSET);
    }

    public int requestLength() {
        return Bytes.u16(buffer, offset + REQUEST_LENGTH_OFFSET);
    }

    /** Absolute offset of the request bytes in {@link #buffer()}. */
    public int requestBufferOffset() {
        return offset + REQUEST_OFFSET;
    }

    // Setters, for encoders. Each writes one field and returns this.

    public HandoffFlyweight originAddress(InetAddress address) {
        AddressFields.write(address, buffer, offset + ORIGIN_ADDRESS_OFFSET);
        return this;
    }

    public HandoffFlyweight originPort(int port) {
        Bytes.putU16(buffer, offset + ORIGIN_PORT_OFFSET, port);
        return this;
    }

    public HandoffFlyweight attempt(int attempt) {
        Bytes.putU16(buffer, offset + ATTEMPT_OFFSET, attempt);
        return this;
    }

    public HandoffFlyweight clientIsn(int isn) {
        Bytes.putI32(buffer, offset + CLIENT_ISN_OFFSET, isn);
        return this;
    }

    public HandoffFlyweight directorIsn(int isn) {
        Bytes.putI32(buffer, offset + DIRECTOR_ISN_OFFSET, isn);
        return this;
    }

    public HandoffFlyweight clientNextSeq(int seq) {
        Bytes.putI32(buffer, offset + CLIENT_NEXT_SEQ_OFFSET, seq);
        return this;
    }

    public HandoffFlyweight directorNextSeq(int seq) {
        Bytes.putI32(buffer, offset + DIRECTOR_NEXT_SEQ_OFFSET, seq);
        return this;
    }

    public HandoffFlyweight clientWindow(int window) {
        Bytes.putU16(buffer, offset + CLIENT_WINDOW_OFFSET, window);
        return this;
    }

    public HandoffFlyweight clientMss(int mss) {
        Bytes.putU16(buffer, offset + CLIENT_MSS_OFFSET, mss);
        return this;
    }

    public HandoffFlyweight clientShift(int shift) {
        Bytes.putU8(buffer, offset + CLIENT_SHIFT_OFFSET, shift);
        return this;
    }

    public HandoffFlyweight directorShift(int shift) {
        Bytes.putU8(buffer, offset + DIRECTOR_SHIFT_OFFSET, shift);
        return this;
    }

    /** Sets the option bits and clears the reserved byte after them. */
    public HandoffFlyweight options(int options) {
        Bytes.putU8(buffer, offset + OPTIONS_OFFSET, options);
        Bytes.putU8(buffer, offset + RESERVED_OFFSET, 0);
        return this;
    }

    public HandoffFlyweight tsRecent(int tsVal) {
        Bytes.putI32(buffer, offset + TS_RECENT_OFFSET, tsVal);
        return this;
    }

    public HandoffFlyweight directorTsVal(int tsVal) {
        Bytes.putI32(buffer, offset + DIRECTOR_TSVAL_OFFSET, tsVal);
        return this;
    }

    public HandoffFlyweight flowToken(long token) {
        Bytes.putI64(buffer, offset + FLOW_TOKEN_OFFSET, token);
        return this;
    }

    /** Copies the request bytes after the fixed body and sets the length field (reserved bytes zeroed). */
    public HandoffFlyweight request(byte[] src, int srcOffset, int length) {
        Bytes.putU16(buffer, offset + REQUEST_LENGTH_OFFSET, length);
        Bytes.putU16(buffer, offset + REQUEST_RESERVED_OFFSET, 0);
        System.arraycopy(src, srcOffset, buffer, offset + REQUEST_OFFSET, length);
        return this;
    }

    @Override
    boolean checkBody(int length, DecodeFailure failure) {
        if (!super.checkBody(length, failure)) {
            return false;
        }
        AddressFamily family = family();
        int options = options();
        int requestRoom = length - REQUEST_OFFSET - MAC_LENGTH;
        boolean ok = AddressFields.check(family, buffer, offset, ORIGIN_ADDRESS_OFFSET, failure)
                && FlowIdentity.checkPort(buffer, offset + ORIGIN_PORT_OFFSET, failure)
                && (attempt() != 0 || failure.body(BodyError.BAD_ATTEMPT, 0))
                && (clientMss() != 0 || failure.body(BodyError.BAD_MSS, 0))
                && ((options & ~KNOWN_OPTIONS) == 0 || failure.body(BodyError.BAD_OPTION_FLAGS, options))
                && AddressFields.checkZero(buffer, offset, RESERVED_OFFSET, 1, failure)
                && AddressFields.checkZero(buffer, offset, REQUEST_RESERVED_OFFSET, 2, failure)
                && checkShift(clientShift(), options, failure)
                && checkShift(directorShift(), options, failure)
                && ((options & OPTION_TIMESTAMPS) != 0 || checkNoTimestamps(failure))
                && (flowToken() != 0 || failure.body(BodyError.BAD_TOKEN, 0));
        return ok && (requestLength() == requestRoom
                || failure.body(BodyError.BAD_REQUEST_LENGTH, requestLength(), requestRoom, requestRoom));
    }

    private static boolean checkShift(int shift, int options, DecodeFailure failure) {
        int max = (options & OPTION_WINDOW_SCALE) != 0 ? MAX_WINDOW_SHIFT : 0;
        return shift <= max || failure.body(BodyError.BAD_WINDOW_SHIFT, shift);
    }

    private boolean checkNoTimestamps(DecodeFailure failure) {
        return (tsRecent() == 0 || failure.body(BodyError.TIMESTAMPS_WITHOUT_OPTION, tsRecent() & 0xffff_ffffL))
                && (directorTsVal() == 0 || failure.body(BodyError.TIMESTAMPS_WITHOUT_OPTION, directorTsVal() & 0xffff_ffffL));
    }

    @Override
    public String toString() {
        return super.toString() + " HANDOFF{origin port=" + originPort() + ", attempt=" + attempt()
                + ", ci=" + (clientIsn() & 0xffff_ffffL) + ", di=" + (directorIsn() & 0xffff_ffffL)
                + ", rcv.nxt=" + (clientNextSeq() & 0xffff_ffffL) + ", snd.nxt=" + (directorNextSeq() & 0xffff_ffffL)
                + ", wnd=" + clientWindow() + ", mss=" + clientMss() + ", options=0x" + Integer.toHexString(options())
                + ", wc=" + clientShift() + ", wd=" + directorShift() + ", request=" + requestLength() + "B}";
    }
}
