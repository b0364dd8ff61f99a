package org.handoff.agent.link;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import java.io.IOException;
import java.util.Objects;
import org.handoff.protocol.wire.Ipv4Packet;

/**
 * {@link DirectReturn} through a raw IPv4 socket ({@code socket(AF_INET, SOCK_RAW, IPPROTO_RAW)},
 * which implies {@code IP_HDRINCL}): the agent hands over a whole IPv4 packet and the kernel
 * sends it as it is, out of the normal route to the packet's destination.
 *
 * <p>What the kernel fills (raw(7)): the IPv4 header checksum and total length always, the
 * identification when it is zero, the source address when it is zero. Everything else is sent
 * as given, so the TCP checksum must already be right (the transform core keeps it right).
 *
 * <p>The source may be the VIP, an address the origin does not own: with {@code IP_HDRINCL} the
 * kernel routes by destination only (the route lookup uses the socket's unbound source, not the
 * header's), applies no source-address check and needs no sysctl. That lookup also keeps these
 * packets out of the agent's steering rule ({@code from H lookup T}): their route is the main
 * table's, towards the client. No {@code rp_filter}, {@code ip_nonlocal_bind} or
 * {@code accept_local} change is involved. Conntrack, if loaded, would see each packet as a new
 * never-answered flow; the set-up's nftables {@code notrack} rule exempts them.
 *
 * <p>The socket is non-blocking: a packet the kernel cannot queue right now (send buffer full)
 * is dropped and counted like a router would drop it; the server's TCP recovers it. Errors are
 * counted per errno, never thrown. The raw socket does not fragment: a packet above the egress
 * MTU fails with EMSGSIZE, so the TUN's MTU must not exceed the egress interface's.
 */
public final class RawSocketEgress extends CountingEgress {
    private static final int SOCKADDR_IN_SIZE = 16;

    private final int fd;
    private final Memory packet = new Memory(Ipv4Packet.MAX_TOTAL_LENGTH);
    /** {@code struct sockaddr_in}: family (host order), port 0, address (network order), zero pad. */
    private final Memory destination = new Memory(SOCKADDR_IN_SIZE);
    private boolean closed;

    private RawSocketEgress(int fd) {
        this.fd = fd;
        destination.clear();
        destination.setShort(0, (short) Posix.AF_INET);
    }

    /**
     * Opens the raw socket in the calling thread's network namespace (needs CAP_NET_RAW).
     *
     * @param sendBufferBytes socket send buffer to ask for (SO_SNDBUFFORCE, then SO_SNDBUF
     *                        capped by net.core.wmem_max); 0 keeps the default
     */
    public static RawSocketEgress open(int sendBufferBytes) throws IOException {
        int fd = Posix.socket(Posix.AF_INET, Posix.SOCK_RAW | Posix.SOCK_CLOEXEC, Posix.IPPROTO_RAW);
        if (fd < 0) {
            throw new IOException("socket(AF_INET, SOCK_RAW, IPPROTO_RAW) failed: " + Posix.describe(Native.getLastError())
                    + " (needs CAP_NET_RAW)");
        }
        if (sendBufferBytes > 0) {
            Memory v = new Memory(4);
            v.setInt(0, sendBufferBytes);
            if (Posix.setsockopt(fd, Posix.SOL_SOCKET, Posix.SO_SNDBUFFORCE, v, 4) != 0
                    && Posix.setsockopt(fd, Posix.SOL_SOCKET, Posix.SO_SNDBUF, v, 4) != 0) {
                int errno = Native.getLastError();
                Posix.close(fd);
                throw new IOException("setsockopt(SO_SNDBUF, " + sendBufferBytes + ") failed: " + Posix.describe(errno));
            }
        }
        return new RawSocketEgress(fd);
    }

    public static RawSocketEgress open() throws IOException {
        return open(0);
    }

    @Override
    public boolean send(byte[] buf, int off, int len) {
        Objects.checkFromIndexSize(off, len, buf.length);
        if (closed || len < Ipv4Packet.MIN_HEADER_LENGTH || len > Ipv4Packet.MAX_TOTAL_LENGTH
                || Ipv4Packet.versionOf(buf[off + Ipv4Packet.VERSION_IHL_OFFSET]) != Ipv4Packet.VERSION) {
            return fail(closed ? 9 /* EBADF */ : 22 /* EINVAL */);
        }
        packet.write(0, buf, off, len);
        // Copy the four address bytes as they are: network order in, network order out.
        destination.setInt(4, packet.getInt(Ipv4Packet.DESTINATION_OFFSET));
        long n = Posix.sendto(fd, packet, len, Posix.MSG_DONTWAIT, destination, SOCKADDR_IN_SIZE);
        if (n == len) {
            return sentOne();
        }
        return fail(n < 0 ? Native.getLastError() : 0);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Posix.close(fd);
        }
    }
}
