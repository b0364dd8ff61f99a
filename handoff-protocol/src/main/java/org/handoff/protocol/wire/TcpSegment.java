package org.handoff.protocol.wire;

import org.handoff.protocol.checksum.InternetChecksum;

/**
 * A view over a TCP header, its options and payload (RFC 9293 3.1).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                        Sequence Number                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Acknowledgment Number                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Data |     |A|C|E|U|A|P|R|S|F|                               |
 * | Offset| Rsv |E|W|C|R|C|S|S|Y|I|            Window             |
 * |       |     | |R|E|G|K|H|T|N|N|                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           Checksum            |         Urgent Pointer        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options                    |    Padding    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * The wrapped length is the transport length (the IP payload length), so the payload ends
 * where the IP packet ends. {@link #check()} validates the data offset and walks the options
 * once; a segment that passes has every option inside the header with a sane length, and
 * {@link #parseOptions(TcpOptions)} cannot fail on it.
 */
public final class TcpSegment extends WireView<TcpSegment> {
    public static final int SOURCE_PORT_OFFSET = 0;
    public static final int DESTINATION_PORT_OFFSET = 2;
    /** Both ports: the bytes that name a segment's endpoints, as sharding reads them. */
    public static final int PORTS_LENGTH = 4;
    public static final int SEQ_OFFSET = 4;
    public static final int ACK_OFFSET = 8;
    public static final int DATA_OFFSET_OFFSET = 12;
    public static final int FLAGS_OFFSET = 13;
    public static final int WINDOW_OFFSET = 14;
    public static final int CHECKSUM_OFFSET = 16;
    public static final int URGENT_OFFSET = 18;
    public static final int OPTIONS_OFFSET = 20;
    public static final int MIN_HEADER_LENGTH = 20;
    public static final int MAX_HEADER_LENGTH = 60;

    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;
    public static final int ECE = 0x40;
    public static final int CWR = 0x80;

    /** Data offset and option layout; {@code null} when valid. */
    @Override
    public WireError check() {
        if (length < MIN_HEADER_LENGTH) {
            return fail(WireError.TRUNCATED_TCP_HEADER, length, MIN_HEADER_LENGTH + "+ bytes");
        }
        int hl = headerLength();
        if (hl < MIN_HEADER_LENGTH || hl > length) {
            return fail(WireError.BAD_DATA_OFFSET, hl, MIN_HEADER_LENGTH + ".." + Math.min(MAX_HEADER_LENGTH, length) + " bytes");
        }
        return TcpOptions.walk(buffer, offset + OPTIONS_OFFSET, offset + hl, null, this);
    }

    /**
     * Fills {@code out} from this segment's options (offsets and values). Call after a
     * successful {@link #check()}; on an unchecked segment it may return an error instead.
     */
    public WireError parseOptions(TcpOptions out) {
        return TcpOptions.walk(buffer, offset + OPTIONS_OFFSET, offset + headerLength(), out, this);
    }

    public int sourcePort() {
        return Bytes.u16(buffer, offset + SOURCE_PORT_OFFSET);
    }

    public TcpSegment sourcePort(int port) {
        Bytes.putU16(buffer, offset + SOURCE_PORT_OFFSET, port);
        return this;
    }

    public int destinationPort() {
        return Bytes.u16(buffer, offset + DESTINATION_PORT_OFFSET);
    }

    public TcpSegment destinationPort(int port) {
        Bytes.putU16(buffer, offset + DESTINATION_PORT_OFFSET, port);
        return this;
    }

    /** Sequence number bits; do arithmetic with {@link org.handoff.protocol.seq.SeqNumber}. */
    public int seq() {
        return Bytes.i32(buffer, offset + SEQ_OFFSET);
    }

    public TcpSegment seq(int seq) {
        Bytes.putI32(buffer, offset + SEQ_OFFSET, seq);
        return this;
    }

    public int ack() {
        return Bytes.i32(buffer, offset + ACK_OFFSET);
    }

    public TcpSegment ack(int ack) {
        Bytes.putI32(buffer, offset + ACK_OFFSET, ack);
        return this;
    }

    public int headerLength() {
        return ((buffer[offset + DATA_OFFSET_OFFSET] >> 4) & 0xf) * 4;
    }

