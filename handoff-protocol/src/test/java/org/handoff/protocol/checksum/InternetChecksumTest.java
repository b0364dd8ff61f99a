package org.handoff.protocol.checksum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.handoff.protocol.wire.Bytes;
import org.junit.jupiter.api.Test;

class InternetChecksumTest {
    @Test
    void rfc1071Example() {
        // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (folded), checksum 220d.
        byte[] b = Bytes.fromHex("0001f203f4f5f6f7");
        assertEquals(0x220d, InternetChecksum.compute(b, 0, b.length));
    }

    @Test
    void knownIpv4Header() {
        // A header from a real capture (Wikipedia's worked example): checksum b861.
        byte[] h = Bytes.fromHex("450000730000400040110000c0a80001c0a800c7");
        assertEquals(0xb861, InternetChecksum.compute(h, 0, h.length));
        Bytes.putU16(h, 10, 0xb861);
        assertTrue(InternetChecksum.verify(h, 0, h.length, 0));
    }

    @Test
    void oddLengthPadsWithZero() {
        byte[] odd = Bytes.fromHex("0102030405");
        byte[] even = Bytes.fromHex("010203040500");
        assertEquals(InternetChecksum.compute(even, 0, even.length), InternetChecksum.compute(odd, 0, odd.length));
    }

    @Test
    void transportIgnoresItsOwnField() {
        Random r = new Random(42);
        byte[] seg = new byte[61];
        r.nextBytes(seg);
        long pseudo = InternetChecksum.ipv4PseudoHeader(0xc6120001, 0xc6120101, 6, seg.length);
        int first = InternetChecksum.transport(seg, 0, seg.length, 16, pseudo);
        Bytes.putU16(seg, 16, 0x1234);
        assertEquals(first, InternetChecksum.transport(seg, 0, seg.length, 16, pseudo));
        Bytes.putU16(seg, 16, first);
        assertTrue(InternetChecksum.verify(seg, 0, seg.length, pseudo));
    }

    @Test
    void incrementalUpdateMatchesRecompute() {
        long seed = org.handoff.protocol.testing.Seeds.seed("incrementalUpdateMatchesRecompute");
        Random r = new Random(seed);
        for (int n = 0; n < 20_000; n++) {
            byte[] b = new byte[4 + 2 * r.nextInt(40)];
            r.nextBytes(b);
            Bytes.putU16(b, 0, 0);
            Bytes.putU16(b, 0, InternetChecksum.compute(b, 0, b.length));
            int word = 1 + r.nextInt(b.length / 2 - 1);
            int old16 = Bytes.u16(b, 2 * word);
            int new16 = r.nextInt(0x10000);
            Bytes.putU16(b, 2 * word, new16);
            int updated = InternetChecksum.update16(Bytes.u16(b, 0), old16, new16);
            assertTrue(verifiesUpToNegativeZero(b, updated), "seed " + seed + " update16 at word " + word);
            if (b.length >= 6 && word + 1 < b.length / 2) {
                int old32 = Bytes.i32(b, 2 * word);
                int new32 = r.nextInt();
                Bytes.putI32(b, 2 * word, new32);
                updated = InternetChecksum.update32(Bytes.u16(b, 0), old32, new32);
                assertTrue(verifiesUpToNegativeZero(b, updated), "seed " + seed + " update32 at word " + word);
            }
        }
    }

    @Test
    void ipv6PseudoHeaderMatchesExplicitLayout() {
        byte[] b = new byte[32];
        new Random(7).nextBytes(b);
        // Explicit RFC 8200 pseudo header: src, dst, u32 length, 3 zero bytes, next header.
        byte[] explicit = new byte[40];
        System.arraycopy(b, 0, explicit, 0, 32);
        Bytes.putI32(explicit, 32, 70000);
        explicit[39] = 6;
        assertEquals(InternetChecksum.fold(InternetChecksum.sum(explicit, 0, 40, 0)),
                InternetChecksum.fold(InternetChecksum.ipv6PseudoHeader(b, 0, 16, 6, 70000)));
    }

    /**
     * RFC 1624 eqn. 3 is exact except in one case: when every other summed word is zero it gives
     * 0x0000 where a recompute gives 0xFFFF (the two zeros of one's complement). A real packet's
     * sum includes the pseudo-header's nonzero protocol and length, so the case cannot occur
     * there; random test data meets it (seed -7509002579282941443: a 4-byte buffer whose only
     * data word became 0).
     */
    private static boolean verifiesUpToNegativeZero(byte[] b, int updated) {
        if (InternetChecksum.verify(set(b, updated), 0, b.length, 0)) {
            return true;
        }
        return updated == 0 && InternetChecksum.fold(InternetChecksum.sum(set(b, 0), 0, b.length, 0)) == 0xffff;
    }

    private static byte[] set(byte[] b, int checksum) {
        Bytes.putU16(b, 0, checksum);
        return b;
    }
}
