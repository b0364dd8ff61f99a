package org.handoff.director.io;

import java.io.IOException;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface.PromiscuousMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the director's IPv4 packets as Ethernet frames with {@code pcap_sendpacket}, bypassing
 * the kernel's routing and neighbour tables: the destination MAC is given (the MAC the
 * client's packets came from, i.e. the next hop towards the client), the source MAC is the
 * interface's own. The alternative to {@link RawSocketSink} where routing the VIP's replies
 * through the kernel is not wanted; the raw socket is the default (docs/director-io.md).
 *
 * <p>Opened in the calling thread's network namespace. Not thread-safe.
 */
public final class PcapInjectSink implements PacketSink {
    private static final Logger LOG = LoggerFactory.getLogger(PcapInjectSink.class);

    private final PcapHandle handle;
    private final String interfaceName;
    private final byte[] frame = new byte[14 + 65535];
    private boolean closed;
    private long sent;
    private long invalid;
    private long failed;

    private PcapInjectSink(PcapHandle handle, String interfaceName, long sourceMac, long destinationMac) {
        this.handle = handle;
        this.interfaceName = interfaceName;
        LinkDecoder.putMac(frame, 0, destinationMac);
        LinkDecoder.putMac(frame, 6, sourceMac);
        frame[12] = 0x08;
        frame[13] = 0x00;
    }

    /** Source MAC read from the interface. */
    public static PcapInjectSink open(String interfaceName, long destinationMac) throws IOException {
        return open(interfaceName, NativeIo.hardwareAddress(interfaceName), destinationMac);
    }

    public static PcapInjectSink open(String interfaceName, long sourceMac, long destinationMac) throws IOException {
        try {
            PcapHandle handle = new PcapHandle.Builder(interfaceName)
                    .snaplen(128)
                    .promiscuousMode(PromiscuousMode.NONPROMISCUOUS)
                    .bufferSize(1 << 20)
                    .timeoutMillis(1)
                    .build();
            return new PcapInjectSink(handle, interfaceName, sourceMac, destinationMac);
        } catch (PcapNativeException e) {
            throw new IOException("cannot open " + interfaceName + " for injection: " + e.getMessage(), e);
        }
    }

    /** Changes the destination MAC (when the next hop's MAC is learnt or changes). */
    public void destinationMac(long mac) {
        LinkDecoder.putMac(frame, 0, mac);
    }

    @Override
    public boolean send(byte[] b, int off, int len) {
        if (closed || len < 20 || len > 65535 || off < 0 || off + len > b.length || (b[off] & 0xf0) != 0x40) {
            invalid++;
            return false;
        }
        System.arraycopy(b, off, frame, 14, len);
        try {
            handle.sendPacket(frame, 14 + len);
            sent++;
            return true;
        } catch (PcapNativeException | NotOpenException e) {
            if (failed++ == 0) {
                LOG.warn("pcap_sendpacket on {} failed: {} (logged once; counted in failed())", interfaceName, e.getMessage());
            }
            return false;
        }
    }

    @Override
    public void flush() {
        // pcap_sendpacket writes each frame at once
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            handle.close();
        }
    }

    public long sent() {
        return sent;
    }

    public long invalid() {
        return invalid;
    }

    public long failed() {
        return failed;
    }
}
