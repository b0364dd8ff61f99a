package org.handoff.director.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.Ipv4Repr;
import org.handoff.protocol.wire.PacketEmitter;
import org.handoff.protocol.wire.TcpRepr;
import org.handoff.protocol.wire.TcpSegment;

/** Builds one client's packets towards a VIP with running sequence numbers, for director tests. */
/** Builds the client's packets with running sequence numbers. */
public final class ClientPackets {
    public final int client;
    public final int vip;
    public final int port;
    public final int isn;
    public int seq;
    public int ack;
    public boolean ts = true;
    public boolean sack = true;
    public int shift = 7;
    public int mss = 1460;
    public int tsVal = 1000;
    public int tsEcr;
    private final PacketEmitter emitter = new PacketEmitter();

    public ClientPackets(int client, int vip, int port, int isn) {
        this.client = client;
        this.vip = vip;
        this.port = port;
        this.isn = isn;
        this.seq = isn;
    }

    public byte[] packet(int flags, int seqNo, byte[] payload, int off, int len) {
        TcpRepr t = new TcpRepr();
        t.sourcePort = port;
        t.destinationPort = 80;
        t.seq = seqNo;
        t.ack = (flags & TcpSegment.ACK) != 0 ? ack : 0;
        t.flags = flags;
        t.window = 502;
        if ((flags & TcpSegment.SYN) != 0) {
            t.mss = mss;
            t.windowShift = shift;
            t.sackPermitted = sack;
        }
        if (ts) {
            t.timestamps = true;
            t.tsVal = tsVal++;
            t.tsEcr = tsEcr;
        }
        if (payload != null) {
            t.payload(payload, off, len);
        }
        byte[] b = new byte[Ipv4Packet.MAX_TOTAL_LENGTH];
        int n = emitter.ipv4Tcp(new Ipv4Repr().set(client, vip, 6), t, b, 0);
        return Arrays.copyOf(b, n);
    }

    public byte[] syn() {
        return packet(TcpSegment.SYN, isn, null, 0, 0);
    }

    /** Reads the SYN-ACK: our next seq and ack. */
    public void synAck(SentSegment s) {
        assertEquals(TcpSegment.SYN | TcpSegment.ACK, s.tcp.flags());
        assertEquals(SeqNumber.add(isn, 1), s.tcp.ack());
        seq = SeqNumber.add(isn, 1);
        ack = SeqNumber.add(s.tcp.seq(), 1);
        if (s.options.hasTimestamps()) {
            tsEcr = s.options.tsVal;
        }
    }

    public byte[] ack() {
        return packet(TcpSegment.ACK, seq, null, 0, 0);
    }

    public byte[] data(byte[] payload, int from, int to) {
        return packet(TcpSegment.ACK | TcpSegment.PSH, SeqNumber.add(seq, from), payload, from, to - from);
    }
}
