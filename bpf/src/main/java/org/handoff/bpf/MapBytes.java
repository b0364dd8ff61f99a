package org.handoff.bpf;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Byte order on every access to a BPF map key or value, in the order the C struct declares the
 * field: {@code __be*} fields (addresses, ports, tokens: as on the wire) in network order
 * ({@code wire*}), {@code __u*} fields (offsets, clocks, counters, flags: as the program computes
 * with them) in the host's order ({@code host*}). Absolute accesses, whatever the buffer's own
 * order and position, which are never changed; nothing is allocated, so the Java mirrors of the
 * structs ({@link MapRecord}) can be used per hand-off.
 */
public final class MapBytes {
    private static final VarHandle WIRE_SHORT = MethodHandles.byteBufferViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle WIRE_INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle WIRE_LONG = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle HOST_SHORT = MethodHandles.byteBufferViewVarHandle(short[].class, ByteOrder.nativeOrder());
    private static final VarHandle HOST_INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());
    private static final VarHandle HOST_LONG = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final int MAX_PORT = 0xffff;

    private MapBytes() {
    }

    /**
     * Checks once, where a view is pointed at a buffer, that {@code length} bytes of the struct
     * fit from {@code at}: "agent_egress_value: buffer of 39 bytes (expected: 40+)".
     */
    public static ByteBuffer requireRoom(ByteBuffer b, int at, int length, String struct) {
        if (at < 0 || b.capacity() - at < length) {
            throw new IllegalArgumentException(struct + (at == 0 ? "" : " at offset " + at) + ": buffer of " + b.capacity()
                    + " bytes (expected: " + (at < 0 ? "an offset of 0+" : ((long) at + length) + "+") + ")");
        }
        return b;
    }

    public static int u8(ByteBuffer b, int at) {
        return b.get(at) & 0xff;
    }

    public static void putU8(ByteBuffer b, int at, int v) {
        b.put(at, (byte) v);
    }

    public static int wireU16(ByteBuffer b, int at) {
        return (short) WIRE_SHORT.get(b, at) & 0xffff;
    }

    public static void putWireU16(ByteBuffer b, int at, int v) {
        WIRE_SHORT.set(b, at, (short) v);
    }

    /** A TCP or UDP port, in network order; {@code name} says which in the refusal of one outside 0..65535. */
    public static void putWirePort(ByteBuffer b, int at, String name, int port) {
        if (port < 0 || port > MAX_PORT) {
            throw new IllegalArgumentException(name + "=" + port + " (expected: 0.." + MAX_PORT + ")");
        }
        putWireU16(b, at, port);
    }

    public static int wireI32(ByteBuffer b, int at) {
        return (int) WIRE_INT.get(b, at);
    }

    public static void putWireI32(ByteBuffer b, int at, int v) {
        WIRE_INT.set(b, at, v);
    }

    public static long wireI64(ByteBuffer b, int at) {
        return (long) WIRE_LONG.get(b, at);
    }

    public static void putWireI64(ByteBuffer b, int at, long v) {
        WIRE_LONG.set(b, at, v);
    }

    public static int hostU16(ByteBuffer b, int at) {
        return (short) HOST_SHORT.get(b, at) & 0xffff;
    }

    public static void putHostU16(ByteBuffer b, int at, int v) {
        HOST_SHORT.set(b, at, (short) v);
    }

    public static int hostI32(ByteBuffer b, int at) {
        return (int) HOST_INT.get(b, at);
    }

    public static void putHostI32(ByteBuffer b, int at, int v) {
        HOST_INT.set(b, at, v);
    }

    public static long hostI64(ByteBuffer b, int at) {
        return (long) HOST_LONG.get(b, at);
    }

    public static void putHostI64(ByteBuffer b, int at, long v) {
        HOST_LONG.set(b, at, v);
    }
}
