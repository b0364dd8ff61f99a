package org.handoff.director.io;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code capture.announce-device}: a TUN device that exists, and is up, exactly while this
 * process runs, so that a routing daemon beside the director (BIRD, docs/lab.md) announces the
 * VIP only while there is a director to receive it. The daemon's route is a device route on it
 * ({@code protocol static { route VIP/32 via "vip0"; }}): when the process dies, even by
 * SIGKILL, the kernel closes the descriptor, the non-persistent device goes with it, and the
 * daemon withdraws the route.
 *
 * <p>The device carries no address and no route: the VIP stays local nowhere, so the kernel
 * keeps dropping the packets the capture sees instead of answering them with RSTs
 * (docs/director-io.md, "VIP set-up"). Nothing is ever read from or written to it; IPv6 is
 * turned off on it before it goes up, so it queues no router solicitations either.
 */
public final class AnnounceDevice implements AutoCloseable {
    static final long TUNSETIFF = 0x400454caL;
    static final long TUNGETIFF = 0x800454d2L;
    static final long SIOCGIFFLAGS = 0x8913;
    static final long SIOCSIFFLAGS = 0x8914;
    static final short IFF_TUN = 0x0001;
    static final short IFF_NO_PI = 0x1000;
    static final short IFF_PERSIST = 0x0800;
    static final short IFF_UP = 0x1;
    static final int O_RDWR = 2;
    static final int O_CLOEXEC = 0x80000;
    /** {@code struct ifreq}: the name, then the flags (a short) at the union's start. */
    private static final int IFR_FLAGS_OFFSET = NativeIo.IFNAMSIZ;

    private final String name;
    private int fd;

    private AnnounceDevice(String name, int fd) {
        this.name = name;
        this.fd = fd;
    }

    /**
     * Creates the TUN device {@code name} in the calling thread's network namespace, owned by
     * this process alone (close-on-exec: a command the director runs does not keep it alive),
     * IPv6 off, and sets it up: the announcement starts.
     *
     * @throws IOException naming the device and the reason: a persistent device of that name
     *                     exists (it would outlive the director and announce for a dead one),
     *                     another process holds it, no permission
     */
    public static AnnounceDevice open(String name) throws IOException {
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length == 0 || bytes.length >= NativeIo.IFNAMSIZ) {
            throw new IllegalArgumentException("capture.announce-device=" + name + " (expected: 1..15 characters)");
        }
        int fd;
        try {
            fd = NativeIo.Libc.open("/dev/net/tun", O_RDWR | O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new IOException("announce device " + name + ": open(/dev/net/tun): " + NativeIo.errnoName(e.getErrorCode())
                    + " (needs CAP_NET_ADMIN and the tun module)", e);
        }
        AnnounceDevice device = new AnnounceDevice(name, fd);
        try (Memory ifr = ifreq(bytes)) {
            ifr.setShort(IFR_FLAGS_OFFSET, (short) (IFF_TUN | IFF_NO_PI));
            try {
                NativeIo.Libc.ioctl(fd, TUNSETIFF, ifr);
            } catch (LastErrorException e) {
                throw new IOException("announce device " + name + ": TUNSETIFF: " + NativeIo.errnoName(e.getErrorCode())
                        + (e.getErrorCode() == 16 ? " (another process holds it: a second director in this namespace?)"
                        : e.getErrorCode() == 22 ? " (a device of that name exists and is no TUN device)" : ""), e);
            }
            NativeIo.Libc.ioctl(fd, TUNGETIFF, ifr);
            if ((ifr.getShort(IFR_FLAGS_OFFSET) & IFF_PERSIST) != 0) {
                throw new IOException("announce device " + name + " is a persistent TUN device: it would outlive the director"
                        + " and keep announcing the VIP; delete it (ip link del " + name + ") or name another");
            }
            device.disableIpv6();
            device.setUp();
            return device;
        } catch (IOException | RuntimeException e) {
            device.close();
            throw e;
        }
    }

    private static Memory ifreq(byte[] name) {
        Memory ifr = new Memory(NativeIo.IFREQ_SIZE);
        ifr.clear();
        ifr.write(0, name, 0, name.length);
        return ifr;
    }

    /** No IPv6 on the device (when the namespace has IPv6 at all): nothing is queued on it. */
    private void disableIpv6() throws IOException {
        Path knob = Path.of("/proc/sys/net/ipv6/conf", name, "disable_ipv6");
        if (Files.exists(knob)) {
            Files.writeString(knob, "1\n", StandardCharsets.US_ASCII);
        }
    }

    /** Administratively up: BIRD's device route on it becomes valid (no reader is needed, the carrier does not matter). */
    private void setUp() throws IOException {
        int socket;
        try {
            socket = NativeIo.Libc.socket(NativeIo.AF_INET, NativeIo.SOCK_DGRAM, 0);
        } catch (LastErrorException e) {
            throw new IOException("socket(AF_INET, SOCK_DGRAM): " + NativeIo.errnoName(e.getErrorCode()), e);
        }
        try (Memory ifr = ifreq(name.getBytes(StandardCharsets.US_ASCII))) {
            NativeIo.Libc.ioctl(socket, SIOCGIFFLAGS, ifr);
            ifr.setShort(IFR_FLAGS_OFFSET, (short) (ifr.getShort(IFR_FLAGS_OFFSET) | IFF_UP));
            NativeIo.Libc.ioctl(socket, SIOCSIFFLAGS, ifr);
        } catch (LastErrorException e) {
            throw new IOException("announce device " + name + ": setting it up: " + NativeIo.errnoName(e.getErrorCode()), e);
        } finally {
            NativeIo.Libc.close(socket);
        }
    }

    public String name() {
        return name;
    }

    /** Removes the device: the announcement ends. Idempotent. */
    @Override
    public synchronized void close() {
        if (fd >= 0) {
            NativeIo.Libc.close(fd);
            fd = -1;
        }
    }

    @Override
    public String toString() {
        return "AnnounceDevice[" + name + (fd < 0 ? ", closed" : "") + "]";
    }
}
