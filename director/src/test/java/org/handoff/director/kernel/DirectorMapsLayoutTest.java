package org.handoff.director.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.handoff.bpf.CHeader;
import org.handoff.protocol.wire.Bytes;
import org.junit.jupiter.api.Test;

/**
 * The Java mirrors against the C header they mirror: offsets, sizes, counter order, and the
 * bytes each field puts in the map (network order where the C field is __be*, host order where
 * it is __u*). The C side asserts its own offsets (_Static_assert in director_xdp.bpf.c), so
 * the header's offset comments read here are checked at both ends.
 */
class DirectorMapsLayoutTest {
    static CHeader header() throws IOException {
        return CHeader.read("director_maps.h");
    }

    @Test
    void entryOffsetsAreTheHeadersOffsets() throws IOException {
        Map<String, Integer> c = header().commentedOffsets("director_flow");
        Map<String, Integer> java = new LinkedHashMap<>();
        java.put("agent_addr", DirectorFlowEntry.AGENT_ADDRESS_OFFSET);
        java.put("source_addr", DirectorFlowEntry.SOURCE_ADDRESS_OFFSET);
        java.put("agent_port", DirectorFlowEntry.AGENT_PORT_OFFSET);
        java.put("flags", DirectorFlowEntry.FLAGS_OFFSET);
        java.put("last_ack", DirectorFlowEntry.LAST_ACK_OFFSET);
        java.put("token", DirectorFlowEntry.TOKEN_OFFSET);
        java.put("packets", DirectorFlowEntry.PACKETS_OFFSET);
        java.put("bytes", DirectorFlowEntry.BYTES_OFFSET);
        assertEquals(java, c);
        assertEquals(40, DirectorFlowEntry.LENGTH);
    }

    @Test
    void nextHopOffsetsAreTheHeadersOffsets() throws IOException {
        CHeader header = header();
        Map<String, Integer> c = header.commentedOffsets("director_next_hop");
        assertEquals(Map.of("ifindex", DirectorNextHop.IFINDEX_OFFSET, "mtu", DirectorNextHop.MTU_OFFSET,
                "dest_mac", DirectorNextHop.DEST_MAC_OFFSET, "source_mac", DirectorNextHop.SOURCE_MAC_OFFSET), c);
        assertEquals(20, DirectorNextHop.LENGTH);
        assertEquals(DirectorXdp.NEXT_HOP_MAX_ENTRIES, header.define("DIRECTOR_NEXT_HOP_MAX_ENTRIES"));
        assertTrue(header.text().contains("__type(key, __be32);\n\t__type(value, struct director_next_hop);"),
                "director_next_hops: keyed by the agent's address");
    }

    @Test
    void synConfigOffsetsAreTheHeadersOffsets() throws IOException {
        CHeader header = header();
        Map<String, Integer> c = header.commentedOffsets("director_syn_config");
        Map<String, Integer> java = new LinkedHashMap<>();
        java.put("secret0", DirectorSynConfig.SECRET0_OFFSET);
        java.put("secret1", DirectorSynConfig.SECRET1_OFFSET);
        java.put("mss", DirectorSynConfig.MSS_OFFSET);
        java.put("window", DirectorSynConfig.WINDOW_OFFSET);
        java.put("window_shift", DirectorSynConfig.WINDOW_SHIFT_OFFSET);
        java.put("enabled", DirectorSynConfig.ENABLED_OFFSET);
        java.put("reserved", DirectorSynConfig.RESERVED_OFFSET);
        assertEquals(java, c);
        assertEquals(24, DirectorSynConfig.LENGTH);
        assertEquals(List.of("__be32 addr", "__be16 port", "__u16 reserved"),
                header.fieldDeclarations("director_vip"));
        assertEquals(List.of(0, 4, 6, 8), List.of(DirectorVipKey.ADDRESS_OFFSET, DirectorVipKey.PORT_OFFSET,
                DirectorVipKey.RESERVED_OFFSET, DirectorVipKey.LENGTH));
    }

