package org.handoff.protocol.wire;

/**
 * A TCP header's value, for building segments: the director's SYN-ACKs, ACKs and answers,
 * the agent's SYN and ACKs towards its local stack, and test packets.
 *
 * <p>Mutable and reusable on purpose: a sender keeps one and refills it per packet, so
 * emitting allocates nothing. Options are laid out as Linux lays them out (MSS; SACK-permitted
 * paired with timestamps; NOP+window scale; NOP NOP+SACK), every option 4-byte aligned, so the
 * segments we emit look like the kernel's and parse back to the same values.
 */
public final class TcpRepr {
    public int sourcePort;
    public int destinationPort;
    public int seq;
    public int ack;
    public int flags;
    public int window;
    public int urgentPointer;
    /** MSS option value, or -1 for none. */
    public int mss = -1;
    /** Window-scale shift, or -1 for none. */
    public int windowShift = -1;
    public boolean sackPermitted;
    public boolean timestamps;
    public int tsVal;
    public int tsEcr;
    /** SACK blocks as left/right edge pairs: {@code sackEdges[2i]}, {@code sackEdges[2i+1]}. */
    public final int[] sackEdges = new int[2 * TcpOptions.MAX_SACK_BLOCKS];
    public int sackBlockCount;
    public byte[] payload;
    public int payloadOffset;
    public int payloadLength;

    /** Resets to an empty segment (no options, no payload). */
    public TcpRepr clear() {
        sourcePort = 0;
        destinationPort = 0;
        seq = 0;
        ack = 0;
        flags = 0;
        window = 0;
        urgentPointer = 0;
        mss = -1;
        windowShift = -1;
        sackPermitted = false;
        timestamps = false;
        tsVal = 0;
        tsEcr = 0;
        sackBlockCount = 0;
        payload = null;
        payloadOffset = 0;
        payloadLength = 0;
        return this;
    }

    public TcpRepr payload(byte[] bytes, int offset, int length) {
        this.payload = bytes;
        this.payloadOffset = offset;
        this.payloadLength = length;
        return this;
    }

    public TcpRepr sackBlock(int left, int right) {
        if (sackBlockCount == TcpOptions.MAX_SACK_BLOCKS) {
            throw new IllegalStateException("SACK blocks: " + (sackBlockCount + 1) + " (expected: at most 4)");
        }
        sackEdges[2 * sackBlockCount] = left;
        sackEdges[2 * sackBlockCount + 1] = right;
        sackBlockCount++;
        return this;
    }

    public int optionsLength() {
        int n = 0;
        if (mss >= 0) {
            n += 4;
        }
        if (timestamps) {
            n += 12; // SACK-permitted or NOP NOP, then timestamps
        } else if (sackPermitted) {
            n += 4; // NOP NOP SACK-permitted
        }
        if (windowShift >= 0) {
            n += 4;
        }
        if (sackBlockCount > 0) {
            n += 4 + 8 * sackBlockCount;
        }
        return n;
    }

    public int headerLength() {
        return TcpSegment.MIN_HEADER_LENGTH + optionsLength();
    }

    /** Header plus payload: what {@link #emit} writes. */
    public int bufferLength() {
        return headerLength() + payloadLength;
    }

