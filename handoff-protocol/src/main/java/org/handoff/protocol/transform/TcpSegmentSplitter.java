package org.handoff.protocol.transform;

import org.handoff.protocol.checksum.InternetChecksum;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.TcpSegment;

/**
 * Cuts one large IPv4/TCP packet into valid smaller ones, each at most a given length, the way
 * TSO would have cut it on the wire: headers and options copied, sequence numbers advanced, IP
 * ids incremented, PSH and FIN only on the last piece, CWR only on the first, every checksum
 * recomputed from scratch (so the input's TCP checksum may be partial or anything).
 *
 * <p>Why: veth and GRO deliver frames of up to 64 KB; a FORWARD datagram cannot carry a
 * 65,535-byte IP packet (a UDP payload is at most 65,507 bytes), so the director splits before
 * forwarding and the agent injects each piece as an ordinary segment. The agent also cuts the
 * TSO super-segments its TUN hands it when they must leave through the raw socket (which does
 * not segment), {@code gso_size} payload bytes per piece, as the kernel would have.
 */
public final class TcpSegmentSplitter {
    /** Receives each piece; the bytes are valid only during the call. */
    @FunctionalInterface
    public interface PieceSink {
        void accept(byte[] buffer, int offset, int length);
    }

    private final Ipv4Packet ip = new Ipv4Packet();
    private final Ipv4Packet pieceIp = new Ipv4Packet();
    private final TcpSegment tcp = new TcpSegment();
    private final TcpSegment pieceTcp = new TcpSegment();
    private final byte[] scratch = new byte[Ipv4Packet.MAX_TOTAL_LENGTH];

    /**
     * Splits {@code b[off, off+len)} into pieces of at most {@code maxPacketLength} bytes and
     * hands each to {@code sink}. A packet that already fits is handed over unchanged.
     *
     * @return the number of pieces, or -1 when the packet is not well-formed IPv4/TCP or
     *     {@code maxPacketLength} leaves no room for payload after the headers
     */
    public int split(byte[] b, int off, int len, int maxPacketLength, PieceSink sink) {
        if (ip.wrap(b, off, len).check() != null || ip.protocol() != InternetChecksum.PROTO_TCP || ip.isFragment()) {
            return -1;
        }
        if (tcp.wrap(b, ip.payloadOffset(), ip.payloadLength()).check() != null) {
            return -1;
        }
        int total = ip.totalLength();
        if (total <= maxPacketLength) {
            sink.accept(b, off, total);
            return 1;
        }
        int headers = ip.headerLength() + tcp.headerLength();
        int room = maxPacketLength - headers;
        if (room <= 0) {
            return -1;
        }
        int payload = tcp.payloadLength();
        int flags = tcp.flags();
        int pieces = 0;
        for (int done = 0; done < payload; done += room) {
            int n = Math.min(room, payload - done);
            System.arraycopy(b, off, scratch, 0, headers);
            System.arraycopy(b, tcp.payloadOffset() + done, scratch, headers, n);
            pieceIp.wrap(scratch, 0, headers + n)
                    .totalLength(headers + n)
                    .identification((ip.identification() + pieces) & 0xffff);
            int pieceFlags = flags;
            if (done + n != payload) {
                pieceFlags &= ~(TcpSegment.PSH | TcpSegment.FIN); // they end the data: last piece only
            }
            if (done != 0) {
                pieceFlags &= ~TcpSegment.CWR; // the window was reduced once: first piece only
            }
            pieceTcp.wrap(scratch, pieceIp.payloadOffset(), pieceIp.payloadLength())
                    .seq(SeqNumber.add(tcp.seq(), done))
                    .flags(pieceFlags);
            pieceIp.fillHeaderChecksum();
            pieceTcp.fillChecksum(pieceIp.pseudoHeaderSum());
            sink.accept(scratch, 0, headers + n);
            pieces++;
        }
        return pieces;
    }
}