    @Test
    void synConfigBytesAreHostOrderAndVipKeyBytesNetworkOrder() {
        boolean little = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        for (ByteOrder order : List.of(ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN)) {
            ByteBuffer buffer = ByteBuffer.allocate(DirectorSynConfig.LENGTH).order(order);
            for (int i = 0; i < buffer.capacity(); i++) {
                buffer.put(i, (byte) 0xee);
            }
            org.handoff.director.tcp.TcpSettings s = new org.handoff.director.tcp.TcpSettings(1416, 9, 100_000, 10, 10,
                    1 << 18, 1L << 30, java.time.Duration.ofSeconds(5), java.time.Duration.ofSeconds(10),
                    java.time.Duration.ofMinutes(5), java.time.Duration.ofMillis(200), 6, java.time.Duration.ofSeconds(2));
            DirectorSynConfig config = new DirectorSynConfig().wrap(buffer, 0).set(s, 0x0102030405060708L, 0x1112131415161718L);
            String expected = (little ? "0807060504030201" : "0102030405060708")
                    + (little ? "1817161514131211" : "1112131415161718")
                    + (little ? "8805" : "0588") + "ffff" + "09" + "01" + "0000";
            assertEquals(expected, Bytes.hex(buffer.array(), 0, DirectorSynConfig.LENGTH), "window: the capacity cut to 65,535");
            assertEquals(1416, config.mss());
            assertEquals(0xffff, config.window());
            assertEquals(9, config.windowShift());
            assertTrue(config.enabled());
            assertEquals(0, config.reserved());
            assertEquals(order, buffer.order());

            ByteBuffer keyBuffer = ByteBuffer.allocate(DirectorVipKey.LENGTH).order(order);
            DirectorVipKey key = new DirectorVipKey().wrap(keyBuffer, 0).set(Bytes.parseIpv4("198.18.1.1"), 443);
            assertEquals("c6120101" + "01bb" + "0000", Bytes.hex(keyBuffer.array(), 0, DirectorVipKey.LENGTH));
            assertEquals("198.18.1.1:443", key.toString());
        }
        assertThrows(IllegalArgumentException.class, () -> DirectorSynConfig.allocate().windowShift(15));
        assertThrows(IllegalArgumentException.class, () -> DirectorSynConfig.allocate().window(65536));
        assertThrows(IllegalArgumentException.class, () -> DirectorVipKey.allocate().set(1, 65536));
    }

    @Test
    void keyFieldsAreTheHeadersFieldsInOrder() throws IOException {
        assertEquals(List.of("__be32 client_addr", "__be32 vip_addr", "__be16 client_port", "__be16 vip_port"),
                header().fieldDeclarations("director_flow_key"));
        assertEquals(List.of(0, 4, 8, 10, 12), List.of(DirectorFlowKey.CLIENT_ADDRESS_OFFSET, DirectorFlowKey.VIP_ADDRESS_OFFSET,
                DirectorFlowKey.CLIENT_PORT_OFFSET, DirectorFlowKey.VIP_PORT_OFFSET, DirectorFlowKey.LENGTH));
    }

    @Test
    void countersAreTheHeadersEnumInOrder() throws IOException {
        // The names, without an explicit value; only DIRECTOR_ names count.
        List<String> names = new ArrayList<>(header().enumerators("director_counter").stream()
                .map(e -> e.replaceFirst(" = \\d+$", "")).filter(e -> e.matches("DIRECTOR_[A-Z0-9_]+")).toList());
        assertEquals("DIRECTOR_COUNTER_COUNT", names.remove(names.size() - 1));
        assertEquals(names, java.util.Arrays.stream(DirectorCounter.values()).map(DirectorCounter::cName).toList());
        assertEquals(names.size(), DirectorCounter.count());
        for (DirectorCounter counter : DirectorCounter.values()) {
            assertEquals(counter, DirectorCounter.ofIndex(counter.index()));
            assertEquals(counter, DirectorCounter.byMetricName(counter.metricName()).orElseThrow());
            assertEquals(counter.cName(), "DIRECTOR_" + counter.metricName().toUpperCase(java.util.Locale.ROOT));
        }
        assertFalse(DirectorCounter.byMetricName("dropped").isPresent());
        assertThrows(IllegalArgumentException.class, () -> DirectorCounter.ofIndex(DirectorCounter.count()));
    }

