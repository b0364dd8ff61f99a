package org.handoff.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real processes: output on both streams, time limits that fire, exit codes, input, environment, logs. */
class ProcessRunnerTest {
    private final ProcessRunner runner = new ProcessRunner().timeLimit(Duration.ofSeconds(20));

    @Test
    void moreThanAPipeBufferOnBothStreamsCompletes() {
        // 1 MB on each stream, written alternately: with pipes read one after the other this
        // would block on the full stderr pipe while stdout is being read, or the reverse.
        CommandResult r = runner.run("bash", "-c",
                "for i in $(seq 1 16); do head -c 65536 /dev/zero | tr '\\0' o; head -c 65536 /dev/zero | tr '\\0' e >&2; done");
        assertTrue(r.ok(), r::describe);
        assertEquals(1 << 20, r.stdout().length());
        assertEquals(1 << 20, r.stderr().length());
        assertTrue(r.stdout().chars().allMatch(c -> c == 'o'));
        assertTrue(r.stderr().chars().allMatch(c -> c == 'e'));
        assertFalse(r.timedOut());
    }

    @Test
    void theTimeLimitKillsTheCommandAndWhatItStarted() throws Exception {
        // The shell starts a child, prints its pid, then waits: both must go at the limit.
        RunningCommand running = runner.start(List.of("bash", "-c", "sleep 30 & echo $!; sleep 30"), null);
        long shell = running.pid();
        long t0 = System.nanoTime();
        CommandResult r = running.await(Duration.ofMillis(200));
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(millis < 1_000, "returned after " + millis + " ms");
        assertTrue(r.timedOut(), r::describe);
        assertFalse(r.ok());
        assertEquals(-1, r.exitCode());
        assertTrue(r.elapsed().toMillis() >= 200, r.elapsed()::toString);
        assertTrue(r.describe().startsWith("`bash -c sleep 30 & echo $!; sleep 30` did not finish within "), r.describe());
        assertTrue(r.describe().endsWith(" ms; killed: " + r.stdout().strip()), r.describe());
        long child = Long.parseLong(r.stdout().strip());
        for (int i = 0; i < 50 && (ProcessRunner.isRunning(shell) || ProcessRunner.isRunning(child)); i++) {
            Thread.sleep(20);
        }
        assertFalse(ProcessRunner.isRunning(shell), "the command " + shell + " still runs");
        assertFalse(ProcessRunner.isRunning(child), "the child it started, " + child + ", still runs");
    }

