package org.handoff.director.tcp;

/**
 * SipHash-2-4 (Aumasson and Bernstein, 2012), the keyed hash Linux uses for SYN cookies and
 * ISNs, specialised to a 24-byte message of three 64-bit words so the SYN path hashes without
 * allocating (Guava's Hasher allocates per call; the tests check this against Guava's).
 */
public final class SipHash {
    private SipHash() {
    }

    /** SipHash-2-4 of the 24 bytes {@code m0, m1, m2}, each little-endian. */
    public static long hash3(long k0, long k1, long m0, long m1, long m2) {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        // Steps 0..2 compress the words, step 3 the length block (24 << 56), step 4 finalises.
        for (int step = 0; step < 5; step++) {
            long m = step == 0 ? m0 : step == 1 ? m1 : step == 2 ? m2 : (24L << 56);
            int rounds = 2;
            if (step < 4) {
                v3 ^= m;
            } else {
                v2 ^= 0xff;
                rounds = 4;
            }
            for (int r = 0; r < rounds; r++) {
                v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
                v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
                v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
                v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
            }
            if (step < 4) {
                v0 ^= m;
            }
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }
}
