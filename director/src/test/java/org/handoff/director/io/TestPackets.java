package org.handoff.director.io;

import java.util.Arrays;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.Ipv4Repr;
import org.handoff.protocol.wire.PacketEmitter;
import org.handoff.protocol.wire.TcpRepr;
import org.handoff.protocol.wire.TcpSegment;

/** IPv4/TCP packets for the I/O tests, built with the project's emitter. */
final class TestPackets {
    private TestPackets() {
    }

    static int ip(String dotted) {
        return Bytes.parseIpv4(dotted);
    }

    /** A SYN with Linux-like options; a non-zero IP ID so a raw socket sends it unchanged. */
    static byte[] syn(String source, String destination, int sourcePort, int destinationPort, int id) {
        return tcp(source, destination, sourcePort, destinationPort, TcpSegment.SYN, id, 0);
    }

    static byte[] tcp(String source, String destination, int sourcePort, int destinationPort, int flags, int id, int payloadLength) {
        Ipv4Repr ipr = new Ipv4Repr().set(ip(source), ip(destination), 6);
        ipr.identification = id;
        TcpRepr t = new TcpRepr();
        t.sourcePort = sourcePort;
        t.destinationPort = destinationPort;
        t.seq = 0x12345678 + id;
        t.flags = flags;
        t.window = 64240;
        t.mss = 1460;
        t.windowShift = 7;
        t.sackPermitted = true;
        t.timestamps = true;
        t.tsVal = 1000 + id;
        byte[] payload = new byte[payloadLength];
        for (int i = 0; i < payloadLength; i++) {
            payload[i] = (byte) (i * 7 + id);
        }
        t.payload(payload, 0, payloadLength);
        byte[] b = new byte[20 + t.bufferLength()];
        int n = new PacketEmitter().ipv4Tcp(ipr, t, b, 0);
        return Arrays.copyOf(b, n);
    }

    /** A UDP packet (for filter tests). */
    static byte[] udp(String source, String destination, int sourcePort, int destinationPort, int id) {
        Ipv4Repr ipr = new Ipv4Repr().set(ip(source), ip(destination), 17);
        ipr.identification = id;
        byte[] payload = "hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] b = new byte[20 + 8 + payload.length];
        int n = new PacketEmitter().ipv4Udp(ipr, sourcePort, destinationPort, payload, 0, payload.length, b, 0);
        return Arrays.copyOf(b, n);
    }

    static byte[] ethernet(long destinationMac, long sourceMac, byte[] ip, int padTo) {
        int len = Math.max(14 + ip.length, padTo);
        byte[] f = new byte[len];
        LinkDecoder.putMac(f, 0, destinationMac);
        LinkDecoder.putMac(f, 6, sourceMac);
        f[12] = 0x08;
        System.arraycopy(ip, 0, f, 14, ip.length);
        return f;
    }
}