    @Test
    void aPlainSleepPastItsLimitComesBackInWellUnderASecond() {
        long t0 = System.nanoTime();
        CommandResult r = runner.timeLimit(Duration.ofMillis(200)).run("sleep", "30");
        assertTrue(System.nanoTime() - t0 < 1_000_000_000L, "took " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        assertTrue(r.timedOut());
        CommandException e = assertThrows(CommandException.class, r::requireOk);
        assertEquals(r, e.result().orElseThrow());
    }

    @Test
    void exitCodesAndOutputComeBack() {
        CommandResult ok = runner.run("sh", "-c", "echo out; echo err >&2");
        assertTrue(ok.ok());
        assertEquals(0, ok.exitCode());
        assertEquals("out\n", ok.stdout());
        assertEquals("err\n", ok.stderr());
        assertEquals(ok, ok.requireOk());

        CommandResult three = runner.run("sh", "-c", "echo partial; echo 'RTNETLINK answers: File exists' >&2; exit 3");
        assertFalse(three.ok());
        assertEquals(3, three.exitCode());
        assertFalse(three.timedOut());
        assertEquals("`sh -c echo partial; echo 'RTNETLINK answers: File exists' >&2; exit 3` exited 3:"
                + " RTNETLINK answers: File exists; stdout: partial", three.describe());
        CommandException e = assertThrows(CommandException.class, three::requireOk);
        assertEquals(three.describe(), e.getMessage());
        assertEquals("`sh -c exit 1` exited 1", runner.run("sh", "-c", "exit 1").describe());
        assertEquals("`sh -c echo only out; exit 1` exited 1: only out", runner.run("sh", "-c", "echo only out; exit 1").describe());
    }

    @Test
    void aMissingExecutableIsAClearError() {
        CommandException e = assertThrows(CommandException.class, () -> runner.run("handoff-no-such-command", "--flag"));
        assertTrue(e.getMessage().startsWith("cannot run `handoff-no-such-command --flag`: "), e.getMessage());
        assertTrue(e.getMessage().contains("No such file or directory"), e.getMessage());
        assertTrue(e.result().isEmpty());
    }

    @Test
    void inputIsFedAndInputNobodyReadsDoesNotBlock() {
        assertEquals("line one\nline two\n", runner.run(List.of("cat"), "line one\nline two\n").requireOk().stdout());
        // 4 MB the command never reads: written before it starts, so nothing waits on it.
        CommandResult r = runner.timeLimit(Duration.ofSeconds(5)).run(List.of("true"), "x".repeat(4 << 20));
        assertTrue(r.ok(), r::describe);
        // No input given: stdin is /dev/null, so a reader sees its end at once.
        assertEquals("0", runner.run("sh", "-c", "wc -c").requireOk().stdout().strip());
    }

    @Test
    void environmentIsAddedToTheInheritedOne() {
        CommandResult r = runner.environment(Map.of("HANDOFF_TEST_VAR", "lab")).run("sh", "-c", "echo $HANDOFF_TEST_VAR:${PATH:+path}");
        assertEquals("lab:path\n", r.requireOk().stdout());
    }

    @Test
    void aNamespaceRunnerPrefixesIpNetnsExec() {
        assumeTrue(ProcessRunner.findExecutable("ip").isPresent(), "iproute2 not installed");
        CommandResult r = runner.inNamespace("handoff-no-such-netns").run("true");
        assertEquals(List.of("ip", "netns", "exec", "handoff-no-such-netns", "true"), r.command());
        assertFalse(r.ok(), "there is no such namespace: " + r.describe());
    }

    @Test
    void loggedOutputGoesToTheLogBothStreamsInOrder(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("cmd.log");
        CommandResult r = runner.runLogged(List.of("sh", "-c", "echo one; echo two >&2; echo three"), log, false);
        assertTrue(r.ok(), r::describe);
        assertEquals("", r.stdout());
        assertEquals("one\ntwo\nthree\n", Files.readString(log));
        runner.runLogged(List.of("echo", "four"), log, true).requireOk();
        assertEquals("one\ntwo\nthree\nfour\n", Files.readString(log));
        runner.runLogged(List.of("echo", "five"), log, false).requireOk();
        assertEquals("five\n", Files.readString(log));
    }

    @Test
    void stopEndsABackgroundCommandAndItsChildren(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("bg.log");
        RunningCommand bg = runner.startLogged(List.of("bash", "-c", "sleep 30 & echo $!; wait"), log, false);
        long child = -1;
        for (int i = 0; i < 100 && child < 0; i++) {
            String text = Files.readString(log).strip();
            if (!text.isEmpty()) {
                child = Long.parseLong(text);
            } else {
                Thread.sleep(20);
            }
        }
        assertTrue(child > 0, "no child pid in the log");
        assertTrue(bg.isAlive());
        long t0 = System.nanoTime();
        int status = bg.stop(2_000);
        assertTrue(System.nanoTime() - t0 < 3_000_000_000L, "stop took too long");
        assertEquals(143, status, "exit status of a shell ended by SIGTERM");
        for (int i = 0; i < 50 && ProcessRunner.isRunning(child); i++) {
            Thread.sleep(20);
        }
        assertFalse(ProcessRunner.isRunning(child), "the child " + child + " still runs");
        assertEquals(143, bg.stop(2_000), "stop is idempotent");
    }

    @Test
    void attachedCommandsReportTheirStatusAndTheirLimit() {
        assertEquals(4, runner.runAttached(List.of("sh", "-c", "exit 4")).exitCode());
        CommandResult r = runner.timeLimit(Duration.ofMillis(200)).runAttached(List.of("sleep", "30"));
        assertTrue(r.timedOut(), r::describe);
        assertTrue(runner.withoutTimeLimit().timeLimit().isEmpty());
        assertEquals(0, runner.withoutTimeLimit().runAttached(List.of("true")).exitCode());
    }

    @Test
    void aProcessIsRunningUntilItExits() throws Exception {
        RunningCommand sleep = runner.start(List.of("sleep", "30"), null);
        assertTrue(ProcessRunner.isRunning(sleep.pid()));
        assertTrue(ProcessRunner.isRunning(ProcessHandle.current().pid()));
        sleep.stop(1_000);
        assertFalse(ProcessRunner.isRunning(sleep.pid()));
        assertFalse(ProcessRunner.isRunning(4_194_305L), "above the kernel's pid_max ceiling");
    }

    @Test
    void isRootAgreesWithIdU() {
        assumeTrue(Files.exists(Path.of("/proc/self/status")), "no /proc: not Linux");
        String euid = runner.run("id", "-u").requireOk().stdout().strip();
        assertEquals(euid.equals("0"), ProcessRunner.isRoot(), "id -u says " + euid);
    }

    @Test
    void findExecutableLooksOnThePathAndInRootsDirectories() {
        assertTrue(ProcessRunner.findExecutable("sh").isPresent());
        assertTrue(ProcessRunner.findExecutable("handoff-no-such-command").isEmpty());
    }
}
