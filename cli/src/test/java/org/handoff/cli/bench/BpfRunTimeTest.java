package org.handoff.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.handoff.host.CommandException;
import org.handoff.host.CommandResult;
import org.handoff.host.CommandRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link BpfRunTime} over bpftool output recorded on kernel 6.18 (bpftool 7.1), without a kernel. */
class BpfRunTimeTest {
    /** `bpftool -j net show` in a namespace with XDP and tc ingress and egress on one veth (the netns test's set-up). */
    static final String NET_SHOW = "[{\"xdp\":[{\"devname\":\"rx0\",\"ifindex\":2,\"mode\":\"driver\",\"id\":109}],"
            + "\"tc\":[{\"devname\":\"rx0\",\"ifindex\":2,\"kind\":\"clsact/ingress\",\"name\":\"pass.o:[tc]\",\"id\":100},"
            + "{\"devname\":\"rx0\",\"ifindex\":2,\"kind\":\"clsact/egress\",\"name\":\"pass.o:[tc]\",\"id\":104},"
            + "{\"devname\":\"rx1\",\"ifindex\":3,\"kind\":\"clsact/ingress\",\"name\":\"pass.o:[tc]\",\"id\":100}],"
            + "\"flow_dissector\":[]}]";
    /** `bpftool -j prog show`: run_time_ns and run_cnt only where non-zero; 104 never ran; 7 is attached elsewhere. */
    static final String PROG_SHOW = "[{\"id\":7,\"type\":\"cgroup_skb\",\"run_time_ns\":999999,\"run_cnt\":999},"
            + "{\"id\":100,\"type\":\"sched_cls\",\"name\":\"pass_tc\",\"run_time_ns\":2400,\"run_cnt\":40},"
            + "{\"id\":104,\"type\":\"sched_cls\",\"name\":\"pass_tc\"},"
            + "{\"id\":109,\"type\":\"xdp\",\"name\":\"pass_xdp\",\"run_time_ns\":700,\"run_cnt\":20}]";

    final List<List<String>> commands = new ArrayList<>();

    CommandRunner answering(String netShow, String progShow) {
        return (command, stdin) -> {
            commands.add(command);
            return new CommandResult(command, 0, command.contains("net") ? netShow : progShow, "");
        };
    }

    @Test
    void sumsEachAttachedProgramOnceAndRestoresTheSysctl(@TempDir Path dir) throws Exception {
        Path sysctl = Files.writeString(dir.resolve("bpf_stats_enabled"), "0\n");
        try (BpfRunTime bpf = BpfRunTime.start(answering(NET_SHOW, PROG_SHOW), sysctl)) {
            assertEquals("1\n", Files.readString(sysctl));
            assertEquals(new BpfRunTime.Sample(3100, 60, Set.of(100, 104, 109)), bpf.sample("hb-director"));
        }
        assertEquals("0\n", Files.readString(sysctl));
        assertEquals(List.of(List.of("nsenter", "--net=/run/netns/hb-director", "bpftool", "-j", "net", "show"),
                List.of("bpftool", "-j", "prog", "show")), commands);
    }

    @Test
    void noProgramAttachedIsZeroWithoutListingPrograms(@TempDir Path dir) throws Exception {
        Path sysctl = Files.writeString(dir.resolve("bpf_stats_enabled"), "1\n");
        try (BpfRunTime bpf = BpfRunTime.start(answering("[{\"xdp\":[],\"tc\":[],\"flow_dissector\":[]}]", PROG_SHOW), sysctl)) {
            assertEquals(new BpfRunTime.Sample(0, 0, Set.of()), bpf.sample("hb-origin1"));
        }
        assertEquals(1, commands.size());
        assertEquals("1\n", Files.readString(sysctl), "already on: left on");
    }

    @Test
    void aFailingBpftoolIsAnErrorNamingIt(@TempDir Path dir) throws Exception {
        Path sysctl = Files.writeString(dir.resolve("bpf_stats_enabled"), "0\n");
        CommandRunner failing = (command, stdin) -> new CommandResult(command, 1, "", "Error: nsenter: cannot open /run/netns/x");
        try (BpfRunTime bpf = BpfRunTime.start(failing, sysctl)) {
            CommandException e = assertThrows(CommandException.class, () -> bpf.sample("x"));
            assertEquals("`nsenter --net=/run/netns/x bpftool -j net show` exited 1: Error: nsenter: cannot open /run/netns/x",
                    e.getMessage());
        }
        assertEquals("0\n", Files.readString(sysctl));
    }
}
