package org.handoff.bpf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.handoff.host.ProcessRunner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The binding on the real kernel with the selftest object (bpf/src/main/c/selftest.bpf.c):
 * open from the jar, load, maps, per-CPU counters, BPF_PROG_TEST_RUN, and the errors. Loads
 * programs and runs them with BPF_PROG_TEST_RUN only: attaches nothing, so it needs root (or
 * CAP_BPF) but no namespace.
 */
class BpfObjectTest {
    static final int TC_ACT_OK = 0;
    static final int XDP_DROP = 1;
    static final int XDP_PASS = 2;
    static final int COUNTER_TC = 0;
    static final int COUNTER_XDP = 1;
    static final int HASH_ENTRIES = 64;

    BpfObject obj;

    @BeforeAll
    static void needRoot() {
        assumeTrue(ProcessRunner.isRoot(), "loading BPF programs needs root (CAP_BPF)");
    }

    @BeforeEach
    void load() {
        obj = BpfObject.openResource("selftest.bpf.o");
        obj.load();
    }

    @AfterEach
    void close() {
        obj.close();
    }

    @Test
    void opensTheObjectTheBuildPutInTheJarWithItsProgramsAndMaps() {
        assertEquals("selftest.bpf.o", obj.name());
        assertEquals(Set.of("selftest_tc", "selftest_xdp", "selftest_tc_pass", "selftest_xdp_pass", "selftest_rejected"),
                Set.copyOf(obj.programNames()));
        assertEquals("tc", obj.program("selftest_tc").section());
        assertEquals("xdp", obj.program("selftest_xdp").section());
        assertEquals("xdp", obj.program("selftest_rejected").section(), "libbpf drops the ? (autoload off)");
        assertFalse(obj.program("selftest_rejected").autoload(), "a ?xdp section loads only on request");
        assertTrue(obj.program("selftest_tc").fd() > 0);
        assertTrue(obj.program("selftest_tc").id() > 0);
        IllegalStateException notLoaded = assertThrows(IllegalStateException.class, () -> obj.program("selftest_rejected").fd());
        assertTrue(notLoaded.getMessage().contains("autoload off"), notLoaded.getMessage());

        BpfMap hash = obj.map("selftest_hash");
        assertEquals(1, hash.type(), "BPF_MAP_TYPE_HASH");
        assertEquals(8, hash.keySize());
        assertEquals(8, hash.valueSize());
        assertEquals(8, hash.valueBytes());
        assertEquals(HASH_ENTRIES, hash.maxEntries());
        assertFalse(hash.isPerCpu());
        assertFalse(hash.isPinned());
        BpfMap counters = obj.map("selftest_counters");
        assertTrue(counters.isPerCpu());
        assertEquals(BpfMap.possibleCpus() * 8, counters.valueBytes(), "one 8-byte counter per possible CPU");
        assertTrue(obj.mapNames().containsAll(List.of("selftest_verdict", "selftest_counters", "selftest_hash")), obj.mapNames()::toString);

        BpfException noProgram = assertThrows(BpfException.class, () -> obj.program("nope"));
        assertTrue(noProgram.getMessage().contains("has no program 'nope' (it has: [selftest_tc"), noProgram.getMessage());
        BpfException noMap = assertThrows(BpfException.class, () -> obj.map("nope"));
        assertTrue(noMap.getMessage().contains("has no map 'nope'"), noMap.getMessage());
    }

    @Test
    void updateLookupDeleteAndIterateByByteArray() {
        BpfMap hash = obj.map("selftest_hash");
        Set<Long> written = new HashSet<>();
        for (long k = 1; k <= 3; k++) {
            hash.update(u64(k), u64(k * 100));
            written.add(k);
        }
        byte[] value = new byte[8];
        assertTrue(hash.lookup(u64(2), value));
        assertEquals(200, ByteBuffer.wrap(value).order(ByteOrder.nativeOrder()).getLong());
        assertFalse(hash.lookup(u64(99), value));
        assertEquals(200, ByteBuffer.wrap(value).order(ByteOrder.nativeOrder()).getLong(), "a miss leaves the output alone");

        Set<Long> keys = new HashSet<>();
        for (byte[] k : hash.keys()) {
            keys.add(ByteBuffer.wrap(k).order(ByteOrder.nativeOrder()).getLong());
        }
        assertEquals(written, keys);

        assertTrue(hash.delete(u64(2)));
        assertFalse(hash.delete(u64(2)), "already gone");
        assertFalse(hash.lookup(u64(2), value));
        assertEquals(2, hash.keys().size());

        IllegalArgumentException wrongSize = assertThrows(IllegalArgumentException.class, () -> hash.update(new byte[4], new byte[8]));
        assertEquals("map selftest_hash: key of 4 bytes (expected: 8)", wrongSize.getMessage());
    }

