package org.handoff.protocol.seq;

/**
 * A TCP sequence number: 32 bits with arithmetic and comparison modulo 2^32 (RFC 9293 3.4).
 *
 * <p>Java has no unsigned int and no value types, so this class is used two ways: as an
 * immutable value ({@link #of}, {@link #plus}) in state models and APIs, and through its static
 * methods on the raw 32 bits on the per-packet path, where a boxed value would allocate. Both
 * forms share one implementation of the arithmetic; the rest of the project never does its own
 * {@code +}, {@code -} or {@code <} on sequence numbers.
 */
public final class SeqNumber implements Comparable<SeqNumber> {
    private final int bits;

    private SeqNumber(int bits) {
        this.bits = bits;
    }

    public static SeqNumber of(int bits) {
        return new SeqNumber(bits);
    }

    public static SeqNumber of(long unsigned) {
        if (unsigned < 0 || unsigned > 0xffffffffL) {
            throw new IllegalArgumentException("sequence number " + unsigned + " (expected: 0..4294967295)");
        }
        return new SeqNumber((int) unsigned);
    }

    public int bits() {
        return bits;
    }

    public long unsigned() {
        return bits & 0xffffffffL;
    }

    public SeqNumber plus(int delta) {
        return new SeqNumber(add(bits, delta));
    }

    /** Signed distance {@code this - other}, meaningful when the two are within 2^31. */
    public int minus(SeqNumber other) {
        return diff(bits, other.bits);
    }

    public boolean isBefore(SeqNumber other) {
        return lt(bits, other.bits);
    }

    public boolean isAfter(SeqNumber other) {
        return gt(bits, other.bits);
    }

    /** Orders by modular distance; consistent only for numbers within 2^31 of each other. */
    @Override
    public int compareTo(SeqNumber o) {
        return Integer.signum(diff(bits, o.bits));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SeqNumber && ((SeqNumber) o).bits == bits;
    }

    @Override
    public int hashCode() {
        return bits;
    }

    @Override
    public String toString() {
        return Long.toString(unsigned());
    }

    // Raw forms for the per-packet path. Two's-complement int overflow is exactly mod 2^32.

    public static int add(int seq, int delta) {
        return seq + delta;
    }

    public static int sub(int seq, int delta) {
        return seq - delta;
    }

    /** {@code a - b} as a signed 32-bit distance. */
    public static int diff(int a, int b) {
        return a - b;
    }

    public static boolean lt(int a, int b) {
        return a - b < 0;
    }

    public static boolean le(int a, int b) {
        return a - b <= 0;
    }

    public static boolean gt(int a, int b) {
        return a - b > 0;
    }

    public static boolean ge(int a, int b) {
        return a - b >= 0;
    }

    /** The later of two sequence numbers (mod 2^32). */
    public static int max(int a, int b) {
        return a - b >= 0 ? a : b;
    }

    /** {@code lo <= x < hi} in sequence space: the RFC 9293 window test. */
    public static boolean inWindow(int x, int lo, int hi) {
        return x - lo >= 0 && x - hi < 0;
    }
}
