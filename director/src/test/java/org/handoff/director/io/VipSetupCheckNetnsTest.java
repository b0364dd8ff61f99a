package org.handoff.director.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.handoff.director.io.VipSetupCheck.Report;
import org.handoff.protocol.testing.PacketBuilder;
import org.handoff.protocol.wire.TcpSegment;
import org.handoff.testkit.Netns;
import org.handoff.testkit.NetnsLab;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The VIP set-up check on a real kernel, and the behaviour it guards against: with the VIP
 * on the director's lo the kernel answers the client's SYN with a RST; with an nft drop it is
 * silent while capture still sees the SYN. Same topology as {@link LiveIoNetnsTest}.
 */
@Tag("netns")
class VipSetupCheckNetnsTest {
    static final String CLIENT = "198.18.100.1";
    static final String DIRECTOR = "198.18.100.2";
    static final String VIP = "198.18.200.1";
    static final List<VipEndpoint> VIPS = List.of(VipEndpoint.parse(VIP + ":80"));

    final List<byte[]> got = new ArrayList<>();
    final PacketHandler collect = (b, off, len, ts) -> got.add(Arrays.copyOfRange(b, off, off + len));

    @Test
    void eachSetUpOnARealKernel() throws Exception {
        LiveIoNetnsTest.assumeUsable();
        Assumptions.assumeTrue(NetnsLab.findExecutable("nft").isPresent(), "nft not installed: set-up (b) cannot be tested, skipped");
        try (NetnsLab lab = NetnsLab.create()) {
            Netns client = lab.namespace("c");
            Netns director = lab.namespace("d");
            lab.veth(client, "vc", CLIENT + "/24", director, "vd", DIRECTOR + "/24");
            lab.route(client, VIP + "/32", "via", DIRECTOR);
            VipSetupCheck check = VipSetupCheck.inNamespace(director.name());

            try (LivePcapSource clientSeesRst = lab.inNamespace(client, () -> LivePcapSource.open(
                        new LivePcapSource.Config().interfaceName("vc").vip(VipEndpoint.parse(CLIENT + ":40000")).bufferBytes(4 << 20)));
                 LivePcapSource directorSeesSyn = lab.inNamespace(director, () -> LivePcapSource.open(
                        new LivePcapSource.Config().interfaceName("vd").vips(VIPS).bufferBytes(4 << 20)));
                 RawSocketSink clientSends = lab.inNamespace(client, RawSocketSink::open)) {
                byte[] syn = PacketBuilder.tcp().from(CLIENT, 40000).to(VIP, 80).flags(TcpSegment.SYN).id(1).build();

                // (a) routed, not local, ip_forward=0: fine, and the kernel stays silent.
                Report a = check.check(VIPS);
                assertTrue(a.ok(), a.toString());
                assertTrue(a.notes().get(0).contains("set-up (a)"), a.toString());
                clientSends.send(syn, 0, syn.length);
                assertEquals(1, pollFor(directorSeesSyn, 1, 5000), "the director captures the SYN");
                assertEquals(0, pollFor(clientSeesRst, 1, 300), "no answer from the director's kernel");

                // VIP on lo: refused, and indeed the kernel answers with a RST.
                lab.ip(director, "addr", "add", VIP + "/32", "dev", "lo");
                Report onLo = check.check(VIPS);
                assertFalse(onLo.ok());
                assertTrue(onLo.problems().get(0).startsWith("VIP " + VIP + " is assigned to interface lo: the kernel would answer"
                        + " its SYNs with RST"), onLo.toString());
                clientSends.send(syn, 0, syn.length);
                assertEquals(1, pollFor(clientSeesRst, 1, 5000), "the director's kernel answers");
                int flags = got.get(got.size() - 1)[20 + 13] & 0xff;
                assertTrue((flags & TcpSegment.RST) != 0, "a RST, flags 0x" + Integer.toHexString(flags));

                // (b) an nft input drop for VIP:80: accepted, silent, and capture still sees the SYN.
                lab.exec(director, "nft", "add table inet handoff { chain in { type filter hook input priority 0; "
                        + "ip daddr " + VIP + " tcp dport 80 drop; }; }");
                Report b = check.check(VIPS);
                assertTrue(b.ok(), b.toString());
                assertTrue(b.notes().get(0).contains("set-up (b)"), b.toString());
                pollFor(directorSeesSyn, 100, 200); // drain the SYN of the RST step
                clientSends.send(syn, 0, syn.length);
                assertEquals(1, pollFor(directorSeesSyn, 1, 5000), "pcap's tap is before netfilter");
                assertArrayEquals(syn, got.get(0));
                assertEquals(0, pollFor(clientSeesRst, 1, 300), "no RST behind the drop rule");

                // Not local but forwarding: refused; a prerouting drop makes it acceptable.
                lab.exec(director, "nft", "flush ruleset");
                lab.ip(director, "addr", "del", VIP + "/32", "dev", "lo");
                lab.exec(director, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
                Report fwd = check.check(VIPS);
                assertFalse(fwd.ok());
                assertTrue(fwd.problems().get(0).contains("net.ipv4.ip_forward=1"), fwd.toString());
                lab.exec(director, "nft", "add table ip handoff { chain pre { type filter hook prerouting priority -300; "
                        + "ip daddr " + VIP + " tcp dport 80 drop; }; }");
                Report pre = check.check(VIPS);
                assertTrue(pre.ok(), pre.toString());
            }
        }
    }

    int pollFor(LivePcapSource src, int count, long ms) throws Exception {
        got.clear();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        for (int i = 0; i < 10_000 && got.size() < count && System.nanoTime() < deadline; i++) {
            src.poll(collect, 64, TimeUnit.MILLISECONDS.toNanos(50));
        }
        return got.size();
    }
}
