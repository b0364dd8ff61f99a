package org.handoff.director.kernel;

import java.nio.ByteBuffer;

/**
 * A view of one BPF map key or value at an offset of a {@link ByteBuffer}: the mirrors read and
 * write their fields there (through {@link MapFields}), so one instance serves every map call.
 */
abstract class MapRecord {
    ByteBuffer buffer;
    int offset;

    /** Points the view at {@code length} bytes of {@code buffer} from {@code offset}. */
    final void point(ByteBuffer buffer, int offset, int length, String what) {
        MapFields.requireRoom(buffer, offset, length, what);
        this.buffer = buffer;
        this.offset = offset;
    }

    /** The buffer the map calls read from or write into. */
    public ByteBuffer buffer() {
        return buffer;
    }

    public int offset() {
        return offset;
    }
}
