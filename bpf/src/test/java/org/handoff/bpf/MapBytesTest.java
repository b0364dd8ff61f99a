package org.handoff.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The byte order of every accessor, whatever order the buffer is set to, at an offset, with the
 * buffer's order and position left as they were; and the room and port checks.
 */
class MapBytesTest {
    static final HexFormat HEX = HexFormat.of();

    static String hex(ByteBuffer b, int from, int to) {
        byte[] out = new byte[to - from];
        for (int i = from; i < to; i++) {
            out[i - from] = b.get(i);
        }
        return HEX.formatHex(out);
    }

    @Test
    void wireFieldsAreBigEndianAndHostFieldsInTheHostsOrderWhateverTheBuffersOrder() {
        boolean little = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        for (ByteOrder order : List.of(ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN)) {
            ByteBuffer b = ByteBuffer.allocate(3 + 29).order(order);
            b.position(1);
            MapBytes.putU8(b, 3, 0xfe);
            MapBytes.putWireU16(b, 4, 0x8001);
            MapBytes.putWireI32(b, 6, 0x01020304);
            MapBytes.putWireI64(b, 10, 0x0102030405060708L);
            MapBytes.putHostU16(b, 18, 0x8001);
            MapBytes.putHostI32(b, 20, 0x01020304);
            MapBytes.putHostI64(b, 24, 0x0102030405060708L);
            assertEquals("fe" + "8001" + "01020304" + "0102030405060708"
                    + (little ? "0180" + "04030201" + "0807060504030201" : "8001" + "01020304" + "0102030405060708"),
                    hex(b, 3, 32), order.toString());
            assertEquals(0xfe, MapBytes.u8(b, 3));
            assertEquals(0x8001, MapBytes.wireU16(b, 4), "unsigned");
            assertEquals(0x01020304, MapBytes.wireI32(b, 6));
            assertEquals(0x0102030405060708L, MapBytes.wireI64(b, 10));
            assertEquals(0x8001, MapBytes.hostU16(b, 18), "unsigned");
            assertEquals(0x01020304, MapBytes.hostI32(b, 20));
            assertEquals(0x0102030405060708L, MapBytes.hostI64(b, 24));
            assertEquals(order, b.order());
            assertEquals(1, b.position());
        }
    }

    @Test
    void aPortIsWrittenInNetworkOrderAndRefusedOutsideItsRange() {
        ByteBuffer b = ByteBuffer.allocateDirect(2);
        MapBytes.putWirePort(b, 0, "agent port", 65535);
        assertEquals(65535, MapBytes.wireU16(b, 0));
        MapBytes.putWirePort(b, 0, "agent port", 9000);
        assertEquals("2328", hex(b, 0, 2));
        assertEquals("agent port=65536 (expected: 0..65535)",
                assertThrows(IllegalArgumentException.class, () -> MapBytes.putWirePort(b, 0, "agent port", 65536)).getMessage());
        assertEquals("VIP port=-1 (expected: 0..65535)",
                assertThrows(IllegalArgumentException.class, () -> MapBytes.putWirePort(b, 0, "VIP port", -1)).getMessage());
        assertEquals("2328", hex(b, 0, 2), "a refused port writes nothing");
    }

    @Test
    void aStructThatDoesNotFitFromItsOffsetIsRefused() {
        ByteBuffer b = ByteBuffer.allocate(40);
        assertSame(b, MapBytes.requireRoom(b, 0, 40, "director_flow"));
        assertSame(b, MapBytes.requireRoom(b, 28, 12, "director_flow_key"));
        assertEquals("agent_egress_value: buffer of 39 bytes (expected: 40+)",
                assertThrows(IllegalArgumentException.class, () -> MapBytes.requireRoom(ByteBuffer.allocate(39), 0, 40, "agent_egress_value"))
                        .getMessage());
        assertEquals("director_flow at offset 1: buffer of 40 bytes (expected: 41+)",
                assertThrows(IllegalArgumentException.class, () -> MapBytes.requireRoom(b, 1, 40, "director_flow")).getMessage());
        assertEquals("director_flow_key at offset -1: buffer of 40 bytes (expected: an offset of 0+)",
                assertThrows(IllegalArgumentException.class, () -> MapBytes.requireRoom(b, -1, 12, "director_flow_key")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> MapBytes.requireRoom(b, Integer.MAX_VALUE, 12, "director_flow_key"));
    }
}
