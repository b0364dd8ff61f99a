package org.handoff.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.handoff.director.config.ConfigHolder;
import org.handoff.director.config.ReloadScope;
import org.handoff.director.routing.LoadCounter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload that changes a key only a restart can apply is refused, naming each such key, and
 * the running config stays. What a reload does apply is tested on a running worker
 * ({@code DirectorWorkerTest.aReloadAppliesTimeoutsHandoffTimingAndKeysAtTheNextDecision}).
 */
class DirectorReloadTest {
    @TempDir
    Path dir;
    Path file;
    String lab;
    ConfigHolder<WorkerSettings> holder;

    @BeforeEach
    void start() throws Exception {
        file = dir.resolve("director.yaml");
        lab = Files.readString(Path.of("../examples/lab/director.yaml"));
        Files.writeString(file, lab);
        Files.writeString(dir.resolve("lab-handoff.key"), "1 " + "ab".repeat(32) + " send\n");
        holder = Director.loadConfig(file, new LoadCounter());
    }

    private List<String> reloadWith(String text) throws Exception {
        Files.writeString(file, text);
        return holder.reload();
    }

    @Test
    void everyRestartKeyIsNamedAndTheRunningConfigStays() throws Exception {
        Map<String, String> changes = new LinkedHashMap<>();
        changes.put("vips", lab.replace("  - 198.18.1.1:80", "  - 198.18.1.2:80"));
        changes.put("workers", lab.replace("workers: 1", "workers: 2"));
        changes.put("metrics.listen", lab.replace("listen: 127.0.0.1:9464", "listen: 127.0.0.1:9465"));
        changes.put("capture.interface", lab.replace("interface: eth0", "interface: eth1"));
        changes.put("capture.buffer-bytes", lab.replace("capture:\n", "capture:\n  buffer-bytes: 32MiB\n"));
        changes.put("capture.announce-device", lab.replace("capture:\n", "capture:\n  announce-device: vip0\n"));
        changes.put("limits.max-flows", lab.replace("max-flows: 100000", "max-flows: 200000"));
        changes.put("limits.max-request-head-bytes", lab.replace("limits:\n", "limits:\n  max-request-head-bytes: 8KiB\n"));
        changes.put("limits.max-request-headers", lab.replace("limits:\n", "limits:\n  max-request-headers: 50\n"));
        changes.put("datapath", lab.replace("datapath: auto", "datapath: user"));
        changes.put("kernel.bpffs", lab.replace("bpffs: /run/handoff/director/bpf", "bpffs: /run/handoff/other"));
        changes.put("cluster", lab + "cluster:\n  name: other-directors\n");
        assertEquals(ReloadScope.RESTART_KEYS.stream().map(ReloadScope.RestartKey::name).collect(Collectors.toSet()),
                changes.keySet(), "a case for every restart key");

        ConfigHolder.Loaded<WorkerSettings> running = holder.current();
        for (Map.Entry<String, String> change : changes.entrySet()) {
            List<String> errors = reloadWith(change.getValue());
            assertEquals(1, errors.size(), change.getKey() + ": " + errors);
            assertEquals(change.getKey() + "=", errors.get(0).substring(0, change.getKey().length() + 1), errors.get(0));
            assertSame(running, holder.current(), change.getKey() + ": the running config stays");
        }
        assertEquals(List.of("vips=[198.18.1.2:80] (expected: [198.18.1.1:80], as running: a change to vips needs a restart)",
                "workers=2 (expected: 1, as running: a change to workers needs a restart)"),
                reloadWith(lab.replace("  - 198.18.1.1:80", "  - 198.18.1.2:80").replace("workers: 1", "workers: 2")));
    }

    @Test
    void aLongerDeadlineThanTheAnswersGuardCoversNeedsARestartAShorterOneApplies() throws Exception {
        ConfigHolder.Loaded<WorkerSettings> running = holder.current();
        assertEquals(List.of("handoff.deadline=5s (expected: at most 2s while running: the agents' answers are remembered "
                + "for 3s, sized at start; a longer deadline needs a restart)"), reloadWith(lab.replace("deadline: 2s",
                "deadline: 5s")));
        assertSame(running, holder.current());
        assertEquals(List.of(), reloadWith(lab.replace("deadline: 2s", "deadline: 1s")));
        assertEquals(1_000, holder.derived().handoff().deadline().toMillis());
        // What the guard covers was sized at start: back to the start's own deadline is fine.
        assertEquals(List.of(), reloadWith(lab));
        assertEquals(2_000, holder.derived().handoff().deadline().toMillis());
    }

    @Test
    void aReloadThatChangesOnlyAppliedKeysIsTaken() throws Exception {
        String changed = lab.replace("handshake: 5s", "handshake: 3s").replace("flow-idle: 5m", "flow-idle: 1m")
                .replace("retransmit-max: 800ms", "retransmit-max: 400ms").replace("max-half-open: 10000", "max-half-open: 500")
                .replace("default-pool: all", "default-pool: static")
                .replace("capture:\n", "tcp:\n  mss: 1400\n  window-shift: 9\n  close-linger: 1s\ncapture:\n");
        assertEquals(List.of(), reloadWith(changed));
        WorkerSettings s = holder.derived();
        assertEquals(3_000, s.tcp().handshakeTimeout().toMillis());
        assertEquals(60_000, s.tcp().flowIdleTimeout().toMillis());
        assertEquals(400, s.handoff().retransmitMax().toMillis());
        assertEquals(500, s.tcp().maxHalfOpen());
        assertEquals(1400, s.tcp().mss());
        assertEquals(9, s.tcp().windowShift());
        assertEquals(1_000, s.tcp().closeLinger().toMillis());
        assertEquals("static", holder.config().defaultPool());
    }
}
