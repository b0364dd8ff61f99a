package org.handoff.director.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.hash.Hashing;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SynCookiesTest {
    private final SynCookies cookies = new SynCookies(0x0123456789abcdefL, 0xfedcba9876543210L);

    @Test
    void sipHashMatchesGuavaReference() {
        Random r = new Random(5);
        for (int i = 0; i < 1000; i++) {
            long k0 = r.nextLong();
            long k1 = r.nextLong();
            long m0 = r.nextLong();
            long m1 = r.nextLong();
            long m2 = r.nextLong();
            byte[] msg = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(m0).putLong(m1).putLong(m2).array();
            assertEquals(Hashing.sipHash24(k0, k1).hashBytes(msg).asLong(), SipHash.hash3(k0, k1, m0, m1, m2));
        }
    }

    @Test
    void cookieRoundTripsEveryMssIndex() {
        for (int index = 0; index < 4; index++) {
            int isn = cookies.make(0xc6120002, 40000, 0xc6120101, 80, 0xfffffff0, 1000, index);
            assertEquals(index, cookies.check(0xc6120002, 40000, 0xc6120101, 80, 0xfffffff0, isn, 1000));
            assertEquals(index, cookies.check(0xc6120002, 40000, 0xc6120101, 80, 0xfffffff0, isn, 1001), "one minute old");
            assertEquals(-1, cookies.check(0xc6120002, 40000, 0xc6120101, 80, 0xfffffff0, isn, 1002), "two minutes old");
        }
    }

    @Test
    void forgedOrMismatchedCookiesFail() {
        int isn = cookies.make(0xc6120002, 40000, 0xc6120101, 80, 12345, 77, 3);
        assertEquals(-1, cookies.check(0xc6120003, 40000, 0xc6120101, 80, 12345, isn, 77), "other client");
        assertEquals(-1, cookies.check(0xc6120002, 40001, 0xc6120101, 80, 12345, isn, 77), "other port");
        // The client ISN is an additive term, as in Linux: a final ACK whose seq is off by one
        // shifts the MSS index with it; from index 3 that lands outside the table.
        assertEquals(-1, cookies.check(0xc6120002, 40000, 0xc6120101, 80, 12344, isn, 77), "client ISN off by one");
        assertEquals(-1, new SynCookies(1, 2).check(0xc6120002, 40000, 0xc6120101, 80, 12345, isn, 77), "other secret");
        Random r = new Random(9);
        int accepted = 0;
        for (int i = 0; i < 100_000; i++) {
            if (cookies.check(0xc6120002, 40000, 0xc6120101, 80, 12345, r.nextInt(), 77) >= 0) {
                accepted++;
            }
        }
        // A random guess passes with probability about (2 minutes * 4 indexes) / 2^32 per try.
        assertTrue(accepted < 5, "random cookies accepted: " + accepted);
    }

    @Test
    void mssIndexPicksLargestNotAbove() {
        assertEquals(0, SynCookies.mssIndex(100));
        assertEquals(0, SynCookies.mssIndex(1299));
        assertEquals(1, SynCookies.mssIndex(1300));
        assertEquals(2, SynCookies.mssIndex(1448));
        assertEquals(3, SynCookies.mssIndex(1460));
        assertEquals(3, SynCookies.mssIndex(65495));
    }

    @Test
    void timestampCarriesOptionsAndNeverRunsAhead() {
        Random r = new Random(11);
        for (int i = 0; i < 10_000; i++) {
            int now = r.nextInt();
            int shift = r.nextInt(16) - 1;
            boolean sack = r.nextBoolean();
            int ts = SynCookies.timestampWithOptions(now, shift, sack);
            assertTrue(Integer.compareUnsigned(ts, now) <= 0 || (now >= 0 && now < 64), "not ahead of the clock");
            assertEquals(shift, SynCookies.shiftFromTimestamp(ts));
            assertEquals(sack, SynCookies.sackFromTimestamp(ts));
        }
        assertFalse(SynCookies.sackFromTimestamp(SynCookies.timestampWithOptions(1 << 20, 7, false)));
    }
}
