package org.handoff.director.io;

/**
 * Receives IP packets from a {@link PacketSource}: the link header is stripped and the packet
 * is cut to its IP length (Ethernet padding removed), so {@code buffer[offset]} is the first
 * byte of an IPv4 or IPv6 header and {@code length} is that packet's own length.
 *
 * <p>The bytes are only valid during the call: a source may reuse the buffer for the next
 * packet. A handler that keeps a packet (the hand-off buffer of claim 3) copies it. Checksums
 * are not verified: under checksum offload a captured TCP checksum may be partial.
 */
@FunctionalInterface
public interface PacketHandler {
    /**
     * @param timestampNanos on the scale of the {@link Clock} paired with the source: a live
     *     source stamps packets with its clock ({@link SystemClock#nanos()} by default), a file
     *     source with the capture's epoch nanoseconds, which {@link CaptureClock} follows
     */
    void onPacket(byte[] buffer, int offset, int length, long timestampNanos);
}
