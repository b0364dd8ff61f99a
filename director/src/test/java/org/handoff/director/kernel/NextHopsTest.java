package org.handoff.director.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.handoff.protocol.wire.Bytes;
import org.junit.jupiter.api.Test;

/**
 * The next hop to an agent from checked-in /proc/net/route and /proc/net/arp
 * (src/test/resources/nexthops/, in the kernel's own format):
 * <pre>
 *   default via 198.18.0.254 dev eth0                  198.18.0.0/24 dev eth0
 *   198.18.3.0/24 dev eth1                             198.18.5.0/25 via 198.18.3.254 dev eth1 (metric 0)
 *   198.18.5.0/25 via 198.18.0.254 dev eth0 metric 20  unreachable 198.18.6.0/24
 *   198.18.0.7/32 dev eth0, not up (flags 0)
 *   arp: .0.11 complete, .0.12 incomplete, .0.254 complete, .3.254 complete (permanent) on eth1,
 *        .3.7 complete but on eth0
 * </pre>
 */
class NextHopsTest {
    static final Path DIR = Path.of("src/test/resources/nexthops");
    static final byte[] ETH0_MAC = {2, 0, 0, 0, 0, 1};
    static final byte[] ETH1_MAC = {2, 0, 0, 0, 3, 1};
    static final Map<String, NextHops.Interface> INTERFACES = Map.of(
            "eth0", new NextHops.Interface(2, 1500, ETH0_MAC, List.of(new int[] {Bytes.parseIpv4("198.18.0.1"), 24})),
            "eth1", new NextHops.Interface(3, 9000, ETH1_MAC, List.of(new int[] {Bytes.parseIpv4("10.9.9.9"), 8},
                    new int[] {Bytes.parseIpv4("198.18.3.1"), 24})));

    static NextHops.Resolution resolve(String agent) throws Exception {
        return NextHops.resolve(Bytes.parseIpv4(agent), Files.readString(DIR.resolve("route")), Files.readString(DIR.resolve("arp")),
                INTERFACES::get);
    }

    @Test
    void anAgentOnTheLinkIsReachedDirectlyFromTheInterfacesAddressAndMac() throws Exception {
        NextHops.Resolution r = resolve("198.18.0.11");
        assertTrue(r.ok(), r.failure());
        NextHops.NextHop hop = r.nextHop();
        assertEquals("eth0", hop.device());
        assertEquals(2, hop.ifindex());
        assertEquals(1500, hop.mtu());
        assertArrayEquals(new byte[] {2, 0, 0, 0, 0, 0x0b}, hop.destMac());
        assertArrayEquals(ETH0_MAC, hop.sourceMac());
        assertEquals(Bytes.parseIpv4("198.18.0.1"), hop.sourceAddress());
        assertEquals(Bytes.parseIpv4("198.18.0.11"), hop.via());
        assertEquals("dev eth0 (ifindex 2, mtu 1500) via 198.18.0.11 02:00:00:00:00:0b from 198.18.0.1 02:00:00:00:00:01",
                hop.toString());
    }

    @Test
    void theLongestPrefixWinsThenTheLowestMetricAndAGatewaysNeighbourIsUsed() throws Exception {
        NextHops.NextHop viaEth1 = resolve("198.18.5.9").nextHop();
        assertEquals("eth1", viaEth1.device(), "the /25 with metric 0, not the /25 with metric 20 or the default");
        assertEquals(Bytes.parseIpv4("198.18.3.254"), viaEth1.via());
        assertArrayEquals(new byte[] {2, 0, 0, 0, 3, (byte) 0xfe}, viaEth1.destMac());
        assertEquals(Bytes.parseIpv4("198.18.3.1"), viaEth1.sourceAddress(), "the address in the gateway's subnet");
        assertEquals(9000, viaEth1.mtu());

        NextHops.NextHop byDefault = resolve("203.0.113.5").nextHop();
        assertEquals("eth0", byDefault.device());
        assertEquals(Bytes.parseIpv4("198.18.0.254"), byDefault.via());
    }

    @Test
    void noRouteAnIncompleteNeighbourAndARejectRouteGiveNoNextHop() throws Exception {
        assertEquals("no complete neighbour entry for 198.18.0.12 on eth0", resolve("198.18.0.12").failure());
        assertEquals("no complete neighbour entry for 198.18.0.13 on eth0", resolve("198.18.0.13").failure());
        assertEquals("no route to 198.18.6.1 in the main table", resolve("198.18.6.1").failure(), "unreachable route");
        assertEquals("no complete neighbour entry for 198.18.3.7 on eth1", resolve("198.18.3.7").failure(),
                "a neighbour on another device does not count");
        assertEquals("no complete neighbour entry for 198.18.0.7 on eth0", resolve("198.18.0.7").failure(),
                "a route that is not up is skipped: the /24 applies");
        assertFalse(NextHops.resolve(Bytes.parseIpv4("198.18.0.11"), Files.readString(DIR.resolve("route")),
                Files.readString(DIR.resolve("arp")), d -> null).ok(), "no such interface");
    }

    @Test
    void theMirrorPutsHostOrderNumbersAndMacsWhereTheHeaderSays() {
        ByteBuffer b = ByteBuffer.allocate(DirectorNextHop.LENGTH).order(ByteOrder.BIG_ENDIAN);
        DirectorNextHop hop = new DirectorNextHop().wrap(b, 0).set(7, 1500, new byte[] {2, 0, 0, 0, 0, 0x0b}, ETH0_MAC);
        boolean little = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        assertEquals((little ? "07000000" + "dc050000" : "00000007" + "000005dc") + "02000000000b" + "020000000001",
                Bytes.hex(b.array(), 0, DirectorNextHop.LENGTH));
        assertEquals(7, hop.ifindex());
        assertEquals(1500, hop.mtu());
        assertEquals("director_next_hop{ifindex=7, mtu=1500, dest=02:00:00:00:00:0b, source=02:00:00:00:00:01}", hop.toString());
        ByteBuffer key = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        DirectorNextHop.key(key, Bytes.parseIpv4("198.18.0.11"));
        assertEquals("c612000b", Bytes.hex(key.array(), 0, 4), "the key in network order, as flow->agent_addr");
    }
}
