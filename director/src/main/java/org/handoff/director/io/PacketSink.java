package org.handoff.director.io;

/**
 * Where the director's own packets go (SYN-ACKs, ACKs, answers): whole IPv4 packets, header
 * first, checksums already filled. One thread sends on a sink; sinks are not thread-safe.
 */
public interface PacketSink extends AutoCloseable {
    /**
     * Sends (or queues) one packet. The bytes may be reused as soon as this returns.
     *
     * @return false, and the failure counted, when the packet could not be sent (malformed,
     *     kernel refused, buffer full); never throws for a single packet
     */
    boolean send(byte[] buffer, int offset, int length);

    /** Pushes out anything queued (file buffers); a no-op for sinks that send at once. */
    void flush();

    /** Flushes and releases the socket, handle or file; idempotent. */
    @Override
    void close();
}
