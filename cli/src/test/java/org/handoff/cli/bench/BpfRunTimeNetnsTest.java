package org.handoff.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.handoff.host.CommandResult;
import org.handoff.host.ProcessRunner;
import org.handoff.testkit.Netns;
import org.handoff.testkit.NetnsLab;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link BpfRunTime} on a real kernel: a tc program on ingress and on egress and an XDP program
 * on one end of a veth pair, compiled from src/test/resources/bpf/pass.c with clang, and a known
 * number of packets through them. Needs root, clang, libbpf-dev (bpf_helpers.h), bpftool and tc
 * (scripts/install-deps.sh).
 */
@Tag("netns")
class BpfRunTimeNetnsTest {
    static final int DATAGRAMS = 20;
    static final String SENDER = "198.18.250.1";
    static final String RECEIVER = "198.18.250.2";
    static final String SENDER_MAC = "02:00:c6:12:fa:01";
    static final String RECEIVER_MAC = "02:00:c6:12:fa:02";

    final ProcessRunner runner = new ProcessRunner().timeLimit(Duration.ofSeconds(30));

    @Test
    void countsEveryRunOfTheProgramsAttachedInTheNamespaceAndRestoresTheSysctl(@TempDir Path dir) throws Exception {
        assumeTrue(NetnsLab.unavailableReason().isEmpty(), () -> NetnsLab.unavailableReason().get());
        Path object = dir.resolve("pass.o");
        CommandResult clang = runner.run(List.of("clang", "-O2", "-g", "-target", "bpf", "-I/usr/include/x86_64-linux-gnu",
                "-c", Path.of("src/test/resources/bpf/pass.c").toAbsolutePath().toString(), "-o", object.toString()), null);
        assertTrue(clang.ok(), clang.describe());

        String statsBefore = Files.readString(BpfRunTime.STATS_SYSCTL).strip();
        try (NetnsLab lab = NetnsLab.create()) {
            Netns sender = lab.namespace("bpf-tx");
            Netns receiver = lab.namespace("bpf-rx");
            // Only the test's datagrams and their ICMP answers may cross the link: no IPv6 (router
            // solicitations, MLD), static neighbours (no ARP), no ICMP rate limit in the receiver.
            for (Netns ns : List.of(sender, receiver)) {
                lab.sysctl(ns, "net.ipv6.conf.all.disable_ipv6", "1");
                lab.sysctl(ns, "net.ipv6.conf.default.disable_ipv6", "1");
            }
            lab.ip(sender, "link", "add", "tx0", "address", SENDER_MAC, "type", "veth", "peer", "name", "rx0", "address",
                    RECEIVER_MAC, "netns", receiver.name());
            lab.sysctl(receiver, "net.ipv4.icmp_ratemask", "0");
            lab.address(sender, "tx0", SENDER + "/30");
            lab.address(receiver, "rx0", RECEIVER + "/30");
            lab.ip(sender, "neigh", "add", RECEIVER, "lladdr", RECEIVER_MAC, "dev", "tx0", "nud", "permanent");
            lab.ip(receiver, "neigh", "add", SENDER, "lladdr", SENDER_MAC, "dev", "rx0", "nud", "permanent");
            lab.exec(receiver, "tc", "qdisc", "add", "dev", "rx0", "clsact");
            lab.exec(receiver, "tc", "filter", "add", "dev", "rx0", "ingress", "bpf", "da", "obj", object.toString(), "sec", "tc");
            lab.exec(receiver, "tc", "filter", "add", "dev", "rx0", "egress", "bpf", "da", "obj", object.toString(), "sec", "tc");
            lab.ip(receiver, "link", "set", "dev", "rx0", "xdp", "obj", object.toString(), "sec", "xdp");
            lab.ip(sender, "link", "set", "tx0", "up");
            lab.ip(receiver, "link", "set", "rx0", "up");

            try (BpfRunTime bpf = BpfRunTime.start(runner)) {
                assertEquals("1", Files.readString(BpfRunTime.STATS_SYSCTL).strip(), "statistics on while open");
                BpfRunTime.Sample before = bpf.sample(receiver.name());
                assertEquals(3, before.programs().size(), "tc ingress, tc egress and XDP: " + before);
                assertEquals(new BpfRunTime.Sample(0, 0, Set.of()), bpf.sample(sender.name()), "nothing attached there");

                // Each datagram to a closed port: XDP and tc ingress run once for it, tc egress once for its
                // ICMP port unreachable.
                lab.exec(sender, "bash", "-c", "for i in $(seq " + DATAGRAMS + "); do printf x > /dev/udp/" + RECEIVER
                        + "/9; done");
                BpfRunTime.Sample after = pollForRuns(bpf, receiver, before.runCount() + 3L * DATAGRAMS);
                assertEquals(3L * DATAGRAMS, after.runCount() - before.runCount(), after.toString());
                assertTrue(after.runTimeNanos() > before.runTimeNanos(), "run time grew: " + before + " -> " + after);
                assertEquals(before.programs(), after.programs());
            }
            assertEquals(statsBefore, Files.readString(BpfRunTime.STATS_SYSCTL).strip(), "the old setting is back");
        }
        assertEquals(statsBefore, Files.readString(BpfRunTime.STATS_SYSCTL).strip());
    }

    /** The last ICMP answer may still be on its way out: a bounded wait for the expected count. */
    private static BpfRunTime.Sample pollForRuns(BpfRunTime bpf, Netns ns, long expected) throws Exception {
        BpfRunTime.Sample s = bpf.sample(ns.name());
        for (int i = 0; i < 20 && s.runCount() < expected; i++) {
            Thread.sleep(50);
            s = bpf.sample(ns.name());
        }
        return s;
    }
}
