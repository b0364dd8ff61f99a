package org.handoff.agent.link;

import java.io.IOException;
import java.util.Arrays;
import org.handoff.protocol.checksum.InternetChecksum;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.testing.PacketBuilder;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.TcpOptions;
import org.handoff.protocol.wire.TcpSegment;

/**
 * The client's side of connection B, played by a test over a {@link LocalLink}: builds the
 * client-looking segments with {@link PacketBuilder}, writes them into the link, and reads the
 * local stack's answers for this one flow. Just enough TCP for in-order exchanges on a lossless
 * link; the real agent logic lives elsewhere. With a link that has offloads, every packet read
 * comes behind its virtio-net header: the views skip it and {@link #lastFrame()} keeps it.
 */
final class TcpOverLink {
    final LocalLink link;
    final int client;
    final int clientPort;
    final int server;
    final int serverPort;

    private final PacketBuilder packet;
    private final byte[] out = new byte[TunLink.MAX_PACKET];
    /** The last frame {@link #receive} returned, from offset 0: {@link #headerLength} bytes of header, then the packet. */
    final byte[] in = new byte[TunLink.MAX_FRAME];
    /** The length of the packet in {@link #in}, header not included. */
    int inLength;
    final int headerLength;
    final Ipv4Packet ip = new Ipv4Packet();
    final TcpSegment tcp = new TcpSegment();
    final TcpOptions options = new TcpOptions();

    int sndNxt;
    int rcvNxt;
    int tsVal = 1_000;
    int tsEcr;
    int otherPackets;

    TcpOverLink(LocalLink link, int client, int clientPort, int server, int serverPort) {
        this.link = link;
        this.client = client;
        this.clientPort = clientPort;
        this.server = server;
        this.serverPort = serverPort;
        this.headerLength = link.frameHeaderLength();
        this.packet = PacketBuilder.tcp().from(client, clientPort).to(server, serverPort);
    }

    /** The client's SYN: ISN {@code isn}, MSS 1460, window shift 7, SACK-permitted, timestamps. */
    void sendSyn(int isn) throws IOException {
        packet.noOptions().noPayload().seq(isn).ack(0).flags(TcpSegment.SYN).window(64240).linuxSynOptions().timestamps(tsVal, 0);
        write();
        sndNxt = SeqNumber.add(isn, 1);
    }

    /** A segment with the current seq/ack, flags, optional payload; advances sndNxt. */
    void send(int flags, byte[] payload) throws IOException {
        packet.noOptions().noPayload().seq(sndNxt).ack(rcvNxt).flags(flags | TcpSegment.ACK)
                .window(2048) // x 2^7 = 256 KB
                .timestamps(++tsVal, tsEcr);
        if (payload != null) {
            packet.payload(payload);
        }
        write();
        sndNxt = SeqNumber.add(sndNxt, (payload == null ? 0 : payload.length) + ((flags & TcpSegment.FIN) != 0 ? 1 : 0));
    }

    private void write() throws IOException {
        link.write(out, 0, packet.buildInto(out, 0));
    }

    /**
     * Reads until a packet of this flow (server:port to client:port) arrives; returns false on
     * timeout. Views {@link #ip}, {@link #tcp}, {@link #options} are left on it; anything else
     * read is counted in {@link #otherPackets}.
     */
    boolean receive(long timeoutNanos) throws IOException {
        long deadline = System.nanoTime() + timeoutNanos;
        for (int i = 0; i < 100_000; i++) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            int n = link.read(in, 0, in.length, left);
            if (n <= 0) {
                return false;
            }
            if (n <= headerLength || ip.wrap(in, headerLength, n - headerLength).check() != null
                    || ip.protocol() != InternetChecksum.PROTO_TCP) {
                otherPackets++;
                continue;
            }
            tcp.wrap(in, ip.payloadOffset(), ip.payloadLength());
            if (tcp.check() != null || ip.source() != server || ip.destination() != client
                    || tcp.sourcePort() != serverPort || tcp.destinationPort() != clientPort) {
                otherPackets++;
                continue;
            }
            tcp.parseOptions(options);
            if (options.hasTimestamps()) {
                tsEcr = options.tsVal;
            }
            inLength = n - headerLength;
            return true;
        }
        return false;
    }

    /** A copy of the last received packet (without a header). */
    byte[] lastPacket() {
        return Arrays.copyOfRange(in, headerLength, headerLength + inLength);
    }

    /** A copy of the last received frame: its header (if the link has offloads), then the packet. */
    byte[] lastFrame() {
        return Arrays.copyOf(in, headerLength + inLength);
    }
}
