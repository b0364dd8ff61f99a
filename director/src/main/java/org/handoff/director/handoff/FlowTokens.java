package org.handoff.director.handoff;

import java.security.SecureRandom;
import org.handoff.director.tcp.SipHash;

/**
 * Draws the flow tokens that authenticate TUNNEL packets (docs/handoff-protocol.md, section
 * 3.11): one per HANDOFF attempt, SipHash-2-4 of a counter under a 128-bit key. One generator
 * per worker; not thread-safe.
 *
 * <p>Why a keyed PRF and not a seeded PRNG: an observer on the director-agent network reads the
 * tokens of the flows it sees in TUNNEL packets. The state of {@code SplittableRandom} or an
 * xorshift generator can be recovered from a few outputs, which would give away every later
 * token; SipHash outputs under a secret key tell nothing about one another. A draw costs one
 * SipHash and allocates nothing.
 */
public final class FlowTokens {
    /** Separates these hashes from any other use of SipHash over a counter. */
    private static final long DOMAIN = 0x666c6f77_746f6b6eL; // "flowtokn"

    private final long k0;
    private final long k1;
    private long counter;

    private FlowTokens(long k0, long k1) {
        this.k0 = k0;
        this.k1 = k1;
    }

    /** A generator keyed from {@link SecureRandom}: what a running director uses, one per worker. */
    public static FlowTokens random() {
        SecureRandom random = new SecureRandom();
        return new FlowTokens(random.nextLong(), random.nextLong());
    }

    /** A generator with a fixed key: the same tokens on every run (replay, tests). */
    public static FlowTokens seeded(long k0, long k1) {
        return new FlowTokens(k0, k1);
    }

    /** The next token; never 0, which the protocol reserves for "no token". */
    public long next() {
        long token;
        do {
            token = SipHash.hash3(k0, k1, DOMAIN, ++counter, 0);
        } while (token == 0);
        return token;
    }
}
