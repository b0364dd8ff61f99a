package org.handoff.agent.link;

/**
 * The agent's egress towards clients: sends a finished IPv4 packet (source already the VIP,
 * TCP checksum already correct) out of the origin's normal route to its destination.
 *
 * <p>Per-packet: a packet that cannot be sent is counted and dropped, never thrown; the
 * server's TCP stack recovers it like any loss. One sending thread at a time.
 */
public interface DirectReturn extends AutoCloseable {
    /**
     * Sends one IPv4 packet to its destination address; false if it was dropped (counted). Leaves
     * the bytes as they are: the engine reads what the client got from them afterwards.
     */
    boolean send(byte[] buf, int off, int len);

    /**
     * Whether {@link #sendOffloaded} works: the egress takes a packet behind its virtio-net
     * header, a TSO super-segment or a partial TCP checksum, and the kernel finishes it.
     */
    default boolean takesOffloads() {
        return false;
    }

    /**
     * Sends one frame: a 10-byte virtio-net header, then the IPv4 packet (source the VIP; the TCP
     * checksum complete, or partial when the header says NEEDS_CSUM); {@code len} counts both.
     * Only when {@link #takesOffloads()}; false if it was dropped (counted). Leaves the bytes as
     * they are, like {@link #send}.
     */
    default boolean sendOffloaded(byte[] buf, int off, int len) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " takes no offloaded frames");
    }

    @Override
    void close();
}
