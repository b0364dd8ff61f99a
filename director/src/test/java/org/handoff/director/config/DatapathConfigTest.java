package org.handoff.director.config;

import static org.handoff.director.config.ConfigLoaderTest.POOLS;
import static org.handoff.director.config.ConfigLoaderTest.errors;
import static org.handoff.director.config.ConfigLoaderTest.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.handoff.director.WorkerSettings;
import org.handoff.director.routing.LoadCounter;
import org.junit.jupiter.api.Test;

/** datapath, kernel.bpffs and handoff.agent-restart-grace: defaults, values, refusals, and the kernel path's MSS. */
class DatapathConfigTest {
    static final String BASE = POOLS + "default-pool: all\n";

    @Test
    void defaultsAreAutoTheRunBpffsAndAFewSecondsOfGrace() throws Exception {
        DirectorConfig c = parse(BASE);
        assertEquals(Datapath.AUTO, c.datapath());
        assertEquals(Path.of("/run/handoff/director/bpf"), c.kernel().bpffs());
        assertEquals(Duration.ofSeconds(5), c.handoff().agentRestartGrace());
    }

    @Test
    void eachDatapathAndABpffsRelativeToTheConfigsFolder() throws Exception {
        for (Datapath d : Datapath.values()) {
            assertEquals(d, parse(BASE + "datapath: " + d.key() + "\n").datapath());
        }
        DirectorConfig c = ConfigLoader.DIRECTOR.parse(BASE + "kernel:\n  bpffs: bpf\nhandoff:\n  agent-restart-grace: 0s\n",
                Path.of("/etc/handoff/director.yaml"));
        assertEquals(Path.of("/etc/handoff/bpf"), c.kernel().bpffs());
        assertEquals(Duration.ZERO, c.handoff().agentRestartGrace());
    }

    @Test
    void badValuesAreRefusedWithWhatIsExpected() {
        assertEquals(List.of("datapath=xdp (expected: auto, kernel or user)"), errors(BASE + "datapath: xdp\n"));
        assertEquals(List.of("kernel.pin=x (expected: a known key: bpffs)"), errors(BASE + "kernel:\n  pin: x\n"));
        assertEquals(List.of("handoff.agent-restart-grace=2m (expected: a duration 0s..60s written like 50ms, 2s, 5m)"),
                errors(BASE + "handoff:\n  agent-restart-grace: 2m\n"));
    }

    @Test
    void theKernelPathsMssCeilingLowersTheSynAcksMssOnly() throws Exception {
        DirectorConfig c = parse(BASE + "tcp:\n  mss: 1460\n");
        assertEquals(1460, WorkerSettings.of(c, new LoadCounter()).tcp().mss());
        assertEquals(1416, WorkerSettings.of(c, new LoadCounter(), 1500 - 84).tcp().mss(), "MTU 1500 - 84");
        assertEquals(1460, WorkerSettings.of(c, new LoadCounter(), 9000 - 84).tcp().mss(), "a jumbo link keeps tcp.mss");
        assertEquals(WorkerSettings.of(c, new LoadCounter()).tcp().withMss(1416), WorkerSettings.of(c, new LoadCounter(), 1416).tcp());
    }
}
