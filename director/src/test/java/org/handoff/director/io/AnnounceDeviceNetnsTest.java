package org.handoff.director.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.util.List;
import org.handoff.host.CommandResult;
import org.handoff.testkit.Netns;
import org.handoff.testkit.NetnsLab;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link AnnounceDevice} on a real kernel: the device is up while it is held and gone once it is
 * closed, it carries no address (the VIP routed to the director stays local nowhere, so the
 * kernel answers a client's SYN with nothing, never a RST), and a device that would outlive the
 * director (persistent) or that another process holds is refused. That it also goes when the
 * process is SIGKILLed, and that BIRD withdraws the route then, the e2e test LabEcmpTest shows.
 */
@Tag("netns")
class AnnounceDeviceNetnsTest {
    static final String CLIENT = "198.18.100.1";
    static final String DIRECTOR = "198.18.100.2";
    static final String VIP = "198.18.200.1";

    NetnsLab lab;
    Netns client;
    Netns director;

    @BeforeEach
    void lab() throws Exception {
        assumeTrue(NetnsLab.unavailableReason("curl", "nstat").isEmpty(), () -> "skipped: "
                + NetnsLab.unavailableReason("curl", "nstat").orElse(""));
        lab = NetnsLab.create();
        client = lab.namespace("c");
        director = lab.namespace("d");
        lab.veth(client, "vc", CLIENT + "/24", director, "vd", DIRECTOR + "/24");
        lab.route(client, VIP + "/32", "via", DIRECTOR);
        lab.sysctl(director, "net.ipv4.ip_forward", "0");
    }

    @AfterEach
    void cleanUp() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void upWhileHeldWithoutAnAddressAndGoneWhenClosed() throws Exception {
        AnnounceDevice device = lab.own(lab.inNamespace(director, () -> AnnounceDevice.open("vip0")));
        String link = lab.ip(director, "-o", "link", "show", "vip0").stdout();
        assertTrue(link.matches("(?s).*<[^>]*\\bUP\\b[^>]*>.*"), "administratively up: " + link);
        assertEquals("", lab.ip(director, "-o", "addr", "show", "dev", "vip0").stdout().strip(), "no address, v4 or v6");
        assertEquals("1", lab.sysctlValue(director, "net.ipv6.conf.vip0.disable_ipv6"));

        // The kernel stays silent for the VIP: the SYN is dropped (not local, no forwarding), no RST.
        String rstsBefore = lab.nstat(director, "TcpOutRsts");
        CommandResult curl = lab.execUnchecked(client, "curl", "-sS", "--max-time", "1", "http://" + VIP + "/");
        assertEquals(28, curl.exitCode(), "a timeout, not a refused connection: " + curl.describe());
        assertEquals(rstsBefore, lab.nstat(director, "TcpOutRsts"), "no RST from the director's kernel");
        assertTrue(VipSetupCheck.inNamespace(director.name()).check(List.of(VipEndpoint.parse(VIP + ":80"))).ok());

        device.close();
        assertFalse(lab.runner(director).run("ip", "link", "show", "vip0").ok(), "the device went with its descriptor");
    }

    @Test
    void aPersistentDeviceOrOneHeldElsewhereIsRefused() throws Exception {
        lab.ip(director, "tuntap", "add", "vip1", "mode", "tun");
        IOException persistent = assertThrows(IOException.class, () -> lab.inNamespace(director, () -> AnnounceDevice.open("vip1")));
        assertEquals("announce device vip1 is a persistent TUN device: it would outlive the director and keep announcing the"
                + " VIP; delete it (ip link del vip1) or name another", persistent.getMessage());
        assertTrue(lab.runner(director).run("ip", "link", "show", "vip1").ok(), "someone else's device is left alone");

        lab.own(lab.inNamespace(director, () -> AnnounceDevice.open("vip0")));
        IOException held = assertThrows(IOException.class, () -> lab.inNamespace(director, () -> AnnounceDevice.open("vip0")));
        assertTrue(held.getMessage().startsWith("announce device vip0: TUNSETIFF: EBUSY"), held.getMessage());
    }
}