    @Test
    void updateModesAndAFullMapFailWithTheKernelsError() {
        BpfMap hash = obj.map("selftest_hash");
        hash.update(u64(1), u64(1), BpfMap.UpdateMode.NOEXIST);
        BpfException exists = assertThrows(BpfException.class, () -> hash.update(u64(1), u64(2), BpfMap.UpdateMode.NOEXIST));
        assertEquals(17, exists.errno());
        assertEquals("bpf_map_update_elem(selftest_hash, NOEXIST): File exists (errno 17)", exists.getMessage());
        BpfException absent = assertThrows(BpfException.class, () -> hash.update(u64(2), u64(2), BpfMap.UpdateMode.EXIST));
        assertEquals(2, absent.errno());
        hash.update(u64(1), u64(3), BpfMap.UpdateMode.EXIST);

        for (long k = 2; k <= HASH_ENTRIES; k++) {
            hash.update(u64(k), u64(k));
        }
        BpfException full = assertThrows(BpfException.class, () -> hash.update(u64(HASH_ENTRIES + 1), u64(0)));
        assertEquals(7, full.errno(), full.getMessage());
        assertTrue(full.getMessage().endsWith("Argument list too long (errno 7)"), full.getMessage());
        assertEquals(HASH_ENTRIES, hash.keys().size());
    }

    @Test
    void byteBuffersAreReadAndWrittenAtTheirPositionWithoutMovingIt() {
        BpfMap hash = obj.map("selftest_hash");
        ByteBuffer key = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
        ByteBuffer value = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
        key.putLong(4, 42).position(4);
        value.putLong(8, 4242).position(8);
        hash.update(key, value);
        assertEquals(4, key.position());
        assertEquals(8, value.position());

        ByteBuffer out = ByteBuffer.allocate(12).order(ByteOrder.nativeOrder()).position(2);
        assertTrue(hash.lookup(key, out));
        assertEquals(2, out.position());
        assertEquals(4242, out.getLong(2));

        ByteBuffer first = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
        assertTrue(hash.nextKey(null, first));
        assertEquals(42, first.getLong(0));
        assertFalse(hash.nextKey(first, ByteBuffer.allocate(8)), "one key only");
        assertTrue(hash.delete(key));
        assertFalse(hash.lookup(key, out));
        assertThrows(IllegalArgumentException.class, () -> hash.lookup(key, ByteBuffer.allocate(7)));
    }

    @Test
    void tcTestRunReturnsTheVerdictAndThePacketAsTheProgramLeftIt() {
        byte[] frame = frame();
        TestRunResult r = obj.program("selftest_tc").testRun(frame, 1);
        assertEquals(TC_ACT_OK, r.returnValue());
        byte[] expected = frame.clone();
        System.arraycopy(frame, 6, expected, 0, 6);
        System.arraycopy(frame, 0, expected, 6, 6);
        assertArrayEquals(expected, r.dataOut(), "Ethernet source and destination swapped, the rest unchanged");
        assertEquals(1, obj.map("selftest_counters").counter(COUNTER_TC));
    }

