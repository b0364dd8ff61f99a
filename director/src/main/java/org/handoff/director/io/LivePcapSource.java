package org.handoff.director.io;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.pcap4j.core.BpfProgram.BpfCompileMode;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapHandle.BlockingMode;
import org.pcap4j.core.PcapHandle.PcapDirection;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface.PromiscuousMode;
import org.pcap4j.core.PcapStat;
import org.pcap4j.core.RawPacketListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Captures the client packets addressed to the director's VIPs on a live interface, through
 * libpcap (pcap4j 1.8.2, raw bytes only: pcap4j's parsed packets cost ~0.7 us each).
 *
 * <p>How it is opened:
 * <ul>
 *   <li>immediate mode (each packet is readable at once; libpcap then uses TPACKET_V2) and a
 *       large kernel ring ({@link Config#bufferBytes}, 32 MB by default: 2 MB dropped 1.8% at
 *       250k packets/s here). Each ring slot is snaplen-sized unless the interface has its
 *       offloads (GRO/TSO) off, so turning GRO off on the capture interface multiplies the
 *       number of slots;</li>
 *   <li>direction IN: the host's own output (the director's replies) is not seen;</li>
 *   <li>a BPF filter for exactly the VIPs and ports, plus, on Ethernet, {@code ether dst
 *       <interface MAC>} so frames flooded to other hosts are rejected in the kernel; with
 *       direction IN this is what the kernel calls PACKET_HOST (see {@link LinkDecoder});</li>
 *   <li>non-blocking: {@link #poll} reads what is in the ring ({@link ReadMode}) and,
 *       when nothing is there, sleeps in {@code ppoll} on the capture's selectable fd, and on
 *       the {@link WakeSources} given (the agents' sockets), for at most the wait given: an
 *       idle source costs no CPU, and an agent's answer ends the wait at once.</li>
 * </ul>
 * Frames are decoded by {@link LinkDecoder} (Ethernet, Linux cooked, raw IP), cut to the IP
 * length and never checked for checksums. Drops are counted: the decoder's reasons here,
 * the kernel's in {@link #updateStats()}.
 *
 * <p>Opened in the calling thread's network namespace. Not thread-safe: one worker polls it.
 */
public final class LivePcapSource implements PacketSource {
    // pcap4j opens, configures, filters and counts; DIRECT reads bypass its dispatch (see ReadMode)
    private static final Logger LOG = LoggerFactory.getLogger(LivePcapSource.class);

    /** How frames are read from libpcap's ring. */
    public enum ReadMode {
        /**
         * {@code pcap_next_ex} bound directly with JNA, the frame copied into one reused
         * buffer: no allocation and no JNA callback per packet. The default (measured in
         * docs/director-io.md: pcap4j's dispatch costs ~20 us per call on an empty ring).
         */
        DIRECT,
        /**
         * pcap4j's {@code dispatch(count, RawPacketListener)}: per call it builds a new JNA
         * callback (a native trampoline), per packet a byte[], a Timestamp and a Runnable.
         */
        PCAP4J_DISPATCH
    }

    /** Settings, validated once by {@link #open(Config)}. */
    public static final class Config {
        String interfaceName;
        final List<VipEndpoint> vips = new ArrayList<>();
        int bufferBytes = 32 << 20;
        int snaplen = 65535;
        boolean hostOnly = true;
        long interfaceMac = LinkDecoder.ANY_MAC;
        boolean detectMac = true;
        Clock clock = SystemClock.INSTANCE;
        ReadMode readMode = ReadMode.DIRECT;
        int shard;
        int shards = 1;

        /** Capture only worker {@code index}'s share of client endpoints (see {@link BpfFilters#shardOf}). */
        public Config shard(int index, int count) {
            this.shard = index;
            this.shards = count;
            return this;
        }

        /** How frames are read (default {@link ReadMode#DIRECT}). */
        public Config readMode(ReadMode mode) {
            this.readMode = mode;
            return this;
        }

        public Config interfaceName(String name) {
            this.interfaceName = name;
            return this;
        }

        public Config vip(VipEndpoint vip) {
            this.vips.add(vip);
            return this;
        }

        public Config vips(List<VipEndpoint> vips) {
            this.vips.addAll(vips);
            return this;
        }

        /** Kernel ring size in bytes (default 32 MB). */
        public Config bufferBytes(int bytes) {
            this.bufferBytes = bytes;
            return this;
        }

        /** Bytes kept per frame (default 65535). */
        public Config snaplen(int snaplen) {
            this.snaplen = snaplen;
            return this;
        }

        /**
         * Keep only frames addressed to this host (default true). False also drops the
         * {@code ether dst} term from the BPF filter; direction IN still applies.
         */
        public Config hostOnly(boolean hostOnly) {
            this.hostOnly = hostOnly;
            return this;
        }

        /** The interface's MAC; by default read from the interface (SIOCGIFHWADDR). */
        public Config interfaceMac(long mac) {
            this.interfaceMac = mac;
            this.detectMac = false;
            return this;
        }

        /** The clock packets are stamped with (default {@link SystemClock}). */
        public Config clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        void validate() {
            List<String> bad = new ArrayList<>();
            if (interfaceName == null || interfaceName.isEmpty()) {
                bad.add("interfaceName=" + interfaceName + " (expected: an interface, e.g. eth0)");
            }
            if (vips.isEmpty()) {
                bad.add("vips=[] (expected: at least one VIP:port)");
            }
            if (bufferBytes < (1 << 20)) {
                bad.add("bufferBytes=" + bufferBytes + " (expected: at least 1048576)");
            }
            if (snaplen < 128 || snaplen > 262144) {
                bad.add("snaplen=" + snaplen + " (expected: 128..262144)");
            }
            if (clock == null) {
                bad.add("clock=null");
            }
            if (readMode == null) {
                bad.add("readMode=null");
            }
            if (!bad.isEmpty()) {
                throw new IllegalArgumentException("live capture config: " + String.join("; ", bad));
            }
        }
    }

    /** Wake sources beyond this many are still read every cycle, just not waited on. */
    static final int MAX_WAKE_FDS = 1023;

    private final PcapHandle handle;
    private final String interfaceName;
    private final String filter;
    private final LinkDecoder decoder;
    private final Clock clock;
    private final int selectableFd;
    /** {@code struct pollfd} entries: the capture first, then the wake sources. */
    private final Memory pollFds = new Memory(8L * (1 + MAX_WAKE_FDS));
    private WakeSources wakeSources = WakeSources.NONE;
    private long wakeups;
    private final Memory timespec = new Memory(16);
    private final RawPacketListener listener = frame -> onFrame(frame, frame.length);
    private final ReadMode readMode;
    private final Pointer pcap;
    private final Memory slots = new Memory(16);
    private final Pointer dataSlot = slots.share(8);
    private final NativeIo.MovablePointer header = new NativeIo.MovablePointer();
    private final NativeIo.MovablePointer data = new NativeIo.MovablePointer();
    private final byte[] frame;
    private PacketHandler handler;
    private int deliveredThisPoll;
    private boolean closed;

    private long delivered;
    private long polls;
    private long sleeps;
    private long kernelReceived;
    private long kernelDropped;
    private long interfaceDropped;

    private LivePcapSource(PcapHandle handle, Pointer pcap, Config config, String filter, LinkDecoder decoder, int fd) {
        this.handle = handle;
        this.pcap = pcap;
        this.readMode = config.readMode;
        this.frame = new byte[config.snaplen];
        this.interfaceName = config.interfaceName;
        this.clock = config.clock;
        this.filter = filter;
        this.decoder = decoder;
        this.selectableFd = fd;
        pollFds.clear();
        pollFds.setInt(0, fd);
        pollFds.setShort(4, NativeIo.POLLIN);
    }

    /** Opens the capture in the calling thread's network namespace. */
    public static LivePcapSource open(Config config) throws IOException {
        config.validate();
        long mac = config.interfaceMac;
        PcapHandle handle;
        try {
            handle = new PcapHandle.Builder(config.interfaceName)
                    .snaplen(config.snaplen)
                    .promiscuousMode(PromiscuousMode.NONPROMISCUOUS)
                    .immediateMode(true)
                    .bufferSize(config.bufferBytes)
                    .timeoutMillis(1)
                    .direction(PcapDirection.IN)
                    .build();
        } catch (PcapNativeException e) {
            throw new IOException("cannot capture on " + config.interfaceName + ": " + e.getMessage()
                    + " (root or CAP_NET_RAW needed; does the interface exist in this namespace?)", e);
        }
        try {
            int dlt = handle.getDlt().value();
            if (!LinkDecoder.isSupported(dlt)) {
                throw new IOException("interface " + config.interfaceName + " has link type " + dlt + " " + handle.getDlt()
                        + " (expected: Ethernet, Linux cooked or raw IP)");
            }
            boolean ethernet = dlt == LinkDecoder.DLT_EN10MB;
            if (ethernet && config.hostOnly && config.detectMac) {
                mac = NativeIo.hardwareAddress(config.interfaceName);
            }
            long filterMac = ethernet && config.hostOnly ? mac : LinkDecoder.ANY_MAC;
            String filter = BpfFilters.forVips(config.vips, filterMac, config.shard, config.shards);
            handle.setFilter(filter, BpfCompileMode.OPTIMIZE);
            handle.setBlockingMode(BlockingMode.NONBLOCKING);
            Pointer pcap = NativeIo.pcapPointer(handle);
            int fd = NativeIo.Pcap.pcap_get_selectable_fd(pcap);
            if (fd < 0) {
                throw new IOException("interface " + config.interfaceName + " has no selectable fd (pcap_get_selectable_fd=" + fd + ")");
            }
            LinkDecoder decoder = new LinkDecoder(dlt, config.hostOnly, ethernet ? mac : LinkDecoder.ANY_MAC);
            LOG.info("capturing on {} link type {} {} buffer {} bytes snaplen {} read mode {} filter '{}'", config.interfaceName, dlt,
                    LinkDecoder.describe(dlt), config.bufferBytes, config.snaplen, config.readMode, filter);
            return new LivePcapSource(handle, pcap, config, filter, decoder, fd);
        } catch (IOException | RuntimeException e) {
            handle.close();
            throw e;
        } catch (PcapNativeException | NotOpenException e) {
            handle.close();
            throw new IOException("cannot set up capture on " + config.interfaceName + ": " + e.getMessage(), e);
        }
    }

    @Override
    public int poll(PacketHandler handler, int maxPackets, long maxWaitNanos) throws IOException {
        if (closed) {
            throw new IOException("capture on " + interfaceName + " is closed");
        }
        polls++;
        this.handler = handler;
        deliveredThisPoll = 0;
        int read = dispatch(maxPackets);
        if (read == 0 && maxWaitNanos > 0) {
            sleeps++;
            if (waitReadable(maxWaitNanos)) {
                dispatch(maxPackets);
            }
        }
        this.handler = null;
        delivered += deliveredThisPoll;
        return deliveredThisPoll;
    }

    private int dispatch(int maxPackets) throws IOException {
        if (readMode == ReadMode.DIRECT) {
            return readDirect(maxPackets);
        }
        try {
            return handle.dispatch(maxPackets, listener);
        } catch (PcapNativeException | NotOpenException e) {
            throw new IOException("capture on " + interfaceName + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("capture on " + interfaceName + " interrupted", e);
        }
    }

    /** Reads up to {@code max} frames with pcap_next_ex (non-blocking: 0 when the ring is empty). */
    private int readDirect(int max) throws IOException {
        int n = 0;
        while (n < max) {
            int rc = NativeIo.Pcap.pcap_next_ex(pcap, slots, dataSlot);
            if (rc == 1) {
                header.at(slots.getLong(0));
                int caplen = Math.min(header.getInt(NativeIo.PKTHDR_CAPLEN_OFFSET), frame.length);
                data.at(slots.getLong(8)).read(0, frame, 0, caplen);
                n++;
                onFrame(frame, caplen);
            } else if (rc == 0) {
                break;
            } else {
                throw new IOException("capture on " + interfaceName + " failed: pcap_next_ex=" + rc + " "
                        + NativeIo.Pcap.pcap_geterr(pcap));
            }
        }
        return n;
    }

    @Override
    public void wakeAlsoOn(WakeSources sources) {
        this.wakeSources = sources == null ? WakeSources.NONE : sources;
    }

    /**
     * Sleeps in ppoll until the ring has a frame, a wake source is readable, or the wait is
     * over; true when the ring is readable.
     */
    private boolean waitReadable(long maxWaitNanos) throws IOException {
        timespec.setLong(0, maxWaitNanos / 1_000_000_000L);
        timespec.setLong(8, maxWaitNanos % 1_000_000_000L);
        pollFds.setShort(6, (short) 0);
        int extra = Math.min(wakeSources.wakeFdCount(), MAX_WAKE_FDS);
        for (int i = 0; i < extra; i++) {
            long entry = 8L * (1 + i);
            pollFds.setInt(entry, wakeSources.wakeFd(i));
            pollFds.setShort(entry + 4, NativeIo.POLLIN);
            pollFds.setShort(entry + 6, (short) 0);
        }
        try {
            int ready = NativeIo.Libc.ppoll(pollFds, 1 + extra, timespec, Pointer.NULL);
            if (ready <= 0) {
                return false;
            }
            boolean ringReadable = pollFds.getShort(6) != 0;
            if (!ringReadable || ready > 1) {
                wakeups++;
            }
            return ringReadable;
        } catch (LastErrorException e) {
            if (e.getErrorCode() == NativeIo.EINTR) {
                return false;
            }
            throw new IOException("ppoll on capture fd " + selectableFd + " of " + interfaceName + ": "
                    + NativeIo.errnoName(e.getErrorCode()), e);
        }
    }

    private void onFrame(byte[] frame, int length) {
        if (decoder.decode(frame, 0, length)) {
            deliveredThisPoll++;
            handler.onPacket(frame, decoder.ipOffset(), decoder.ipLength(), clock.nanos());
        }
    }

    /**
     * Reads the kernel's counters (pcap_stats). Call it from the polling thread, e.g. once a
     * second: libpcap handles are not safe to use from two threads at once.
     */
    public void updateStats() throws IOException {
        try {
            PcapStat s = handle.getStats();
            kernelReceived = s.getNumPacketsReceived();
            kernelDropped = s.getNumPacketsDropped();
            interfaceDropped = s.getNumPacketsDroppedByIf();
        } catch (PcapNativeException | NotOpenException e) {
            throw new IOException("pcap_stats on " + interfaceName + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            handle.close();
            pollFds.close();
            timespec.close();
            slots.close();
        }
    }

    public String interfaceName() {
        return interfaceName;
    }

    /** The BPF filter in use, for logs and the operator. */
    public String filter() {
        return filter;
    }

    public LinkDecoder decoder() {
        return decoder;
    }

    /** Packets handed to handlers. */
    public long delivered() {
        return delivered;
    }

    public long polls() {
        return polls;
    }

    /** Waits ended by a wake source (an agent's answer) rather than the ring or the timeout. */
    public long wakeups() {
        return wakeups;
    }

    /** Polls that found the ring empty and slept. */
    public long sleeps() {
        return sleeps;
    }

    /** Packets that passed the filter, as of the last {@link #updateStats()}. */
    public long kernelReceived() {
        return kernelReceived;
    }

    /** Packets lost because the ring was full, as of the last {@link #updateStats()}. */
    public long kernelDropped() {
        return kernelDropped;
    }

    /** Drops the interface reported, as of the last {@link #updateStats()}. */
    public long interfaceDropped() {
        return interfaceDropped;
    }
}
