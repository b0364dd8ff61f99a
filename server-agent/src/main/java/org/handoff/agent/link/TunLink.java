package org.handoff.agent.link;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import java.io.IOException;
import java.nio.ByteOrder;
import java.util.Objects;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.VirtioNetHeader;

/**
 * {@link LocalLink} over a persistent Linux TUN device (no packet-information header): the
 * agent's end of the local link described in docs/agent-link.md.
 *
 * <pre>
 *  local stack ── route "from H" → table T → dev TUN ──▶ read()  (server → client, on B)
 *  local stack ◀── as if received on TUN ─────────────── write() (client → server, on B)
 * </pre>
 *
 * <p>The device must exist ({@code AgentNetworkSetup} creates it with {@code ip tuntap add
 * ... mode tun}, so it survives the agent); {@link #open(String)} attaches to it and refuses to
 * create a new one, since a device that vanishes with the agent takes its route with it and the
 * server's packets would leak out of the main table.
 *
 * <p>Hot path: the descriptor is non-blocking; {@link #read} tries a {@code read(2)} first and
 * only when nothing is queued waits in {@code ppoll(2)} (an idle link costs no CPU). Packets
 * move through one native buffer per direction, allocated once, and are copied to or from the
 * caller's array with a single bounded copy. Packets that are not IPv4 (IPv6 router
 * solicitations and MLD reports if IPv6 is left on the device) are skipped and counted.
 *
 * <p>Offloads ({@link #openWithOffloads}, docs/agent-link.md "Offloads"): the device is attached
 * with {@code IFF_VNET_HDR} and told it may hand over TCP checksums unfinished and TSO
 * super-segments ({@code TUNSETOFFLOAD(TUN_F_CSUM | TUN_F_TSO4)}), so the local stack passes up
 * to 64 KB per read instead of one MTU. Every read then starts with a 10-byte virtio-net header
 * ({@link #frameHeaderLength()}), {@link #write} puts an all-zero one (one packet, checksums
 * complete) in front of a plain packet, and {@link #writeFrame} writes a header the caller made.
 * Without offloads {@link #open} clears the device's offload flags, which outlive an agent that
 * set them: a reader without the header would otherwise be handed 64 KB frames with partial
 * checksums.
 *
 * <p>Threads: one reader and one writer may run at the same time; {@link #close()} and
 * {@link #wakeReader()} may come from any thread. Close wakes a reader waiting in {@code ppoll}
 * through an eventfd, waits (bounded) for the reader and writer to leave, and only then closes
 * the descriptors, so a descriptor number is never closed under a call that still uses it.
 */
public final class TunLink implements LocalLink {
    /** {@code _IOW('T', 202, int)}. */
    static final long TUNSETIFF = 0x400454caL;
    /** {@code _IOR('T', 210, unsigned int)}. */
    static final long TUNGETIFF = 0x800454d2L;
    static final short IFF_TUN = 0x0001;
    static final short IFF_NO_PI = 0x1000;
    static final short IFF_PERSIST = 0x0800;
    static final short IFF_VNET_HDR = 0x4000;
    /** {@code _IOW('T', 208, unsigned int)}: the argument is the flag set itself. */
    static final long TUNSETOFFLOAD = 0x400454d0L;
    /** {@code _IOW('T', 216, int)}: the argument points at the size. */
    static final long TUNSETVNETHDRSZ = 0x400454d8L;
    static final int TUN_F_CSUM = 0x01;
    static final int TUN_F_TSO4 = 0x02;
    /** {@code sizeof(struct virtio_net_hdr)}. */
    public static final int VNET_HEADER_LENGTH = VirtioNetHeader.LENGTH;
    static final int IFNAMSIZ = 16;
    /** {@code struct ifreq}: name[16] then a 24-byte union on 64-bit Linux. */
    static final int IFREQ_SIZE = 40;
    /** Largest IPv4 packet; a TSO super-segment stays below it. */
    public static final int MAX_PACKET = Ipv4Packet.MAX_TOTAL_LENGTH;
    /** Largest read or write: a packet behind its virtio-net header. */
    public static final int MAX_FRAME = MAX_PACKET + VNET_HEADER_LENGTH;
    /** Non-IPv4 packets skipped in one call before it returns 0, so a flood cannot pin the caller. */
    private static final int MAX_SKIPS_PER_CALL = 1024;
    private static final long CLOSE_WAIT_NANOS = 2_000_000_000L;

