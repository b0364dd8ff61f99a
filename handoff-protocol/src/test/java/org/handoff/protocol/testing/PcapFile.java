package org.handoff.protocol.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A classic libpcap capture file, read and written in pure Java for tests.
 *
 * <pre>
 * global header (24 bytes), in the writer's byte order, which the magic reveals:
 *   0  magic          a1b2c3d4 (microsecond timestamps) or a1b23c4d (nanosecond)
 *   4  version major  2
 *   6  version minor  4
 *   8  thiszone       GMT offset, in practice 0
 *  12  sigfigs        in practice 0
 *  16  snaplen        largest captured length the writer allowed
 *  20  linktype       1 = Ethernet, 101 = raw IP, ...
 * then per record (16 bytes, then the data):
 *   0  ts_sec         seconds since the epoch (unsigned)
 *   4  ts_frac        microseconds or nanoseconds within the second
 *   8  incl_len       bytes captured and stored after this header
 *  12  orig_len       length on the wire
 * </pre>
 *
 * <p>Reading checks every length against what is left of the input and fails with a
 * {@link PcapFormatException} naming the offset, the measured value and the expected one. It
 * reads the whole input into memory: this is for test fixtures, not for multi-gigabyte traces.
 * pcapng is not read (convert with {@code editcap -F pcap}).
 *
 * <p>{@link #toBytes()} writes back in the file's own byte order and resolution, so reading then
 * writing a file gives the same bytes.
 */
public final class PcapFile {
    public static final int MAGIC_MICROS = 0xa1b2c3d4;
    public static final int MAGIC_NANOS = 0xa1b23c4d;
    /** pcapng's section header block type, recognised only to say what the file is. */
    public static final int PCAPNG_MAGIC = 0x0a0d0d0a;
    public static final int LINKTYPE_ETHERNET = 1;
    public static final int LINKTYPE_RAW = 101;
    public static final int GLOBAL_HEADER_LENGTH = 24;
    public static final int RECORD_HEADER_LENGTH = 16;
    /** tcpdump's default snap length; also the floor of the per-record length check (as libpcap). */
    public static final int DEFAULT_SNAP_LENGTH = 262_144;
    public static final int VERSION_MAJOR = 2;
    public static final int VERSION_MINOR = 4;

    /** Units of the timestamp fraction field. */
    public enum Resolution {
        MICROS(1_000_000, MAGIC_MICROS),
        NANOS(1_000_000_000, MAGIC_NANOS);

        private final int perSecond;
        private final int magic;

        Resolution(int perSecond, int magic) {
            this.perSecond = perSecond;
            this.magic = magic;
        }

        public int perSecond() {
            return perSecond;
        }

        public int magic() {
            return magic;
        }
    }

    private final ByteOrder byteOrder;
    private final Resolution resolution;
    private final int versionMajor;
    private final int versionMinor;
    private final int thisZone;
    private final int sigFigs;
    private final int snapLength;
    private final int linkType;
    private final List<PcapRecord> records;

    private PcapFile(ByteOrder byteOrder, Resolution resolution, int versionMajor, int versionMinor,
                     int thisZone, int sigFigs, int snapLength, int linkType, List<PcapRecord> records) {
        this.byteOrder = Objects.requireNonNull(byteOrder, "byteOrder");
        this.resolution = Objects.requireNonNull(resolution, "resolution");
        this.versionMajor = versionMajor;
        this.versionMinor = versionMinor;
        this.thisZone = thisZone;
        this.sigFigs = sigFigs;
        this.snapLength = snapLength;
        this.linkType = linkType;
        this.records = List.copyOf(records);
    }

    /** A new file, version 2.4, zone 0, to be written with {@link #write}. */
    public static PcapFile of(ByteOrder byteOrder, Resolution resolution, int snapLength, int linkType,
                              List<PcapRecord> records) {
        return new PcapFile(byteOrder, resolution, VERSION_MAJOR, VERSION_MINOR, 0, 0, snapLength, linkType, records);
    }

    /** A new Ethernet file as tcpdump writes it on x86: little-endian, microseconds, snaplen 262144. */
    public static PcapFile ethernet(List<PcapRecord> records) {
        return of(ByteOrder.LITTLE_ENDIAN, Resolution.MICROS, DEFAULT_SNAP_LENGTH, LINKTYPE_ETHERNET, records);
    }

    /** The same records and link type in another byte order and resolution. */
    public PcapFile convert(ByteOrder order, Resolution res) {
        return new PcapFile(order, res, versionMajor, versionMinor, thisZone, sigFigs, snapLength, linkType, records);
    }

    public static PcapFile read(Path path) throws IOException {
        return read(Files.readAllBytes(path));
    }

    /** Reads the stream to its end; does not close it. */
    public static PcapFile read(InputStream in) throws IOException {
        return read(in.readAllBytes());
    }

    public static PcapFile read(byte[] file) throws PcapFormatException {
        if (file.length < GLOBAL_HEADER_LENGTH) {
            throw new PcapFormatException("pcap global header", 0, file.length + " bytes",
                    GLOBAL_HEADER_LENGTH + " bytes");
        }
        ByteBuffer buf = ByteBuffer.wrap(file);
        int magic = buf.getInt(0);
        ByteOrder order;
        Resolution res;
        if (magic == MAGIC_MICROS || magic == MAGIC_NANOS) {
            order = ByteOrder.BIG_ENDIAN;
            res = magic == MAGIC_MICROS ? Resolution.MICROS : Resolution.NANOS;
        } else if (magic == Integer.reverseBytes(MAGIC_MICROS) || magic == Integer.reverseBytes(MAGIC_NANOS)) {
            order = ByteOrder.LITTLE_ENDIAN;
            res = magic == Integer.reverseBytes(MAGIC_MICROS) ? Resolution.MICROS : Resolution.NANOS;
        } else if (magic == PCAPNG_MAGIC) {
            throw new PcapFormatException("pcap magic", 0, "0a0d0d0a (pcapng)",
                    "classic pcap a1b2c3d4 or a1b23c4d; convert with editcap -F pcap");
        } else {
            throw new PcapFormatException("pcap magic", 0, String.format("%08x", magic),
                    "a1b2c3d4 or a1b23c4d, in either byte order");
        }
        buf.order(order);
        int major = Short.toUnsignedInt(buf.getShort(4));
        int minor = Short.toUnsignedInt(buf.getShort(6));
        if (major != VERSION_MAJOR) {
            throw new PcapFormatException("pcap version", 4, major + "." + minor, VERSION_MAJOR + ".x");
        }
        int thisZone = buf.getInt(8);
        int sigFigs = buf.getInt(12);
        int snapLength = buf.getInt(16);
        int linkType = buf.getInt(20);
        // libpcap's bound: a record may exceed a small snaplen (some writers lie) but not both it
        // and the default; this also keeps the length within an int.
        long maxCaptured = Math.max(Integer.toUnsignedLong(snapLength), DEFAULT_SNAP_LENGTH);

        List<PcapRecord> records = new ArrayList<>();
        int off = GLOBAL_HEADER_LENGTH;
        while (off < file.length) {
            int index = records.size();
            int left = file.length - off;
            if (left < RECORD_HEADER_LENGTH) {
                throw new PcapFormatException("record " + index + " header", off, left + " bytes",
                        RECORD_HEADER_LENGTH + " bytes");
            }
            long seconds = Integer.toUnsignedLong(buf.getInt(off));
            long fraction = Integer.toUnsignedLong(buf.getInt(off + 4));
            long captured = Integer.toUnsignedLong(buf.getInt(off + 8));
            long original = Integer.toUnsignedLong(buf.getInt(off + 12));
            if (fraction >= res.perSecond()) {
                throw new PcapFormatException("record " + index + " timestamp fraction", off + 4,
                        Long.toString(fraction), "< " + res.perSecond() + " (" + res + ")");
            }
            if (captured > maxCaptured) {
                throw new PcapFormatException("record " + index + " captured length", off + 8,
                        Long.toString(captured), "<= " + maxCaptured + " (snaplen " + Integer.toUnsignedLong(snapLength) + ")");
            }
            if (original < captured || original > Integer.MAX_VALUE) {
                throw new PcapFormatException("record " + index + " original length", off + 12,
                        Long.toString(original), captured + ".." + Integer.MAX_VALUE + " (>= captured length)");
            }
            int dataOff = off + RECORD_HEADER_LENGTH;
            int dataLeft = file.length - dataOff;
            if (dataLeft < captured) {
                throw new PcapFormatException("record " + index + " data", dataOff, dataLeft + " bytes",
                        captured + " bytes");
            }
            byte[] data = Arrays.copyOfRange(file, dataOff, dataOff + (int) captured);
            long nanos = seconds * 1_000_000_000L + fraction * (1_000_000_000L / res.perSecond());
            records.add(new PcapRecord(nanos, (int) original, data));
            off = dataOff + (int) captured;
        }
        return new PcapFile(order, res, major, minor, thisZone, sigFigs, snapLength, linkType, records);
    }

    /**
     * The file in its own byte order and resolution. Nanosecond timestamps written at microsecond
     * resolution are cut to the microsecond.
     *
     * @throws IllegalArgumentException if a timestamp is past 2106 (ts_sec is 32-bit unsigned)
     */
    public byte[] toBytes() {
        int size = GLOBAL_HEADER_LENGTH;
        for (PcapRecord r : records) {
            size += RECORD_HEADER_LENGTH + r.capturedLength();
        }
        ByteBuffer buf = ByteBuffer.allocate(size).order(byteOrder);
        buf.putInt(resolution.magic())
                .putShort((short) versionMajor)
                .putShort((short) versionMinor)
                .putInt(thisZone)
                .putInt(sigFigs)
                .putInt(snapLength)
                .putInt(linkType);
        long unit = 1_000_000_000L / resolution.perSecond();
        for (int i = 0; i < records.size(); i++) {
            PcapRecord r = records.get(i);
            long seconds = r.epochNanos() / 1_000_000_000L;
            if (seconds > 0xffff_ffffL) {
                throw new IllegalArgumentException("record " + i + " timestamp " + r.timestamp()
                        + " (expected: before 2106-02-07, ts_sec is 32-bit)");
            }
            buf.putInt((int) seconds)
                    .putInt((int) ((r.epochNanos() % 1_000_000_000L) / unit))
                    .putInt(r.capturedLength())
                    .putInt(r.originalLength())
                    .put(r.data());
        }
        return buf.array();
    }

    public void write(OutputStream out) throws IOException {
        out.write(toBytes());
    }

    public void write(Path path) throws IOException {
        Files.write(path, toBytes());
    }

    public ByteOrder byteOrder() {
        return byteOrder;
    }

    public Resolution resolution() {
        return resolution;
    }

    public int versionMajor() {
        return versionMajor;
    }

    public int versionMinor() {
        return versionMinor;
    }

    public int thisZone() {
        return thisZone;
    }

    public int sigFigs() {
        return sigFigs;
    }

    /** The snap length field, as the bits (read it with {@link Integer#toUnsignedLong}). */
    public int snapLength() {
        return snapLength;
    }

    /** The whole 32-bit link type field (the upper bits carry FCS information in some files). */
    public int linkType() {
        return linkType;
    }

    /** Unmodifiable, in file order. */
    public List<PcapRecord> records() {
        return records;
    }

    @Override
    public String toString() {
        return "PcapFile[" + records.size() + " records, linktype " + linkType + ", " + resolution + ", "
                + byteOrder + ", snaplen " + Integer.toUnsignedLong(snapLength) + "]";
    }
}
