package org.handoff.director.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.handoff.protocol.wire.EthernetFrame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes what the director would send into a pcap file, stamped by the injected
 * {@link Clock} ({@link Clock#epochNanos()}), for replays and golden tests.
 *
 * <p>Format: classic pcap, little-endian, nanosecond timestamps (magic {@code 0xa1b23c4d}),
 * version 2.4, snaplen 262144; link type RAW (101, the IP packet as is) or Ethernet (1, with
 * fixed MACs and the EtherType taken from the IP version). {@code tcpdump -r} and
 * {@link PcapFileSource} read it.
 *
 * <p>Written in Java rather than with pcap4j's dumper: that one allocates several JNA
 * structures per packet, needs a byte[] of the exact packet length, and has microsecond
 * stamps unless the dead handle is opened for nanoseconds. Records are buffered (1 MB) and
 * written by {@link #flush()} or when the buffer fills.
 */
public final class PcapFileSink implements PacketSink {
    private static final Logger LOG = LoggerFactory.getLogger(PcapFileSink.class);

    public static final int MAGIC_NANOS = 0xa1b23c4d;
    public static final int SNAPLEN = 262144;
    public static final int RECORD_HEADER_LENGTH = 16;
    public static final int FILE_HEADER_LENGTH = 24;

    /** The file's link type. */
    public enum LinkType {
        RAW(LinkDecoder.LINKTYPE_RAW, 0),
        ETHERNET(LinkDecoder.DLT_EN10MB, 14);

        final int value;
        final int headerLength;

        LinkType(int value, int headerLength) {
            this.value = value;
            this.headerLength = headerLength;
        }
    }

    private final FileChannel channel;
    private final Path path;
    private final Clock clock;
    private final LinkType linkType;
    private final long sourceMac;
    private final long destinationMac;
    private final ByteBuffer buffer = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
    private boolean closed;
    private long written;
    private long failed;
    private IOException lastError;

    /** Link type RAW. */
    public static PcapFileSink raw(Path path, Clock clock) throws IOException {
        return new PcapFileSink(path, clock, LinkType.RAW, 0, 0);
    }

    /** Link type Ethernet with fixed MACs (48 bits each). */
    public static PcapFileSink ethernet(Path path, Clock clock, long sourceMac, long destinationMac) throws IOException {
        return new PcapFileSink(path, clock, LinkType.ETHERNET, sourceMac, destinationMac);
    }

    private PcapFileSink(Path path, Clock clock, LinkType linkType, long sourceMac, long destinationMac) throws IOException {
        this.path = path;
        this.clock = clock;
        this.linkType = linkType;
        this.sourceMac = sourceMac;
        this.destinationMac = destinationMac;
        this.channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        buffer.putInt(MAGIC_NANOS).putShort((short) 2).putShort((short) 4)
                .putInt(0) // thiszone
                .putInt(0) // sigfigs
                .putInt(SNAPLEN)
                .putInt(linkType.value);
        flush();
    }

    @Override
    public boolean send(byte[] b, int off, int len) {
        if (closed || len < 1 || len > 65535 || off < 0 || off + len > b.length) {
            failed++;
            return false;
        }
        int version = (b[off] >> 4) & 0xf;
        if (version != 4 && version != 6) {
            failed++;
            return false;
        }
        int recordLength = linkType.headerLength + len;
        if (buffer.remaining() < RECORD_HEADER_LENGTH + recordLength && !drain()) {
            failed++;
            return false;
        }
        long ts = clock.epochNanos();
        buffer.putInt((int) Math.floorDiv(ts, 1_000_000_000L))
                .putInt((int) Math.floorMod(ts, 1_000_000_000L))
                .putInt(recordLength)
                .putInt(recordLength);
        if (linkType == LinkType.ETHERNET) {
            putMac(destinationMac);
            putMac(sourceMac);
            buffer.order(ByteOrder.BIG_ENDIAN)
                    .putShort((short) (version == 4 ? EthernetFrame.ETHERTYPE_IPV4 : EthernetFrame.ETHERTYPE_IPV6))
                    .order(ByteOrder.LITTLE_ENDIAN);
        }
        buffer.put(b, off, len);
        written++;
        return true;
    }

    private void putMac(long mac) {
        for (int i = 0; i < 6; i++) {
            buffer.put((byte) (mac >>> (40 - 8 * i)));
        }
    }

    private boolean drain() {
        buffer.flip();
        try {
            int guard = 0;
            while (buffer.hasRemaining() && guard++ < 1_000_000) {
                channel.write(buffer);
            }
            return true;
        } catch (IOException e) {
            if (lastError == null) {
                LOG.warn("writing capture file {} failed: {}", path, e.toString());
            }
            lastError = e;
            return false;
        } finally {
            buffer.clear();
        }
    }

    @Override
    public void flush() {
        if (!closed) {
            drain();
        }
    }

    @Override
    public void close() {
        if (!closed) {
            drain();
            closed = true;
            try {
                channel.close();
            } catch (IOException e) {
                lastError = e;
                LOG.warn("closing capture file {} failed: {}", path, e.toString());
            }
        }
    }

    public long written() {
        return written;
    }

    public long failed() {
        return failed;
    }

    /** The last write error, or null; records lost in a failed write are not counted per packet. */
    public IOException lastError() {
        return lastError;
    }
}
