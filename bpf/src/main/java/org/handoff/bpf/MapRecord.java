package org.handoff.bpf;

import java.nio.ByteBuffer;

/**
 * A view of one BPF map key or value at an offset of a {@link ByteBuffer}: the base of the Java
 * mirrors of the C structs, which name the fields and read and write them there through
 * {@link MapBytes}, so one instance serves every map call without allocating.
 */
public abstract class MapRecord {
    /** The buffer the view reads and writes; set by {@link #point}. */
    protected ByteBuffer buffer;
    /** Where the struct starts in {@link #buffer}. */
    protected int offset;

    /** Points the view at {@code length} bytes of {@code buffer} from {@code offset}, checked here once. */
    protected final void point(ByteBuffer buffer, int offset, int length, String struct) {
        MapBytes.requireRoom(buffer, offset, length, struct);
        this.buffer = buffer;
        this.offset = offset;
    }

    /**
     * The buffer, for the map call: the view reads and writes at absolute offsets and leaves its
     * position and order alone.
     */
    public ByteBuffer buffer() {
        return buffer;
    }

    public int offset() {
        return offset;
    }
}
