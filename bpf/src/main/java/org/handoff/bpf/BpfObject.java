package org.handoff.bpf;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One BPF object file (clang's {@code NAME.bpf.o}) opened with libbpf: its programs and maps.
 * Open it (from the jar, bytes or a file), optionally choose where its maps are pinned, then
 * {@link #load()} it into the kernel:
 *
 * <pre>{@code
 * try (BpfObject obj = BpfObject.openResource("agent_egress.bpf.o")) {
 *     obj.pinMapsUnder(bpffs.path());          // reuse the maps a previous run pinned there
 *     obj.load();
 *     BpfMap flows = obj.map("egress_flows");
 *     BpfProgram prog = obj.program("agent_egress");
 * }
 * }</pre>
 *
 * <p>Closing the object closes its file descriptors; what was attached ({@link TcAttachment},
 * {@link XdpAttachment}) and what was pinned stays in the kernel until detached or unpinned.
 * Not thread-safe while opening and loading; its maps are.
 */
public final class BpfObject implements AutoCloseable {
    /** Where {@link #openResource(String)} finds the objects the build compiled into the jar. */
    public static final String RESOURCE_DIRECTORY = "/org/handoff/bpf/";

    private final String name;
    /** The ELF bytes of an object opened from memory: libbpf reads them in place until loaded. */
    private final Memory elf;
    private Pointer obj;
    private boolean loaded;
    private final Map<String, BpfProgram> programs = new LinkedHashMap<>();
    private final Map<String, BpfMap> maps = new LinkedHashMap<>();

    private BpfObject(String name, Pointer obj, Memory elf) {
        this.name = name;
        this.obj = obj;
        this.elf = elf;
        for (Pointer p = Libbpf.bpf_object__next_program(obj, null); p != null; p = Libbpf.bpf_object__next_program(obj, p)) {
            BpfProgram program = new BpfProgram(this, p);
            programs.put(program.name(), program);
        }
    }

    /**
     * Opens {@code fileName} (e.g. {@code selftest.bpf.o}) from {@value #RESOURCE_DIRECTORY} in
     * the classpath, where the build puts every compiled {@code src/main/c/*.bpf.c}.
     */
    public static BpfObject openResource(String fileName) {
        String resource = RESOURCE_DIRECTORY + fileName;
        try (InputStream in = BpfObject.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new BpfException("BPF object " + resource + " not in the classpath (built from bpf/src/main/c/"
                        + fileName.replaceFirst("\\.o$", ".c") + ")");
            }
            return open(fileName, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + resource, e);
        }
    }

    /** Opens an object from its ELF bytes; {@code name} names it in libbpf's messages and ours. */
    public static BpfObject open(String name, byte[] elfBytes) {
        if (elfBytes.length == 0) {
            throw new BpfException("BPF object " + name + ": 0 bytes (expected: an ELF file)");
        }
        Memory elf = new Memory(elfBytes.length);
        elf.write(0, elfBytes, 0, elfBytes.length);
        Libbpf.ObjectOpenOpts opts = new Libbpf.ObjectOpenOpts();
        opts.object_name = name;
        LibbpfLog.clear();
        Pointer obj = Libbpf.bpf_object__open_mem(elf, elfBytes.length, opts.written());
        if (obj == null) {
            throw BpfException.of("bpf_object__open_mem", name, Native.getLastError());
        }
        return new BpfObject(name, obj, elf);
    }

    /** Opens an object file. */
    public static BpfObject openFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new BpfException("BPF object " + file + ": no such file");
        }
        LibbpfLog.clear();
        Pointer obj = Libbpf.bpf_object__open_file(file.toString(), null);
        if (obj == null) {
            throw BpfException.of("bpf_object__open_file", file.toString(), Native.getLastError());
        }
        return new BpfObject(file.getFileName().toString(), obj, null);
    }

    /** The object's name (its file name). */
    public String name() {
        return name;
    }

    /**
     * Before {@link #load()}: pins every map of the object (not the internal .data, .bss and
     * .rodata maps) at {@code dir/MAP_NAME}. A map already pinned there is reused, contents and
     * all, provided its type, key and value sizes, max entries and flags match the object's
     * definition (load fails otherwise); a map not yet pinned is created and pinned at load.
     * This is how a restarted process finds its flows. {@code dir} must be on a bpffs
     * ({@link BpfFs}).
     */
    public BpfObject pinMapsUnder(Path dir) {
        checkNotLoaded("pinMapsUnder");
        for (Pointer m = Libbpf.bpf_object__next_map(obj, null); m != null; m = Libbpf.bpf_object__next_map(obj, m)) {
            if (Libbpf.bpf_map__is_internal(m) != 0) {
                continue;
            }
            pin(m, dir.resolve(Libbpf.bpf_map__name(m)));
        }
        return this;
    }

    /** Before {@link #load()}: pins (or reuses) just {@code mapName} at {@code pinPath}, as {@link #pinMapsUnder}. */
    public BpfObject pinMap(String mapName, Path pinPath) {
        checkNotLoaded("pinMap");
        pin(findMap(mapName), pinPath);
        return this;
    }

    /**
     * Before {@link #load()}: this object's {@code mapName} is {@code other}, a loaded map of
     * another object (its type, key and value sizes and max entries must match, or load fails):
     * two objects sharing maps without a bpffs, as the agent's programs do under their pins.
     */
    public BpfObject reuseMap(String mapName, BpfMap other) {
        checkNotLoaded("reuseMap");
        LibbpfLog.clear();
        int rc = Libbpf.bpf_map__reuse_fd(findMap(mapName), other.fd());
        if (rc != 0) {
            throw BpfException.of("bpf_map__reuse_fd", name + ": " + mapName + " as " + other.name(), rc);
        }
        return this;
    }

    private void pin(Pointer map, Path pinPath) {
        LibbpfLog.clear();
        int rc = Libbpf.bpf_map__set_pin_path(map, pinPath.toString());
        if (rc != 0) {
            throw BpfException.of("bpf_map__set_pin_path", name + ": " + Libbpf.bpf_map__name(map) + " at " + pinPath, rc);
        }
    }

    /**
     * Creates (or reuses pinned) maps and loads every program whose autoload is on into the
     * kernel. A program the verifier rejects fails the load with the end of the verifier log
     * in the exception's message.
     */
    public void load() {
        checkNotLoaded("load");
        LibbpfLog.clear();
        int rc = Libbpf.bpf_object__load(obj);
        if (rc != 0) {
            throw BpfException.of("bpf_object__load", name, rc);
        }
        loaded = true;
        for (Pointer m = Libbpf.bpf_object__next_map(obj, null); m != null; m = Libbpf.bpf_object__next_map(obj, m)) {
            BpfMap map = new BpfMap(this, m);
            maps.put(map.name(), map);
        }
    }

    public boolean isLoaded() {
        return loaded;
    }

    /** A program by its C function name; usable before {@link #load()} (to set its autoload). */
    public BpfProgram program(String programName) {
        checkOpen();
        BpfProgram program = programs.get(programName);
        if (program == null) {
            throw new BpfException("BPF object " + name + " has no program '" + programName + "' (it has: " + programs.keySet() + ")");
        }
        return program;
    }

    /** A map by its name in the C source; after {@link #load()}. */
    public BpfMap map(String mapName) {
        checkOpen();
        if (!loaded) {
            throw new IllegalStateException("BPF object " + name + ": map '" + mapName + "' before load()");
        }
        BpfMap map = maps.get(mapName);
        if (map == null) {
            throw new BpfException("BPF object " + name + " has no map '" + mapName + "' (it has: " + maps.keySet() + ")");
        }
        return map;
    }

    /** Program names, in the object's order. */
    public List<String> programNames() {
        checkOpen();
        return List.copyOf(programs.keySet());
    }

    /** Map names, internal ones (.data, .bss, .rodata) included, in the object's order. */
    public List<String> mapNames() {
        checkOpen();
        List<String> names = new ArrayList<>();
        for (Pointer m = Libbpf.bpf_object__next_map(obj, null); m != null; m = Libbpf.bpf_object__next_map(obj, m)) {
            names.add(Libbpf.bpf_map__name(m));
        }
        return names;
    }

    private Pointer findMap(String mapName) {
        checkOpen();
        Pointer m = Libbpf.bpf_object__find_map_by_name(obj, mapName);
        if (m == null) {
            throw new BpfException("BPF object " + name + " has no map '" + mapName + "' (it has: " + mapNames() + ")");
        }
        return m;
    }

    /** Closes the object's programs and maps (file descriptors); attachments and pins stay. Idempotent. */
    @Override
    public synchronized void close() {
        if (obj == null) {
            return;
        }
        Libbpf.bpf_object__close(obj);
        obj = null;
        if (elf != null) {
            elf.close();
        }
    }

    boolean isClosed() {
        return obj == null;
    }

    void checkOpen() {
        if (obj == null) {
            throw new IllegalStateException("BPF object " + name + " is closed");
        }
    }

    private void checkNotLoaded(String what) {
        checkOpen();
        if (loaded) {
            throw new IllegalStateException("BPF object " + name + ": " + what + "() after load()");
        }
    }

    @Override
    public String toString() {
        return "BpfObject[" + name + (obj == null ? ", closed" : loaded ? ", loaded" : ", opened") + "]";
    }
}
