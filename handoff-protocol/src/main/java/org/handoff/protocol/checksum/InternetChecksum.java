package org.handoff.protocol.checksum;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import org.handoff.protocol.wire.Bytes;

/**
 * The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
 *
 * <p>Sums are carried as an unfolded {@code long} until {@link #fold}, so a whole packet is one
 * pass with no per-word carry handling. The full computations are for packets whose incoming
 * checksum is not known to be valid (veth and NICs hand over partial checksums under offload);
 * the incremental ones are for packets already verified or built by us.
 */
public final class InternetChecksum {
    public static final int PROTO_TCP = 6;
    public static final int PROTO_UDP = 17;

    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private InternetChecksum() {
    }

    /**
     * Adds the 16-bit big-endian words of {@code b[off, off+len)} to {@code sum} (odd tail
     * padded). Reads eight bytes at a time and adds them as two 32-bit words: since
     * 2^16 = 1 (mod 0xffff), a sum of 32-bit words folds to the same ones' complement sum as
     * the 16-bit words, at a quarter of the additions.
     */
    public static long sum(byte[] b, int off, int len, long sum) {
        int i = off;
        int end = off + len;
        for (; i + 7 < end; i += 8) {
            long v = (long) LONG_BE.get(b, i);
            sum += (v >>> 32) + (v & 0xffffffffL);
        }
        for (; i + 1 < end; i += 2) {
            sum += ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
        }
        if (i < end) {
            sum += (b[i] & 0xff) << 8;
        }
        return sum;
    }

    /** Folds carries into 16 bits and complements: the value that goes in the header field. */
    public static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }

    /** Checksum of a range (for the IPv4 header: the range with its checksum field zeroed). */
    public static int compute(byte[] b, int off, int len) {
        return fold(sum(b, off, len, 0));
    }

    /** The IPv4 pseudo-header sum for TCP or UDP. */
    public static long ipv4PseudoHeader(int src, int dst, int protocol, int l4Length) {
        return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + l4Length;
    }

    /** The IPv6 pseudo-header sum (RFC 8200 8.1): addresses at {@code srcOff} and {@code dstOff}, 16 bytes each. */
    public static long ipv6PseudoHeader(byte[] b, int srcOff, int dstOff, int protocol, int l4Length) {
        long sum = sum(b, srcOff, 16, 0);
        sum = sum(b, dstOff, 16, sum);
        return sum + (l4Length >>> 16) + (l4Length & 0xffff) + protocol;
    }

    /**
     * Checksum of a transport segment whose own checksum field sits at {@code checksumOffset}:
     * the field counts as zero, so the caller need not clear it first.
     */
    public static int transport(byte[] b, int l4Off, int l4Len, int checksumOffset, long pseudoHeaderSum) {
        long sum = sum(b, l4Off, l4Len, pseudoHeaderSum);
        sum -= Bytes.u16(b, checksumOffset);
        // Subtracting may go below the true sum's carries but never below zero: the field's
        // own 16 bits were added above.
        return fold(sum);
    }

    /** Verifies a range whose checksum field is included: the folded sum is zero when valid. */
    public static boolean verify(byte[] b, int off, int len, long pseudoHeaderSum) {
        return fold(sum(b, off, len, pseudoHeaderSum)) == 0;
    }

    /**
     * RFC 1624 eqn. 3: {@code HC' = ~(~HC + ~m + m')} for one 16-bit word changing from
     * {@code oldWord} to {@code newWord}.
     */
    public static int update16(int checksum, int oldWord, int newWord) {
        long sum = (~checksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
        return fold(sum);
    }

    /**
     * Folds carries into 16 bits without complementing: the form of a <em>partial</em> checksum
     * (Linux {@code CHECKSUM_PARTIAL}), whose field holds the pseudo-header sum itself, so that the
     * sender completes it by adding the segment's words and complementing once.
     */
    public static int foldPartial(long sum) {
        return ~fold(sum) & 0xffff;
    }

    /** The partial checksum Linux writes into a TCP/UDP header under checksum offload. */
    public static int partial(long pseudoHeaderSum) {
        return foldPartial(pseudoHeaderSum);
    }

    /**
     * Updates a partial checksum for a 32-bit pseudo-header field (an address) changing from
     * {@code oldValue} to {@code newValue}. Unlike {@link #update32} nothing is complemented: the
     * field is a plain sum, and adding {@code ~old + new} moves it from the old sum to the new.
     */
    public static int updatePartial32(int partial, int oldValue, int newValue) {
        long sum = (partial & 0xffff)
                + (~(oldValue >>> 16) & 0xffff) + (~oldValue & 0xffff)
                + ((newValue >>> 16) & 0xffff) + (newValue & 0xffff);
        return foldPartial(sum);
    }

    /**
     * Completes a partial checksum the way a device (or the kernel's {@code skb_checksum_help})
     * does: sums {@code b[start, end)} with the field at {@code fieldOffset} holding the partial
     * value, and stores the complement. A result of 0 is stored as 0xffff, as Linux does (both
     * verify; UDP needs the latter).
     */
    public static void completePartial(byte[] b, int start, int end, int fieldOffset) {
        int c = fold(sum(b, start, end - start, 0));
        Bytes.putU16(b, fieldOffset, c == 0 ? 0xffff : c);
    }

    /** RFC 1624 update for a 32-bit field (two words), such as an address or a sequence number. */
    public static int update32(int checksum, int oldValue, int newValue) {
        long sum = (~checksum & 0xffff)
                + (~(oldValue >>> 16) & 0xffff) + (~oldValue & 0xffff)
                + ((newValue >>> 16) & 0xffff) + (newValue & 0xffff);
        return fold(sum);
    }
}
