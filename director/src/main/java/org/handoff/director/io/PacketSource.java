package org.handoff.director.io;

import java.io.IOException;

/**
 * Where a worker's duty cycle reads packets from: a live interface, a capture file, or memory.
 * One thread polls a source; sources are not thread-safe.
 */
public interface PacketSource extends AutoCloseable {
    /** Returned by {@link #poll} when the input has ended (files, a finished memory source). */
    int END_OF_INPUT = -1;

    /**
     * Delivers up to {@code maxPackets} packets to the handler. When none is ready, waits at most
     * {@code maxWaitNanos} for one, blocked in the kernel or on a condition, never spinning;
     * {@code 0} means do not wait.
     *
     * @return how many packets were delivered (0 when none arrived in time, or when every
     *     packet read was dropped by the source's own checks and counted), or
     *     {@link #END_OF_INPUT}
     * @throws IOException when the source itself fails (the capture handle broke, the file is
     *     corrupt); a single bad packet is counted and dropped, never thrown
     */
    int poll(PacketHandler handler, int maxPackets, long maxWaitNanos) throws IOException;

    /**
     * Also end a wait in {@link #poll} when one of these descriptors is readable (the agents'
     * sockets). Live sources honour it; files and memory never block on a descriptor and
     * ignore it.
     */
    default void wakeAlsoOn(WakeSources sources) {
    }

    /** Releases the capture handle or file; idempotent. */
    @Override
    void close();
}
