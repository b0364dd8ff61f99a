package org.handoff.protocol.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.handoff.protocol.wire.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

class PcapFileTest {

    /**
     * Written by hand from the format description, not by our writer: big-endian, microseconds,
     * snaplen 65535, Ethernet, one record at 2021-01-01T00:00:00.123456Z of 4 bytes captured out
     * of 60, then one empty record.
     */
    private static final String BIG_ENDIAN_MICROS =
            "a1b2c3d4 0002 0004 00000000 00000000 0000ffff 00000001"
            + " 5fee6600 0001e240 00000004 0000003c  deadbeef"
            + " 5fee6601 00000000 00000000 00000000";

    /** Little-endian, nanoseconds, raw IP (101), one 2-byte record at 1 s + 999999999 ns. */
    private static final String LITTLE_ENDIAN_NANOS =
            "4d3cb2a1 0200 0400 00000000 00000000 00040000 65000000"
            + " 01000000 ffc99a3b 02000000 02000000  4500";

    @Test
    void readsBigEndianMicroseconds() throws IOException {
        PcapFile f = PcapFile.read(Bytes.fromHex(BIG_ENDIAN_MICROS));
        assertEquals(ByteOrder.BIG_ENDIAN, f.byteOrder());
        assertEquals(PcapFile.Resolution.MICROS, f.resolution());
        assertEquals(2, f.versionMajor());
        assertEquals(4, f.versionMinor());
        assertEquals(65535, f.snapLength());
        assertEquals(PcapFile.LINKTYPE_ETHERNET, f.linkType());
        assertEquals(2, f.records().size());
        PcapRecord r = f.records().get(0);
        assertEquals(Instant.parse("2021-01-01T00:00:00.123456Z"), r.timestamp());
        assertEquals(4, r.capturedLength());
        assertEquals(60, r.originalLength());
        assertTrue(r.truncated());
        assertArrayEquals(Bytes.fromHex("deadbeef"), r.data());
        PcapRecord empty = f.records().get(1);
        assertEquals(Instant.parse("2021-01-01T00:00:01Z"), empty.timestamp());
        assertEquals(0, empty.capturedLength());
        assertFalse(empty.truncated());
    }

    @Test
    void readsLittleEndianNanoseconds() throws IOException {
        PcapFile f = PcapFile.read(Bytes.fromHex(LITTLE_ENDIAN_NANOS));
        assertEquals(ByteOrder.LITTLE_ENDIAN, f.byteOrder());
        assertEquals(PcapFile.Resolution.NANOS, f.resolution());
        assertEquals(1024, f.snapLength());
        assertEquals(PcapFile.LINKTYPE_RAW, f.linkType());
        PcapRecord r = f.records().get(0);
        assertEquals(1_999_999_999L, r.epochNanos());
        assertArrayEquals(new byte[] {0x45, 0x00}, r.data());
    }

    @Test
    void writesBackTheSameBytes() throws IOException {
        for (String hex : List.of(BIG_ENDIAN_MICROS, LITTLE_ENDIAN_NANOS)) {
            byte[] original = Bytes.fromHex(hex);
            assertArrayEquals(original, PcapFile.read(original).toBytes(), hex);
        }
    }

    @ParameterizedTest
    @FieldSource("org.handoff.protocol.testing.GoldenVectors#ALL")
    void goldenFilesRoundTripByteForByte(String name) throws IOException {
        byte[] original = resource(name);
        PcapFile f = PcapFile.read(original);
        assertArrayEquals(original, f.toBytes());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        f.write(out);
        assertArrayEquals(original, out.toByteArray());
    }

    @Test
    void convertsBetweenByteOrdersAndResolutions() throws IOException {
        PcapFile tcpdump = GoldenVectors.load(GoldenVectors.IPV4_HTTP_ALL_OPTIONS);
        for (ByteOrder order : List.of(ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN)) {
            for (PcapFile.Resolution res : PcapFile.Resolution.values()) {
                byte[] bytes = tcpdump.convert(order, res).toBytes();
                PcapFile back = PcapFile.read(bytes);
                assertEquals(order, back.byteOrder());
                assertEquals(res, back.resolution());
                assertEquals(tcpdump.linkType(), back.linkType());
                assertEquals(tcpdump.records(), back.records(), order + " " + res);
            }
        }
    }

