package org.handoff.agent.kernel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Byte order on every access to a map key or value (bpf/src/main/c/agent_maps.h): addresses,
 * ports and the flow token as on the wire (big-endian), offsets, clocks and state as the BPF
 * program computes with them (the host's order). Absolute accesses, whatever the buffer's own
 * order and position.
 */
final class MapBytes {
    private static final VarHandle WIRE_SHORT = MethodHandles.byteBufferViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle WIRE_INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle WIRE_LONG = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle HOST_INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());
    private static final VarHandle HOST_LONG = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

    private MapBytes() {
    }

    /** Checks once, at wrap, that a map buffer holds the struct. */
    static ByteBuffer checked(ByteBuffer buffer, int length, String struct) {
        if (buffer.capacity() < length) {
            throw new IllegalArgumentException(struct + ": buffer of " + buffer.capacity() + " bytes (expected: " + length + "+)");
        }
        return buffer;
    }

    static int wireU16(ByteBuffer b, int at) {
        return (short) WIRE_SHORT.get(b, at) & 0xffff;
    }

    static void putWireU16(ByteBuffer b, int at, int v) {
        WIRE_SHORT.set(b, at, (short) v);
    }

    static int wireI32(ByteBuffer b, int at) {
        return (int) WIRE_INT.get(b, at);
    }

    static void putWireI32(ByteBuffer b, int at, int v) {
        WIRE_INT.set(b, at, v);
    }

    static long wireI64(ByteBuffer b, int at) {
        return (long) WIRE_LONG.get(b, at);
    }

    static void putWireI64(ByteBuffer b, int at, long v) {
        WIRE_LONG.set(b, at, v);
    }

    static int hostI32(ByteBuffer b, int at) {
        return (int) HOST_INT.get(b, at);
    }

    static void putHostI32(ByteBuffer b, int at, int v) {
        HOST_INT.set(b, at, v);
    }

    static long hostI64(ByteBuffer b, int at) {
        return (long) HOST_LONG.get(b, at);
    }

    static void putHostI64(ByteBuffer b, int at, long v) {
        HOST_LONG.set(b, at, v);
    }

    static int u8(ByteBuffer b, int at) {
        return b.get(at) & 0xff;
    }

    static void putU8(ByteBuffer b, int at, int v) {
        b.put(at, (byte) v);
    }
}
