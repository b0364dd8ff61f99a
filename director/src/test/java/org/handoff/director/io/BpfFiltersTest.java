package org.handoff.director.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.handoff.protocol.testing.PacketBuilder;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.TcpSegment;
import org.junit.jupiter.api.Test;
import org.pcap4j.core.BpfProgram.BpfCompileMode;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.Pcaps;
import org.pcap4j.packet.namednumber.DataLinkType;

class BpfFiltersTest {
    final List<VipEndpoint> vips = List.of(VipEndpoint.parse("198.18.1.1:80"), VipEndpoint.parse("198.18.1.2:8080"));

    @Test
    void termsAreBracketedBecauseAndAndOrHaveEqualPrecedence() {
        assertEquals("(ip dst host 198.18.1.1 and tcp dst port 80) or (ip dst host 198.18.1.2 and tcp dst port 8080)",
                BpfFilters.forVips(vips, LinkDecoder.ANY_MAC));
        assertEquals("ether dst 02:00:00:00:00:01 and ((ip dst host 198.18.1.1 and tcp dst port 80)"
                        + " or (ip dst host 198.18.1.2 and tcp dst port 8080))",
                BpfFilters.forVips(vips, LinkDecoder.parseMac("02:00:00:00:00:01")));
        assertThrows(IllegalArgumentException.class, () -> BpfFilters.forVips(List.of(), LinkDecoder.ANY_MAC));
    }

    @Test
    void libpcapCompilesTheFilterForEthernetAndRawIp() throws Exception {
        try (PcapHandle eth = Pcaps.openDead(DataLinkType.EN10MB, 65535);
             PcapHandle raw = Pcaps.openDead(DataLinkType.RAW, 65535)) {
            eth.compileFilter(BpfFilters.forVips(vips, 0x020000000001L), BpfCompileMode.OPTIMIZE, PcapHandle.PCAP_NETMASK_UNKNOWN);
            raw.compileFilter(BpfFilters.forVips(vips, LinkDecoder.ANY_MAC), BpfCompileMode.OPTIMIZE, PcapHandle.PCAP_NETMASK_UNKNOWN);
        }
    }

    @Test
    void vipParsing() {
        assertEquals(new VipEndpoint(Bytes.parseIpv4("198.18.1.1"), 80), VipEndpoint.parse("198.18.1.1:80"));
        assertThrows(IllegalArgumentException.class, () -> VipEndpoint.parse("198.18.1.1"));
        assertThrows(IllegalArgumentException.class, () -> VipEndpoint.parse("198.18.1.1:0"));
        assertThrows(IllegalArgumentException.class, () -> VipEndpoint.parse("198.18.1:80"));
    }

    @Test
    void shardFiltersPartitionClientsExactlyAsShardOf() throws Exception {
        int shards = 3;
        java.util.Random r = new java.util.Random(17);
        try (PcapHandle raw = Pcaps.openDead(DataLinkType.RAW, 65535)) {
            org.pcap4j.core.BpfProgram[] programs = new org.pcap4j.core.BpfProgram[shards];
            for (int i = 0; i < shards; i++) {
                programs[i] = raw.compileFilter(BpfFilters.forVips(vips, LinkDecoder.ANY_MAC, i, shards),
                        BpfCompileMode.OPTIMIZE, PcapHandle.PCAP_NETMASK_UNKNOWN);
            }
            for (int n = 0; n < 500; n++) {
                int client = r.nextInt();
                int port = 1 + r.nextInt(65535);
                byte[] packet = PacketBuilder.tcp().from(client, port).to("198.18.1.1", 80).flags(TcpSegment.SYN).build();
                int expected = BpfFilters.shardOf(client, port, shards);
                for (int i = 0; i < shards; i++) {
                    assertEquals(i == expected, programs[i].applyFilter(packet), "client " + client + ":" + port + " shard " + i);
                }
            }
            for (org.pcap4j.core.BpfProgram p : programs) {
                p.free();
            }
        }
        assertEquals(BpfFilters.forVips(vips, LinkDecoder.ANY_MAC), BpfFilters.forVips(vips, LinkDecoder.ANY_MAC, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> BpfFilters.forVips(vips, LinkDecoder.ANY_MAC, 3, 3));
    }
}
