package org.handoff.protocol.transform;

import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.TcpOptions;

/**
 * The per-flow constants that map connection B (agent to local server) onto connection A
 * (client to VIP), fixed once the local server's SYN-ACK is seen. See docs/architecture.md.
 *
 * <pre>
 *   d = di - si            sequence offset: director ISN minus server ISN (mod 2^32)
 *   t = TSdir - TSsrv      timestamp offset: director TSval at hand-off minus the server's
 *                          SYN-ACK TSval (mod 2^32)
 *   ws -> wd               the server's window shift on B, the director's on A
 * </pre>
 *
 * Connection B reuses the client's ISN, so client-to-server sequence numbers need no change.
 */
public final class FlowTransform {
    final int clientAddress;
    final int clientPort;
    final int vipAddress;
    final int vipPort;
    final int serverAddress;
    final int serverPort;
    final int seqOffset;
    final int tsOffset;
    final int tsFloor;
    final boolean timestamps;
    final int serverShift;
    final int directorShift;

    private FlowTransform(Builder b) {
        this.clientAddress = b.clientAddress;
        this.clientPort = b.clientPort;
        this.vipAddress = b.vipAddress;
        this.vipPort = b.vipPort;
        this.serverAddress = b.serverAddress;
        this.serverPort = b.serverPort;
        this.seqOffset = SeqNumber.diff(b.directorIsn, b.serverIsn);
        this.tsOffset = b.timestamps ? SeqNumber.diff(b.directorTsVal, b.serverSynAckTsVal) : 0;
        this.tsFloor = b.directorTsVal;
        this.timestamps = b.timestamps;
        this.serverShift = b.serverShift;
        this.directorShift = b.directorShift;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** d: added to server sequence numbers, subtracted from client acknowledgments. */
    public int seqOffset() {
        return seqOffset;
    }

    /** t: added to server TSvals, subtracted from client TSecrs. */
    public int tsOffset() {
        return tsOffset;
    }

    /** The TSval floor: the director's TSval at hand-off; no rewritten TSval is before it. */
    public int tsFloor() {
        return tsFloor;
    }

    /** Timestamps in use on both connections: TSval and TSecr are rewritten. */
    public boolean timestamps() {
        return timestamps;
    }

    /** ws: the server's window shift on connection B. */
    public int serverShift() {
        return serverShift;
    }

    /** wd: the director's window shift on connection A. */
    public int directorShift() {
        return directorShift;
    }

    public int clientAddress() {
        return clientAddress;
    }

    public int clientPort() {
        return clientPort;
    }

    public int vipAddress() {
        return vipAddress;
    }

    public int vipPort() {
        return vipPort;
    }

    public int serverAddress() {
        return serverAddress;
    }

    public int serverPort() {
        return serverPort;
    }

    /**
     * Rescales a raw window field from the server's shift to the director's:
     * {@code ceil((w << ws) / 2^wd)}, clamped to 65535. Rounding up keeps a small non-zero
     * window from turning into a zero window the client would have to probe.
     */
    public static int rescaleWindow(int window, int fromShift, int toShift) {
        if (fromShift == toShift) {
            return window;
        }
        long bytes = (long) window << fromShift;
        long scaled = (bytes + (1L << toShift) - 1) >>> toShift;
        return scaled > 0xffff ? 0xffff : (int) scaled;
    }

    @Override
    public String toString() {
        return "FlowTransform[" + Bytes.ipv4ToString(clientAddress) + ":" + clientPort
                + " vip=" + Bytes.ipv4ToString(vipAddress) + ":" + vipPort
                + " server=" + Bytes.ipv4ToString(serverAddress) + ":" + serverPort
                + " d=" + (seqOffset & 0xffffffffL) + " t=" + (timestamps ? Long.toString(tsOffset & 0xffffffffL) : "off")
                + " ws=" + serverShift + " wd=" + directorShift + "]";
    }

    /** Collects the two connections' parameters; {@link #build()} validates them once. */
    public static final class Builder {
        private int clientAddress;
        private int clientPort;
        private int vipAddress;
        private int vipPort;
        private int serverAddress;
        private int serverPort;
        private int directorIsn;
        private int serverIsn;
        private boolean timestamps;
        private int directorTsVal;
        private int serverSynAckTsVal;
        private int serverShift;
        private int directorShift;

        public Builder client(int address, int port) {
            this.clientAddress = address;
            this.clientPort = port;
            return this;
        }

        public Builder vip(int address, int port) {
            this.vipAddress = address;
            this.vipPort = port;
            return this;
        }

        public Builder server(int address, int port) {
            this.serverAddress = address;
            this.serverPort = port;
            return this;
        }

        public Builder isns(int directorIsn, int serverIsn) {
            this.directorIsn = directorIsn;
            this.serverIsn = serverIsn;
            return this;
        }

        /** Timestamps in use on both connections: the director's TSval at hand-off and the server's SYN-ACK TSval. */
        public Builder timestamps(int directorTsVal, int serverSynAckTsVal) {
            this.timestamps = true;
            this.directorTsVal = directorTsVal;
            this.serverSynAckTsVal = serverSynAckTsVal;
            return this;
        }

        /** Window shifts: the server's on B ({@code ws}) and the director's on A ({@code wd}); 0 when not negotiated. */
        public Builder windowShifts(int serverShift, int directorShift) {
            this.serverShift = serverShift;
            this.directorShift = directorShift;
            return this;
        }

        public FlowTransform build() {
            checkPort("clientPort", clientPort);
            checkPort("vipPort", vipPort);
            checkPort("serverPort", serverPort);
            checkShift("serverShift", serverShift);
            checkShift("directorShift", directorShift);
            return new FlowTransform(this);
        }

        private static void checkPort(String name, int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException(name + "=" + port + " (expected: 1..65535)");
            }
        }

        private static void checkShift(String name, int shift) {
            if (shift < 0 || shift > TcpOptions.MAX_WINDOW_SHIFT) {
                throw new IllegalArgumentException(name + "=" + shift + " (expected: 0..14)");
            }
        }
    }
}