    /**
     * Writes this segment at {@code b[off]} with a zero checksum (the caller fills it: the
     * checksum needs the IP addresses). Returns the number of bytes written.
     */
    public int emit(byte[] b, int off) {
        int hl = headerLength();
        if (hl > TcpSegment.MAX_HEADER_LENGTH) {
            throw new IllegalStateException("TCP header " + hl + " bytes (expected: at most 60)");
        }
        Bytes.putU16(b, off + TcpSegment.SOURCE_PORT_OFFSET, sourcePort);
        Bytes.putU16(b, off + TcpSegment.DESTINATION_PORT_OFFSET, destinationPort);
        Bytes.putI32(b, off + TcpSegment.SEQ_OFFSET, seq);
        Bytes.putI32(b, off + TcpSegment.ACK_OFFSET, ack);
        b[off + TcpSegment.DATA_OFFSET_OFFSET] = (byte) ((hl / 4) << 4);
        b[off + TcpSegment.FLAGS_OFFSET] = (byte) flags;
        Bytes.putU16(b, off + TcpSegment.WINDOW_OFFSET, window);
        Bytes.putU16(b, off + TcpSegment.CHECKSUM_OFFSET, 0);
        Bytes.putU16(b, off + TcpSegment.URGENT_OFFSET, urgentPointer);
        int i = off + TcpSegment.OPTIONS_OFFSET;
        if (mss >= 0) {
            b[i++] = TcpOptions.KIND_MSS;
            b[i++] = TcpOptions.LENGTH_MSS;
            Bytes.putU16(b, i, mss);
            i += 2;
        }
        if (timestamps) {
            if (sackPermitted) {
                b[i++] = TcpOptions.KIND_SACK_PERMITTED;
                b[i++] = TcpOptions.LENGTH_SACK_PERMITTED;
            } else {
                b[i++] = TcpOptions.KIND_NOP;
                b[i++] = TcpOptions.KIND_NOP;
            }
            b[i++] = TcpOptions.KIND_TIMESTAMPS;
            b[i++] = TcpOptions.LENGTH_TIMESTAMPS;
            Bytes.putI32(b, i, tsVal);
            Bytes.putI32(b, i + 4, tsEcr);
            i += 8;
        } else if (sackPermitted) {
            b[i++] = TcpOptions.KIND_NOP;
            b[i++] = TcpOptions.KIND_NOP;
            b[i++] = TcpOptions.KIND_SACK_PERMITTED;
            b[i++] = TcpOptions.LENGTH_SACK_PERMITTED;
        }
        if (windowShift >= 0) {
            b[i++] = TcpOptions.KIND_NOP;
            b[i++] = TcpOptions.KIND_WINDOW_SCALE;
            b[i++] = TcpOptions.LENGTH_WINDOW_SCALE;
            b[i++] = (byte) windowShift;
        }
        if (sackBlockCount > 0) {
            b[i++] = TcpOptions.KIND_NOP;
            b[i++] = TcpOptions.KIND_NOP;
            b[i++] = TcpOptions.KIND_SACK;
            b[i++] = (byte) (2 + 8 * sackBlockCount);
            for (int k = 0; k < 2 * sackBlockCount; k++) {
                Bytes.putI32(b, i, sackEdges[k]);
                i += 4;
            }
        }
        if (payloadLength > 0) {
            System.arraycopy(payload, payloadOffset, b, i, payloadLength);
        }
        return hl + payloadLength;
    }

    /** Reads a checked segment's header and options into this value (payload by reference). */
    public TcpRepr parse(TcpSegment s, TcpOptions scratch) {
        clear();
        sourcePort = s.sourcePort();
        destinationPort = s.destinationPort();
        seq = s.seq();
        ack = s.ack();
        flags = s.flags();
        window = s.window();
        urgentPointer = s.urgentPointer();
        s.parseOptions(scratch);
        if (scratch.hasMss()) {
            mss = scratch.mss;
        }
        if (scratch.hasWindowScale()) {
            windowShift = scratch.windowShift;
        }
        sackPermitted = scratch.hasSackPermitted();
        if (scratch.hasTimestamps()) {
            timestamps = true;
            tsVal = scratch.tsVal;
            tsEcr = scratch.tsEcr;
        }
        byte[] b = s.buffer();
        for (int k = 0; k < scratch.sackBlockCount; k++) {
            sackBlock(Bytes.i32(b, scratch.sackBlockOffset(k)), Bytes.i32(b, scratch.sackBlockOffset(k) + 4));
        }
        payload(b, s.payloadOffset(), s.payloadLength());
        return this;
    }
}
