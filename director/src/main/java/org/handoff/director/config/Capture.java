package org.handoff.director.config;

/** {@code capture.*}: the interface packets for the VIPs arrive on (null: not in the config), the capture buffer. */
public record Capture(String interfaceName, int bufferBytes) {
    public static final int DEFAULT_BUFFER_BYTES = 64 << 20;

    public static Capture defaults() {
        return new Capture(null, DEFAULT_BUFFER_BYTES);
    }
}
