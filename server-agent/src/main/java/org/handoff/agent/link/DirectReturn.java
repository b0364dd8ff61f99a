package org.handoff.agent.link;

/**
 * The agent's egress towards clients: sends a finished IPv4 packet (source already the VIP,
 * TCP checksum already correct) out of the origin's normal route to its destination.
 *
 * <p>Per-packet: a packet that cannot be sent is counted and dropped, never thrown; the
 * server's TCP stack recovers it like any loss. One sending thread at a time.
 */
public interface DirectReturn extends AutoCloseable {
    /** Sends one IPv4 packet to its destination address; false if it was dropped (counted). */
    boolean send(byte[] buf, int off, int len);

    @Override
    void close();
}