    @Test
    void xdpTestRunReturnsTheVerdictFromTheArrayMapAndCountsEveryRunOnThePerCpuCounter() {
        BpfMap verdict = obj.map("selftest_verdict");
        BpfMap counters = obj.map("selftest_counters");
        byte[] frame = frame();
        verdict.update(u32(0), u32(XDP_DROP));
        assertEquals(XDP_DROP, obj.program("selftest_xdp").testRun(frame, 5).returnValue());
        verdict.update(u32(0), u32(XDP_PASS));
        TestRunResult pass = obj.program("selftest_xdp").testRun(frame, 3);
        assertEquals(XDP_PASS, pass.returnValue());
        assertArrayEquals(frame, pass.dataOut(), "XDP_PASS with the packet untouched");
        assertEquals(8, counters.counter(COUNTER_XDP), "5 + 3 runs");
        assertEquals(0, counters.counter(COUNTER_TC));
        ByteBuffer key = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0, COUNTER_XDP);
        assertEquals(8, counters.sum(key));
        assertThrows(IndexOutOfBoundsException.class, () -> counters.counter(2));
        assertThrows(IllegalStateException.class, () -> obj.map("selftest_hash").counter(0), "not a per-CPU counter map");
    }

    @Test
    void aTooSmallOutputFailsWithEnospc() {
        BpfException e = assertThrows(BpfException.class, () -> obj.program("selftest_tc").testRun(frame(), null, 20, 1));
        assertEquals(28, e.errno(), e.getMessage());
        assertTrue(e.getMessage().startsWith("bpf_prog_test_run_opts(selftest_tc, 50 bytes in, room for 20 (output was 50)): "),
                e.getMessage());
    }

    @Test
    void mapsAndProgramsRefuseUseAfterTheObjectIsClosed() {
        BpfMap hash = obj.map("selftest_hash");
        BpfProgram tc = obj.program("selftest_tc");
        obj.close();
        obj.close();
        assertThrows(IllegalStateException.class, () -> hash.update(u64(1), u64(1)));
        assertThrows(IllegalStateException.class, tc::fd);
        assertThrows(IllegalStateException.class, () -> obj.map("selftest_hash"));
    }

    @Test
    void aVerifierRejectionSaysWhyWithTheEndOfTheVerifierLog() {
        try (BpfObject rejected = BpfObject.openResource("selftest.bpf.o")) {
            rejected.program("selftest_rejected").autoload(true);
            BpfException e = assertThrows(BpfException.class, rejected::load);
            assertTrue(e.getMessage().startsWith("bpf_object__load(selftest.bpf.o): Permission denied (errno 13); libbpf said:"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("R1 offset is outside of the packet"), e.getMessage());
            assertTrue(e.libbpfLog().stream().anyMatch(l -> l.contains("selftest_rejected")), e.libbpfLog()::toString);
            assertTrue(e.libbpfLog().size() <= LibbpfLog.TAIL_LINES);
        }
    }

    @Test
    void garbageAndMissingObjectsFailClearly() {
        byte[] garbage = new byte[256];
        Arrays.fill(garbage, (byte) 0x5a);
        BpfException e = assertThrows(BpfException.class, () -> BpfObject.open("garbage.bpf.o", garbage));
        assertTrue(e.getMessage().startsWith("bpf_object__open_mem(garbage.bpf.o): "), e.getMessage());
        assertTrue(e.errno() > 0);

        BpfException missing = assertThrows(BpfException.class, () -> BpfObject.openResource("absent.bpf.o"));
        assertEquals("BPF object /org/handoff/bpf/absent.bpf.o not in the classpath (built from bpf/src/main/c/absent.bpf.c)",
                missing.getMessage());
        assertThrows(BpfException.class, () -> BpfObject.openFile(java.nio.file.Path.of("/nonexistent/x.bpf.o")));
    }

    @Test
    void opensAnObjectFileToo() throws Exception {
        java.nio.file.Path file = java.nio.file.Path.of(BpfObject.class.getResource("/org/handoff/bpf/selftest.bpf.o").toURI());
        try (BpfObject fromFile = BpfObject.openFile(file)) {
            assertEquals("selftest.bpf.o", fromFile.name());
            fromFile.load();
            assertEquals(XDP_PASS, fromFile.program("selftest_xdp_pass").testRun(frame(), 1).returnValue());
        }
    }

    @Test
    void interfaceIndexesByName() {
        assertEquals(1, Interfaces.indexOf("lo"));
        BpfException e = assertThrows(BpfException.class, () -> Interfaces.indexOf("ho-absent0"));
        assertEquals("if_nametoindex(ho-absent0): No such device (errno 19)", e.getMessage());
    }

    static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(v).array();
    }

    static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
    }

    /** Ethernet + IPv4 + UDP 198.18.0.1:4000 -> 198.18.0.2:9, 8 payload bytes: 50 bytes. */
    static byte[] frame() {
        ByteBuffer b = ByteBuffer.allocate(50);
        b.put(new byte[] {2, 0, 0, 0, 0, 2}).put(new byte[] {2, 0, 0, 0, 0, 1}).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) 36).putShort((short) 1).putShort((short) 0x4000)
                .put((byte) 64).put((byte) 17).putShort((short) 0).put(new byte[] {(byte) 198, 18, 0, 1})
                .put(new byte[] {(byte) 198, 18, 0, 2});
        b.putShort((short) 4000).putShort((short) 9).putShort((short) 16).putShort((short) 0);
        b.put("selftest".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        return b.array();
    }
}