    private final String name;
    private final int fd;
    private final int wakeFd;
    /** 0, or {@link #VNET_HEADER_LENGTH} when attached with offloads. */
    private final int headerLength;
    private final Memory readBuf = new Memory(MAX_FRAME);
    private final Memory writeBuf = new Memory(MAX_FRAME);
    /** What {@link #write} puts in front of a plain packet with offloads: one packet, checksums complete. */
    private static final byte[] NO_OFFLOAD_HEADER = new byte[VNET_HEADER_LENGTH];
    /** Two {@code struct pollfd} (int fd; short events; short revents): the tun, then the wake eventfd. */
    private final Memory pollFds = new Memory(16);
    /** {@code struct timespec} (long tv_sec; long tv_nsec). */
    private final Memory timeout = new Memory(16);
    private final Memory wakeValue = new Memory(8);
    /** Where the reader drains the wake signal (its own buffer: {@link #wakeReader} may run at the same time). */
    private final Memory wakeRead = new Memory(8);
    /** What {@link #wakeReader} writes; never changed, so concurrent callers need no lock. */
    private final Memory wakeOne = new Memory(8);

    private volatile boolean closed;
    private volatile boolean reading;
    private volatile boolean writing;
    private boolean descriptorsClosed;

    // Counters: each written by one thread only; readers elsewhere see a recent value.
    private long packetsRead;
    private long packetsWritten;
    private long framesWritten;
    private long skippedNotIpv4;
    private long droppedTooLarge;

    private TunLink(String name, int fd, int wakeFd, int headerLength) {
        this.name = name;
        this.fd = fd;
        this.wakeFd = wakeFd;
        this.headerLength = headerLength;
        wakeOne.setLong(0, 1);
        pollFds.setInt(0, fd);
        pollFds.setShort(4, Posix.POLLIN);
        pollFds.setInt(8, wakeFd);
        pollFds.setShort(12, Posix.POLLIN);
    }

    /**
     * Attaches to the existing persistent TUN device {@code name} in the calling thread's network
     * namespace ({@code TUNSETIFF} with {@code IFF_TUN | IFF_NO_PI}) without offloads: every read
     * is one MTU-sized packet with complete checksums. Clears offload flags a previous attach
     * left on the device.
     *
     * @throws IOException naming the device and the reason: missing (run the set-up), in use by
     *                     another process, not a TUN device, no permission
     */
    public static TunLink open(String name) throws IOException {
        int fd = attach(name, IFF_TUN | IFF_NO_PI);
        try {
            if (Posix.Variadic.INSTANCE.ioctl(fd, new NativeLong(TUNSETOFFLOAD), new NativeLong(0)) != 0) {
                throw new IOException("TUNSETOFFLOAD(" + name + ", 0) failed: " + Posix.describe(Native.getLastError()));
            }
            return wrap(name, fd, 0);
        } catch (IOException | RuntimeException e) {
            Posix.close(fd);
            throw e;
        }
    }

