package org.handoff.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Stream;
import org.handoff.host.ProcessRunner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A private bpffs in a temporary directory (mounted in the test's mount namespace, unmounted
 * after each test, also on failure) and maps pinned on it: a second load of the object reuses
 * the pinned maps with their contents, as a restarted process does.
 */
class BpfFsTest {
    @TempDir
    Path tmp;
    Path dir;
    BpfFs fs;

    @BeforeAll
    static void needRoot() {
        assumeTrue(ProcessRunner.isRoot(), "mounting a bpffs and loading BPF programs need root");
    }

    @BeforeEach
    void mount() {
        dir = tmp.resolve("bpffs");
        fs = BpfFs.mount(dir);
    }

    @AfterEach
    void unmount() {
        fs.close();
        assertFalse(BpfFs.isBpfFs(dir), "left mounted");
    }

    @Test
    void mountsOnceAndUnmountsOnlyWhatItMounted() {
        assertTrue(fs.mountedHere());
        assertTrue(BpfFs.isBpfFs(dir));
        assertFalse(BpfFs.isBpfFs(tmp), "the temporary directory itself is not a bpffs");
        assertFalse(BpfFs.isBpfFs(tmp.resolve("absent")));
        try (BpfFs again = BpfFs.mount(dir)) {
            assertFalse(again.mountedHere(), "already a bpffs: used, not mounted twice");
            assertEquals(dir, again.path());
        }
        assertTrue(BpfFs.isBpfFs(dir), "closing the second one must not unmount the first's bpffs");
    }

    @Test
    void aSecondLoadReusesThePinnedMapsWithTheirContents() throws IOException {
        try (BpfObject first = BpfObject.openResource("selftest.bpf.o")) {
            first.pinMapsUnder(dir).load();
            assertTrue(first.map("selftest_hash").isPinned());
            first.map("selftest_hash").update(BpfObjectTest.u64(7), BpfObjectTest.u64(77));
            first.program("selftest_xdp").testRun(BpfObjectTest.frame(), 4);
        }
        assertEquals(Set.of("selftest_verdict", "selftest_counters", "selftest_hash"), names(dir),
                "one pin per map, none for the internal maps");

        try (BpfObject second = BpfObject.openResource("selftest.bpf.o")) {
            second.pinMapsUnder(dir).load();
            byte[] value = new byte[8];
            assertTrue(second.map("selftest_hash").lookup(BpfObjectTest.u64(7), value), "the entry the first load wrote");
            assertEquals(77, java.nio.ByteBuffer.wrap(value).order(java.nio.ByteOrder.nativeOrder()).getLong());
            assertEquals(4, second.map("selftest_counters").counter(BpfObjectTest.COUNTER_XDP), "counters carry on too");
        }

        boolean preload = Files.exists(dir.resolve("progs.debug"));
        fs.removePins();
        assertEquals(Set.of(), names(dir));
        assertEquals(preload, Files.exists(dir.resolve("progs.debug")), "the kernel's own entries (CONFIG_BPF_PRELOAD) stay");
        try (BpfObject third = BpfObject.openResource("selftest.bpf.o")) {
            third.pinMapsUnder(dir).load();
            assertFalse(third.map("selftest_hash").lookup(BpfObjectTest.u64(7), new byte[8]), "fresh maps once unpinned");
        }
    }

    @Test
    void aPinnedMapOfAnotherShapeFailsTheLoadWithLibbpfsReason() {
        try (BpfObject first = BpfObject.openResource("selftest.bpf.o")) {
            first.pinMapsUnder(dir).load();
        }
        try (BpfObject mismatched = BpfObject.openResource("selftest.bpf.o")) {
            // The array map pointed at the hash map's pin.
            mismatched.pinMap("selftest_verdict", dir.resolve("selftest_hash"));
            BpfException e = assertThrows(BpfException.class, mismatched::load);
            assertTrue(e.getMessage().startsWith("bpf_object__load(selftest.bpf.o): "), e.getMessage());
            assertTrue(e.libbpfLog().stream().anyMatch(l -> l.contains("couldn't reuse pinned map")), e.getMessage());
        }
    }

    @Test
    void pinningAfterLoadIsRefused() {
        try (BpfObject obj = BpfObject.openResource("selftest.bpf.o")) {
            obj.load();
            assertThrows(IllegalStateException.class, () -> obj.pinMapsUnder(dir));
        }
    }

    private static Set<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return Set.copyOf(files.map(p -> p.getFileName().toString()).filter(n -> !BpfFs.KERNEL_ENTRIES.contains(n)).toList());
        }
    }
}