    /** Sets the data offset, keeping the reserved bits and the AE flag. */
    public TcpSegment headerLength(int headerLength) {
        int i = offset + DATA_OFFSET_OFFSET;
        buffer[i] = (byte) (((headerLength / 4) << 4) | (buffer[i] & 0x0f));
        return this;
    }

    /** The eight classic flag bits (CWR..FIN). */
    public int flags() {
        return buffer[offset + FLAGS_OFFSET] & 0xff;
    }

    public TcpSegment flags(int flags) {
        buffer[offset + FLAGS_OFFSET] = (byte) flags;
        return this;
    }

    public boolean syn() {
        return (flags() & SYN) != 0;
    }

    public boolean ackFlag() {
        return (flags() & ACK) != 0;
    }

    public boolean fin() {
        return (flags() & FIN) != 0;
    }

    public boolean rst() {
        return (flags() & RST) != 0;
    }

    /** The raw 16-bit window field, before any window-scale shift. */
    public int window() {
        return Bytes.u16(buffer, offset + WINDOW_OFFSET);
    }

    public TcpSegment window(int window) {
        Bytes.putU16(buffer, offset + WINDOW_OFFSET, window);
        return this;
    }

    public int checksum() {
        return Bytes.u16(buffer, offset + CHECKSUM_OFFSET);
    }

    public TcpSegment checksum(int checksum) {
        Bytes.putU16(buffer, offset + CHECKSUM_OFFSET, checksum);
        return this;
    }

    public int urgentPointer() {
        return Bytes.u16(buffer, offset + URGENT_OFFSET);
    }

    public TcpSegment urgentPointer(int v) {
        Bytes.putU16(buffer, offset + URGENT_OFFSET, v);
        return this;
    }

    /** Absolute index of the payload in {@link #buffer()}. */
    public int payloadOffset() {
        return offset + headerLength();
    }

    public int payloadLength() {
        return length - headerLength();
    }

    /** Sequence space this segment occupies: payload plus one each for SYN and FIN. */
    public int sequenceLength() {
        int f = flags();
        return payloadLength() + ((f & SYN) != 0 ? 1 : 0) + ((f & FIN) != 0 ? 1 : 0);
    }

    /** Checksum this segment should carry under the given pseudo-header sum (own field counts as zero). */
    public int computeChecksum(long pseudoHeaderSum) {
        return InternetChecksum.transport(buffer, offset, length, offset + CHECKSUM_OFFSET, pseudoHeaderSum);
    }

    public TcpSegment fillChecksum(long pseudoHeaderSum) {
        return checksum(computeChecksum(pseudoHeaderSum));
    }

    public boolean verifyChecksum(long pseudoHeaderSum) {
        return InternetChecksum.verify(buffer, offset, length, pseudoHeaderSum);
    }

    /**
     * True when the checksum field holds only the folded pseudo-header sum
     * ({@link InternetChecksum#partial}): what Linux leaves in a segment under checksum offload
     * for the device to complete, and what a capture on the sending host records. 0 and 0xffff,
     * ones' complement's two zeros, count as the same value.
     */
    public boolean hasPartialChecksum(long pseudoHeaderSum) {
        return onesComplementZeroAsZero(checksum()) == onesComplementZeroAsZero(InternetChecksum.partial(pseudoHeaderSum));
    }

    private static int onesComplementZeroAsZero(int sum) {
        return sum == 0xffff ? 0 : sum;
    }

    public static String flagsToString(int flags) {
        StringBuilder sb = new StringBuilder(8);
        if ((flags & SYN) != 0) sb.append('S');
        if ((flags & FIN) != 0) sb.append('F');
        if ((flags & RST) != 0) sb.append('R');
        if ((flags & PSH) != 0) sb.append('P');
        if ((flags & ACK) != 0) sb.append('.');
        if ((flags & URG) != 0) sb.append('U');
        if ((flags & ECE) != 0) sb.append('E');
        if ((flags & CWR) != 0) sb.append('W');
        return sb.toString();
    }

    @Override
    public String toString() {
        if (check() != null) {
            return "TCP[malformed " + length + " bytes]";
        }
        return "TCP[" + sourcePort() + " > " + destinationPort() + " [" + flagsToString(flags()) + "] seq="
                + (seq() & 0xffffffffL) + " ack=" + (ack() & 0xffffffffL) + " win=" + window()
                + " hl=" + headerLength() + " len=" + payloadLength() + "]";
    }
}
