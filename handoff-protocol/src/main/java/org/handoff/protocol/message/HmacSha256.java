package org.handoff.protocol.message;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * HMAC-SHA256 (RFC 2104) over two reused {@link MessageDigest}s, one instance per key and thread.
 *
 * <p>Why not {@code javax.crypto.Mac}: the JDK's HmacSHA256 allocates a 32-byte array inside every
 * {@code doFinal}, including {@code doFinal(byte[], int)} (48 bytes a call measured on JDK 17),
 * while {@code MessageDigest.digest(byte[], int, int)} allocates nothing. The construction is the
 * textbook one, H((K ^ opad) || H((K ^ ipad) || m)); HmacSha256Test checks it against RFC 4231's
 * vectors and against {@code javax.crypto.Mac} on random inputs.
 */
final class HmacSha256 {
    static final int MAC_LENGTH = 32;
    private static final int BLOCK_LENGTH = 64;

    private final MessageDigest inner = sha256();
    private final MessageDigest outer = sha256();
    private final byte[] innerPad = new byte[BLOCK_LENGTH];
    private final byte[] outerPad = new byte[BLOCK_LENGTH];
    private final byte[] innerHash = new byte[MAC_LENGTH];
    private final byte[] computed = new byte[MAC_LENGTH];

    HmacSha256(byte[] key) {
        byte[] k = key.length > BLOCK_LENGTH ? sha256().digest(key) : key;
        for (int i = 0; i < BLOCK_LENGTH; i++) {
            byte b = i < k.length ? k[i] : 0;
            innerPad[i] = (byte) (b ^ 0x36);
            outerPad[i] = (byte) (b ^ 0x5c);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    /** Writes the MAC of {@code message[off, off+len)} to {@code out[outOff, outOff+32)}. */
    void compute(byte[] message, int off, int len, byte[] out, int outOff) {
        inner.reset();
        inner.update(innerPad);
        inner.update(message, off, len);
        digestInto(inner, innerHash, 0);
        outer.reset();
        outer.update(outerPad);
        outer.update(innerHash);
        digestInto(outer, out, outOff);
    }

    /** Whether {@code mac[macOff, macOff+32)} is the MAC of the message, compared in constant time. */
    boolean verify(byte[] message, int off, int len, byte[] mac, int macOff) {
        compute(message, off, len, computed, 0);
        return constantTimeEquals(computed, 0, mac, macOff, MAC_LENGTH);
    }

    /** Compares ranges without an early exit, so timing does not reveal how many bytes matched. */
    static boolean constantTimeEquals(byte[] a, int aOff, byte[] b, int bOff, int len) {
        int diff = 0;
        for (int i = 0; i < len; i++) {
            diff |= a[aOff + i] ^ b[bOff + i];
        }
        return diff == 0;
    }

    private static void digestInto(MessageDigest md, byte[] out, int off) {
        try {
            md.digest(out, off, MAC_LENGTH);
        } catch (java.security.DigestException e) {
            // Only thrown when the output range is too small, which the callers rule out.
            throw new IllegalStateException(e);
        }
    }
}
