package org.handoff.director.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapHandle.TimestampPrecision;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.Pcaps;
import org.pcap4j.core.RawPacketListener;

/**
 * Replays a capture file through the pipeline: pcap (micro- or nanosecond) or pcapng, as far
 * as the installed libpcap reads it (1.10 reads both); link types Ethernet, Linux cooked
 * (SLL, SLL2) and raw IP. Packets are delivered with the capture's timestamps in epoch
 * nanoseconds, and a {@link CaptureClock}, when given, is moved to each packet's time before
 * the packet is delivered, so the pipeline's timers run on capture time.
 *
 * <p>By default every IP packet in the file is delivered; {@link #open(Path, CaptureClock,
 * boolean)} with {@code hostOnly} keeps only Linux cooked frames of type PACKET_HOST (a
 * capture taken with {@code tcpdump -i any} also holds the host's own output). A file has no
 * waiting: {@link #poll} ignores {@code maxWaitNanos} and returns {@link #END_OF_INPUT} once
 * the file is read.
 */
public final class PcapFileSource implements PacketSource {
    private final PcapHandle handle;
    private final Path path;
    private final LinkDecoder decoder;
    private final CaptureClock clock;
    private final RawPacketListener listener = this::onFrame;
    private PacketHandler handler;
    private int deliveredThisPoll;
    private boolean ended;
    private boolean closed;
    private long delivered;

    private PcapFileSource(PcapHandle handle, Path path, LinkDecoder decoder, CaptureClock clock) {
        this.handle = handle;
        this.path = path;
        this.decoder = decoder;
        this.clock = clock;
    }

    public static PcapFileSource open(Path path, CaptureClock clock) throws IOException {
        return open(path, clock, false);
    }

    /**
     * @param clock moved to each packet's timestamp, or null
     * @param hostOnly deliver only packets the capturing host received for itself (Linux
     *     cooked captures; Ethernet and raw IP captures are delivered whole)
     */
    public static PcapFileSource open(Path path, CaptureClock clock, boolean hostOnly) throws IOException {
        if (!Files.isReadable(path)) {
            throw new IOException("capture file " + path + " is not readable");
        }
        PcapHandle handle;
        try {
            handle = Pcaps.openOffline(path.toString(), TimestampPrecision.NANO);
        } catch (PcapNativeException e) {
            throw new IOException("cannot read capture file " + path + ": " + e.getMessage(), e);
        }
        int dlt = handle.getDlt().value();
        if (!LinkDecoder.isSupported(dlt)) {
            handle.close();
            throw new IOException("capture file " + path + " has link type " + dlt + " " + handle.getDlt()
                    + " (expected: Ethernet 1, Linux cooked 113/276, raw IP 12/101/228)");
        }
        return new PcapFileSource(handle, path, new LinkDecoder(dlt, hostOnly, LinkDecoder.ANY_MAC), clock);
    }

    @Override
    public int poll(PacketHandler handler, int maxPackets, long maxWaitNanos) throws IOException {
        if (ended) {
            return END_OF_INPUT;
        }
        if (closed) {
            throw new IOException("capture file " + path + " is closed");
        }
        this.handler = handler;
        deliveredThisPoll = 0;
        int read;
        try {
            read = handle.dispatch(maxPackets, listener);
        } catch (PcapNativeException | NotOpenException e) {
            throw new IOException("reading capture file " + path + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("reading capture file " + path + " interrupted", e);
        } finally {
            this.handler = null;
        }
        delivered += deliveredThisPoll;
        if (read == 0) { // pcap_dispatch on a file returns 0 only at its end
            ended = true;
            return deliveredThisPoll > 0 ? deliveredThisPoll : END_OF_INPUT;
        }
        return deliveredThisPoll;
    }

    private void onFrame(byte[] frame) {
        Timestamp ts = handle.getTimestamp();
        long nanos = Math.floorDiv(ts.getTime(), 1000L) * 1_000_000_000L + ts.getNanos();
        if (clock != null) {
            clock.advanceTo(nanos);
        }
        if (decoder.decode(frame, 0, frame.length)) {
            deliveredThisPoll++;
            handler.onPacket(frame, decoder.ipOffset(), decoder.ipLength(), nanos);
        }
    }

    public int linkType() {
        return decoder.linkType();
    }

    public LinkDecoder decoder() {
        return decoder;
    }

    public long delivered() {
        return delivered;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            handle.close();
        }
    }
}
