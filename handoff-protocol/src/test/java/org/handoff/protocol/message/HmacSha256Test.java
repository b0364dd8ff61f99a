package org.handoff.protocol.message;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.handoff.protocol.wire.Bytes;
import org.junit.jupiter.api.Test;

/** Our allocation-free HMAC against RFC 4231 and against the JDK's own HmacSHA256. */
class HmacSha256Test {

    private static String mac(byte[] key, byte[] data) {
        byte[] out = new byte[32];
        new HmacSha256(key).compute(data, 0, data.length, out, 0);
        return Bytes.hex(out, 0, 32);
    }

    @Test
    void rfc4231TestCases() {
        byte[] key1 = new byte[20];
        Arrays.fill(key1, (byte) 0x0b);
        assertEquals("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
                mac(key1, "Hi There".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
                mac("Jefe".getBytes(StandardCharsets.US_ASCII), "what do ya want for nothing?".getBytes(StandardCharsets.US_ASCII)));
        byte[] key6 = new byte[131];
        Arrays.fill(key6, (byte) 0xaa);
        assertEquals("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
                mac(key6, "Test Using Larger Than Block-Size Key - Hash Key First".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void matchesJavaxCryptoMacOnRandomKeysAndRanges() throws Exception {
        Random random = new Random(4231);
        for (int i = 0; i < 500; i++) {
            byte[] key = new byte[32 + random.nextInt(33)];
            random.nextBytes(key);
            byte[] data = new byte[random.nextInt(3000)];
            random.nextBytes(data);
            int off = data.length == 0 ? 0 : random.nextInt(data.length);
            int len = data.length - off;
            Mac jdk = Mac.getInstance("HmacSHA256");
            jdk.init(new SecretKeySpec(key, "HmacSHA256"));
            jdk.update(data, off, len);
            byte[] expected = jdk.doFinal();
            HmacSha256 ours = new HmacSha256(key);
            byte[] out = new byte[40];
            // Twice with the same instance: state must reset between messages.
            ours.compute(data, off, len, out, 5);
            ours.compute(data, off, len, out, 5);
            assertArrayEquals(expected, Arrays.copyOfRange(out, 5, 37));
            assertTrue(ours.verify(data, off, len, expected, 0));
            expected[random.nextInt(32)] ^= (byte) (1 << random.nextInt(8));
            assertFalse(ours.verify(data, off, len, expected, 0));
        }
    }

    @Test
    void constantTimeEqualsComparesRangesInPlace() {
        byte[] a = Bytes.fromHex("00 01 02 03 04");
        byte[] b = Bytes.fromHex("ff 01 02 03 ee");
        assertTrue(HmacSha256.constantTimeEquals(a, 1, b, 1, 3));
        assertFalse(HmacSha256.constantTimeEquals(a, 0, b, 0, 4));
        assertFalse(HmacSha256.constantTimeEquals(a, 1, b, 1, 4));
    }
}
