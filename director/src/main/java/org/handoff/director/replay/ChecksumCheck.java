package org.handoff.director.replay;

/** What a replay does with a captured packet's checksums (docs/replay.md, "Checksums"). */
public enum ChecksumCheck {
    /**
     * The IPv4 header checksum must verify, and the TCP checksum must verify or be partial (the
     * pseudo-header sum Linux leaves under checksum offload, as a capture on the sending host
     * records it), as Wireshark reads such captures. Partial ones are counted. The default.
     */
    ACCEPT_PARTIAL,
    /** Both checksums must verify: a partial TCP checksum is dropped as {@code bad-tcp-checksum}. */
    STRICT,
    /** Nothing is checked ({@code --no-verify-checksums}). */
    OFF
}
