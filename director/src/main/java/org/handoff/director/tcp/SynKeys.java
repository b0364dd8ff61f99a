package org.handoff.director.tcp;

/**
 * The secrets a terminator mints SYN cookies, ISNs and timestamp offsets with: the current
 * 128-bit secret, and in a cluster the previous one, with which cookies minted before the last
 * rotation are still checked (docs/scale-out.md, "SYN-cookie secret"). Immutable: a rotation
 * swaps the whole value behind one reference.
 */
public final class SynKeys {
    final long secret0;
    final long secret1;
    final SynCookies cookies;
    /** The previous secret's keys, or null (a director alone, or before the first rotation). */
    final SynKeys previous;

    private SynKeys(long secret0, long secret1, SynKeys previous) {
        this.secret0 = secret0;
        this.secret1 = secret1;
        this.cookies = new SynCookies(secret0, secret1);
        this.previous = previous;
    }

    /** One secret (a director alone: its own, fixed for a replay). */
    public static SynKeys of(long secret0, long secret1) {
        return new SynKeys(secret0, secret1, null);
    }

    /** The current secret, and the previous one still accepted in cookies. */
    public static SynKeys rotated(long current0, long current1, long previous0, long previous1) {
        return new SynKeys(current0, current1, of(previous0, previous1));
    }

    @Override
    public String toString() {
        return "SynKeys{previous=" + (previous != null) + "}"; // never the secrets
    }
}
