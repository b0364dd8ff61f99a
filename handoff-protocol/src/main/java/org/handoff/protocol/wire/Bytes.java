package org.handoff.protocol.wire;

/**
 * Big-endian (network order) accessors over byte arrays. Every view in this package reads and
 * writes through these, so byte order is explicit at each access and no view does its own
 * shifting.
 */
public final class Bytes {
    private Bytes() {
    }

    public static int u8(byte[] b, int i) {
        return b[i] & 0xff;
    }

    public static void putU8(byte[] b, int i, int v) {
        b[i] = (byte) v;
    }

    public static int u16(byte[] b, int i) {
        return ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
    }

    public static void putU16(byte[] b, int i, int v) {
        b[i] = (byte) (v >>> 8);
        b[i + 1] = (byte) v;
    }

    /** A 32-bit field as Java int (sequence numbers, addresses): the bits, not a signed value. */
    public static int i32(byte[] b, int i) {
        return ((b[i] & 0xff) << 24) | ((b[i + 1] & 0xff) << 16) | ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
    }

    public static long u32(byte[] b, int i) {
        return i32(b, i) & 0xffffffffL;
    }

    public static void putI32(byte[] b, int i, int v) {
        b[i] = (byte) (v >>> 24);
        b[i + 1] = (byte) (v >>> 16);
        b[i + 2] = (byte) (v >>> 8);
        b[i + 3] = (byte) v;
    }

    public static long i64(byte[] b, int i) {
        return ((long) i32(b, i) << 32) | (i32(b, i + 4) & 0xffffffffL);
    }

    public static void putI64(byte[] b, int i, long v) {
        putI32(b, i, (int) (v >>> 32));
        putI32(b, i + 4, (int) v);
    }

    /** Lower-case hex of a range, for logs and test vectors. */
    public static String hex(byte[] b, int off, int len) {
        StringBuilder sb = new StringBuilder(len * 2);
        for (int i = off; i < off + len; i++) {
            sb.append(Character.forDigit((b[i] >> 4) & 0xf, 16)).append(Character.forDigit(b[i] & 0xf, 16));
        }
        return sb.toString();
    }

    /** Parses hex, ignoring white space (test vectors are written in columns). */
    public static byte[] fromHex(CharSequence s) {
        StringBuilder clean = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!Character.isWhitespace(c)) {
                clean.append(c);
            }
        }
        if ((clean.length() & 1) != 0) {
            throw new IllegalArgumentException("hex length " + clean.length() + " (expected: even)");
        }
        byte[] out = new byte[clean.length() / 2];
        for (int i = 0; i < out.length; i++) {
            int hi = Character.digit(clean.charAt(2 * i), 16);
            int lo = Character.digit(clean.charAt(2 * i + 1), 16);
            if (hi < 0 || lo < 0) {
                throw new IllegalArgumentException("not a hex digit at " + (2 * i) + ": '" + clean.charAt(2 * i) + clean.charAt(2 * i + 1) + "'");
            }
            out[i] = (byte) ((hi << 4) | lo);
        }
        return out;
    }

    public static String ipv4ToString(int address) {
        return ((address >>> 24) & 0xff) + "." + ((address >>> 16) & 0xff) + "." + ((address >>> 8) & 0xff) + "." + (address & 0xff);
    }

    /** Parses dotted-quad IPv4 without DNS; throws IllegalArgumentException naming the input. */
    public static int parseIpv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("'" + s + "' is not an IPv4 address (expected: a.b.c.d)");
        }
        int v = 0;
        for (String p : parts) {
            int octet;
            try {
                octet = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + s + "' is not an IPv4 address (octet '" + p + "')");
            }
            if (octet < 0 || octet > 255 || p.isEmpty() || (p.length() > 1 && p.charAt(0) == '0')) {
                throw new IllegalArgumentException("'" + s + "' is not an IPv4 address (octet '" + p + "' expected: 0..255)");
            }
            v = (v << 8) | octet;
        }
        return v;
    }
}
