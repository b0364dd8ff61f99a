package org.handoff.director.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.testing.PacketBuilder;
import org.handoff.protocol.wire.TcpSegment;

/** One client's packets towards a VIP with running sequence numbers, for director tests. */
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
    private final PacketBuilder builder;

    public ClientPackets(int client, int vip, int port, int isn) {
        this.client = client;
        this.vip = vip;
        this.port = port;
        this.isn = isn;
        this.seq = isn;
        this.builder = PacketBuilder.tcp().from(client, port).to(vip, 80).window(502);
    }

    public byte[] packet(int flags, int seqNo, byte[] payload, int off, int len) {
        builder.flags(flags).seq(seqNo).ack((flags & TcpSegment.ACK) != 0 ? ack : 0).payload(payload, off, len)
                .noOptions().mss(mss).windowShift(shift).sackPermitted(sack); // written on the SYN only
        if (ts) {
            builder.timestamps(tsVal++, tsEcr);
        }
        return builder.build();
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
