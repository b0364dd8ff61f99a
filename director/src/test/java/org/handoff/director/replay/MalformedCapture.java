package org.handoff.director.replay;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.handoff.protocol.testing.PacketBuilder;
import org.handoff.protocol.wire.PacketEmitter;
import org.handoff.protocol.wire.TcpSegment;

/**
 * Writes a capture of bad input, one packet (or record) of each kind the replay must count and
 * skip, built with {@link PacketBuilder} and then damaged: an Ethernet pcap (microseconds)
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
        return PacketBuilder.tcp().from(CLIENT, port).to(VIP, 80).seq(1000 + port).flags(TcpSegment.SYN).window(64240)
                .mss(1460).timestamps(77, 0).build();
    }

    byte[] udp(String from, String to) {
        return PacketBuilder.udp().from(from, 5353).to(to, 80).payload(new byte[8]).build();
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
        byte[] f = PacketBuilder.ethernet(0x0200_0000_0002L, 0x0200_0000_0001L, etherType, payload, 0);
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
