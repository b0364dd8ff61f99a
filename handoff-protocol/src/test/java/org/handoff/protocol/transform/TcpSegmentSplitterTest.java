package org.handoff.protocol.transform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.testing.PacketBuilder;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.TcpOptions;
import org.handoff.protocol.wire.TcpSegment;
import org.junit.jupiter.api.Test;

class TcpSegmentSplitterTest {
    private static byte[] bigSegment(byte[] payload, int flags) {
        return PacketBuilder.tcp().from(0xc6120002, 40000).to(0xc6120101, 80).id(0xfffe)
                .seq(0xffff0000) // wraps inside the frame
                .ack(5).flags(flags).window(3000).timestamps(9, 10).payload(payload).build();
    }

    @Test
    void a64KbFrameBecomesValidPiecesThatReassembleExactly() {
        byte[] payload = new byte[65_000];
        new Random(3).nextBytes(payload);
        byte[] frame = bigSegment(payload, TcpSegment.ACK | TcpSegment.PSH | TcpSegment.FIN);
        List<byte[]> pieces = new ArrayList<>();
        int count = new TcpSegmentSplitter().split(frame, 0, frame.length, 9000,
                (b, off, len) -> pieces.add(Arrays.copyOfRange(b, off, off + len)));
        assertEquals(pieces.size(), count);
        assertEquals((int) Math.ceil(65_000 / (9000.0 - 52)), count);

        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        int expectedSeq = 0xffff0000;
        for (int i = 0; i < pieces.size(); i++) {
            byte[] p = pieces.get(i);
            assertTrue(p.length <= 9000);
            Ipv4Packet ip = new Ipv4Packet().wrap(p, 0, p.length);
            assertEquals(null, ip.check());
            assertTrue(ip.verifyHeaderChecksum());
            assertEquals((0xfffe + i) & 0xffff, ip.identification());
            TcpSegment tcp = new TcpSegment().wrap(p, ip.payloadOffset(), ip.payloadLength());
            assertEquals(null, tcp.check());
            assertTrue(tcp.verifyChecksum(ip.pseudoHeaderSum()));
            assertEquals(expectedSeq, tcp.seq());
            boolean last = i == pieces.size() - 1;
            assertEquals(last, tcp.fin(), "FIN only on the last piece");
            assertEquals(last, (tcp.flags() & TcpSegment.PSH) != 0, "PSH only on the last piece");
            TcpOptions o = new TcpOptions();
            tcp.parseOptions(o);
            assertEquals(9, o.tsVal, "options copied to every piece");
            joined.write(p, tcp.payloadOffset(), tcp.payloadLength());
            expectedSeq = SeqNumber.add(expectedSeq, tcp.payloadLength());
        }
        assertArrayEquals(payload, joined.toByteArray());
    }

    @Test
    void cwrOnlyOnTheFirstPieceAsTsoDoes() {
        byte[] frame = bigSegment(new byte[4000], TcpSegment.ACK | TcpSegment.CWR | TcpSegment.ECE | TcpSegment.PSH);
        List<byte[]> pieces = new ArrayList<>();
        assertEquals(3, new TcpSegmentSplitter().split(frame, 0, frame.length, 1500,
                (b, off, len) -> pieces.add(Arrays.copyOfRange(b, off, off + len))));
        int[] expected = {
            TcpSegment.ACK | TcpSegment.CWR | TcpSegment.ECE,
            TcpSegment.ACK | TcpSegment.ECE,
            TcpSegment.ACK | TcpSegment.ECE | TcpSegment.PSH};
        for (int i = 0; i < 3; i++) {
            assertEquals(expected[i], pieces.get(i)[20 + TcpSegment.FLAGS_OFFSET] & 0xff, "piece " + i);
        }
    }

    @Test
    void aPacketThatFitsPassesUnchanged() {
        byte[] frame = bigSegment(new byte[100], TcpSegment.ACK);
        List<byte[]> pieces = new ArrayList<>();
        assertEquals(1, new TcpSegmentSplitter().split(frame, 0, frame.length, 1500,
                (b, off, len) -> pieces.add(Arrays.copyOfRange(b, off, off + len))));
        assertArrayEquals(frame, pieces.get(0));
    }

    @Test
    void refusesMalformedOrNoRoom() {
        byte[] frame = bigSegment(new byte[3000], TcpSegment.ACK);
        TcpSegmentSplitter s = new TcpSegmentSplitter();
        assertEquals(-1, s.split(frame, 0, frame.length, 52, (b, o, l) -> { }), "headers alone fill the budget");
        assertEquals(-1, s.split(frame, 0, 30, 1500, (b, o, l) -> { }), "truncated");
    }
}
