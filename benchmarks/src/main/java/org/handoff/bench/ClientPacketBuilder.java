package org.handoff.bench;

import org.handoff.protocol.wire.Ipv4Repr;
import org.handoff.protocol.wire.PacketEmitter;
import org.handoff.protocol.wire.TcpRepr;
import org.handoff.protocol.wire.TcpSegment;

/**
 * A client's packets towards a VIP for the director benchmarks, built into one reused buffer
 * like a capture would hand them over: timestamps on, and MSS, window scale and
 * SACK-permitted on a SYN.
 */
final class ClientPacketBuilder {
    final byte[] packet = new byte[2048];
    private final byte[] request;
    private final PacketEmitter emitter = new PacketEmitter();
    private final TcpRepr repr = new TcpRepr();
    private final Ipv4Repr ipRepr;

    ClientPacketBuilder(int client, int vip, byte[] request) {
        this.ipRepr = new Ipv4Repr().set(client, vip, 6);
        this.request = request;
    }

    /** Builds into {@link #packet}; {@code payload} bytes of the request; returns the length. */
    int build(int port, int flags, int seq, int ack, int payload) {
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
        return emitter.ipv4Tcp(ipRepr, repr, packet, 0);
    }
}
