package org.handoff.agent.link;

import java.io.IOException;

/**
 * The agent's link to its own server's TCP stack: packets the local stack emits towards the
 * link are read here (the server's side of connection B), and packets written here enter the
 * local stack as if they had arrived from the client.
 *
 * <p>One thread may read while another writes; neither method is for concurrent use by two
 * threads. Nothing on either path allocates. {@link #close()} may be called from any thread: a
 * reader waiting in {@link #read} returns -1 promptly.
 */
public interface LocalLink extends AutoCloseable {
    /**
     * Reads one IP packet the local stack emitted towards the link into buf, behind its
     * {@link #frameHeaderLength()}-byte header; returns the length read (header included), 0 on
     * timeout (waits without spinning), -1 when closed.
     */
    int read(byte[] buf, int off, int maxLen, long maxWaitNanos) throws IOException;

    /**
     * Bytes in front of each packet {@link #read} returns: 0, or the 10-byte virtio-net header
     * of a TUN attached with offloads (docs/agent-link.md, "Offloads").
     */
    default int frameHeaderLength() {
        return 0;
    }

    /** Makes a {@link #read} waiting now (or the next to wait) return 0 at once. Any thread. */
    void wakeReader();

    /** Injects one plain IP packet into the local stack (as if it arrived from the client). */
    void write(byte[] buf, int off, int len) throws IOException;

    @Override
    void close() throws IOException;
}
