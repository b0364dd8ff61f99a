package org.handoff.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.handoff.host.ProcessRunner;
import org.handoff.host.RunningCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Daemons known by their pid files: reading, liveness, stopping (politely, then not). */
class PidFilesTest {
    private final ProcessRunner host = new ProcessRunner();

    @Test
    void aMissingOrGarbledFileIsNoProcess(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("x.pid");
        assertEquals(OptionalLong.empty(), PidFiles.read(f));
        assertFalse(PidFiles.alive(f));
        Files.writeString(f, "not a pid\n");
        assertEquals(OptionalLong.empty(), PidFiles.read(f));
        assertFalse(PidFiles.alive(f));
        PidFiles.stop(f, 100);
        assertFalse(Files.exists(f), "a stale file goes");
        PidFiles.write(f, 1234);
        assertEquals(OptionalLong.of(1234), PidFiles.read(f));
    }

    @Test
    void stopEndsTheProcessAndRemovesItsFile(@TempDir Path dir) throws Exception {
        RunningCommand sleep = host.startLogged(List.of("sleep", "30"), dir.resolve("sleep.log"), false);
        Path f = dir.resolve("sleep.pid");
        PidFiles.write(f, sleep.pid());
        assertTrue(PidFiles.alive(f));
        PidFiles.stop(f, 5_000);
        assertFalse(PidFiles.alive(sleep.pid()));
        assertFalse(Files.exists(f));
    }

    @Test
    void aProcessIgnoringSigtermIsKilledAfterTheGrace(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("stubborn.log");
        RunningCommand stubborn = host.startLogged(List.of("bash", "-c", "trap '' TERM; echo ready; while :; do sleep 0.1; done"),
                log, false);
        for (int i = 0; i < 100 && !Files.readString(log).contains("ready"); i++) {
            Thread.sleep(20);
        }
        Path f = dir.resolve("stubborn.pid");
        PidFiles.write(f, stubborn.pid());
        long t0 = System.nanoTime();
        PidFiles.stop(f, 300);
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(millis >= 300 && millis < 3_000, "stop took " + millis + " ms");
        for (int i = 0; i < 50 && PidFiles.alive(stubborn.pid()); i++) {
            Thread.sleep(20);
        }
        assertFalse(PidFiles.alive(stubborn.pid()));
    }
}
