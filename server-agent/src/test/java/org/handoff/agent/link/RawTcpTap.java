package org.handoff.agent.link;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import java.io.IOException;

/**
 * Test support: a raw IPv4 socket for protocol TCP, which receives a copy of every TCP packet
 * delivered to its namespace (IP header first). The namespace tests use it to see what the
 * agent sends to a client that has no real socket: the packets still arrive (and the test's
 * nft rule stops the kernel's RST answers). Open it inside the namespace.
 */
public final class RawTcpTap implements AutoCloseable {
    private static final int IPPROTO_TCP = 6;
    private static final int SO_RCVBUFFORCE = 33;

    private final int fd;
    private final Memory buf = new Memory(65_536);
    private final Memory pollFd = new Memory(8);
    private final Memory timeout = new Memory(16);

    private RawTcpTap(int fd) {
        this.fd = fd;
    }

    public static RawTcpTap open(int receiveBufferBytes) throws IOException {
        int fd = Posix.socket(Posix.AF_INET, Posix.SOCK_RAW | Posix.SOCK_NONBLOCK | Posix.SOCK_CLOEXEC, IPPROTO_TCP);
        if (fd < 0) {
            throw new IOException("socket(AF_INET, SOCK_RAW, IPPROTO_TCP): " + Posix.describe(Native.getLastError()));
        }
        Memory v = new Memory(4);
        v.setInt(0, receiveBufferBytes);
        if (Posix.setsockopt(fd, Posix.SOL_SOCKET, SO_RCVBUFFORCE, v, 4) != 0) {
            int errno = Native.getLastError();
            Posix.close(fd);
            throw new IOException("setsockopt(SO_RCVBUFFORCE): " + Posix.describe(errno));
        }
        return new RawTcpTap(fd);
    }

    /** One packet into {@code out}; its length, or 0 when none came within {@code waitNanos}. */
    public int receive(byte[] out, long waitNanos) throws IOException {
        for (int attempt = 0; attempt < 3; attempt++) {
            long n = Posix.read(fd, buf, buf.size());
            if (n > 0) {
                buf.read(0, out, 0, (int) n);
                return (int) n;
            }
            int errno = Native.getLastError();
            if (n < 0 && errno != Posix.EAGAIN && errno != Posix.EINTR) {
                throw new IOException("read(raw tcp): " + Posix.describe(errno));
            }
            if (waitNanos <= 0 || attempt == 2) {
                return 0;
            }
            pollFd.setInt(0, fd);
            pollFd.setShort(4, Posix.POLLIN);
            pollFd.setShort(6, (short) 0);
            timeout.setLong(0, waitNanos / 1_000_000_000L);
            timeout.setLong(8, waitNanos % 1_000_000_000L);
            if (Posix.ppoll(pollFd, 1, timeout, null) == 0) {
                return 0;
            }
        }
        return 0;
    }

    @Override
    public void close() {
        Posix.close(fd);
    }
}
