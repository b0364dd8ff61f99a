package org.handoff.protocol.wire;

/**
 * What every packet view shares: the bytes it is wrapped around, and the two error paths.
 * {@link #check()} returns a {@link WireError} (per-packet code counts it and drops the
 * packet; nothing is allocated) and remembers the measured and expected values, which
 * {@link #checkOrThrow()} turns into a {@link MalformedPacketException} for code that owns a
 * connection.
 *
 * @param <T> the view's own type, so {@code wrap} chains into its accessors
 */
public abstract class WireView<T extends WireView<T>> {
    protected byte[] buffer;
    protected int offset;
    protected int length;
    private long errorMeasured;
    private String errorExpected;

    /** Points the view at {@code buffer[offset, offset+length)}; nothing is checked yet. */
    @SuppressWarnings("unchecked")
    public final T wrap(byte[] buffer, int offset, int length) {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        return (T) this;
    }

    /** Length and format checks for untrusted input: {@code null} when valid, else the reason. */
    public abstract WireError check();

    /** {@link #check()}, as an exception naming the measured against the expected value. */
    @SuppressWarnings("unchecked")
    public final T checkOrThrow() throws MalformedPacketException {
        WireError e = check();
        if (e != null) {
            throw new MalformedPacketException(e, errorMeasured, errorExpected);
        }
        return (T) this;
    }

    /** Records what was measured and expected, and returns {@code e}: {@code return fail(...)}. */
    protected final WireError fail(WireError e, long measured, String expected) {
        errorMeasured = measured;
        errorExpected = expected;
        return e;
    }

    public final long errorMeasured() {
        return errorMeasured;
    }

    public final String errorExpected() {
        return errorExpected;
    }

    public final byte[] buffer() {
        return buffer;
    }

    public final int offset() {
        return offset;
    }

    /** The wrapped length, which may exceed the packet's own length (link padding). */
    public final int length() {
        return length;
    }
}
