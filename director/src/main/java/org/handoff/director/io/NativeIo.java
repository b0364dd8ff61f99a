package org.handoff.director.io;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.lang.reflect.Field;
import org.pcap4j.core.PcapHandle;

/**
 * The few native calls pcap4j 1.8.2 does not offer, bound with JNA direct mapping (no
 * per-call reflection, primitives and {@link Pointer}s only, so a call allocates nothing
 * unless it fails). Linux x86-64/arm64 only, like the rest of the director's live I/O.
 */
final class NativeIo {
    static final int AF_INET = 2;
    static final int SOCK_RAW = 3;
    static final int IPPROTO_RAW = 255;
    static final int SOL_SOCKET = 1;
    static final int SO_SNDBUF = 7;
    static final int SO_SNDBUFFORCE = 32;
    static final int MSG_DONTWAIT = 0x40;
    static final short POLLIN = 0x1;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int ECONNREFUSED = 111;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;

    private NativeIo() {
    }

    /** libc. */
    static final class Libc {
        static {
            Native.register(Libc.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
        }

        private Libc() {
        }

        static native int socket(int domain, int type, int protocol) throws LastErrorException;

        static native int open(String path, int flags) throws LastErrorException;

        static native long sendto(int fd, Pointer buf, long len, int flags, Pointer addr, int addrlen) throws LastErrorException;

        static native int setsockopt(int fd, int level, int name, Pointer value, int len) throws LastErrorException;

        static native int ppoll(Pointer fds, long nfds, Pointer timeout, Pointer sigmask) throws LastErrorException;

        static native int close(int fd) throws LastErrorException;

        static native int ioctl(int fd, long request, Pointer arg) throws LastErrorException;

        static native int connect(int fd, Pointer addr, int addrlen) throws LastErrorException;

        // send/recv report errno through the return value and Native.getLastError(), not an
        // exception: a refused or would-block datagram is routine on the packet path.
        static native long send(int fd, Pointer buf, long len, int flags);

        static native long recv(int fd, Pointer buf, long len, int flags);
    }

    static final int SOCK_DGRAM = 2;
    static final long SIOCGIFHWADDR = 0x8927;
    static final int IFREQ_SIZE = 40;
    static final int IFNAMSIZ = 16;

    /**
     * The interface's hardware address (SIOCGIFHWADDR) in the calling thread's network
     * namespace, as 48 bits. Sockets and ioctls follow the thread's namespace; /sys and
     * {@code java.net.NetworkInterface}'s /proc reads follow the process's, which is why this
     * is not done with the JDK.
     */
    static long hardwareAddress(String interfaceName) throws java.io.IOException {
        byte[] name = interfaceName.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        if (name.length >= IFNAMSIZ) {
            throw new java.io.IOException("interface name '" + interfaceName + "' (expected: at most 15 characters)");
        }
        int fd;
        try {
            fd = Libc.socket(AF_INET, SOCK_DGRAM, 0);
        } catch (LastErrorException e) {
            throw new java.io.IOException("socket(AF_INET, SOCK_DGRAM): " + errnoName(e.getErrorCode()), e);
        }
        try (com.sun.jna.Memory ifreq = new com.sun.jna.Memory(IFREQ_SIZE)) {
            ifreq.clear();
            ifreq.write(0, name, 0, name.length);
            Libc.ioctl(fd, SIOCGIFHWADDR, ifreq);
            long mac = 0;
            for (int i = 0; i < 6; i++) {
                mac = (mac << 8) | (ifreq.getByte(IFNAMSIZ + 2 + i) & 0xff);
            }
            return mac;
        } catch (LastErrorException e) {
            throw new java.io.IOException("SIOCGIFHWADDR " + interfaceName + ": " + errnoName(e.getErrorCode())
                    + " (no such interface in this network namespace?)", e);
        } finally {
            Libc.close(fd);
        }
    }

    /** libpcap, the same library pcap4j loads (its {@code org.pcap4j.core.pcapLibName} property is honoured). */
    static final class Pcap {
        static {
            Native.register(Pcap.class, NativeLibrary.getInstance(System.getProperty("org.pcap4j.core.pcapLibName", "pcap")));
        }

        private Pcap() {
        }

        static native int pcap_get_selectable_fd(Pointer pcap);

        /** 1 = a packet (header and data pointers stored), 0 = none ready, -1 = error, -2 = end of file. */
        static native int pcap_next_ex(Pointer pcap, Pointer headerOut, Pointer dataOut);

        static native String pcap_geterr(Pointer pcap);
    }

    /** struct pcap_pkthdr on LP64 Linux: struct timeval (16 bytes), caplen, len. */
    static final int PKTHDR_CAPLEN_OFFSET = 16;

    /**
     * A {@link Pointer} that can be moved to another address, so reading through native
     * pointers handed out per packet allocates nothing (JNA's {@code peer} is protected).
     */
    static final class MovablePointer extends Pointer {
        MovablePointer() {
            super(0);
        }

        MovablePointer at(long address) {
            this.peer = address;
            return this;
        }
    }

    /**
     * The {@code pcap_t*} behind a pcap4j handle. pcap4j 1.8.2 keeps it in a private field and
     * has no call for the selectable fd; the version is pinned and unmaintained, so reading
     * the field is stable. Fails with a clear message if a different pcap4j is on the path.
     */
    static Pointer pcapPointer(PcapHandle handle) {
        try {
            Field f = PcapHandle.class.getDeclaredField("handle");
            f.setAccessible(true);
            return (Pointer) f.get(handle);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot reach pcap_t in pcap4j's PcapHandle (expected pcap4j 1.8.2): " + e, e);
        }
    }

    static String errnoName(int errno) {
        switch (errno) {
            case 1: return "EPERM";
            case 19: return "ENODEV";
            case 11: return "EAGAIN";
            case 16: return "EBUSY";
            case 13: return "EACCES";
            case 22: return "EINVAL";
            case 90: return "EMSGSIZE";
            case 101: return "ENETUNREACH";
            case 105: return "ENOBUFS";
            case 111: return "ECONNREFUSED";
            case 113: return "EHOSTUNREACH";
            default: return "errno " + errno;
        }
    }
}
