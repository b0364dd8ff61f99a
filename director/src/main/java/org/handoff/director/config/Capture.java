package org.handoff.director.config;

/**
 * {@code capture.*}: the interface packets for the VIPs arrive on (null: not in the config), the
 * capture buffer, and the TUN device whose life announces the VIPs to a routing daemon while the
 * director runs (null: none; {@code org.handoff.director.io.AnnounceDevice}).
 */
public record Capture(String interfaceName, int bufferBytes, String announceDevice) {
    public static final int DEFAULT_BUFFER_BYTES = 64 << 20;

    public static Capture defaults() {
        return new Capture(null, DEFAULT_BUFFER_BYTES, null);
    }
}