    /**
     * Attaches with offloads: {@code IFF_VNET_HDR}, a 10-byte header ({@code TUNSETVNETHDRSZ}),
     * and {@code TUNSETOFFLOAD(TUN_F_CSUM | TUN_F_TSO4)}, so the local stack hands over partial
     * checksums and TCP super-segments of up to 64 KB.
     *
     * @throws OffloadRefusedException when the kernel refuses the header or the offloads (the
     *                                 device itself was attachable: {@link #open} may still work)
     * @throws IOException             as {@link #open}
     */
    public static TunLink openWithOffloads(String name) throws IOException {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new OffloadRefusedException("tun " + name + ": offloads need a little-endian host (the virtio-net header"
                    + " is in host order; this host is " + ByteOrder.nativeOrder() + ")");
        }
        int fd;
        try {
            fd = attach(name, IFF_TUN | IFF_NO_PI | IFF_VNET_HDR);
        } catch (AttachException e) {
            if (e.errno == EINVAL) {
                throw new OffloadRefusedException(e.getMessage() + " (with IFF_VNET_HDR)");
            }
            throw e;
        }
        try {
            Memory size = new Memory(4);
            size.setInt(0, VNET_HEADER_LENGTH);
            if (Posix.Variadic.INSTANCE.ioctl(fd, new NativeLong(TUNSETVNETHDRSZ), size) != 0) {
                throw new OffloadRefusedException("TUNSETVNETHDRSZ(" + name + ", " + VNET_HEADER_LENGTH + ") failed: "
                        + Posix.describe(Native.getLastError()));
            }
            if (Posix.Variadic.INSTANCE.ioctl(fd, new NativeLong(TUNSETOFFLOAD), new NativeLong(TUN_F_CSUM | TUN_F_TSO4)) != 0) {
                throw new OffloadRefusedException("TUNSETOFFLOAD(" + name + ", TUN_F_CSUM|TUN_F_TSO4) failed: "
                        + Posix.describe(Native.getLastError()));
            }
            return wrap(name, fd, VNET_HEADER_LENGTH);
        } catch (IOException | RuntimeException e) {
            Posix.close(fd);
            throw e;
        }
    }

    /** The kernel refused the virtio-net header or the offloads; the device may still be used without. */
    public static final class OffloadRefusedException extends IOException {
        OffloadRefusedException(String message) {
            super(message);
        }
    }

    /** TUNSETIFF failed; {@link #errno} says why. */
    private static final class AttachException extends IOException {
        final int errno;

        AttachException(String message, int errno) {
            super(message);
            this.errno = errno;
        }
    }

    private static final int EINVAL = 22;

    /** Opens /dev/net/tun and attaches to the persistent device; returns the descriptor. */
    private static int attach(String name, int flags) throws IOException {
        Objects.requireNonNull(name, "name");
        byte[] nameBytes = name.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        if (nameBytes.length == 0 || nameBytes.length >= IFNAMSIZ) {
            throw new IllegalArgumentException("tun name '" + name + "' is " + nameBytes.length + " bytes (expected: 1..15)");
        }
        int fd = Posix.Variadic.INSTANCE.open("/dev/net/tun", Posix.O_RDWR | Posix.O_NONBLOCK | Posix.O_CLOEXEC);
        if (fd < 0) {
            throw new IOException("open(/dev/net/tun) failed: " + Posix.describe(Native.getLastError())
                    + " (needs CAP_NET_ADMIN and the tun module)");
        }
        try {
            Memory ifr = new Memory(IFREQ_SIZE);
            ifr.clear();
            ifr.write(0, nameBytes, 0, nameBytes.length);
            ifr.setShort(IFNAMSIZ, (short) flags);
            if (Posix.Variadic.INSTANCE.ioctl(fd, new NativeLong(TUNSETIFF), ifr) != 0) {
                int errno = Native.getLastError();
                String why = switch (errno) {
                    case Posix.EBUSY -> "the device is attached by another process (another agent running?)";
                    case EINVAL -> "the device is not a TUN device in tun mode, or its queue flags differ";
                    case 1 -> "no permission (CAP_NET_ADMIN needed)";
                    default -> "";
                };
                throw new AttachException("TUNSETIFF(" + name + ") failed: " + Posix.describe(errno) + (why.isEmpty() ? "" : ": " + why),
                        errno);
            }
            ifr.clear();
            if (Posix.Variadic.INSTANCE.ioctl(fd, new NativeLong(TUNGETIFF), ifr) != 0) {
                throw new IOException("TUNGETIFF(" + name + ") failed: " + Posix.describe(Native.getLastError()));
            }
            if ((ifr.getShort(IFNAMSIZ) & IFF_PERSIST) == 0) {
                // TUNSETIFF just created a fresh device; closing fd removes it again.
                throw new IOException("tun device " + name + " does not exist (a persistent device is expected;"
                        + " run `handoff agent setup` first)");
            }
            return fd;
        } catch (IOException | RuntimeException e) {
            Posix.close(fd);
            throw e;
        }
    }

    /**
     * A link over an already open, non-blocking, packet-preserving descriptor (the TUN in
     * production; one end of a {@code SOCK_SEQPACKET} socket pair in unit tests). Takes ownership
     * of {@code fd}.
     */
    static TunLink wrap(String name, int fd) throws IOException {
        return wrap(name, fd, 0);
    }

    /** As {@link #wrap(String, int)}; {@code headerLength} 10 when every frame carries a virtio-net header. */
    static TunLink wrap(String name, int fd, int headerLength) throws IOException {
        int wakeFd = Posix.eventfd(0, Posix.EFD_NONBLOCK | Posix.EFD_CLOEXEC);
        if (wakeFd < 0) {
            throw new IOException("eventfd failed: " + Posix.describe(Native.getLastError()));
        }
        return new TunLink(name, fd, wakeFd, headerLength);
    }

    public String name() {
        return name;
    }

    /** {@link #VNET_HEADER_LENGTH} when attached with offloads (every read starts with the header), else 0. */
    @Override
    public int frameHeaderLength() {
        return headerLength;
    }

    @Override
    public int read(byte[] buf, int off, int maxLen, long maxWaitNanos) throws IOException {
        Objects.checkFromIndexSize(off, maxLen, buf.length);
        reading = true; // volatile write, then read of closed: pairs with close() (Dekker)
        try {
            if (closed) {
                return -1;
            }
            long deadline = 0;
            int skips = 0;
            while (true) {
                long n = Posix.read(fd, readBuf, MAX_FRAME);
                if (n > 0) {
                    if (n <= headerLength || Ipv4Packet.versionOf(readBuf.getByte(headerLength + Ipv4Packet.VERSION_IHL_OFFSET))
                            != Ipv4Packet.VERSION) {
                        skippedNotIpv4++;
                        if (++skips < MAX_SKIPS_PER_CALL) {
                            continue;
                        }
                        return 0;
                    }
                    if (n > maxLen) {
                        droppedTooLarge++;
                        continue;
                    }
                    readBuf.read(0, buf, off, (int) n);
                    packetsRead++;
                    return (int) n;
                }
                if (n == 0) {
                    return -1; // end of file: never from a TUN; the peer of a test socket pair closed
                }
                if (n < 0) {
                    int errno = Native.getLastError();
                    if (errno == Posix.EINTR) {
                        continue;
                    }
                    if (errno != Posix.EAGAIN) {
                        if (closed) {
                            return -1;
                        }
                        throw new IOException("read(" + name + ") failed: " + Posix.describe(errno));
                    }
                }
                // Nothing queued: wait for the device or the close signal, up to what is left.
                if (maxWaitNanos <= 0) {
                    return 0;
                }
                long now = System.nanoTime();
                if (deadline == 0) {
                    deadline = now + maxWaitNanos;
                }
                long left = deadline - now;
                if (left <= 0) {
                    return 0;
                }
                timeout.setLong(0, left / 1_000_000_000L);
                timeout.setLong(8, left % 1_000_000_000L);
                int r = Posix.ppoll(pollFds, 2, timeout, null);
                if (r < 0) {
                    int errno = Native.getLastError();
                    if (errno == Posix.EINTR) {
                        continue;
                    }
                    throw new IOException("ppoll(" + name + ") failed: " + Posix.describe(errno));
                }
                if (r == 0) {
                    return 0;
                }
                if (closed) {
                    return -1;
                }
                if (pollFds.getShort(14) != 0) {
                    // wakeReader(): consume the signal and return as on a timeout.
                    Posix.read(wakeFd, wakeRead, 8);
                    return 0;
                }
                if ((pollFds.getShort(6) & Posix.POLLNVAL) != 0) {
                    throw new IOException("ppoll(" + name + "): descriptor no longer valid");
                }
                // POLLIN (or POLLERR/POLLHUP, which the next read reports): read again.
            }
        } finally {
            reading = false;
        }
    }

    /** Injects one plain IP packet; with offloads, behind an all-zero header (one packet, checksums complete). */
    @Override
    public void write(byte[] buf, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, buf.length);
        if (len > MAX_PACKET) {
            throw new IOException("packet of " + len + " bytes (expected: at most " + MAX_PACKET + ")");
        }
        writing = true;
        try {
            if (closed) {
                throw new IOException("tun link " + name + " is closed");
            }
            if (headerLength > 0) {
                writeBuf.write(0, NO_OFFLOAD_HEADER, 0, headerLength);
            }
            writeBuf.write(headerLength, buf, off, len);
            long n = Posix.write(fd, writeBuf, headerLength + len);
            if (n != headerLength + len) {
                int errno = n < 0 ? Native.getLastError() : 0;
                throw new IOException("write(" + name + ", " + len + " bytes) " + (n < 0 ? "failed: " + Posix.describe(errno)
                        + (errno == 5 ? " (is the device down?)" : "") : "wrote " + n));
            }
            packetsWritten++;
        } finally {
            writing = false;
        }
    }

    /**
     * Writes one frame as given: a virtio-net header the caller made (a super-segment's GSO
     * fields, a partial checksum's position) and the packet after it. Only with offloads.
     * Per-packet: never throws for a refused frame and allocates nothing.
     *
     * @return 0 when the kernel took the frame, else the errno (EINVAL: the kernel refused the
     *     header; EIO: the device is down; EBADF: closed)
     */
    public int writeFrame(byte[] buf, int off, int len) {
        Objects.checkFromIndexSize(off, len, buf.length);
        if (headerLength == 0) {
            throw new IllegalStateException("tun link " + name + " is attached without offloads: no header to write");
        }
        if (len <= headerLength || len > MAX_FRAME) {
            return EINVAL;
        }
        writing = true;
        try {
            if (closed) {
                return 9; // EBADF
            }
            writeBuf.write(0, buf, off, len);
            long n = Posix.write(fd, writeBuf, len);
            if (n != len) {
                return n < 0 ? Native.getLastError() : EINVAL;
            }
            framesWritten++;
            return 0;
        } finally {
            writing = false;
        }
    }

    /**
     * Makes a {@link #read} waiting in {@code ppoll} (or the next one to wait) return 0 at once,
     * as on a timeout: a worker that waits for stack packets is woken this way when something
     * else (a datagram) needs it. Any thread; no allocation.
     */
    public void wakeReader() {
        Posix.write(wakeFd, wakeOne, 8);
    }

    /** Packets returned by {@link #read}. */
    public long packetsRead() {
        return packetsRead;
    }

    /** Packets injected by {@link #write}. */
    public long packetsWritten() {
        return packetsWritten;
    }

    /** Frames written by {@link #writeFrame}. */
    public long framesWritten() {
        return framesWritten;
    }

    /** Packets read from the device that were not IPv4, skipped. */
    public long skippedNotIpv4() {
        return skippedNotIpv4;
    }

    /** Packets larger than the caller's buffer, dropped. */
    public long droppedTooLarge() {
        return droppedTooLarge;
    }

    /**
     * Detaches from the device (it stays, with its routes; packets routed to it are then dropped
     * by the kernel). Wakes a waiting reader, which returns -1; waits up to 2 s for the reader and
     * writer to leave before closing the descriptors. Idempotent.
     */
    @Override
    public synchronized void close() throws IOException {
        if (descriptorsClosed) {
            return;
        }
        closed = true;
        wakeValue.setLong(0, 1);
        Posix.write(wakeFd, wakeValue, 8);
        long deadline = System.nanoTime() + CLOSE_WAIT_NANOS;
        while ((reading || writing) && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (reading || writing) {
            // Leaving the descriptors open is safer than closing one a call still uses.
            throw new IOException("tun link " + name + " still in use after 2 s; descriptors left open");
        }
        descriptorsClosed = true;
        Posix.close(fd);
        Posix.close(wakeFd);
    }

    @Override
    public String toString() {
        return "TunLink[" + name + (headerLength > 0 ? ", offloads" : "") + ", read=" + packetsRead + ", written=" + packetsWritten
                + ", skippedNotIpv4=" + skippedNotIpv4 + ", droppedTooLarge=" + droppedTooLarge + (closed ? ", closed" : "") + "]";
    }
}
