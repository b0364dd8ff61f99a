package org.handoff.director.tcp;

import java.time.Duration;
import org.handoff.protocol.message.HandoffFlyweight;

/**
 * What the director's TCP termination needs to know. Values come from the director config,
 * which validated them ({@code WorkerSettings.tcp} shares the limits out over the workers); the
 * checks here only guard against a caller that builds one by hand.
 *
 * @param kernelAnswersSyns set by the kernel data path while director_xdp answers SYNs with
 *     the director's cookies ({@code DirectorSynMaps.enable}): a final ACK of no known flow is
 *     then always checked as a cookie, not only within two minutes of a cookie Java sent itself
 */
public record TcpSettings(
        int mss,
        int windowShift,
        int receiveCapacity,
        int maxFlows,
        int maxHalfOpen,
        int maxBufferedBytesPerFlow,
        long maxBufferedBytes,
        Duration handshakeTimeout,
        Duration requestTimeout,
        Duration flowIdleTimeout,
        Duration retransmitInitial,
        int maxRetransmits,
        Duration closeLinger,
        boolean kernelAnswersSyns) {

    /**
     * What a config that sets nothing gives one worker (a test holds {@code WorkerSettings.tcp}
     * to it): the receive buffer is the SYN-ACK's 65,535-byte window cut to what one HANDOFF
     * carries.
     */
    public static final TcpSettings DEFAULTS = new TcpSettings(1460, 7, HandoffFlyweight.MAX_REQUEST_LENGTH, 1_000_000,
            65_536, 65_536, 256L << 20, Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofMinutes(5),
            Duration.ofMillis(200), 6, Duration.ofSeconds(2));

    /** The settings of a director whose SYNs all reach Java (no kernel SYN path). */
    public TcpSettings(int mss, int windowShift, int receiveCapacity, int maxFlows, int maxHalfOpen,
                       int maxBufferedBytesPerFlow, long maxBufferedBytes, Duration handshakeTimeout,
                       Duration requestTimeout, Duration flowIdleTimeout, Duration retransmitInitial,
                       int maxRetransmits, Duration closeLinger) {
        this(mss, windowShift, receiveCapacity, maxFlows, maxHalfOpen, maxBufferedBytesPerFlow, maxBufferedBytes,
                handshakeTimeout, requestTimeout, flowIdleTimeout, retransmitInitial, maxRetransmits, closeLinger, false);
    }

    /** The same settings, with the kernel answering SYNs or not. */
    public TcpSettings withKernelAnswersSyns(boolean kernel) {
        return new TcpSettings(mss, windowShift, receiveCapacity, maxFlows, maxHalfOpen, maxBufferedBytesPerFlow,
                maxBufferedBytes, handshakeTimeout, requestTimeout, flowIdleTimeout, retransmitInitial, maxRetransmits,
                closeLinger, kernel);
    }

    public TcpSettings {
        check("tcp.mss", mss, 536, 65495);
        check("tcp.window-shift", windowShift, 0, 14);
        // The config's least receive buffer: limits.max-request-head-bytes (256 at least) must fit in it.
        check("tcp.receive-capacity", receiveCapacity, 256, 1 << 24);
        check("limits.max-flows", maxFlows, 1, 1 << 28);
        check("limits.max-half-open", maxHalfOpen, 0, 1 << 28);
        check("limits.max-buffered-bytes-per-flow", maxBufferedBytesPerFlow, 0, 1 << 28);
        check("tcp.max-retransmits", maxRetransmits, 0, 20);
        if (maxBufferedBytes < receiveCapacity) {
            throw new IllegalArgumentException("limits.max-buffered-bytes-total=" + maxBufferedBytes
                    + " (expected: at least one flow's receive buffer, " + receiveCapacity + ")");
        }
        positive("timeouts.handshake", handshakeTimeout);
        positive("timeouts.request", requestTimeout);
        positive("timeouts.flow-idle", flowIdleTimeout);
        positive("tcp.retransmit-initial", retransmitInitial);
        positive("tcp.close-linger", closeLinger);
    }

    /** These settings with another SYN-ACK MSS (the kernel path's lower one). */
    public TcpSettings withMss(int newMss) {
        return new TcpSettings(newMss, windowShift, receiveCapacity, maxFlows, maxHalfOpen, maxBufferedBytesPerFlow,
                maxBufferedBytes, handshakeTimeout, requestTimeout, flowIdleTimeout, retransmitInitial, maxRetransmits,
                closeLinger, kernelAnswersSyns);
    }

    private static void check(String name, int v, int lo, int hi) {
        if (v < lo || v > hi) {
            throw new IllegalArgumentException(name + "=" + v + " (expected: " + lo + ".." + hi + ")");
        }
    }

    private static void positive(String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + "=" + d + " (expected: a positive duration)");
        }
    }
}
