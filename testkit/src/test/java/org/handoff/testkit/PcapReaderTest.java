package org.handoff.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

class PcapReaderTest {

    private static byte[] file(ByteOrder order, int magic, int linkType, byte[]... frames) {
        int size = 24;
        for (byte[] f : frames) {
            size += 16 + f.length;
        }
        ByteBuffer b = ByteBuffer.allocate(size).order(order);
        b.putInt(magic).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(linkType);
        int sec = 1_700_000_000;
        for (byte[] f : frames) {
            b.putInt(sec++).putInt(250).putInt(f.length).putInt(f.length + 3).put(f);
        }
        return b.array();
    }

    @Test
    void readsBothByteOrdersAndTimestampUnits() {
        byte[] a = {1, 2, 3};
        byte[] c = {4, 5};
        for (ByteOrder order : List.of(ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN)) {
            List<PcapReader.Frame> micro = PcapReader.parse(file(order, 0xa1b2c3d4, 1, a, c));
            assertEquals(2, micro.size());
            assertArrayEquals(a, micro.get(0).data());
            assertArrayEquals(c, micro.get(1).data());
            assertEquals(5, micro.get(1).originalLength());
            assertEquals(1_700_000_000L * 1_000_000_000L + 250_000L, micro.get(0).timestampNanos());
            assertEquals(14, micro.get(0).ipOffset());

            List<PcapReader.Frame> nano = PcapReader.parse(file(order, 0xa1b23c4d, 101, a));
            assertEquals(1_700_000_000L * 1_000_000_000L + 250L, nano.get(0).timestampNanos());
            assertEquals(0, nano.get(0).ipOffset());
        }
    }

    @Test
    void emptyFileIsNoFramesAndCutLastRecordIsDropped() {
        assertEquals(0, PcapReader.parse(new byte[0]).size());
        byte[] whole = file(ByteOrder.BIG_ENDIAN, 0xa1b2c3d4, 1, new byte[] {1, 2, 3, 4}, new byte[] {5, 6, 7, 8});
        byte[] cut = java.util.Arrays.copyOf(whole, whole.length - 2);
        assertEquals(1, PcapReader.parse(cut).size());
    }

    @Test
    void rejectsWhatIsNotPcap() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PcapReader.parse(new byte[24]));
        assertEquals("pcap magic 0x00000000 (expected: 0xa1b2c3d4 or 0xa1b23c4d)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PcapReader.parse(new byte[10]));
    }
}
