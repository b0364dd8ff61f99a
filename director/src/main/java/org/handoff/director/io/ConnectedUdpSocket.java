package org.handoff.director.io;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;

/**
 * A non-blocking IPv4 UDP socket connected to one peer, over libc rather than
 * {@code DatagramChannel}, for one reason: its descriptor can join the capture's
 * {@code ppoll} ({@link WakeSources}), so a worker sleeps until a packet <em>or</em> an agent's
 * answer arrives instead of waking on a short timer to look for answers. Connected, because
 * that is how Linux reports an ICMP port-unreachable to UDP: the next {@code send} or
 * {@code recv} fails with {@code ECONNREFUSED} ({@link #REFUSED}).
 *
 * <p>Datagrams move through one native buffer per direction, allocated once; a call copies
 * just the datagram and allocates nothing. One thread uses a socket.
 */
public final class ConnectedUdpSocket implements AutoCloseable {
    /** {@link #send}/{@link #receive}: the peer's port was closed (ICMP port unreachable). */
    public static final int REFUSED = -1;
    /** {@link #send}/{@link #receive}: nothing to read, or no room to send right now. */
    public static final int WOULD_BLOCK = -2;
    /** {@link #send}/{@link #receive}: any other error ({@link #lastErrno()} says which). */
    public static final int FAILED = -3;

    private static final int MAX_DATAGRAM = 65_536;
    private static final int SOCKADDR_IN_SIZE = 16;

    private final int fd;
    private final InetSocketAddress peer;
    private final Memory sendBuffer = new Memory(MAX_DATAGRAM);
    private final Memory receiveBuffer = new Memory(MAX_DATAGRAM);
    private int lastErrno;
    private boolean closed;

    private ConnectedUdpSocket(int fd, InetSocketAddress peer) {
        this.fd = fd;
        this.peer = peer;
    }

    /** Opens a socket in the calling thread's network namespace, connected to {@code peer}. */
    public static ConnectedUdpSocket connect(InetSocketAddress peer) throws IOException {
        if (peer.isUnresolved() || !(peer.getAddress() instanceof Inet4Address)) {
            throw new IOException("agent " + peer + " (expected: a resolved IPv4 address)");
        }
        int fd;
        try {
            fd = NativeIo.Libc.socket(NativeIo.AF_INET, NativeIo.SOCK_DGRAM | NativeIo.SOCK_NONBLOCK | NativeIo.SOCK_CLOEXEC, 0);
        } catch (LastErrorException e) {
            throw new IOException("socket(AF_INET, SOCK_DGRAM): " + NativeIo.errnoName(e.getErrorCode()), e);
        }
        try (Memory address = new Memory(SOCKADDR_IN_SIZE)) {
            address.clear();
            address.setShort(0, (short) NativeIo.AF_INET); // sa_family, host order
            address.setByte(2, (byte) (peer.getPort() >>> 8)); // sin_port, network order
            address.setByte(3, (byte) peer.getPort());
            address.write(4, peer.getAddress().getAddress(), 0, 4);
            NativeIo.Libc.connect(fd, address, SOCKADDR_IN_SIZE);
        } catch (LastErrorException e) {
            NativeIo.Libc.close(fd);
            throw new IOException("connect to agent " + peer + ": " + NativeIo.errnoName(e.getErrorCode()), e);
        }
        return new ConnectedUdpSocket(fd, peer);
    }

    /** Sends one datagram; returns its length, or {@link #REFUSED}, {@link #WOULD_BLOCK}, {@link #FAILED}. */
    public int send(byte[] datagram, int offset, int length) {
        if (length > MAX_DATAGRAM) {
            lastErrno = 90; // EMSGSIZE
            return FAILED;
        }
        sendBuffer.write(0, datagram, offset, length);
        long n = NativeIo.Libc.send(fd, sendBuffer, length, NativeIo.MSG_DONTWAIT);
        return n >= 0 ? (int) n : failure();
    }

    /**
     * Reads one datagram into {@code into} (which must hold 64 KB to never truncate); returns
     * its length, or {@link #REFUSED}, {@link #WOULD_BLOCK}, {@link #FAILED}.
     */
    public int receive(byte[] into) {
        long n = NativeIo.Libc.recv(fd, receiveBuffer, Math.min(into.length, MAX_DATAGRAM), NativeIo.MSG_DONTWAIT);
        if (n < 0) {
            return failure();
        }
        receiveBuffer.read(0, into, 0, (int) n);
        return (int) n;
    }

    private int failure() {
        lastErrno = Native.getLastError();
        if (lastErrno == NativeIo.EAGAIN) {
            return WOULD_BLOCK;
        }
        return lastErrno == NativeIo.ECONNREFUSED ? REFUSED : FAILED;
    }

    /** The errno of the last failed call, e.g. for a log line. */
    public int lastErrno() {
        return lastErrno;
    }

    public String lastError() {
        return NativeIo.errnoName(lastErrno);
    }

    /** The descriptor, for a poll set; valid until {@link #close()}. */
    public int fd() {
        return fd;
    }

    public InetSocketAddress peer() {
        return peer;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            NativeIo.Libc.close(fd);
            sendBuffer.close();
            receiveBuffer.close();
        }
    }
}
