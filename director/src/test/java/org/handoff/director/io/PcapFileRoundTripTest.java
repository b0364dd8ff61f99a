package org.handoff.director.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.handoff.host.CommandResult;
import org.handoff.host.ProcessRunner;
import org.handoff.protocol.testing.PacketBuilder;
import org.handoff.protocol.wire.TcpSegment;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PcapFileRoundTripTest {
    static final long T0 = 1_700_000_000_123_456_789L; // epoch ns with a sub-microsecond part

    @TempDir
    Path dir;

    final List<MemoryPacketIo.Packet> got = new ArrayList<>();
    final PacketHandler collect = (b, off, len, ts) -> got.add(new MemoryPacketIo.Packet(Arrays.copyOfRange(b, off, off + len), ts));

    List<byte[]> packets() {
        List<byte[]> out = new ArrayList<>();
        PacketBuilder server = PacketBuilder.tcp().from("198.18.1.1", 80).to("198.18.0.1", 40000);
        out.add(server.flags(TcpSegment.SYN).id(1).build());
        out.add(server.flags(TcpSegment.SYN | TcpSegment.ACK).id(2).build());
        out.add(server.flags(TcpSegment.ACK | TcpSegment.PSH).id(3).payloadLength(1400).build());
        out.add(server.flags(TcpSegment.ACK).id(4).payloadLength(60000).build()); // bigger than any MTU
        out.add(PacketBuilder.udp().from("198.18.1.1", 5000).to("198.18.0.1", 6000).id(5).payloadLength(5).build());
        return out;
    }

    /** Sends each packet at T0 + i * 1.000001 ms + i ns: distinct nanosecond parts. */
    void write(PacketSink sink, ManualClock clock, List<byte[]> packets) {
        for (int i = 0; i < packets.size(); i++) {
            clock.set(T0 + i * 1_000_001L + i);
            byte[] p = packets.get(i);
            byte[] framed = new byte[p.length + 7];
            System.arraycopy(p, 0, framed, 3, p.length);
            assertTrue(sink.send(framed, 3, p.length));
        }
    }

    void readBackAndCompare(Path file, List<byte[]> packets) throws IOException {
        CaptureClock clock = new CaptureClock();
        try (PcapFileSource src = PcapFileSource.open(file, clock)) {
            int guard = 0;
            int n;
            List<Long> clockAtPacket = new ArrayList<>();
            PacketHandler h = (b, off, len, ts) -> {
                collect.onPacket(b, off, len, ts);
                clockAtPacket.add(clock.nanos());
            };
            while ((n = src.poll(h, 2, 0)) != PacketSource.END_OF_INPUT && guard++ < 100) {
                assertTrue(n >= 0);
            }
            assertEquals(PacketSource.END_OF_INPUT, src.poll(h, 2, 0), "stays at end");
            assertEquals(packets.size(), got.size());
            for (int i = 0; i < packets.size(); i++) {
                assertArrayEquals(packets.get(i), got.get(i).bytes(), "packet " + i);
                long expected = T0 + i * 1_000_001L + i;
                assertEquals(expected, got.get(i).timestampNanos(), "timestamp " + i);
                assertEquals(expected, clockAtPacket.get(i), "CaptureClock moved before delivery " + i);
            }
        }
    }

    @Test
    void rawRoundTripIsByteExactWithNanosecondTimestamps() throws Exception {
        Path file = dir.resolve("raw.pcap");
        ManualClock clock = new ManualClock(0);
        try (PcapFileSink sink = PcapFileSink.raw(file, clock)) {
            write(sink, clock, packets());
            assertEquals(5, sink.written());
        }
        readBackAndCompare(file, packets());
        tcpdumpReads(file, packets().size());
    }

    @Test
    void ethernetRoundTripIsByteExact() throws Exception {
        Path file = dir.resolve("eth.pcap");
        ManualClock clock = new ManualClock(0);
        try (PcapFileSink sink = PcapFileSink.ethernet(file, clock, 0x020000000001L, 0x020000000002L)) {
            write(sink, clock, packets());
        }
        readBackAndCompare(file, packets());
        byte[] bytes = Files.readAllBytes(file);
        // first record's frame: destination MAC, source MAC, EtherType
        int f = PcapFileSink.FILE_HEADER_LENGTH + PcapFileSink.RECORD_HEADER_LENGTH;
        assertArrayEquals(new byte[] {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0}, Arrays.copyOfRange(bytes, f, f + 14));
        tcpdumpReads(file, packets().size());
    }

    @Test
    void sinkRefusesWhatIsNotAnIpPacketAndCountsIt() throws Exception {
        try (PcapFileSink sink = PcapFileSink.raw(dir.resolve("x.pcap"), new ManualClock(0))) {
            assertFalse(sink.send(new byte[20], 0, 20)); // version 0
            assertFalse(sink.send(new byte[20], 0, 0));
            assertFalse(sink.send(new byte[20], 10, 20));
            assertEquals(3, sink.failed());
        }
    }

    @Test
    void manyPacketsSpanSeveralBufferFlushes() throws Exception {
        Path file = dir.resolve("many.pcap");
        ManualClock clock = new ManualClock(T0);
        byte[] big = PacketBuilder.tcp().from("198.18.1.1", 80).to("198.18.0.1", 40000).flags(TcpSegment.ACK).id(9).payloadLength(1400)
                .build();
        try (PcapFileSink sink = PcapFileSink.raw(file, clock)) {
            for (int i = 0; i < 3000; i++) { // ~4.4 MB: the 1 MB buffer drains several times
                clock.advance(1000);
                assertTrue(sink.send(big, 0, big.length));
            }
        }
        long count = 0;
        try (PcapFileSource src = PcapFileSource.open(file, null)) {
            int n;
            int guard = 0;
            long[] last = {0};
            while ((n = src.poll((b, off, len, ts) -> {
                assertEquals(big.length, len);
                assertTrue(ts > last[0]);
                last[0] = ts;
            }, 256, 0)) != PacketSource.END_OF_INPUT && guard++ < 1000) {
                count += n;
            }
        }
        assertEquals(3000, count);
    }

    @Test
    void readsALinuxCookedMicrosecondCaptureAndCanKeepOnlyHostPackets() throws Exception {
        byte[] in = PacketBuilder.tcp().from("198.18.0.1", 40000).to("198.18.1.1", 80).flags(TcpSegment.SYN).id(1).build();
        byte[] out = PacketBuilder.tcp().from("198.18.1.1", 80).to("198.18.0.1", 40000).flags(TcpSegment.SYN | TcpSegment.ACK).id(2)
                .build();
        ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(113);
        sllRecord(b, 1_700_000_000, 5, 0, in);
        sllRecord(b, 1_700_000_001, 6, 4, out); // PACKET_OUTGOING
        Path file = dir.resolve("sll.pcap");
        Files.write(file, Arrays.copyOf(b.array(), b.position()));

        try (PcapFileSource src = PcapFileSource.open(file, null)) {
            assertEquals(LinkDecoder.DLT_LINUX_SLL, src.linkType());
            src.poll(collect, 10, 0);
        }
        assertEquals(2, got.size());
        assertEquals(1_700_000_000_000_005_000L, got.get(0).timestampNanos());
        got.clear();
        try (PcapFileSource src = PcapFileSource.open(file, null, true)) {
            src.poll(collect, 10, 0);
            assertEquals(1, src.decoder().notForHost());
        }
        assertEquals(1, got.size());
        assertArrayEquals(in, got.get(0).bytes());
    }

    private static void sllRecord(ByteBuffer b, int sec, int usec, int packetType, byte[] ip) {
        b.putInt(sec).putInt(usec).putInt(16 + ip.length).putInt(16 + ip.length);
        b.order(ByteOrder.BIG_ENDIAN).putShort((short) packetType).putShort((short) 1).putShort((short) 6)
                .put(new byte[] {2, 0, 0, 0, 0, 9, 0, 0}).putShort((short) 0x0800).order(ByteOrder.LITTLE_ENDIAN);
        b.put(ip);
    }

    @Test
    void readsPcapng() throws Exception {
        byte[] p = PacketBuilder.tcp().from("198.18.0.1", 40000).to("198.18.1.1", 80).flags(TcpSegment.SYN).id(1).build();
        ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x0A0D0D0A).putInt(28).putInt(0x1A2B3C4D).putShort((short) 1).putShort((short) 0).putLong(-1L).putInt(28);
        b.putInt(1).putInt(20).putShort((short) LinkDecoder.LINKTYPE_RAW).putShort((short) 0).putInt(65535).putInt(20);
        int padded = (p.length + 3) & ~3;
        int len = 32 + padded;
        long micros = 1_700_000_000_000_007L;
        b.putInt(6).putInt(len).putInt(0).putInt((int) (micros >>> 32)).putInt((int) micros).putInt(p.length).putInt(p.length);
        b.put(p).put(new byte[padded - p.length]).putInt(len);
        Path file = dir.resolve("x.pcapng");
        Files.write(file, Arrays.copyOf(b.array(), b.position()));
        try (PcapFileSource src = PcapFileSource.open(file, null)) {
            assertEquals(1, src.poll(collect, 10, 0));
        }
        assertArrayEquals(p, got.get(0).bytes());
        assertEquals(micros * 1000, got.get(0).timestampNanos());
    }

    /** tcpdump -r must read the file without a warning; skipped when tcpdump is missing. */
    static void tcpdumpReads(Path file, int packets) throws Exception {
        Optional<Path> tcpdump = ProcessRunner.findExecutable("tcpdump");
        Assumptions.assumeTrue(tcpdump.isPresent(), "tcpdump not installed: the file was not checked with tcpdump -r");
        CommandResult r = new ProcessRunner().run(tcpdump.get().toString(), "-nn", "-r", file.toString());
        String out = r.stdout();
        String err = r.stderr();
        assertFalse(r.timedOut(), "tcpdump exits");
        assertEquals(0, r.exitCode(), "tcpdump -r " + file + ": " + err);
        assertFalse(err.toLowerCase().contains("warning") || err.toLowerCase().contains("truncated")
                || out.contains("truncated") || out.contains("bad-len"), err + out);
        assertEquals(packets, out.lines().count(), out);
    }
}
