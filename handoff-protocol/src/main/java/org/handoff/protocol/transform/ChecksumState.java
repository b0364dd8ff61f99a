package org.handoff.protocol.transform;

/**
 * What a packet's TCP checksum field holds when it reaches the rewriter, which decides how the
 * rewrite keeps it right (docs/architecture.md, "Checksums").
 */
public enum ChecksumState {
    /**
     * A full, valid checksum (a packet read from a TUN without offloads, or built by us): the
     * RFC 1624 incremental update over exactly the words the rewrite changes.
     */
    VALID,
    /**
     * A partial checksum (Linux {@code CHECKSUM_PARTIAL}, a virtio-net header with
     * {@code NEEDS_CSUM}): the field holds only the folded pseudo-header sum, and whoever sends
     * the packet (the kernel's GSO, the NIC) sums the TCP header and payload into it. Only the
     * pseudo-header's changes (addresses; the TCP length, which no rewrite changes) are folded
     * in: a port, sequence number, option or window change must not be, because the completion
     * sums the new values itself. The IPv4 header checksum is always complete and is updated.
     */
    PARTIAL,
    /**
     * Not known to be valid (a client packet captured on a veth or NIC with checksum offload,
     * whose value may be partial): both checksums recomputed from scratch, since updating a
     * wrong value would carry the error on.
     */
    UNVERIFIED;

    /** The state the older boolean parameter meant: valid, or not known valid. */
    public static ChecksumState of(boolean checksumsValid) {
        return checksumsValid ? VALID : UNVERIFIED;
    }
}
