package org.handoff.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.handoff.host.CommandResult;
import org.handoff.host.ProcessRunner;
import org.handoff.host.RunningCommand;
import org.handoff.lab.LabTopology;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code handoff lab up|status|down} itself (docs/lab.md): up twice, status, down from another
 * process keeping what a user added, a failed up and an interrupted up leaving nothing behind.
 * A lab of its own prefix (a {@code t}, this JVM's pid, a dash), as a bench or a developer
 * would run beside the standard one.
 */
@Tag("netns")
class LabCommandTest {
    private static final String PREFIX = Lab.prefix('t');
    private static final Duration UP = Duration.ofMinutes(5);

    private LabTopology lab;
    private Map<String, String> env;

    @BeforeEach
    void privateLab() throws Exception {
        Lab.requireLinuxRoot();
        Path dir = Lab.privateDirectory("command");
        lab = LabTopology.standard(Lab.repoRoot(), PREFIX, dir);
        env = Map.of(LabTopology.PREFIX_VARIABLE, PREFIX, LabTopology.DIRECTORY_VARIABLE, dir.toString());
        assertEquals(List.of(), Lab.presentNamespaces(lab.namespaces()), "a lab with prefix " + PREFIX + " is up");
    }

    @AfterEach
    void nothingLeft() throws Exception {
        if (lab == null) {
            return;
        }
        Lab.handoff(env, Duration.ofMinutes(2), "lab", "down");
        Lab.deleteTree(lab.directory());
        assertEquals(List.of(), Lab.presentNamespaces(lab.namespaces()), "namespaces left behind");
        assertEquals(List.of(), labProcesses(), "processes of the lab left running");
    }

    /** Processes whose command line names the lab's directory: nginx, agents, directors. */
    private List<String> labProcesses() {
        String dir = lab.directory().toString();
        return ProcessHandle.allProcesses().filter(p -> Lab.alive(p.pid()))
                .map(p -> p.info().commandLine().orElse("")).filter(c -> c.contains(dir + "/")).toList();
    }

    @Test
    @Timeout(600)
    void upTwiceStatusAndDownKeepingWhatAUserAdded() throws Exception {
        CommandResult up = Lab.handoff(env, UP, "lab", "up");
        assertTrue(up.ok(), up::describe);
        assertTrue(up.stderr().contains("lab: up: curl http://198.18.1.1/ from " + PREFIX + "client works; logs and content in "
                + lab.directory()), up.stderr());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(lab.keyFile())));

        CommandResult again = Lab.handoff(env, UP, "lab", "up");
        assertTrue(again.ok(), again::describe);
        assertTrue(again.stderr().contains("lab: already up (a request through 198.18.1.1 succeeds); nothing to do"),
                again.stderr());

        long director = Lab.pid(lab.director().pidFile());
        List<String> expected = new ArrayList<>();
        for (String ns : lab.namespaces()) {
            expected.add(String.format("%-14s %s", ns, "present"));
        }
        expected.add(String.format("%-14s running (pid %d, log %s)", "director", director, lab.director().log()));
        for (LabTopology.Origin o : lab.origins()) {
            expected.add(String.format("%-14s running (log %s)", "agent " + o.name(), o.agentLog()));
            expected.add(String.format("%-14s running (root %s)", "nginx " + o.name(), o.www()));
        }
        expected.add(String.format("%-14s %s", "GET via VIP", "200"));
        expected.add(String.format("%-14s %s", "metrics",
                "ip netns exec " + PREFIX + "director curl -s 127.0.0.1:9464/metrics (director); " + PREFIX + "originN :9465 (agents)"));
        CommandResult status = Lab.handoff(env, Duration.ofMinutes(1), "lab", "status");
        assertTrue(status.ok(), status::describe);
        assertEquals(expected, status.stdout().lines().toList());

        // What a user adds while the lab runs stays after down, with the directories holding it.
        Path mine = lab.origin(1).www().resolve("mine/notes.txt");
        Files.createDirectories(mine.getParent());
        Files.writeString(mine, "mine\n");
        List<Long> daemons = List.of(director, Lab.pid(lab.origin(1).agentPidFile()), Lab.pid(lab.origin(2).nginxPidFile()));

        CommandResult down = Lab.handoff(env, Duration.ofMinutes(2), "lab", "down");
        assertTrue(down.ok(), down::describe);
        assertTrue(down.stderr().contains("lab: down: namespaces, processes and lab files removed"), down.stderr());
        assertEquals(List.of(), Lab.presentNamespaces(lab.namespaces()), "namespaces left after down");
        for (long pid : daemons) {
            assertFalse(Lab.alive(pid), "pid " + pid + " still runs");
        }
        assertEquals("mine\n", Files.readString(mine));
        assertEquals(List.of(mine), regularFiles(lab.directory()), "only the user's file is left");

        CommandResult after = Lab.handoff(env, Duration.ofMinutes(1), "lab", "status");
        assertTrue(after.stdout().lines().allMatch(l -> l.endsWith(" absent") || l.endsWith(" stopped") || l.startsWith("metrics")),
                after.stdout());
    }

    @Test
    @Timeout(600)
    void aFailedUpTakesDownWhatItBuiltAndKeepsTheUsersFiles() throws Exception {
        // The director's config cannot be written where a directory of the user's stands: up
        // fails after the namespaces, nginx and the agents are up.
        Path mine = lab.director().config().resolve("mine.txt");
        Files.createDirectories(mine.getParent());
        Files.writeString(mine, "in the way\n");
        CommandResult up = Lab.handoff(env, UP, "lab", "up");
        assertEquals(1, up.exitCode(), up::describe);
        assertTrue(up.stderr().contains("lab: cannot write " + lab.director().config()), up.stderr());
        assertTrue(up.stderr().contains("lab: up failed: taking the lab down"), up.stderr());
        assertTrue(up.stderr().contains("lab: down: namespaces, processes and lab files removed"), up.stderr());
        assertEquals(List.of(), Lab.presentNamespaces(lab.namespaces()), "namespaces left after a failed up");
        assertEquals(List.of(), labProcesses());
        assertEquals(List.of(mine), regularFiles(lab.directory()));
    }

    @Test
    @Timeout(600)
    void anInterruptedUpTakesDownWhatItBuilt() throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", Lab.repoRoot().resolve("bin/handoff").toString(), "lab", "up"));
        RunningCommand up = new ProcessRunner().environment(env).start(command, null);
        // SIGTERM once up starts the agents (origin1's agent pid file is written): namespaces, nginx and set-up are there.
        Lab.awaitFile(lab.origin(1).agentPidFile(), "", Duration.ofMinutes(3), up);
        ProcessHandle.of(up.pid()).ifPresent(ProcessHandle::destroy);
        CommandResult r = up.await(Duration.ofMinutes(3));
        assertFalse(r.timedOut(), r::describe);
        assertTrue(r.stderr().contains("lab: up failed: taking the lab down"), r.stderr());
        assertEquals(List.of(), Lab.presentNamespaces(lab.namespaces()), "namespaces left after an interrupted up");
        assertEquals(List.of(), labProcesses());
        assertFalse(Files.exists(lab.directory()), "the lab's directory is gone");
    }

    @Test
    void aBadPrefixIsRefused() {
        CommandResult r = Lab.handoff(Map.of(LabTopology.PREFIX_VARIABLE, "Bad_"), Duration.ofMinutes(1), "lab", "status");
        assertEquals(2, r.exitCode(), r::describe);
        assertEquals("lab: HANDOFF_LAB_NS_PREFIX=Bad_: want 1-8 of [a-z0-9-], a letter first\n", r.stderr());
    }

    private static List<Path> regularFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }
}
