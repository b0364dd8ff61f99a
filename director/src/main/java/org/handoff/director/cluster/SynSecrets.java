package org.handoff.director.cluster;

/**
 * The cluster-wide SYN-cookie secrets: the current one, with which every director mints
 * cookies, and the previous one, still accepted while cookies minted under it live (a secret
 * stays current at least {@code cluster.secret-rotation}, 2 minutes or more). Each is 128 bits
 * as two 64-bit SipHash key halves, with an id that grows by one per rotation. The XDP
 * program's {@code director_syn_config} is to take both (docs/scale-out.md). {@code previousId}
 * is 0 until the first rotation. Immutable; {@code toString} shows ids only.
 */
public record SynSecrets(int currentId, long current0, long current1, int previousId, long previous0, long previous1,
                         long publishedVersion) {
    /** Epoch ms when the current secret was published. */
    public long publishedMillis() {
        return HybridClock.millisOf(publishedVersion);
    }

    /** The secrets after {@code next} is published: next becomes current, current previous. */
    SynSecrets rotate(int nextId, long next0, long next1, long version) {
        return new SynSecrets(nextId, next0, next1, currentId, current0, current1, version);
    }

    @Override
    public String toString() {
        return "SynSecrets{current=" + currentId + ", previous=" + previousId + ", published=" + publishedMillis() + "}";
    }
}
