package org.handoff.testkit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a classic pcap file (what {@code tcpdump -w} writes): microsecond or nanosecond
 * timestamps, either byte order. No pcapng.
 *
 * <pre>
 * global header, 24 bytes: magic(4) major(2) minor(2) thiszone(4) sigfigs(4) snaplen(4) linktype(4)
 * per record, 16 bytes:    ts_sec(4) ts_frac(4) incl_len(4) orig_len(4), then incl_len bytes
 * </pre>
 */
public final class PcapReader {
    public static final int LINKTYPE_ETHERNET = 1;
    public static final int LINKTYPE_RAW = 101;
    public static final int LINKTYPE_LINUX_SLL = 113;

    private static final int MAGIC_MICROS = 0xa1b2c3d4;
    private static final int MAGIC_NANOS = 0xa1b23c4d;

    /**
     * One captured frame.
     *
     * @param timestampNanos capture time, nanoseconds since the epoch
     * @param linkType       the file's link type ({@link #LINKTYPE_ETHERNET} on a veth)
     * @param data           the captured bytes (may be shorter than {@code originalLength})
     * @param originalLength the frame's length on the wire
     */
    public record Frame(long timestampNanos, int linkType, byte[] data, int originalLength) {
        /** Offset of the IP header in {@link #data()}, or -1 for a link type this reader does not know. */
        public int ipOffset() {
            return switch (linkType) {
                case LINKTYPE_ETHERNET -> 14;
                case LINKTYPE_RAW -> 0;
                case LINKTYPE_LINUX_SLL -> 16;
                default -> -1;
            };
        }
    }

    private PcapReader() {
    }

    public static List<Frame> read(Path file) throws IOException {
        return parse(Files.readAllBytes(file));
    }

    public static List<Frame> parse(byte[] bytes) {
        List<Frame> frames = new ArrayList<>();
        if (bytes.length == 0) {
            return frames; // tcpdump killed before it wrote its header: nothing captured
        }
        if (bytes.length < 24) {
            throw new IllegalArgumentException("pcap file " + bytes.length + " bytes (expected: 24+)");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
        int magic = b.getInt(0);
        if (magic != MAGIC_MICROS && magic != MAGIC_NANOS) {
            b.order(ByteOrder.LITTLE_ENDIAN);
            magic = b.getInt(0);
        }
        if (magic != MAGIC_MICROS && magic != MAGIC_NANOS) {
            throw new IllegalArgumentException(String.format("pcap magic 0x%08x (expected: 0xa1b2c3d4 or 0xa1b23c4d)", b.getInt(0)));
        }
        long fracToNanos = magic == MAGIC_MICROS ? 1_000 : 1;
        int linkType = b.getInt(20);
        int pos = 24;
        while (pos + 16 <= bytes.length) {
            long sec = Integer.toUnsignedLong(b.getInt(pos));
            long frac = Integer.toUnsignedLong(b.getInt(pos + 4));
            int incl = b.getInt(pos + 8);
            int orig = b.getInt(pos + 12);
            pos += 16;
            if (incl < 0 || pos + incl > bytes.length) {
                break; // the last record was cut short when the capture stopped
            }
            byte[] data = new byte[incl];
            System.arraycopy(bytes, pos, data, 0, incl);
            pos += incl;
            frames.add(new Frame(sec * 1_000_000_000L + frac * fracToNanos, linkType, data, orig));
        }
        return frames;
    }
}