    @Test
    void microsecondFilesCutNanosecondsWhenWriting() throws IOException {
        PcapRecord r = PcapRecord.of(1_000_000_123_456_789L, new byte[] {1, 2, 3});
        PcapFile f = PcapFile.ethernet(List.of(r));
        PcapRecord back = PcapFile.read(f.toBytes()).records().get(0);
        assertEquals(1_000_000_123_456_000L, back.epochNanos());
        PcapRecord nanos = PcapFile.read(f.convert(ByteOrder.LITTLE_ENDIAN, PcapFile.Resolution.NANOS).toBytes())
                .records().get(0);
        assertEquals(r, nanos);
    }

    @Test
    void writerRejectsTimestampsPast32BitSeconds() {
        PcapFile f = PcapFile.ethernet(List.of(PcapRecord.of((1L << 32) * 1_000_000_000L, new byte[0])));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, f::toBytes);
        assertTrue(e.getMessage().contains("record 0"), e.getMessage());
    }

    @Test
    void writesAndReadsPaths(@TempDir Path dir) throws IOException {
        PcapFile f = GoldenVectors.load(GoldenVectors.IPV4_UDP);
        Path p = dir.resolve("copy.pcap");
        f.write(p);
        assertArrayEquals(resource(GoldenVectors.IPV4_UDP), Files.readAllBytes(p));
        assertEquals(f.records(), PcapFile.read(p).records());
    }

    @Test
    void readsFromAStreamWithoutClosingIt() throws IOException {
        byte[] bytes = Bytes.fromHex(BIG_ENDIAN_MICROS);
        boolean[] closed = {false};
        InputStream in = new ByteArrayInputStream(bytes) {
            @Override
            public void close() {
                closed[0] = true;
            }
        };
        assertEquals(2, PcapFile.read(in).records().size());
        assertFalse(closed[0]);
    }

    // ---- malformed input: one test per kind, each naming measured against expected ----

    @Test
    void emptyInput() {
        PcapFormatException e = assertThrows(PcapFormatException.class, () -> PcapFile.read(new byte[0]));
        assertEquals("pcap global header at offset 0: 0 bytes (expected: 24 bytes)", e.getMessage());
        assertEquals(0, e.offset());
        assertEquals("0 bytes", e.measured());
        assertEquals("24 bytes", e.expected());
    }

    @Test
    void globalHeaderOneByteShort() {
        byte[] header = Arrays.copyOf(Bytes.fromHex(BIG_ENDIAN_MICROS), 23);
        PcapFormatException e = assertThrows(PcapFormatException.class, () -> PcapFile.read(header));
        assertEquals("pcap global header at offset 0: 23 bytes (expected: 24 bytes)", e.getMessage());
    }

    @Test
    void unknownMagic() {
        byte[] b = Bytes.fromHex(BIG_ENDIAN_MICROS);
        b[0] = 0x12;
        PcapFormatException e = assertThrows(PcapFormatException.class, () -> PcapFile.read(b));
        assertEquals("pcap magic at offset 0: 12b2c3d4 (expected: a1b2c3d4 or a1b23c4d, in either byte order)",
                e.getMessage());
    }

    @Test
    void pcapngIsNamed() {
        byte[] b = Bytes.fromHex("0a0d0d0a 1c000000 4d3c2b1a 01000000 ffffffffffffffff 1c000000");
        PcapFormatException e = assertThrows(PcapFormatException.class, () -> PcapFile.read(b));
        assertTrue(e.getMessage().contains("pcapng") && e.getMessage().contains("editcap"), e.getMessage());
    }

    @Test
    void unsupportedVersion() {
        byte[] b = Bytes.fromHex(BIG_ENDIAN_MICROS);
        b[5] = 3;
        PcapFormatException e = assertThrows(PcapFormatException.class, () -> PcapFile.read(b));
        assertEquals("pcap version at offset 4: 3.4 (expected: 2.x)", e.getMessage());
    }

    @Test
    void capturedLongerThanOriginal() {
        byte[] b = Bytes.fromHex(BIG_ENDIAN_MICROS);
        Bytes.putI32(b, 24 + 12, 3); // orig_len 3 < incl_len 4
        PcapFormatException e = assertThrows(PcapFormatException.class, () -> PcapFile.read(b));
        assertEquals("record 0 original length at offset 36: 3 (expected: 4..2147483647 (>= captured length))",
                e.getMessage());
    }

    @Test
    void capturedLongerThanAnySnapLength() {
        byte[] b = Bytes.fromHex(BIG_ENDIAN_MICROS);
        Bytes.putI32(b, 24 + 8, 0x8000_0000); // would overflow an int
        Bytes.putI32(b, 24 + 12, 0x8000_0000);
        PcapFormatException e = assertThrows(PcapFormatException.class, () -> PcapFile.read(b));
        assertEquals("record 0 captured length at offset 32: 2147483648 (expected: <= 262144 (snaplen 65535))",
                e.getMessage());
    }

    @Test
    void fractionOutOfRange() {
        byte[] b = Bytes.fromHex(BIG_ENDIAN_MICROS);
        Bytes.putI32(b, 24 + 4, 1_000_000);
        PcapFormatException e = assertThrows(PcapFormatException.class, () -> PcapFile.read(b));
        assertEquals("record 0 timestamp fraction at offset 28: 1000000 (expected: < 1000000 (MICROS))", e.getMessage());
    }

    @Test
    void recordHeaderCutShort() {
        byte[] full = Bytes.fromHex(BIG_ENDIAN_MICROS);
        byte[] cut = Arrays.copyOf(full, full.length - 1); // second record's header: 15 of 16 bytes
        PcapFormatException e = assertThrows(PcapFormatException.class, () -> PcapFile.read(cut));
        assertEquals("record 1 header at offset 44: 15 bytes (expected: 16 bytes)", e.getMessage());
    }

    @Test
    void recordDataCutShort() {
        byte[] full = Bytes.fromHex(BIG_ENDIAN_MICROS);
        byte[] cut = Arrays.copyOf(full, 24 + 16 + 3);
        PcapFormatException e = assertThrows(PcapFormatException.class, () -> PcapFile.read(cut));
        assertEquals("record 0 data at offset 40: 3 bytes (expected: 4 bytes)", e.getMessage());
    }

    /**
     * Every prefix of a real capture either ends on a record boundary (and reads as the records
     * before it) or fails with a format exception: never an index error, never a silent short read.
     */
    @Test
    void everyPrefixOfARealCaptureIsReadOrRejected() throws IOException {
        byte[] full = resource(GoldenVectors.IPV4_HTTP_NO_OPTIONS);
        List<PcapRecord> all = PcapFile.read(full).records();
        int[] boundaries = new int[all.size() + 1];
        boundaries[0] = PcapFile.GLOBAL_HEADER_LENGTH;
        for (int i = 0; i < all.size(); i++) {
            boundaries[i + 1] = boundaries[i] + PcapFile.RECORD_HEADER_LENGTH + all.get(i).capturedLength();
        }
        assertEquals(full.length, boundaries[all.size()]);
        int rejected = 0;
        for (int len = 0; len < full.length; len++) {
            byte[] prefix = Arrays.copyOf(full, len);
            int complete = Arrays.binarySearch(boundaries, len);
            if (complete >= 0) {
                assertEquals(all.subList(0, complete), PcapFile.read(prefix).records(), "prefix " + len);
            } else {
                PcapFormatException e = assertThrows(PcapFormatException.class, () -> PcapFile.read(prefix),
                        "prefix " + len);
                assertTrue(e.getMessage().contains("(expected: "), e.getMessage());
                rejected++;
            }
        }
        assertEquals(full.length - all.size(), rejected);
    }

    @Test
    void recordRejectsImpossibleLengths() {
        assertThrows(IllegalArgumentException.class, () -> new PcapRecord(0, 2, new byte[3]));
        assertThrows(IllegalArgumentException.class, () -> new PcapRecord(-1, 0, new byte[0]));
        PcapRecord r = PcapRecord.of(5, new byte[] {9});
        byte[] copy = r.copyOfData();
        copy[0] = 0;
        assertEquals(9, r.data()[0]);
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = PcapFileTest.class.getResourceAsStream(GoldenVectors.RESOURCE_DIR + name)) {
            assertTrue(in != null, name);
            return in.readAllBytes();
        }
    }
}
