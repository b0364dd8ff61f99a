package org.handoff.director.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
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
        assertEquals(new VipEndpoint(TestPackets.ip("198.18.1.1"), 80), VipEndpoint.parse("198.18.1.1:80"));
        assertThrows(IllegalArgumentException.class, () -> VipEndpoint.parse("198.18.1.1"));
        assertThrows(IllegalArgumentException.class, () -> VipEndpoint.parse("198.18.1.1:0"));
        assertThrows(IllegalArgumentException.class, () -> VipEndpoint.parse("198.18.1:80"));
    }
}
