package org.handoff.agent.link;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.NativeLong;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The libc calls the link and the egress make, 64-bit Linux only.
 *
 * <p>Calls on the per-packet path ({@code read}, {@code write}, {@code ppoll}, {@code sendto})
 * are JNA <em>direct-mapped</em> ({@code Native.register}): a JNI-like call with no reflection or
 * argument boxing. They take {@link Pointer}s to native memory the caller allocated once, never
 * {@code byte[]}: for a primitive array argument JNA asks the JVM for the array's elements, and
 * HotSpot answers with a malloc'd copy of the <em>whole</em> array, copied back and freed after
 * the call; a 64 KB buffer would cost two 64 KB copies and a malloc per packet. Copying just the
 * packet between native memory and the caller's array ({@link Pointer#read(long, byte[], int, int)})
 * is one bounded copy with no allocation.
 *
 * <p>{@code ssize_t}/{@code size_t} are Java {@code long}s (hence the 64-bit check). The
 * variadic set-up calls ({@code open}, {@code ioctl}) are not direct-mapped (direct mapping does
 * not support varargs); they go through the interface-mapped {@link Variadic}.
 * {@link Native#getLastError()} gives {@code errno} after either kind of call.
 */
final class Posix {
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int EBUSY = 16;

    static final int O_RDWR = 0x2;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;

    static final short POLLIN = 0x1;
    static final short POLLERR = 0x8;
    static final short POLLHUP = 0x10;
    static final short POLLNVAL = 0x20;

    static final int AF_INET = 2;
    static final int SOCK_RAW = 3;
    static final int AF_UNIX = 1;
    static final int SOCK_SEQPACKET = 5;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int IPPROTO_RAW = 255;
    static final int MSG_DONTWAIT = 0x40;
    static final int SOL_SOCKET = 1;
    static final int SO_SNDBUF = 7;
    static final int SO_SNDBUFFORCE = 32;

    static final int EFD_NONBLOCK = 0x800;
    static final int EFD_CLOEXEC = 0x80000;

    static {
        if (!Platform.isLinux() || Native.LONG_SIZE != 8 || Native.POINTER_SIZE != 8) {
            throw new UnsupportedOperationException("the agent's link needs 64-bit Linux (os=" + System.getProperty("os.name")
                    + ", long=" + Native.LONG_SIZE + " bytes)");
        }
        Native.register(Posix.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    private Posix() {
    }

    static native long read(int fd, Pointer buf, long count);

    static native long write(int fd, Pointer buf, long count);

    /** {@code ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout, const sigset_t *sigmask)}. */
    static native int ppoll(Pointer fds, long nfds, Pointer timeout, Pointer sigmask);

    static native long sendto(int fd, Pointer buf, long len, int flags, Pointer destAddr, int addrLen);

    static native int socket(int domain, int type, int protocol);

    static native int setsockopt(int fd, int level, int name, Pointer value, int len);

    static native int eventfd(int initval, int flags);

    /** For tests: a connected pair of sockets ({@code sv} receives the two descriptors). */
    static native int socketpair(int domain, int type, int protocol, int[] sv);

    static native int close(int fd);

    /** Variadic libc functions, called only when a link is opened. */
    interface Variadic extends Library {
        Variadic INSTANCE = Native.load(Platform.C_LIBRARY_NAME, Variadic.class);

        int open(String path, int flags, Object... mode);

        int ioctl(int fd, NativeLong request, Object... args);

        String strerror(int errnum);
    }

    /** "EBUSY (Device or resource busy)" style text for messages. */
    static String describe(int errno) {
        return "errno " + errno + " (" + Variadic.INSTANCE.strerror(errno) + ")";
    }
}
