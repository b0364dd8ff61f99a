package org.handoff.protocol.wire;

/**
 * The options of one TCP segment: where each known option sits in the buffer and what it
 * says. A reusable holder, filled by {@link TcpSegment#parseOptions}, so reading options on
 * the per-packet path allocates nothing. Offsets are absolute indexes of the option's kind
 * byte, or -1 when the option is absent; the transform core rewrites timestamps and SACK
 * blocks in place through them. Unknown options are counted and left untouched.
 *
 * <pre>
 * kind  len  option (RFC)
 *    0    -  End of option list (9293)
 *    1    -  No-operation (9293)
 *    2    4  Maximum segment size: u16 (9293)
 *    3    3  Window scale: shift u8 (7323)
 *    4    2  SACK permitted (2018)
 *    5  2+8n SACK: n = 1..4 blocks of (left edge u32, right edge u32) (2018)
 *    8   10  Timestamps: TSval u32, TSecr u32 (7323)
 * </pre>
 */
public final class TcpOptions {
    public static final int KIND_EOL = 0;
    public static final int KIND_NOP = 1;
    public static final int KIND_MSS = 2;
    public static final int KIND_WINDOW_SCALE = 3;
    public static final int KIND_SACK_PERMITTED = 4;
    public static final int KIND_SACK = 5;
    public static final int KIND_TIMESTAMPS = 8;

    public static final int LENGTH_MSS = 4;
    public static final int LENGTH_WINDOW_SCALE = 3;
    public static final int LENGTH_SACK_PERMITTED = 2;
    public static final int LENGTH_TIMESTAMPS = 10;
    public static final int SACK_BLOCK_LENGTH = 8;
    public static final int MAX_SACK_BLOCKS = 4;
    /** RFC 7323 2.3: shifts above 14 are treated as 14. */
    public static final int MAX_WINDOW_SHIFT = 14;

    public int mssOffset = -1;
    public int mss;
    public int windowScaleOffset = -1;
    public int windowShift;
    public int sackPermittedOffset = -1;
    public int sackOffset = -1;
    public int sackBlockCount;
    public int timestampsOffset = -1;
    public int tsVal;
    public int tsEcr;
    public int unknownCount;

    public void clear() {
        mssOffset = -1;
        mss = 0;
        windowScaleOffset = -1;
        windowShift = 0;
        sackPermittedOffset = -1;
        sackOffset = -1;
        sackBlockCount = 0;
        timestampsOffset = -1;
        tsVal = 0;
        tsEcr = 0;
        unknownCount = 0;
    }

    public boolean hasMss() {
        return mssOffset >= 0;
    }

    public boolean hasWindowScale() {
        return windowScaleOffset >= 0;
    }

    public boolean hasSackPermitted() {
        return sackPermittedOffset >= 0;
    }

    public boolean hasSack() {
        return sackOffset >= 0;
    }

    public boolean hasTimestamps() {
        return timestampsOffset >= 0;
    }

    /** Absolute index of SACK block {@code i}'s left edge; its right edge follows at +4. */
    public int sackBlockOffset(int i) {
        return sackOffset + 2 + i * SACK_BLOCK_LENGTH;
    }

    /**
     * Walks options in {@code b[start, end)}, validating every length, and fills {@code out}
     * when it is not null. Errors are reported through {@code owner} so they carry the
     * measured and expected values.
     */
    static WireError walk(byte[] b, int start, int end, TcpOptions out, TcpSegment owner) {
        if (out != null) {
            out.clear();
        }
        int i = start;
        while (i < end) {
            int kind = b[i] & 0xff;
            if (kind == KIND_EOL) {
                break;
            }
            if (kind == KIND_NOP) {
                i++;
                continue;
            }
            if (i + 1 >= end) {
                return owner.fail(WireError.BAD_TCP_OPTION_LENGTH, 0, "a length byte for option kind " + kind);
            }
            int len = b[i + 1] & 0xff;
            if (len < 2 || i + len > end) {
                return owner.fail(WireError.BAD_TCP_OPTION_LENGTH, len, "2.." + (end - i) + " for option kind " + kind);
            }
            switch (kind) {
                case KIND_MSS:
                    if (len != LENGTH_MSS) {
                        return owner.fail(WireError.BAD_TCP_OPTION_LENGTH, len, "4 for MSS");
                    }
                    if (out != null) {
                        out.mssOffset = i;
                        out.mss = Bytes.u16(b, i + 2);
                    }
                    break;
                case KIND_WINDOW_SCALE:
                    if (len != LENGTH_WINDOW_SCALE) {
                        return owner.fail(WireError.BAD_TCP_OPTION_LENGTH, len, "3 for window scale");
                    }
                    if (out != null) {
                        out.windowScaleOffset = i;
                        out.windowShift = Math.min(b[i + 2] & 0xff, MAX_WINDOW_SHIFT);
                    }
                    break;
                case KIND_SACK_PERMITTED:
                    if (len != LENGTH_SACK_PERMITTED) {
                        return owner.fail(WireError.BAD_TCP_OPTION_LENGTH, len, "2 for SACK-permitted");
                    }
                    if (out != null) {
                        out.sackPermittedOffset = i;
                    }
                    break;
                case KIND_SACK:
                    if ((len - 2) % SACK_BLOCK_LENGTH != 0 || len == 2 || (len - 2) / SACK_BLOCK_LENGTH > MAX_SACK_BLOCKS) {
                        return owner.fail(WireError.BAD_TCP_OPTION_LENGTH, len, "10, 18, 26 or 34 for SACK");
                    }
                    if (out != null) {
                        out.sackOffset = i;
                        out.sackBlockCount = (len - 2) / SACK_BLOCK_LENGTH;
                    }
                    break;
                case KIND_TIMESTAMPS:
                    if (len != LENGTH_TIMESTAMPS) {
                        return owner.fail(WireError.BAD_TCP_OPTION_LENGTH, len, "10 for timestamps");
                    }
                    if (out != null) {
                        out.timestampsOffset = i;
                        out.tsVal = Bytes.i32(b, i + 2);
                        out.tsEcr = Bytes.i32(b, i + 6);
                    }
                    break;
                default:
                    if (out != null) {
                        out.unknownCount++;
                    }
                    break;
            }
            i += len;
        }
        return null;
    }
}