    @Test
    void limitsAreTheHeadersConstants() throws IOException {
        CHeader header = header();
        assertEquals(DirectorXdp.FLOW_MAX_ENTRIES, header.define("DIRECTOR_FLOW_MAX_ENTRIES"));
        assertEquals(DirectorXdp.VIP_MAX_ENTRIES, header.define("DIRECTOR_VIP_MAX_ENTRIES"));
        Matcher flag = Pattern.compile("#define DIRECTOR_FLOW_TUNNEL_ALL\\s+\\(1 << (\\d+)\\)").matcher(header.text());
        assertTrue(flag.find(), "DIRECTOR_FLOW_TUNNEL_ALL in " + header.path());
        assertEquals(DirectorFlowEntry.FLAG_TUNNEL_ALL, 1 << Integer.parseInt(flag.group(1)));
    }

    @Test
    void keyBytesAreInNetworkOrderWhateverTheBuffersOrder() {
        for (ByteOrder order : List.of(ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN)) {
            ByteBuffer buffer = ByteBuffer.allocate(3 + DirectorFlowKey.LENGTH).order(order);
            DirectorFlowKey key = new DirectorFlowKey().wrap(buffer, 3)
                    .set(Bytes.parseIpv4("198.18.2.7"), 40000, Bytes.parseIpv4("198.18.1.1"), 80);
            assertEquals("c6120207" + "c6120101" + "9c40" + "0050", Bytes.hex(buffer.array(), 3, DirectorFlowKey.LENGTH));
            assertEquals(Bytes.parseIpv4("198.18.2.7"), key.clientAddress());
            assertEquals(40000, key.clientPort());
            assertEquals(Bytes.parseIpv4("198.18.1.1"), key.vipAddress());
            assertEquals(80, key.vipPort());
            assertEquals("198.18.2.7:40000 -> 198.18.1.1:80", key.toString());
            assertEquals(order, buffer.order());
            assertEquals(0, buffer.position());
        }
    }

    @Test
    void entryBytesAreNetworkOrderForAddressesAndPortHostOrderForFlagsAndCounters() {
        boolean little = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        for (ByteOrder order : List.of(ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN)) {
            ByteBuffer buffer = ByteBuffer.allocate(DirectorFlowEntry.LENGTH).order(order);
            for (int i = 0; i < buffer.capacity(); i++) {
                buffer.put(i, (byte) 0xee);
            }
            DirectorFlowEntry entry = new DirectorFlowEntry().wrap(buffer, 0).clear()
                    .agentAddress(Bytes.parseIpv4("198.18.3.2")).sourceAddress(Bytes.parseIpv4("198.18.3.1"))
                    .agentPort(9000).tunnelAll(true).token(0x0102030405060708L).packets(0x1122).bytes(0x33445566L)
                    .lastAck(0x0a0b0c0d);
            String expected = "c6120302" + "c6120301" + "2328" + (little ? "0100" : "0001") + "0a0b0c0d"
                    + "0102030405060708"
                    + (little ? "2211000000000000" : "0000000000001122")
                    + (little ? "6655443300000000" : "0000000033445566");
            assertEquals(expected, Bytes.hex(buffer.array(), 0, DirectorFlowEntry.LENGTH));
            assertEquals(Bytes.parseIpv4("198.18.3.2"), entry.agentAddress());
            assertEquals(Bytes.parseIpv4("198.18.3.1"), entry.sourceAddress());
            assertEquals(9000, entry.agentPort());
            assertTrue(entry.tunnelAll());
            assertEquals(0x0102030405060708L, entry.token());
            assertEquals(0x1122, entry.packets());
            assertEquals(0x33445566L, entry.bytes());
            assertEquals(0x0a0b0c0d, entry.lastAck(), "network order, as the TCP header has it");
            assertFalse(entry.tunnelAll(false).tunnelAll());
            assertFalse(entry.toString().contains("0102030405060708"), "the token stays out of logs");
        }
    }

    @Test
    void fieldsOutsideTheirRangeAreRefused() {
        DirectorFlowEntry entry = DirectorFlowEntry.allocate();
        assertTrue(entry.buffer().isDirect());
        assertThrows(IllegalArgumentException.class, () -> entry.agentPort(65536));
        assertThrows(IllegalArgumentException.class, () -> entry.flags(2));
        assertThrows(IllegalArgumentException.class, () -> DirectorFlowKey.allocate().clientPort(-1));
        assertThrows(IllegalArgumentException.class, () -> new DirectorFlowKey().wrap(ByteBuffer.allocate(20), 9));
        assertThrows(IllegalArgumentException.class, () -> new DirectorFlowEntry().wrap(ByteBuffer.allocate(40), 1));
    }
}
