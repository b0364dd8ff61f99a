package org.handoff.director.io;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the director's packets through a raw IPv4 socket ({@code socket(AF_INET, SOCK_RAW,
 * IPPROTO_RAW)}, which implies IP_HDRINCL): the packet goes out exactly as built, the kernel
 * routes it by its destination and picks the next hop's MAC. The source address may be the
 * VIP even though the VIP is not a local address (checked in the namespace tests).
 *
 * <p>What the kernel does to the header (raw(7)): it always fills the IP checksum and the
 * total length, and fills the source address and ID when they are zero; it does not touch the
 * TCP checksum and does not fragment (a packet above the route's MTU fails with EMSGSIZE).
 *
 * <p>Each packet is copied into one native buffer and sent with {@code sendto(...,
 * MSG_DONTWAIT)}: nothing is allocated per packet, and a full socket buffer is a counted
 * failure rather than a blocked worker. Opened in the calling thread's network namespace.
 * Not thread-safe: one worker sends on it.
 */
public final class RawSocketSink implements PacketSink {
    private static final Logger LOG = LoggerFactory.getLogger(RawSocketSink.class);
    private static final int SOCKADDR_IN_LENGTH = 16;

    private final int fd;
    private final Memory packet = new Memory(65536);
    private final Memory address = new Memory(SOCKADDR_IN_LENGTH);
    private boolean closed;

    private long sent;
    private long invalid;
    private long failed;
    private long wouldBlock;
    private int lastErrno;

    private RawSocketSink(int fd) {
        this.fd = fd;
        address.clear();
        address.setShort(0, (short) NativeIo.AF_INET); // sin_family, host order; sin_port 0
    }

    /** Opens the socket with the kernel's default send buffer. */
    public static RawSocketSink open() throws IOException {
        return open(0);
    }

    /**
     * @param sendBufferBytes SO_SNDBUF to force (root), or 0 for the default; a larger buffer
     *     absorbs bursts when the egress device queues
     */
    public static RawSocketSink open(int sendBufferBytes) throws IOException {
        int fd;
        try {
            fd = NativeIo.Libc.socket(NativeIo.AF_INET, NativeIo.SOCK_RAW, NativeIo.IPPROTO_RAW);
        } catch (LastErrorException e) {
            throw new IOException("socket(AF_INET, SOCK_RAW, IPPROTO_RAW): " + NativeIo.errnoName(e.getErrorCode())
                    + " (root or CAP_NET_RAW needed)", e);
        }
        if (sendBufferBytes > 0) {
            try (Memory v = new Memory(4)) {
                v.setInt(0, sendBufferBytes);
                NativeIo.Libc.setsockopt(fd, NativeIo.SOL_SOCKET, NativeIo.SO_SNDBUFFORCE, v, 4);
            } catch (LastErrorException e) {
                NativeIo.Libc.close(fd);
                throw new IOException("SO_SNDBUFFORCE=" + sendBufferBytes + ": " + NativeIo.errnoName(e.getErrorCode()), e);
            }
        }
        return new RawSocketSink(fd);
    }

    @Override
    public boolean send(byte[] b, int off, int len) {
        if (closed || len < 20 || len > 65535 || off < 0 || off + len > b.length || (b[off] & 0xf0) != 0x40) {
            invalid++;
            return false;
        }
        packet.write(0, b, off, len);
        address.write(4, b, off + 16, 4); // sin_addr = the IP destination, already network order
        try {
            NativeIo.Libc.sendto(fd, packet, len, NativeIo.MSG_DONTWAIT, address, SOCKADDR_IN_LENGTH);
            sent++;
            return true;
        } catch (LastErrorException e) {
            int errno = e.getErrorCode();
            if (errno == NativeIo.EAGAIN) {
                wouldBlock++;
            } else {
                failed++;
                if (errno != lastErrno) {
                    LOG.warn("raw socket sendto failed: {} (logged once per errno; counted in failed())", NativeIo.errnoName(errno));
                }
            }
            lastErrno = errno;
            return false;
        }
    }

    @Override
    public void flush() {
        // sendto hands each packet to the kernel at once
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            NativeIo.Libc.close(fd);
            packet.close();
            address.close();
        }
    }

    public long sent() {
        return sent;
    }

    /** Packets refused before the kernel saw them: not IPv4, or impossible length. */
    public long invalid() {
        return invalid;
    }

    /** sendto errors other than a full buffer (EMSGSIZE, ENETUNREACH, ...). */
    public long failed() {
        return failed;
    }

    /** Packets dropped because the socket's send buffer was full (EAGAIN). */
    public long wouldBlock() {
        return wouldBlock;
    }

    /** errno of the last failure, 0 if none. */
    public int lastErrno() {
        return lastErrno;
    }
}
