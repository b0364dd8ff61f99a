package org.handoff.director.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Absolute reads and writes of BPF map fields, in the order the C side declares them
 * ({@code __be*}: network order; {@code __u*}: host order), whatever order the
 * {@link ByteBuffer} is set to. Never changes the buffer's order or position.
 */
final class MapFields {
    private MapFields() {
    }

    static int getInt(ByteBuffer b, int at) {
        int v = b.getInt(at);
        return b.order() == ByteOrder.BIG_ENDIAN ? v : Integer.reverseBytes(v);
    }

    static void putInt(ByteBuffer b, int at, int v) {
        b.putInt(at, b.order() == ByteOrder.BIG_ENDIAN ? v : Integer.reverseBytes(v));
    }

    static int getPort(ByteBuffer b, int at) {
        short v = b.getShort(at);
        return (b.order() == ByteOrder.BIG_ENDIAN ? v : Short.reverseBytes(v)) & 0xffff;
    }

    static void putPort(ByteBuffer b, int at, String name, int port) {
        if (port < 0 || port > 0xffff) {
            throw new IllegalArgumentException(name + "=" + port + " (expected: 0..65535)");
        }
        short v = (short) port;
        b.putShort(at, b.order() == ByteOrder.BIG_ENDIAN ? v : Short.reverseBytes(v));
    }

    static long getLong(ByteBuffer b, int at) {
        long v = b.getLong(at);
        return b.order() == ByteOrder.BIG_ENDIAN ? v : Long.reverseBytes(v);
    }

    static void putLong(ByteBuffer b, int at, long v) {
        b.putLong(at, b.order() == ByteOrder.BIG_ENDIAN ? v : Long.reverseBytes(v));
    }

    static int getHostShort(ByteBuffer b, int at) {
        short v = b.getShort(at);
        return (b.order() == ByteOrder.nativeOrder() ? v : Short.reverseBytes(v)) & 0xffff;
    }

    static void putHostShort(ByteBuffer b, int at, int v) {
        short s = (short) v;
        b.putShort(at, b.order() == ByteOrder.nativeOrder() ? s : Short.reverseBytes(s));
    }

    static int getHostInt(ByteBuffer b, int at) {
        int v = b.getInt(at);
        return b.order() == ByteOrder.nativeOrder() ? v : Integer.reverseBytes(v);
    }

    static void putHostInt(ByteBuffer b, int at, int v) {
        b.putInt(at, b.order() == ByteOrder.nativeOrder() ? v : Integer.reverseBytes(v));
    }

    static long getHostLong(ByteBuffer b, int at) {
        long v = b.getLong(at);
        return b.order() == ByteOrder.nativeOrder() ? v : Long.reverseBytes(v);
    }

    static void putHostLong(ByteBuffer b, int at, long v) {
        b.putLong(at, b.order() == ByteOrder.nativeOrder() ? v : Long.reverseBytes(v));
    }

    /** {@code length} bytes from {@code at} must fit in {@code b}. */
    static void requireRoom(ByteBuffer b, int at, int length, String what) {
        if (at < 0 || b.capacity() - at < length) {
            throw new IllegalArgumentException(what + " at " + at + " in a buffer of " + b.capacity()
                    + " bytes (expected: " + length + " bytes from the offset)");
        }
    }
}
