package org.handoff.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.concurrent.Callable;
import org.handoff.bpf.TcAttachment.Direction;
import org.handoff.bpf.XdpAttachment.XdpMode;
import org.handoff.testkit.Netns;
import org.handoff.testkit.NetnsLab;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * tc and XDP attachment on a veth pair between two lab namespaces: the programs run on real
 * traffic (their per-CPU counters and the XDP verdict show it), a second load replaces its own
 * program left attached (a restart), another program is never replaced, and closing leaves no
 * filter, no clsact qdisc and no XDP program behind. {@code tc}, {@code ip} and {@code bpftool}
 * only check what the Java code did. The attachment calls run on a thread inside the
 * receiving namespace ({@link NetnsLab#inNamespace}); nothing is attached in the root
 * namespace. Needs root.
 */
@Tag("netns")
class AttachNetnsTest {
    static final String SENDER = "198.18.251.1";
    static final String RECEIVER = "198.18.251.2";
    static final String SENDER_MAC = "02:00:c6:12:fb:01";
    static final String RECEIVER_MAC = "02:00:c6:12:fb:02";
    static final int DATAGRAMS = 10;
    static final int HANDLE = 1;
    static final int PRIORITY = 1;

    NetnsLab lab;
    Netns sender;
    Netns receiver;
    BpfObject obj;

    @BeforeEach
    void network() throws Exception {
        assumeTrue(NetnsLab.unavailableReason("bpftool", "tc").isEmpty(), () -> NetnsLab.unavailableReason("bpftool", "tc").get());
        lab = NetnsLab.create();
        sender = lab.namespace("bpf-tx");
        receiver = lab.namespace("bpf-rx");
        // Only the test's datagrams (and their ICMP answers) cross the link: no IPv6, static neighbours.
        for (Netns ns : List.of(sender, receiver)) {
            lab.sysctl(ns, "net.ipv6.conf.all.disable_ipv6", "1");
            lab.sysctl(ns, "net.ipv6.conf.default.disable_ipv6", "1");
        }
        lab.ip(sender, "link", "add", "tx0", "address", SENDER_MAC, "type", "veth", "peer", "name", "rx0", "address", RECEIVER_MAC,
                "netns", receiver.name());
        lab.sysctl(receiver, "net.ipv4.icmp_ratemask", "0"); // an ICMP answer to every datagram
        lab.address(sender, "tx0", SENDER + "/30");
        lab.address(receiver, "rx0", RECEIVER + "/30");
        lab.ip(sender, "neigh", "add", RECEIVER, "lladdr", RECEIVER_MAC, "dev", "tx0", "nud", "permanent");
        lab.ip(receiver, "neigh", "add", SENDER, "lladdr", SENDER_MAC, "dev", "rx0", "nud", "permanent");
        lab.ip(sender, "link", "set", "tx0", "up");
        lab.ip(receiver, "link", "set", "rx0", "up");
        obj = BpfObject.openResource("selftest.bpf.o");
        obj.load();
    }

    @AfterEach
    void tearDown() {
        if (obj != null) {
            obj.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void tcOnIngressAndEgressRunsOnTrafficAndLeavesNothingBehind() throws Exception {
        int rx0 = inReceiver(() -> Interfaces.indexOf("rx0"));
        TcAttachment ingress = inReceiver(() -> TcAttachment.attach(rx0, Direction.INGRESS, obj.program("selftest_tc"), HANDLE, PRIORITY));
        TcAttachment egress = null;
        try {
            assertEquals(obj.program("selftest_tc").id(), ingress.programId());
            String filters = tc("filter", "show", "dev", "rx0", "ingress");
            assertTrue(filters.contains("selftest_tc") && filters.contains("direct-action") && filters.contains("id " + ingress.programId()),
                    filters);
            assertTrue(lab.exec(receiver, "tc", "qdisc", "show", "dev", "rx0").stdout().contains("clsact"));

            BpfMap counters = obj.map("selftest_counters");
            send(DATAGRAMS);
            assertTrue(counters.counter(BpfObjectTest.COUNTER_TC) >= DATAGRAMS, "each datagram ran the ingress program once");

            egress = inReceiver(() -> TcAttachment.attach(rx0, Direction.EGRESS, obj.program("selftest_tc"), HANDLE, PRIORITY));
            assertTrue(tc("filter", "show", "dev", "rx0", "egress").contains("selftest_tc"));
            long before = counters.counter(BpfObjectTest.COUNTER_TC);
            send(DATAGRAMS);
            // In and out: each datagram in, each ICMP port unreachable out.
            assertTrue(counters.counter(BpfObjectTest.COUNTER_TC) - before >= 2L * DATAGRAMS, "ingress and egress both ran");

            IllegalStateException wrongNamespace = assertThrows(IllegalStateException.class, ingress::close);
            assertTrue(wrongNamespace.getMessage().contains("detach from a thread in the same namespace"), wrongNamespace.getMessage());

            close(ingress);
            assertFalse(tc("filter", "show", "dev", "rx0", "ingress").contains("selftest_tc"), "ingress filter removed");
            assertTrue(lab.exec(receiver, "tc", "qdisc", "show", "dev", "rx0").stdout().contains("clsact"),
                    "the hook stays while the egress attachment uses it");
            close(egress);
            egress = null;
            assertEquals("", tc("filter", "show", "dev", "rx0", "egress").strip());
            assertFalse(lab.exec(receiver, "tc", "qdisc", "show", "dev", "rx0").stdout().contains("clsact"), "the hook we created is gone");
        } finally {
            close(ingress);
            close(egress);
        }
    }

    @Test
    void tcReattachAfterARestartReplacesItsOwnProgramAndRefusesAnother() throws Exception {
        int rx0 = inReceiver(() -> Interfaces.indexOf("rx0"));
        TcAttachment first = inReceiver(() -> TcAttachment.attach(rx0, Direction.INGRESS, obj.program("selftest_tc"), HANDLE, PRIORITY));
        try (BpfObject restarted = BpfObject.openResource("selftest.bpf.o")) {
            restarted.load();
            TcAttachment second = inReceiver(() -> TcAttachment.attach(rx0, Direction.INGRESS, restarted.program("selftest_tc"), HANDLE,
                    PRIORITY));
            try {
                assertNotEquals(first.programId(), second.programId());
                String filters = tc("filter", "show", "dev", "rx0", "ingress");
                assertTrue(filters.contains("id " + second.programId()), filters);
                assertFalse(filters.contains("id " + first.programId() + " "), "replaced, not added: " + filters);
                assertEquals(1, filters.lines().filter(l -> l.contains("selftest_tc")).count(), filters);

                BpfException refused = assertThrows(BpfException.class, () -> inReceiver(() -> TcAttachment.attach(rx0, Direction.INGRESS,
                        obj.program("selftest_tc_pass"), HANDLE, PRIORITY)));
                assertTrue(refused.getMessage().contains("holds program 'selftest_tc'") && refused.getMessage().contains("refusing to replace"),
                        refused.getMessage());
                assertTrue(tc("filter", "show", "dev", "rx0", "ingress").contains("id " + second.programId()), "still ours");

                close(first);
                assertTrue(tc("filter", "show", "dev", "rx0", "ingress").contains("id " + second.programId()),
                        "closing the replaced attachment leaves its successor");
            } finally {
                close(second);
            }
            assertEquals("", tc("filter", "show", "dev", "rx0", "ingress").strip());
            assertFalse(lab.exec(receiver, "tc", "qdisc", "show", "dev", "rx0").stdout().contains("clsact"));
        } finally {
            close(first);
        }
    }

    @Test
    void xdpNativeOnVethDropsOrPassesByTheMapAndLeavesNothingBehind() throws Exception {
        int rx0 = inReceiver(() -> Interfaces.indexOf("rx0"));
        XdpAttachment xdp = inReceiver(() -> XdpAttachment.attach(rx0, obj.program("selftest_xdp"), XdpMode.NATIVE));
        try {
            assertEquals(XdpMode.NATIVE, xdp.mode());
            String net = lab.exec(receiver, "bpftool", "net", "show", "dev", "rx0").stdout();
            assertTrue(net.contains("rx0(" + rx0 + ") driver id " + xdp.programId()), "native (driver) mode: " + net);
            assertTrue(lab.exec(receiver, "bpftool", "prog", "show", "id", String.valueOf(xdp.programId())).stdout()
                    .contains("name selftest_xdp"));

            BpfMap verdict = obj.map("selftest_verdict");
            BpfMap counters = obj.map("selftest_counters");
            verdict.update(BpfObjectTest.u32(0), BpfObjectTest.u32(BpfObjectTest.XDP_PASS));
            long noPorts = Long.parseLong(lab.nstat(receiver, "UdpNoPorts"));
            send(DATAGRAMS);
            assertEquals(noPorts + DATAGRAMS, Long.parseLong(lab.nstat(receiver, "UdpNoPorts")), "XDP_PASS: the stack got them");
            assertTrue(counters.counter(BpfObjectTest.COUNTER_XDP) >= DATAGRAMS);

            verdict.update(BpfObjectTest.u32(0), BpfObjectTest.u32(BpfObjectTest.XDP_DROP));
            long runs = counters.counter(BpfObjectTest.COUNTER_XDP);
            send(DATAGRAMS);
            assertEquals(noPorts + DATAGRAMS, Long.parseLong(lab.nstat(receiver, "UdpNoPorts")), "XDP_DROP: the stack saw none");
            assertTrue(counters.counter(BpfObjectTest.COUNTER_XDP) - runs >= DATAGRAMS, "yet the program ran for each");

            close(xdp);
            String after = lab.exec(receiver, "ip", "-d", "link", "show", "dev", "rx0").stdout();
            assertFalse(after.contains("xdp"), after);
        } finally {
            close(xdp);
        }
    }

    @Test
    void xdpReattachAfterARestartReplacesItsOwnProgramAndRefusesAnother() throws Exception {
        int rx0 = inReceiver(() -> Interfaces.indexOf("rx0"));
        XdpAttachment first = inReceiver(() -> XdpAttachment.attach(rx0, obj.program("selftest_xdp"), XdpMode.NATIVE, XdpMode.GENERIC));
        try (BpfObject restarted = BpfObject.openResource("selftest.bpf.o")) {
            restarted.load();
            XdpAttachment second = inReceiver(() -> XdpAttachment.attach(rx0, restarted.program("selftest_xdp"), XdpMode.NATIVE));
            try {
                assertNotEquals(first.programId(), second.programId());
                String net = lab.exec(receiver, "bpftool", "net", "show", "dev", "rx0").stdout();
                assertTrue(net.contains("driver id " + second.programId() + "\n"), "replaced, not added: " + net);

                BpfException refused = assertThrows(BpfException.class,
                        () -> inReceiver(() -> XdpAttachment.attach(rx0, obj.program("selftest_xdp_pass"), XdpMode.NATIVE)));
                assertTrue(refused.getMessage().contains("holds program 'selftest_xdp'") && refused.getMessage().contains("refusing"),
                        refused.getMessage());

                close(first);
                assertTrue(lab.exec(receiver, "bpftool", "net", "show", "dev", "rx0").stdout().contains("id " + second.programId()),
                        "closing the replaced attachment leaves its successor");
            } finally {
                close(second);
            }
            assertFalse(lab.exec(receiver, "ip", "-d", "link", "show", "dev", "rx0").stdout().contains("xdp"));
        } finally {
            close(first);
        }
    }

    private <T> T inReceiver(Callable<T> task) throws Exception {
        return lab.inNamespace(receiver, task);
    }

    private void close(AutoCloseable attachment) throws Exception {
        if (attachment != null) {
            inReceiver(() -> {
                attachment.close();
                return null;
            });
        }
    }

    private String tc(String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "tc";
        System.arraycopy(args, 0, cmd, 1, args.length);
        return lab.exec(receiver, cmd).stdout();
    }

    /** {@code count} UDP datagrams from the sender to a closed port of the receiver. */
    private void send(int count) {
        lab.exec(sender, "bash", "-c", "for i in $(seq " + count + "); do printf x > /dev/udp/" + RECEIVER + "/9; done");
    }
}
