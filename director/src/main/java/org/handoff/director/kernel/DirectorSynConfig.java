package org.handoff.director.kernel;

import java.nio.ByteBuffer;
import org.handoff.bpf.MapBytes;
import org.handoff.bpf.MapRecord;
import org.handoff.director.tcp.TcpSettings;

/**
 * The value of {@code director_syn_config} ({@code struct director_syn_config} in
 * bpf/src/main/c/director_maps.h), field for field: what the XDP program's SYN path
 * (director_syn.h) answers SYNs with. Every field is in host order.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                   Secret k0 (u64, host order)                 |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                   Secret k1 (u64, host order)                 |  8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          MSS (host)           |     SYN-ACK window (host)     | 16
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Window shift |    Enabled    |         Reserved (0)          | 20
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * {@link #set} fills it from the terminator's own inputs, so the kernel's SYN-ACK is the one
 * {@code TcpTerminator} sends when it answers with a cookie. A view like {@link DirectorFlowEntry}.
 */
public final class DirectorSynConfig extends MapRecord {
    public static final int SECRET0_OFFSET = 0;
    public static final int SECRET1_OFFSET = 8;
    public static final int MSS_OFFSET = 16;
    public static final int WINDOW_OFFSET = 18;
    public static final int WINDOW_SHIFT_OFFSET = 20;
    public static final int ENABLED_OFFSET = 21;
    public static final int RESERVED_OFFSET = 22;
    /** sizeof(struct director_syn_config): the map's value size. */
    public static final int LENGTH = 24;
    /** The map's only key. */
    public static final int KEY = 0;

    /** A value over its own {@value #LENGTH}-byte direct buffer, to be reused. */
    public static DirectorSynConfig allocate() {
        return new DirectorSynConfig().wrap(ByteBuffer.allocateDirect(LENGTH), 0);
    }

    public DirectorSynConfig wrap(ByteBuffer buffer, int offset) {
        point(buffer, offset, LENGTH, "director_syn_config");
        return this;
    }

    public DirectorSynConfig clear() {
        for (int i = 0; i < LENGTH; i += 8) {
            buffer.putLong(offset + i, 0L);
        }
        return this;
    }

    /**
     * Enabled, with the secret of the terminator's cookies and the SYN-ACK values
     * {@code TcpTerminator} uses for a cookie SYN-ACK: MSS {@code tcp.mss}, the window field
     * {@code min(receive capacity, 65535)} (a SYN's window is never scaled), window shift.
     */
    public DirectorSynConfig set(TcpSettings settings, long secret0, long secret1) {
        return clear().secret0(secret0).secret1(secret1).mss(settings.mss())
                .window(Math.min(settings.receiveCapacity(), 0xffff)).windowShift(settings.windowShift()).enabled(true);
    }

    public long secret0() {
        return MapBytes.hostI64(buffer, offset + SECRET0_OFFSET);
    }

    public DirectorSynConfig secret0(long k0) {
        MapBytes.putHostI64(buffer, offset + SECRET0_OFFSET, k0);
        return this;
    }

    public long secret1() {
        return MapBytes.hostI64(buffer, offset + SECRET1_OFFSET);
    }

    public DirectorSynConfig secret1(long k1) {
        MapBytes.putHostI64(buffer, offset + SECRET1_OFFSET, k1);
        return this;
    }

    public int mss() {
        return MapBytes.hostU16(buffer, offset + MSS_OFFSET);
    }

    public DirectorSynConfig mss(int mss) {
        range("mss", mss, 1, 0xffff);
        MapBytes.putHostU16(buffer, offset + MSS_OFFSET, mss);
        return this;
    }

    /** The SYN-ACK's window field. */
    public int window() {
        return MapBytes.hostU16(buffer, offset + WINDOW_OFFSET);
    }

    public DirectorSynConfig window(int window) {
        range("window", window, 0, 0xffff);
        MapBytes.putHostU16(buffer, offset + WINDOW_OFFSET, window);
        return this;
    }

    public int windowShift() {
        return buffer.get(offset + WINDOW_SHIFT_OFFSET);
    }

    public DirectorSynConfig windowShift(int shift) {
        range("window shift", shift, 0, 14);
        buffer.put(offset + WINDOW_SHIFT_OFFSET, (byte) shift);
        return this;
    }

    public boolean enabled() {
        return buffer.get(offset + ENABLED_OFFSET) != 0;
    }

    public DirectorSynConfig enabled(boolean enabled) {
        buffer.put(offset + ENABLED_OFFSET, (byte) (enabled ? 1 : 0));
        return this;
    }

    public int reserved() {
        return MapBytes.hostU16(buffer, offset + RESERVED_OFFSET);
    }

    private static void range(String name, int v, int lo, int hi) {
        if (v < lo || v > hi) {
            throw new IllegalArgumentException(name + "=" + v + " (expected: " + lo + ".." + hi + ")");
        }
    }

    /** Leaves the secret out. */
    @Override
    public String toString() {
        return "director_syn_config{enabled=" + enabled() + ", mss=" + mss() + ", window=" + window()
                + ", windowShift=" + windowShift() + "}";
    }
}
