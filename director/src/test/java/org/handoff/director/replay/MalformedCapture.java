package org.handoff.director.replay;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.Ipv4Repr;
import org.handoff.protocol.wire.PacketEmitter;
import org.handoff.protocol.wire.TcpRepr;
import org.handoff.protocol.wire.TcpSegment;

/**
 * Writes a capture of bad input, one packet (or record) of each kind the replay must count and
 * skip, built with the project's emitters and then damaged: an Ethernet pcap (microseconds)
 * written byte by byte so records can lie about their lengths.
 */
final class MalformedCapture {
    static final String CLIENT = "198.18.200.1";
    static final String VIP = "198.18.200.2";
    private static final long EPOCH_SECONDS = 1_800_000_000L;

    private final ByteArrayOutputStream file = new ByteArrayOutputStream();
    private final PacketEmitter emitter = new PacketEmitter();
    private int micros;

    MalformedCapture() {
        ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(262144).putInt(1);
        file.writeBytes(h.array());
    }

    /** A client SYN to the VIP from {@code port} (MSS and timestamps), checksums filled. */
    byte[] syn(int port) {
        TcpRepr t = new TcpRepr().clear();
        t.sourcePort = port;
        t.destinationPort = 80;
        t.seq = 1000 + port;
        t.flags = TcpSegment.SYN;
        t.window = 64240;
        t.mss = 1460;
        t.timestamps = true;
        t.tsVal = 77;
        return tcp(CLIENT, VIP, t);
    }

    byte[] tcp(String from, String to, TcpRepr t) {
        byte[] b = new byte[Ipv4Packet.MAX_HEADER_LENGTH + t.bufferLength()];
        int n = emitter.ipv4Tcp(new Ipv4Repr().set(Bytes.parseIpv4(from), Bytes.parseIpv4(to), 6), t, b, 0);
        return Arrays.copyOf(b, n);
    }

    byte[] udp(String from, String to) {
        byte[] b = new byte[100];
        int n = emitter.ipv4Udp(new Ipv4Repr().set(Bytes.parseIpv4(from), Bytes.parseIpv4(to), 17), 5353, 80, new byte[8], 0, 8, b, 0);
        return Arrays.copyOf(b, n);
    }

    /** Recomputes the IPv4 and TCP checksums after a deliberate edit. */
    byte[] refill(byte[] ip) {
        emitter.fillIpv4TcpChecksums(ip, 0);
        return ip;
    }

    /** An Ethernet frame of this IP packet, recorded whole. */
    MalformedCapture ip(byte[] ip) {
        return frame(0x0800, ip, Integer.MAX_VALUE);
    }

    /** An IPv6 packet (EtherType 86DD). */
    MalformedCapture ipv6(byte[] ip) {
        return frame(0x86dd, ip, Integer.MAX_VALUE);
    }

    /** A frame whose record keeps only {@code snaplen} bytes of it (the original length stays). */
    MalformedCapture frame(int etherType, byte[] payload, int snaplen) {
        byte[] f = new byte[14 + payload.length];
        f[0] = 2;
        f[5] = 2;
        f[6] = 2;
        f[11] = 1;
        f[12] = (byte) (etherType >> 8);
        f[13] = (byte) etherType;
        System.arraycopy(payload, 0, f, 14, payload.length);
        int caplen = Math.min(snaplen, f.length);
        record(f, caplen, f.length);
        return this;
    }

    private void record(byte[] f, int caplen, int length) {
        micros += 1000;
        ByteBuffer r = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        r.putInt((int) EPOCH_SECONDS).putInt(micros).putInt(caplen).putInt(length);
        file.writeBytes(r.array());
        file.write(f, 0, Math.min(caplen, f.length));
    }

    /** A record header promising more bytes than the file holds: the file ends inside it. */
    MalformedCapture truncatedRecord() {
        record(new byte[10], 60, 60);
        return this;
    }

    void write(Path path) throws IOException {
        Files.write(path, file.toByteArray());
    }
}
