package org.handoff.bpf;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * One map of a loaded {@link BpfObject}: its shape, and update, lookup, delete and iteration
 * from user space by {@link ByteBuffer} or {@code byte[]}.
 *
 * <p>Called per hand-off, so no call allocates: keys and values are copied through native
 * buffers the map allocated once (calls are {@code synchronized} on the map for that reason),
 * and buffers are read and written at their position without moving it (absolute access).
 *
 * <p>Per-CPU maps ({@link #isPerCpu()}) hold one value per possible CPU: a lookup or update
 * moves {@link #valueBytes()} = CPUs x value size rounded up to 8 bytes, CPU 0 first;
 * {@link #sum(ByteBuffer)} and {@link #counter(int)} add up a 64-bit counter over all CPUs.
 * Array keys and counters are in the host's byte order, as the programs see them.
 */
public final class BpfMap {
    private static final int ENOENT = 2;
    private static final int COUNTER_BYTES = Long.BYTES;

    private final BpfObject owner;
    private final String name;
    private final int fd;
    private final int type;
    private final int keySize;
    private final int valueSize;
    private final int maxEntries;
    private final boolean pinned;
    private final boolean perCpu;
    private final int cpus;
    private final int valueBytes;
    private final Memory key;
    private final Memory nextKey;
    private final Memory value;
    private final ByteBuffer keyView;
    private final ByteBuffer nextKeyView;
    private final ByteBuffer valueView;

    BpfMap(BpfObject owner, Pointer map) {
        this.owner = owner;
        this.name = Libbpf.bpf_map__name(map);
        this.fd = Libbpf.bpf_map__fd(map);
        this.type = Libbpf.bpf_map__type(map);
        this.keySize = Libbpf.bpf_map__key_size(map);
        this.valueSize = Libbpf.bpf_map__value_size(map);
        this.maxEntries = Libbpf.bpf_map__max_entries(map);
        this.pinned = Libbpf.bpf_map__is_pinned(map);
        this.perCpu = type == Libbpf.BPF_MAP_TYPE_PERCPU_HASH || type == Libbpf.BPF_MAP_TYPE_PERCPU_ARRAY
                || type == Libbpf.BPF_MAP_TYPE_LRU_PERCPU_HASH;
        this.cpus = perCpu ? possibleCpus() : 1;
        this.valueBytes = perCpu ? cpus * roundUp8(valueSize) : valueSize;
        this.key = new Memory(Math.max(1, keySize));
        this.nextKey = new Memory(Math.max(1, keySize));
        this.value = new Memory(Math.max(1, valueBytes));
        this.keyView = key.getByteBuffer(0, key.size()).order(ByteOrder.nativeOrder());
        this.nextKeyView = nextKey.getByteBuffer(0, nextKey.size()).order(ByteOrder.nativeOrder());
        this.valueView = value.getByteBuffer(0, value.size()).order(ByteOrder.nativeOrder());
    }

    /** libbpf_num_possible_cpus(): how many values a per-CPU map holds per key. */
    public static int possibleCpus() {
        int n = Libbpf.libbpf_num_possible_cpus();
        if (n <= 0) {
            throw BpfException.of("libbpf_num_possible_cpus", "/sys/devices/system/cpu/possible", n);
        }
        return n;
    }

    private static int roundUp8(int n) {
        return (n + 7) & ~7;
    }

    public String name() {
        return name;
    }

    /** The map's file descriptor (owned by its object). */
    public int fd() {
        return fd;
    }

    /** {@code enum bpf_map_type}, e.g. 1 hash, 2 array, 6 per-CPU array, 9 LRU hash. */
    public int type() {
        return type;
    }

    public int keySize() {
        return keySize;
    }

    /** The value size the C source declares (per CPU, for per-CPU maps). */
    public int valueSize() {
        return valueSize;
    }

    public int maxEntries() {
        return maxEntries;
    }

    public boolean isPerCpu() {
        return perCpu;
    }

    /** The bytes a lookup writes and an update reads: the value size, or for per-CPU maps all CPUs' values. */
    public int valueBytes() {
        return valueBytes;
    }

    /** Whether the map is pinned on a bpffs (set with {@link BpfObject#pinMapsUnder}). */
    public boolean isPinned() {
        return pinned;
    }

    // ---------------------------------------------------------------- ByteBuffer

    /** {@link #update(ByteBuffer, ByteBuffer, UpdateMode)} with {@link UpdateMode#ANY}. */
    public void update(ByteBuffer keyIn, ByteBuffer valueIn) {
        update(keyIn, valueIn, UpdateMode.ANY);
    }

    /**
     * Writes the entry: {@link #keySize()} bytes of {@code keyIn} and {@link #valueBytes()} of
     * {@code valueIn} from their positions. A full hash map, or a {@code mode} the entry's
     * presence contradicts, fails with the kernel's error (E2BIG, EEXIST, ENOENT).
     */
    public synchronized void update(ByteBuffer keyIn, ByteBuffer valueIn, UpdateMode mode) {
        putKey(keyIn);
        check("value", valueIn, valueBytes);
        valueView.put(0, valueIn, valueIn.position(), valueBytes);
        updateFromScratch(mode);
    }

    /**
     * Reads the entry of {@code keyIn} into {@code valueOut} at its position ({@link #valueBytes()}
     * bytes); false, and {@code valueOut} untouched, when there is none.
     */
    public synchronized boolean lookup(ByteBuffer keyIn, ByteBuffer valueOut) {
        putKey(keyIn);
        check("value", valueOut, valueBytes);
        if (!lookupIntoScratch()) {
            return false;
        }
        valueOut.put(valueOut.position(), valueView, 0, valueBytes);
        return true;
    }

    /** Deletes the entry of {@code keyIn}; false when there was none. Array maps refuse (EINVAL). */
    public synchronized boolean delete(ByteBuffer keyIn) {
        putKey(keyIn);
        return deleteScratchKey();
    }

    /**
     * Writes into {@code next} (at its position) the key after {@code previous}, or the first
     * key when {@code previous} is null; false after the last. The order is the kernel's.
     */
    public synchronized boolean nextKey(ByteBuffer previous, ByteBuffer next) {
        check("next key", next, keySize);
        if (previous != null) {
            putKey(previous);
        }
        if (!nextKeyIntoScratch(previous == null ? null : key)) {
            return false;
        }
        next.put(next.position(), nextKeyView, 0, keySize);
        return true;
    }

    // ---------------------------------------------------------------- byte[]

    public void update(byte[] keyIn, byte[] valueIn) {
        update(keyIn, valueIn, UpdateMode.ANY);
    }

    /** As {@link #update(ByteBuffer, ByteBuffer, UpdateMode)}; the arrays must be exactly key- and value-sized. */
    public synchronized void update(byte[] keyIn, byte[] valueIn, UpdateMode mode) {
        putKey(keyIn);
        check("value", valueIn, valueBytes);
        value.write(0, valueIn, 0, valueBytes);
        updateFromScratch(mode);
    }

    /** As {@link #lookup(ByteBuffer, ByteBuffer)}. */
    public synchronized boolean lookup(byte[] keyIn, byte[] valueOut) {
        putKey(keyIn);
        check("value", valueOut, valueBytes);
        if (!lookupIntoScratch()) {
            return false;
        }
        value.read(0, valueOut, 0, valueBytes);
        return true;
    }

    /** As {@link #delete(ByteBuffer)}. */
    public synchronized boolean delete(byte[] keyIn) {
        putKey(keyIn);
        return deleteScratchKey();
    }

    /**
     * Every key, in the kernel's order, at most {@link #maxEntries()} of them (a map changed
     * meanwhile may show a key twice or miss one). Allocates: for listings, not per packet.
     */
    public synchronized List<byte[]> keys() {
        List<byte[]> keys = new ArrayList<>();
        Pointer previous = null;
        while (keys.size() < maxEntries && nextKeyIntoScratch(previous)) {
            byte[] k = nextKey.getByteArray(0, keySize);
            keys.add(k);
            key.write(0, k, 0, keySize);
            previous = key;
        }
        return keys;
    }

    // ---------------------------------------------------------------- per-CPU counters

    /**
     * The sum over all CPUs of the 64-bit counter stored under {@code keyIn} in this per-CPU
     * map (value size 8); 0 when there is no entry.
     */
    public synchronized long sum(ByteBuffer keyIn) {
        checkCounterMap();
        putKey(keyIn);
        return sumScratch();
    }

    /** {@link #sum(ByteBuffer)} for a per-CPU array of 64-bit counters: the total at {@code index}. */
    public synchronized long counter(int index) {
        checkCounterMap();
        if (keySize != Integer.BYTES) {
            throw new IllegalStateException("map " + name + ": " + keySize + "-byte key (expected: a 4-byte array index)");
        }
        if (index < 0 || index >= maxEntries) {
            throw new IndexOutOfBoundsException("map " + name + ": counter " + index + " (expected: 0.." + (maxEntries - 1) + ")");
        }
        keyView.putInt(0, index);
        return sumScratch();
    }

    private void checkCounterMap() {
        if (!isPerCpu() || valueSize != COUNTER_BYTES) {
            throw new IllegalStateException("map " + name + ": type " + type + ", " + valueSize
                    + "-byte values (expected: a per-CPU map of 8-byte counters)");
        }
    }

    private long sumScratch() {
        if (!lookupIntoScratch()) {
            return 0;
        }
        long total = 0;
        for (int cpu = 0; cpu < cpus; cpu++) {
            total += valueView.getLong(cpu * COUNTER_BYTES);
        }
        return total;
    }

    // ---------------------------------------------------------------- scratch

    private boolean lookupIntoScratch() {
        return found(Libbpf.bpf_map_lookup_elem(checkedFd(), key, value), "bpf_map_lookup_elem");
    }

    private boolean deleteScratchKey() {
        return found(Libbpf.bpf_map_delete_elem(checkedFd(), key), "bpf_map_delete_elem");
    }

    private boolean nextKeyIntoScratch(Pointer previous) {
        return found(Libbpf.bpf_map_get_next_key(checkedFd(), previous, nextKey), "bpf_map_get_next_key");
    }

    /** A call's return: true on success, false for ENOENT (no such entry, or no next key), else thrown. */
    private boolean found(int rc, String call) {
        if (rc == -ENOENT) {
            return false;
        }
        if (rc != 0) {
            throw BpfException.of(call, name, rc, List.of());
        }
        return true;
    }

    /** Writes the scratch key and value into the map. */
    private void updateFromScratch(UpdateMode mode) {
        int rc = Libbpf.bpf_map_update_elem(checkedFd(), key, value, mode.flags);
        if (rc != 0) {
            throw BpfException.of("bpf_map_update_elem", name + ", " + mode, rc, List.of());
        }
    }

    private void putKey(ByteBuffer keyIn) {
        check("key", keyIn, keySize);
        keyView.put(0, keyIn, keyIn.position(), keySize);
    }

    private void putKey(byte[] keyIn) {
        check("key", keyIn, keySize);
        key.write(0, keyIn, 0, keySize);
    }

    private void check(String what, ByteBuffer buffer, int expected) {
        if (buffer.remaining() < expected) {
            throw new IllegalArgumentException("map " + name + ": " + what + " of " + buffer.remaining() + " bytes (expected: "
                    + expected + ")");
        }
    }

    private void check(String what, byte[] array, int expected) {
        if (array.length != expected) {
            throw new IllegalArgumentException("map " + name + ": " + what + " of " + array.length + " bytes (expected: "
                    + expected + ")");
        }
    }

    private int checkedFd() {
        owner.checkOpen();
        return fd;
    }

    @Override
    public String toString() {
        return "BpfMap[" + name + ", type " + type + ", key " + keySize + ", value " + valueSize + ", max " + maxEntries
                + (pinned ? ", pinned" : "") + "]";
    }

    /** How {@link #update} treats an entry already there (BPF_ANY, BPF_NOEXIST, BPF_EXIST). */
    public enum UpdateMode {
        /** Create or replace. */
        ANY(Libbpf.BPF_ANY),
        /** Create only; EEXIST when present. */
        NOEXIST(Libbpf.BPF_NOEXIST),
        /** Replace only; ENOENT when absent. */
        EXIST(Libbpf.BPF_EXIST);

        final long flags;

        UpdateMode(long flags) {
            this.flags = flags;
        }
    }
}
