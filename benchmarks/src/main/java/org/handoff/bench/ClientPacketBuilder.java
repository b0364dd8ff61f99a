package org.handoff.bench;

import org.handoff.director.io.LinkDecoder;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.Ipv4Repr;
import org.handoff.protocol.wire.PacketEmitter;
import org.handoff.protocol.wire.TcpRepr;
import org.handoff.protocol.wire.TcpSegment;

/**
 * A client's packets towards a VIP for the director benchmarks, built into one reused buffer
 * like a capture would hand them over: timestamps on, and MSS, window scale and
 * SACK-permitted on a SYN. {@link #build} writes the IP packet alone, {@link #buildFrame} an
 * Ethernet frame around it (what a live capture reads before its link decoding).
 */
final class ClientPacketBuilder {
    static final int ETHERNET_HEADER_LENGTH = 14;

    final byte[] packet = new byte[2048];
    private final byte[] request;
    private final PacketEmitter emitter = new PacketEmitter();
    private final TcpRepr repr = new TcpRepr();
    private final Ipv4Repr ipRepr;

    ClientPacketBuilder(int client, int vip, byte[] request) {
        this.ipRepr = new Ipv4Repr().set(client, vip, 6);
        this.request = request;
    }

    /** Builds the IP packet into {@link #packet}; {@code payload} bytes of the request; returns the length. */
    int build(int port, int flags, int seq, int ack, int payload) {
        return emit(0, port, flags, seq, ack, payload);
    }

    /**
     * Builds an Ethernet frame into {@link #packet}, from {@code sourceMac} to {@code destinationMac}
     * (48 bits each), carrying the same IP packet as {@link #build}; returns the frame's length.
     */
    int buildFrame(long destinationMac, long sourceMac, int port, int flags, int seq, int ack, int payload) {
        LinkDecoder.putMac(packet, 0, destinationMac);
        LinkDecoder.putMac(packet, 6, sourceMac);
        Bytes.putU16(packet, 12, 0x0800);
        return ETHERNET_HEADER_LENGTH + emit(ETHERNET_HEADER_LENGTH, port, flags, seq, ack, payload);
    }

    private int emit(int offset, int port, int flags, int seq, int ack, int payload) {
        repr.clear();
        repr.sourcePort = port;
        repr.destinationPort = 80;
        repr.seq = seq;
        repr.ack = ack;
        repr.flags = flags;
        repr.window = 502;
        repr.timestamps = true;
        repr.tsVal = 5;
        if ((flags & TcpSegment.SYN) != 0) {
            repr.mss = 1460;
            repr.windowShift = 7;
            repr.sackPermitted = true;
        }
        if (payload > 0) {
            repr.payload(request, 0, payload);
        }
        return emitter.ipv4Tcp(ipRepr, repr, packet, offset);
    }
}
