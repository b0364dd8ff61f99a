package org.handoff.director.config;

/**
 * {@code tcp.*}: what the director offers in its SYN-ACK: the MSS, its window-scale shift,
 * and its initial receive window in bytes (the 16-bit window field of the SYN-ACK, never scaled).
 */
public record Tcp(int mss, int windowShift, int initialWindow) {
    public static Tcp defaults() {
        return new Tcp(1460, 7, 65535);
    }
}
