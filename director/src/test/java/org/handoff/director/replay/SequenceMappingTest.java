package org.handoff.director.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.handoff.director.config.ConfigLoader;
import org.handoff.director.io.CaptureClock;
import org.handoff.director.io.PacketSink;
import org.handoff.director.io.PacketSource;
import org.handoff.director.io.PcapFileSource;
import org.handoff.protocol.message.DecodeResult;
import org.handoff.protocol.message.ForwardPacketCursor;
import org.handoff.protocol.message.MessageDecoder;
import org.handoff.protocol.message.MessageType;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.TcpOptions;
import org.handoff.protocol.wire.TcpSegment;
import org.junit.jupiter.api.Test;

/**
 * The client-side-only capture (a 1 MB download under loss, ACKs with SACK blocks): the captured
 * server's ISN and clock are learnt from the client's first ACK, and every forwarded client
 * packet must carry the same ACK, SACK edges and TSecr relative to the director's ISN and
 * clock as the captured one did relative to the captured server's.
 */
class SequenceMappingTest {
    @Test
    void forwardedPacketsAreTheCapturedOnesMovedOntoTheDirectorsNumbers() throws Exception {
        List<byte[]> captured = new ArrayList<>();
        List<Long> at = new ArrayList<>();
        try (PcapFileSource s = PcapFileSource.open(Path.of("../examples/traces/ipv4-sack-blocks.pcap"), new CaptureClock())) {
            while (s.poll((b, off, len, ts) -> {
                captured.add(Arrays.copyOfRange(b, off, off + len));
                at.add(ts);
            }, 256, 0) != PacketSource.END_OF_INPUT) {
                // read on
            }
        }
        List<byte[]> sent = new ArrayList<>();
        PacketSink sink = new PacketSink() {
            @Override
            public boolean send(byte[] b, int off, int len) {
                sent.add(Arrays.copyOfRange(b, off, off + len));
                return true;
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        CaptureClock clock = new CaptureClock();
        ReplayEngine engine = new ReplayEngine(ConfigLoader.DIRECTOR.load(Path.of("../examples/traces/director.yaml")), ReplayOptions.DEFAULTS,
                sink, clock, null);
        for (int i = 0; i < captured.size(); i++) {
            engine.onPacket(captured.get(i).clone(), 0, captured.get(i).length, at.get(i));
        }
        engine.finish();

        Ipv4Packet ip = new Ipv4Packet();
        TcpSegment tcp = new TcpSegment();
        TcpOptions o = new TcpOptions();
        byte[] synAck = sent.get(0);
        tcp.wrap(synAck, 20, synAck.length - 20).parseOptions(o);
        assertEquals(TcpSegment.SYN | TcpSegment.ACK, tcp.flags());
        int directorIsn = tcp.seq();
        int directorTs = o.tsVal;
        byte[] firstAck = captured.get(1);
        tcp.wrap(firstAck, 20, firstAck.length - 20).parseOptions(o);
        int capturedIsn = SeqNumber.sub(tcp.ack(), 1);
        int capturedTs = o.tsEcr;

        MessageDecoder agent = new MessageDecoder(engine::keys, null, clock::epochMillis);
        List<byte[]> forwarded = new ArrayList<>();
        for (byte[] p : sent) {
            if (ip.wrap(p, 0, p.length).protocol() != 17) {
                continue;
            }
            int udp = ip.payloadOffset() + 8;
            assertEquals(DecodeResult.ACCEPTED, agent.decode(p, udp, p.length - udp));
            if (agent.type() == MessageType.FORWARD) {
                for (ForwardPacketCursor c = agent.forwardPackets(); c.next(); ) {
                    forwarded.add(Arrays.copyOfRange(c.buffer(), c.packetOffset(), c.packetOffset() + c.packetLength()));
                }
            }
        }
        assertTrue(forwarded.size() > 400, "forwarded " + forwarded.size());
        // The forwarded packets are captured ones, in order, from the first after the hand-off
        // (found by its IP id) up to the client's FIN; its last ACK finds the flow freed.
        int first = 0;
        while (Bytes.u16(captured.get(first), 4) != Bytes.u16(forwarded.get(0), 4)) {
            first++;
        }
        assertEquals(captured.size() - 1, first + forwarded.size(), "all but the last ACK after the FIN forwarded");
        TcpOptions co = new TcpOptions();
        int sackEdges = 0;
        for (int i = 0; i < forwarded.size(); i++) {
            byte[] f = forwarded.get(i);
            byte[] c = captured.get(first + i);
            tcp.wrap(f, 20, f.length - 20).parseOptions(o);
            int ack = tcp.ack();
            TcpSegment ct = new TcpSegment().wrap(c, 20, c.length - 20);
            ct.parseOptions(co);
            assertEquals(SeqNumber.sub(ct.ack(), capturedIsn), SeqNumber.sub(ack, directorIsn), "ACK, packet " + i);
            assertEquals(SeqNumber.sub(co.tsEcr, capturedTs), SeqNumber.sub(o.tsEcr, directorTs), "TSecr, packet " + i);
            assertEquals(co.sackBlockCount, o.sackBlockCount);
            for (int k = 0; k < o.sackBlockCount; k++) {
                int edge = o.sackBlockOffset(k);
                int cedge = co.sackBlockOffset(k);
                assertEquals(SeqNumber.sub(Bytes.i32(c, cedge), capturedIsn), SeqNumber.sub(Bytes.i32(f, edge), directorIsn));
                sackEdges++;
            }
            assertTrue(tcp.verifyChecksum(ip.wrap(f, 0, f.length).pseudoHeaderSum()), "checksum, packet " + i);
        }
        assertTrue(sackEdges > 300, "SACK blocks checked: " + sackEdges);
    }
}
